-- `updated_at` moves only when the row's content changes. Stored generated columns (the
-- `search` documents of migration 0012) are not yet computed in a BEFORE trigger, so the
-- whole-row comparison of 0001 saw every UPDATE of those tables as a change, even one that
-- changed nothing: `updatedAt` moved while the change feed, which compares the rows after
-- the statement, rightly recorded nothing. Compare without generated columns and
-- `updated_at` itself.
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored text[];
BEGIN
    SELECT array_agg(a.attname::text) || ARRAY['updated_at'] INTO ignored
    FROM pg_attribute a
    WHERE a.attrelid = TG_RELID AND a.attgenerated <> '' AND NOT a.attisdropped;
    IF (to_jsonb(NEW) - ignored) IS DISTINCT FROM (to_jsonb(OLD) - ignored) THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END $$;

-- TRUNCATE fires no row or transition-table trigger, so the change feed could not record
-- what it removes: refuse it on every table whose rows the feed reports (their
-- record_change_* triggers), so a partner's copy never keeps rows that are gone. DELETE
-- does the same and is recorded.
CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE % is refused: the change feed cannot record it; use DELETE',
        TG_TABLE_NAME
        USING HINT = 'docs/changes.md';
END $$;

DO $$
DECLARE
    recorded regclass;
BEGIN
    FOR recorded IN
        SELECT DISTINCT tgrelid::regclass FROM pg_trigger
        WHERE tgname = 'record_change_deleted' AND NOT tgisinternal
    LOOP
        EXECUTE format(
            'CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON %s'
            ' FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate()', recorded);
    END LOOP;
END
$$;
