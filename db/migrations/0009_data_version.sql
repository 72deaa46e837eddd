-- The data version: a number that moves in the same transaction as every change to the
-- data, so that a response cached under one version is never served once another commits.
-- A statement-level trigger on every table that answers reads bumps it, whatever wrote the
-- rows: an importer, an editor's mutation, or someone at psql. Tables made by a later
-- migration need the same trigger (tests/test_data_version.py checks that every table has it).
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version DEFAULT VALUES;

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now();
    RETURN NULL;
END
$$;

DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema()
          AND tablename NOT IN ('schema_migrations', 'api_keys', 'data_version')
    LOOP
        EXECUTE format(
            'CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE'
            ' ON %I FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()',
            name
        );
    END LOOP;
END
$$;
