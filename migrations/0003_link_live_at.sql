ALTER TABLE `article_categories` ADD `live_at` integer;--> statement-breakpoint
CREATE INDEX `article_categories_category_live_idx` ON `article_categories` (`category_id`,`live_at`,`article_id`);--> statement-breakpoint
ALTER TABLE `article_tags` ADD `live_at` integer;--> statement-breakpoint
CREATE INDEX `article_tags_tag_live_idx` ON `article_tags` (`tag_id`,`live_at`,`article_id`);--> statement-breakpoint
-- The links carry their article's live_at, so that "newest live articles of a tag or
-- category" is one index range. Filled here, then kept in step by triggers in the same
-- transaction as every write: a new link copies it, a change to the article's live_at
-- (publish, unpublish, reschedule) is copied to all its links.
UPDATE `article_categories` SET `live_at` = (SELECT `live_at` FROM `articles` WHERE `articles`.`id` = `article_categories`.`article_id`);
--> statement-breakpoint
UPDATE `article_tags` SET `live_at` = (SELECT `live_at` FROM `articles` WHERE `articles`.`id` = `article_tags`.`article_id`);
--> statement-breakpoint
CREATE TRIGGER `article_categories_live_at_insert` AFTER INSERT ON article_categories BEGIN
  UPDATE article_categories SET live_at = (SELECT live_at FROM articles WHERE id = new.article_id)
    WHERE article_id = new.article_id AND category_id = new.category_id;
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_live_at_insert` AFTER INSERT ON article_tags BEGIN
  UPDATE article_tags SET live_at = (SELECT live_at FROM articles WHERE id = new.article_id)
    WHERE article_id = new.article_id AND tag_id = new.tag_id;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_live_at_links` AFTER UPDATE OF live_at ON articles WHEN new.live_at IS NOT old.live_at BEGIN
  UPDATE article_categories SET live_at = new.live_at WHERE article_id = new.id;
  UPDATE article_tags SET live_at = new.live_at WHERE article_id = new.id;
END;
