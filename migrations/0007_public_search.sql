-- Search as the public sees it. bm25 weighs each word by how many rows of its index hold
-- it and each row's length against the index's average: ranked in articles_fts, which
-- holds drafts, scheduled and archived articles too, a hidden draft could reorder the
-- public hits of a search (or the ranks and cursors of a relevance list). Anonymous
-- searches read this index instead: the published articles, which anonymous readers may
-- see, kept in step by triggers in each article write's transaction. A scheduled article
-- joins it when the scheduler publishes it (within a quarter of a second of its time).
-- Membership follows the status the write set, not the clock: an article published
-- "now" is `published` with live_at at the time the code read, whatever SQLite's clock says.
--
-- Contentless: the text is read from article_search_source. A row leaves through FTS5's
-- 'delete' command with the values it was indexed with, read before the write changes
-- them, as articles_fts does; that also takes its words and length out of the index's
-- totals (contentless_delete = 1 would not: with it, every row that ever left would
-- still count in the statistics bm25 ranks with).
CREATE VIRTUAL TABLE `articles_public_fts` USING fts5(
  title, subtitle, excerpt, body,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO articles_public_fts(articles_public_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)');
--> statement-breakpoint
CREATE VIRTUAL TABLE `articles_public_fts_vocab` USING fts5vocab('articles_public_fts', 'row');
--> statement-breakpoint
INSERT INTO articles_public_fts(rowid, title, subtitle, excerpt, body)
  SELECT s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s JOIN articles a ON a.id = s.id
  WHERE a.status = 'published';
--> statement-breakpoint
CREATE TRIGGER `article_bodies_public_fts_insert` AFTER INSERT ON article_bodies BEGIN
  INSERT INTO articles_public_fts(rowid, title, subtitle, excerpt, body)
    SELECT s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s JOIN articles a ON a.id = s.id
    WHERE s.id = new.article_id AND a.status = 'published';
END;
--> statement-breakpoint
CREATE TRIGGER `article_bodies_public_fts_before_update` BEFORE UPDATE OF body_text ON article_bodies WHEN old.body_text IS NOT new.body_text BEGIN
  INSERT INTO articles_public_fts(articles_public_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s
    WHERE s.id = old.article_id AND EXISTS (SELECT 1 FROM articles_public_fts_docsize d WHERE d.id = old.article_id);
END;
--> statement-breakpoint
CREATE TRIGGER `article_bodies_public_fts_after_update` AFTER UPDATE OF body_text ON article_bodies WHEN old.body_text IS NOT new.body_text BEGIN
  INSERT INTO articles_public_fts(rowid, title, subtitle, excerpt, body)
    SELECT s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s JOIN articles a ON a.id = s.id
    WHERE s.id = new.article_id AND a.status = 'published';
END;
--> statement-breakpoint
CREATE TRIGGER `articles_public_fts_before_update` BEFORE UPDATE OF title, subtitle, excerpt, status, live_at ON articles WHEN (old.title, old.subtitle, old.excerpt, old.status, old.live_at) IS NOT (new.title, new.subtitle, new.excerpt, new.status, new.live_at) BEGIN
  INSERT INTO articles_public_fts(articles_public_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s
    WHERE s.id = old.id AND EXISTS (SELECT 1 FROM articles_public_fts_docsize d WHERE d.id = old.id);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_public_fts_after_update` AFTER UPDATE OF title, subtitle, excerpt, status, live_at ON articles WHEN (old.title, old.subtitle, old.excerpt, old.status, old.live_at) IS NOT (new.title, new.subtitle, new.excerpt, new.status, new.live_at) BEGIN
  INSERT INTO articles_public_fts(rowid, title, subtitle, excerpt, body)
    SELECT s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s JOIN articles a ON a.id = s.id
    WHERE s.id = new.id AND a.status = 'published';
END;
--> statement-breakpoint
CREATE TRIGGER `articles_public_fts_before_delete` BEFORE DELETE ON articles BEGIN
  INSERT INTO articles_public_fts(articles_public_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', s.id, s.title, s.subtitle, s.excerpt, s.body FROM article_search_source s
    WHERE s.id = old.id AND EXISTS (SELECT 1 FROM articles_public_fts_docsize d WHERE d.id = old.id);
END;
