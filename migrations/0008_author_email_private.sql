-- An author's email is seen by editors and admins only. Changing it alone used to log a
-- public event, so the anonymous change feed learned that something hidden about the
-- author had changed. Now such an event is private (staff read the whole log); any
-- change to what the public profile shows is public as before.
DROP TRIGGER `authors_change_update`;
--> statement-breakpoint
CREATE TRIGGER `authors_change_update` AFTER UPDATE ON authors WHEN (old.slug, old.name, old.search_name, old.email, old.bio, old.avatar_url, old.website, old.social, old.article_count, old.created_at, old.updated_at) IS NOT (new.slug, new.name, new.search_name, new.email, new.bio, new.avatar_url, new.website, new.social, new.article_count, new.created_at, new.updated_at) BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, at)
    SELECT 'author', new.id, public, public, cast(unixepoch('subsec') * 1000 as integer)
    FROM (SELECT (old.slug, old.name, old.search_name, old.bio, old.avatar_url, old.website, old.social, old.article_count, old.created_at, old.updated_at) IS NOT (new.slug, new.name, new.search_name, new.bio, new.avatar_url, new.website, new.social, new.article_count, new.created_at, new.updated_at) AS public);
END;
