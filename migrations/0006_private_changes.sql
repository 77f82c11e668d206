ALTER TABLE `change_events` ADD `public_seq` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `change_events_public_seq_unique` ON `change_events` (`public_seq`);--> statement-breakpoint
-- Writes an anonymous reader cannot see leave no trace they can see (see README, "Privacy").
--
-- 1. The anonymous change feed numbers its events on their own (public_seq): its `seq`
--    values and cursors no longer skip the hidden writes between two public ones.
--    Existing public events are numbered in log order; a counter in app_state gives the
--    next number, so numbers are never reused after a purge.
UPDATE `change_events` SET `public_seq` = `ranked`.`n`
  FROM (SELECT `seq`, row_number() OVER (ORDER BY `seq`) AS `n` FROM `change_events` WHERE `public_before` OR `public_after`) AS `ranked`
  WHERE `ranked`.`seq` = `change_events`.`seq`;
--> statement-breakpoint
INSERT OR REPLACE INTO `app_state` (`key`, `value`)
  SELECT 'change_events_public_seq', coalesce(max(`public_seq`), 0) FROM `change_events`;
--> statement-breakpoint
CREATE TRIGGER `change_events_public_seq` AFTER INSERT ON change_events WHEN new.public_before OR new.public_after BEGIN
  UPDATE app_state SET value = value + 1 WHERE key = 'change_events_public_seq';
  UPDATE change_events SET public_seq = (SELECT value FROM app_state WHERE key = 'change_events_public_seq') WHERE seq = new.seq;
