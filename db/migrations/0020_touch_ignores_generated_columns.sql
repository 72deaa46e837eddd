-- `updated_at` moves only when the row's content changes. Stored generated columns (the
-- `search` documents of migration 0012) are not yet computed in a BEFORE trigger, so the
-- whole-row comparison of 0001 saw every UPDATE of those tables as a change, even one that
-- changed nothing: `updatedAt` moved while the change feed, which compares the rows after
-- the statement, rightly recorded nothing. The touch trigger of a table with generated
-- columns now names them (trigger arguments), and the comparison leaves them out; other
-- tables keep the plain whole-row comparison. A later table with a generated column needs
-- the same arguments.
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_NARGS = 0 AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*))
       OR (TG_NARGS > 0 AND (to_jsonb(NEW) - TG_ARGV::text[] - 'updated_at')
                            IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV::text[] - 'updated_at'))
    THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END $$;

DO $$
DECLARE
    touched record;
BEGIN
    FOR touched IN
        SELECT g.tgrelid::regclass AS tablename, g.tgname,
               (SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY a.attnum)
                  FROM pg_attribute a
                 WHERE a.attrelid = g.tgrelid AND a.attgenerated <> '' AND NOT a.attisdropped)
                   AS generated
        FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
        WHERE p.proname = 'touch_updated_at' AND NOT g.tgisinternal
    LOOP
        CONTINUE WHEN touched.generated IS NULL;
        EXECUTE format('DROP TRIGGER %I ON %s', touched.tgname, touched.tablename);
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE UPDATE ON %s FOR EACH ROW'
            ' EXECUTE FUNCTION touch_updated_at(%s)',
            touched.tgname, touched.tablename, touched.generated);
    END LOOP;
END
$$;

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
