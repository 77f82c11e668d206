-- The change log and webhook queue are written by triggers, so that every write, from
-- any code path, records its change in the same transaction (a crash can neither lose
-- nor invent an event). "Public" is what an anonymous reader may see at that moment.
CREATE TRIGGER `articles_change_insert` AFTER INSERT ON articles BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('article', new.id, 0, (new.live_at is not null and new.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.author_id, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_change_update` AFTER UPDATE ON articles BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('article', new.id, (old.live_at is not null and old.live_at <= cast(unixepoch('subsec') * 1000 as integer)), (new.live_at is not null and new.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.author_id, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_change_delete` AFTER DELETE ON articles BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('article', old.id, (old.live_at is not null and old.live_at <= cast(unixepoch('subsec') * 1000 as integer)), 0, old.author_id, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `authors_change_insert` AFTER INSERT ON authors BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('author', new.id, 0, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `authors_change_update` AFTER UPDATE ON authors BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('author', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `authors_change_delete` AFTER DELETE ON authors BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('author', old.id, 1, 0, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `categories_change_insert` AFTER INSERT ON categories BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('category', new.id, 0, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `categories_change_update` AFTER UPDATE ON categories BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('category', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `categories_change_delete` AFTER DELETE ON categories BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('category', old.id, 1, 0, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_insert` AFTER INSERT ON tags BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('tag', new.id, 0, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_update` AFTER UPDATE ON tags BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('tag', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_delete` AFTER DELETE ON tags BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('tag', old.id, 1, 0, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `comments_change_insert` AFTER INSERT ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at)
    VALUES ('comment', new.id, 0, new.status = 'approved', cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `comments_change_update` AFTER UPDATE ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at)
    VALUES ('comment', new.id, old.status = 'approved', new.status = 'approved', cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `comments_change_delete` AFTER DELETE ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at)
    VALUES ('comment', old.id, old.status = 'approved', 0, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_webhook_insert` AFTER INSERT ON articles WHEN (new.status = 'published' AND new.published_at <= cast(unixepoch('subsec') * 1000 as integer)) BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.published', json_object('event', 'article.published', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'slug', new.slug, 'title', new.title, 'status', new.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', new.published_at / 1000.0, 'unixepoch'), 'authorId', new.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.published', '*'));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_webhook_update` AFTER UPDATE ON articles WHEN new.updated_at <> old.updated_at OR new.status <> old.status BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.published', json_object('event', 'article.published', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'slug', new.slug, 'title', new.title, 'status', new.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', new.published_at / 1000.0, 'unixepoch'), 'authorId', new.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (old.status <> 'published' AND (new.status = 'published' AND new.published_at <= cast(unixepoch('subsec') * 1000 as integer))) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.published', '*'));
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.updated', json_object('event', 'article.updated', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'slug', new.slug, 'title', new.title, 'status', new.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', new.published_at / 1000.0, 'unixepoch'), 'authorId', new.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (old.status = 'published' AND (new.status = 'published' AND new.published_at <= cast(unixepoch('subsec') * 1000 as integer))) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.updated', '*'));
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.unpublished', json_object('event', 'article.unpublished', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'slug', new.slug, 'title', new.title, 'status', new.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', new.published_at / 1000.0, 'unixepoch'), 'authorId', new.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (old.status = 'published' AND NOT (new.status = 'published' AND new.published_at <= cast(unixepoch('subsec') * 1000 as integer))) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.unpublished', '*'));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_webhook_delete` AFTER DELETE ON articles BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.deleted', json_object('event', 'article.deleted', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', old.id, 'slug', old.slug, 'title', old.title, 'status', old.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', old.published_at / 1000.0, 'unixepoch'), 'authorId', old.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.deleted', '*'));
END;
--> statement-breakpoint
CREATE TRIGGER `comments_webhook_insert` AFTER INSERT ON comments WHEN new.status <> 'spam' BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'comment.created', json_object('event', 'comment.created', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'articleId', new.article_id, 'parentId', new.parent_id, 'status', new.status)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('comment.created', '*'));
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'comment.approved', json_object('event', 'comment.approved', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'articleId', new.article_id, 'parentId', new.parent_id, 'status', new.status)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (new.status = 'approved') AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('comment.approved', '*'));
END;
--> statement-breakpoint
CREATE TRIGGER `comments_webhook_update` AFTER UPDATE OF status ON comments WHEN new.status = 'approved' AND old.status <> 'approved' BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'comment.approved', json_object('event', 'comment.approved', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'articleId', new.article_id, 'parentId', new.parent_id, 'status', new.status)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('comment.approved', '*'));
END;
