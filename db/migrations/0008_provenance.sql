-- Provenance: the file each imported record came from, next to its dataset. The path is
-- relative to the data folder when the file was under it, else the file's name. Records
-- written by editors have neither.
ALTER TABLE legislators ADD COLUMN source_file text;
ALTER TABLE committees ADD COLUMN source_file text;
ALTER TABLE bills ADD COLUMN source_file text;
ALTER TABLE votes ADD COLUMN source_file text;
ALTER TABLE statements ADD COLUMN source_file text;
ALTER TABLE incidents ADD COLUMN source_file text;
ALTER TABLE people ADD COLUMN source_file text;
ALTER TABLE organizations ADD COLUMN source_file text;
ALTER TABLE sources ADD COLUMN source_file text;
