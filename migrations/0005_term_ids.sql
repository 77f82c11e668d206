ALTER TABLE `articles` ADD `category_ids` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `articles` ADD `tag_ids` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Filled from the link tables, in position order. The copy is not a change an API
-- client could see, so the change-log trigger is set aside while it is written (and put
-- back exactly as migrations/0002 made it); later writes set it together with the links.
DROP TRIGGER `articles_change_update`;
--> statement-breakpoint
UPDATE `articles` SET
  `category_ids` = coalesce((SELECT group_concat(`category_id`, ',' ORDER BY `position`) FROM `article_categories` WHERE `article_id` = `articles`.`id`), ''),
  `tag_ids` = coalesce((SELECT group_concat(`tag_id`, ',' ORDER BY `position`) FROM `article_tags` WHERE `article_id` = `articles`.`id`), '');
--> statement-breakpoint
CREATE TRIGGER `articles_change_update` AFTER UPDATE ON articles BEGIN
  INSERT INTO change_events (resource, resource_id, public_before, public_after, owner_author_id, at)
    VALUES ('article', new.id, (old.live_at is not null and old.live_at <= cast(unixepoch('subsec') * 1000 as integer)), (new.live_at is not null and new.live_at <= cast(unixepoch('subsec') * 1000 as integer)), new.author_id, cast(unixepoch('subsec') * 1000 as integer));
END;
