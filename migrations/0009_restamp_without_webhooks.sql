-- Renaming or deleting a tag, category or author moves on the updatedAt of every article
-- that embeds it (so the change feed carries their list items), flagging the write with
-- an app_state row 'restamping_embeds' that lives only inside its transaction. Such a
-- restamp sends no article.updated per article: its payload would say nothing of the
-- change, and a popular tag's rename queued one delivery per article per webhook.
-- (SQLite cannot alter a trigger: this is 0006's with the flag in its WHEN.)
DROP TRIGGER `articles_webhook_update`;
--> statement-breakpoint
CREATE TRIGGER `articles_webhook_update` AFTER UPDATE ON articles WHEN (new.updated_at <> old.updated_at OR new.status <> old.status) AND NOT EXISTS (SELECT 1 FROM app_state WHERE key = 'restamping_embeds') BEGIN
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
