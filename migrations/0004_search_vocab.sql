-- The index's vocabulary, read to expand a query's last word (a prefix) into the terms
-- it stands for: FTS5 answers a `"word"*` prefix by merging every matching term's
-- document list into memory first, in each statement that uses it, while an OR of the
-- terms is read lazily, newest first, and stops at the page.
CREATE VIRTUAL TABLE `articles_fts_vocab` USING fts5vocab('articles_fts', 'row');
