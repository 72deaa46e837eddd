-- The "every statement and incident needs a source" checks of 0001 could not run: their
-- CASE read OLD.statement_id (OLD.incident_id) even when fired by the statements
-- (incidents) table itself, whose rows have no such column, so every insert failed at
-- commit with `record "old" has no field ...`. PL/pgSQL evaluates only the branch taken
-- by IF, so the same checks written with IF work for both tables.
CREATE OR REPLACE FUNCTION require_statement_source() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid bigint;
BEGIN
    IF TG_TABLE_NAME = 'statements' THEN
        sid := NEW.id;
    ELSE
        sid := OLD.statement_id;
    END IF;
    IF EXISTS (SELECT 1 FROM statements WHERE id = sid)
       AND NOT EXISTS (SELECT 1 FROM statement_sources WHERE statement_id = sid) THEN
        RAISE EXCEPTION 'statement % has no source', sid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION require_incident_source() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    iid bigint;
BEGIN
    IF TG_TABLE_NAME = 'incidents' THEN
        iid := NEW.id;
    ELSE
        iid := OLD.incident_id;
    END IF;
    IF EXISTS (SELECT 1 FROM incidents WHERE id = iid)
       AND NOT EXISTS (SELECT 1 FROM incident_sources WHERE incident_id = iid) THEN
        RAISE EXCEPTION 'incident % has no source', iid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

-- The API's default orders: newest first, unknown dates last (see db/statements.py,
-- db/incidents.py, db/sources.py), and the speaker lookup by bioguide id.
CREATE INDEX statements_newest_idx ON statements ((coalesce(said_on, '-infinity'::date)), id);
CREATE INDEX incidents_newest_idx ON incidents ((coalesce(occurred_on, '-infinity'::date)), id);
CREATE INDEX sources_newest_idx ON sources ((coalesce(published_on, '-infinity'::date)), id);
CREATE INDEX statements_bioguide_idx ON statements (speaker_bioguide_id);
