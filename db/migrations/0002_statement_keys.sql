-- Curated files name each statement by a stable key, as incidents already are, so that
-- re-importing a file updates its statements instead of adding copies.
ALTER TABLE statements ADD COLUMN external_key text UNIQUE;
