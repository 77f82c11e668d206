-- Full-text search over articles (FTS5). The index reads its text from a view over
-- articles and their bodies (external content), and triggers keep it in step inside
-- the same transaction as every article write. Diacritics are folded by the tokenizer.
CREATE VIEW `article_search_source` AS
  SELECT a.id AS id, a.title AS title, coalesce(a.subtitle, '') AS subtitle, a.excerpt AS excerpt, b.body_text AS body
  FROM articles a JOIN article_bodies b ON b.article_id = a.id;
--> statement-breakpoint
CREATE VIRTUAL TABLE `articles_fts` USING fts5(
  title, subtitle, excerpt, body,
  content = 'article_search_source', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- bm25 with the title weighted above the subtitle, the excerpt and the body.
INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)');
--> statement-breakpoint
CREATE TRIGGER `article_bodies_fts_insert` AFTER INSERT ON article_bodies BEGIN
  INSERT INTO articles_fts(rowid, title, subtitle, excerpt, body)
    SELECT id, title, subtitle, excerpt, body FROM article_search_source WHERE id = new.article_id;
END;
--> statement-breakpoint
CREATE TRIGGER `article_bodies_fts_before_update` BEFORE UPDATE OF body_text ON article_bodies BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', id, title, subtitle, excerpt, body FROM article_search_source WHERE id = old.article_id;
END;
--> statement-breakpoint
CREATE TRIGGER `article_bodies_fts_after_update` AFTER UPDATE OF body_text ON article_bodies BEGIN
  INSERT INTO articles_fts(rowid, title, subtitle, excerpt, body)
    SELECT id, title, subtitle, excerpt, body FROM article_search_source WHERE id = new.article_id;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_before_update` BEFORE UPDATE OF title, subtitle, excerpt ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', id, title, subtitle, excerpt, body FROM article_search_source WHERE id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_after_update` AFTER UPDATE OF title, subtitle, excerpt ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, subtitle, excerpt, body)
    SELECT id, title, subtitle, excerpt, body FROM article_search_source WHERE id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_before_delete` BEFORE DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, excerpt, body)
    SELECT 'delete', id, title, subtitle, excerpt, body FROM article_search_source WHERE id = old.id;
END;
--> statement-breakpoint
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