END;
--> statement-breakpoint
-- 2. An update that changes nothing is not a change. Recounting the authors, categories
--    and tags of a hidden article (which leaves their counts as they were) used to log
--    them as changed, telling the anonymous feed when and whose unpublished work moved.
DROP TRIGGER `articles_change_update`;
--> statement-breakpoint
CREATE TRIGGER `articles_change_update` AFTER UPDATE ON articles WHEN (old.slug, old.title, old.subtitle, old.custom_excerpt, old.excerpt, old.body_format, old.word_count, old.reading_time_minutes, old.featured_image, old.seo, old.status, old.featured, old.published_at, old.live_at, old.author_id, old.comment_status, old.comment_count, old.category_ids, old.tag_ids, old.created_at, old.updated_at) IS NOT (new.slug, new.title, new.subtitle, new.custom_excerpt, new.excerpt, new.body_format, new.word_count, new.reading_time_minutes, new.featured_image, new.seo, new.status, new.featured, new.published_at, new.live_at, new.author_id, new.comment_status, new.comment_count, new.category_ids, new.tag_ids, new.created_at, new.updated_at) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('article', new.id, (old.live_at is not null and old.live_at <= cast(unixepoch('subsec') * 1000 as integer)), (new.live_at is not null and new.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.author_id, cast(unixepoch('subsec') * 1000 as integer));
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    SELECT 'article', new.id, 0, 0, old.author_id, cast(unixepoch('subsec') * 1000 as integer) WHERE old.author_id IS NOT new.author_id;
END;
--> statement-breakpoint
DROP TRIGGER `authors_change_update`;
--> statement-breakpoint
CREATE TRIGGER `authors_change_update` AFTER UPDATE ON authors WHEN (old.slug, old.name, old.search_name, old.email, old.bio, old.avatar_url, old.website, old.social, old.article_count, old.created_at, old.updated_at) IS NOT (new.slug, new.name, new.search_name, new.email, new.bio, new.avatar_url, new.website, new.social, new.article_count, new.created_at, new.updated_at) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('author', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
DROP TRIGGER `categories_change_update`;
--> statement-breakpoint
CREATE TRIGGER `categories_change_update` AFTER UPDATE ON categories WHEN (old.slug, old.name, old.search_name, old.description, old.parent_id, old.article_count, old.created_at, old.updated_at) IS NOT (new.slug, new.name, new.search_name, new.description, new.parent_id, new.article_count, new.created_at, new.updated_at) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('category', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
DROP TRIGGER `tags_change_update`;
--> statement-breakpoint
CREATE TRIGGER `tags_change_update` AFTER UPDATE ON tags WHEN (old.slug, old.name, old.search_name, old.description, old.article_count, old.created_at, old.updated_at) IS NOT (new.slug, new.name, new.search_name, new.description, new.article_count, new.created_at, new.updated_at) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at) VALUES ('tag', new.id, 1, 1, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
-- 3. A comment is public when it is approved and its article is visible: an approved
--    comment on a draft is not. When an article's visibility may change (its status or
--    live_at), its approved comments are logged with it, so a feed reader gets them (or
--    their tombstones) together with the article. Comment events name the article's
--    author, as article events do, so that an author key follows the approved comments
--    on its own drafts (not pending or spam ones, which it may not see). An article that
--    moves to another author is logged for its former author too (as a private event),
--    with its approved comments, so that key drops them.
DROP TRIGGER `comments_change_insert`;
--> statement-breakpoint
CREATE TRIGGER `comments_change_insert` AFTER INSERT ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('comment', new.id, 0, new.status = 'approved' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = new.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)), CASE WHEN new.status = 'approved' THEN (SELECT author_id FROM articles WHERE id = new.article_id) END, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
DROP TRIGGER `comments_change_update`;
--> statement-breakpoint
CREATE TRIGGER `comments_change_update` AFTER UPDATE ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('comment', new.id, old.status = 'approved' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = old.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.status = 'approved' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = new.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)), CASE WHEN 'approved' IN (old.status, new.status) THEN (SELECT author_id FROM articles WHERE id = new.article_id) END, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
DROP TRIGGER `comments_change_delete`;
--> statement-breakpoint
CREATE TRIGGER `comments_change_delete` AFTER DELETE ON comments BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('comment', old.id, old.status = 'approved' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = old.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)), 0, CASE WHEN old.status = 'approved' THEN (SELECT author_id FROM articles WHERE id = old.article_id) END, cast(unixepoch('subsec') * 1000 as integer));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_change_comments` AFTER UPDATE OF status, live_at, author_id ON articles WHEN (old.status, old.live_at, old.author_id) IS NOT (new.status, new.live_at, new.author_id) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    SELECT 'comment', c.id, (old.live_at is not null and old.live_at <= cast(unixepoch('subsec') * 1000 as integer)), (new.live_at is not null and new.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.author_id, cast(unixepoch('subsec') * 1000 as integer)
    FROM comments c WHERE c.article_id = new.id AND c.status = 'approved' ORDER BY c.id;
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    SELECT 'comment', c.id, 0, 0, old.author_id, cast(unixepoch('subsec') * 1000 as integer)
    FROM comments c WHERE old.author_id IS NOT new.author_id AND c.article_id = new.id AND c.status = 'approved' ORDER BY c.id;
END;
--> statement-breakpoint
-- 4. Webhooks announce public content only, as the other article events already did: a
--    deleted draft's title and slug, or a comment on a hidden article, are not sent.
--    An unpublished article is announced as it was while public (its old slug, title,
--    date and author), with its new status: the edits made in the same write are not.
DROP TRIGGER `articles_webhook_update`;
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
    SELECT w.id, 'article.unpublished', json_object('event', 'article.unpublished', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', old.id, 'slug', old.slug, 'title', old.title, 'status', new.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', old.published_at / 1000.0, 'unixepoch'), 'authorId', old.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (old.status = 'published' AND NOT (new.status = 'published' AND new.published_at <= cast(unixepoch('subsec') * 1000 as integer))) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.unpublished', '*'));
END;
--> statement-breakpoint
DROP TRIGGER `articles_webhook_delete`;
--> statement-breakpoint
CREATE TRIGGER `articles_webhook_delete` AFTER DELETE ON articles WHEN (old.status = 'published' AND old.published_at <= cast(unixepoch('subsec') * 1000 as integer)) BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'article.deleted', json_object('event', 'article.deleted', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', old.id, 'slug', old.slug, 'title', old.title, 'status', old.status, 'publishedAt', strftime('%Y-%m-%dT%H:%M:%fZ', old.published_at / 1000.0, 'unixepoch'), 'authorId', old.author_id)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('article.deleted', '*'));
END;
--> statement-breakpoint
DROP TRIGGER `comments_webhook_insert`;
--> statement-breakpoint
CREATE TRIGGER `comments_webhook_insert` AFTER INSERT ON comments WHEN new.status <> 'spam' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = new.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)) BEGIN
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
DROP TRIGGER `comments_webhook_update`;
--> statement-breakpoint
CREATE TRIGGER `comments_webhook_update` AFTER UPDATE OF status ON comments WHEN new.status = 'approved' AND old.status <> 'approved' AND EXISTS (SELECT 1 FROM articles a WHERE a.id = new.article_id AND a.live_at <= cast(unixepoch('subsec') * 1000 as integer)) BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, next_attempt_at, created_at)
    SELECT w.id, 'comment.approved', json_object('event', 'comment.approved', 'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'data', json_object('id', new.id, 'articleId', new.article_id, 'parentId', new.parent_id, 'status', new.status)),
      'pending', 0, cast(unixepoch('subsec') * 1000 as integer), cast(unixepoch('subsec') * 1000 as integer)
    FROM webhooks w
    WHERE w.active AND (1) AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('comment.approved', '*'));
END;
