-- The change feed (docs/changes.md): one row per created, updated, deleted or restored record
-- of every entity a partner can fetch by id, written in the writing transaction by
-- statement-level triggers, whoever writes: an importer, an editor's mutation, or psql.
--
-- `tx` is the writing transaction's id. Transactions commit in another order than they take
-- ids and sequence values, so the feed orders by (tx, id) and shows only rows of transactions
-- older than every transaction still in progress (pg_snapshot_xmin): a transaction that
-- commits late is shown before any later one, never skipped. `data_version` is the data
-- version after the writing statement (these triggers fire after bump_data_version, by name).
-- A deletion is a tombstone: type, id, time; never the deleted content.
CREATE TABLE changes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx            bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    at            timestamptz NOT NULL DEFAULT now(),
    node_type     text NOT NULL,
    row_id        bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('created', 'updated', 'deleted', 'restored')),
    data_version  bigint NOT NULL
);
CREATE INDEX changes_feed_idx ON changes (tx, id);
CREATE INDEX changes_at_idx ON changes (at);

CREATE FUNCTION record_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (node_type, row_id, kind, data_version)
    SELECT TG_ARGV[0], n.id, 'created', (SELECT version FROM data_version)
    FROM new_rows n ORDER BY n.id;
    RETURN NULL;
END
$$;

-- An update that changes nothing but `updated_at` is no change. Setting `deleted_at` is a
-- deletion (a soft delete, docs/editing.md); clearing it is a restore.
CREATE FUNCTION record_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (node_type, row_id, kind, data_version)
    SELECT TG_ARGV[0], n.id,
           CASE
               WHEN to_jsonb(o) ->> 'deleted_at' IS NULL
                    AND to_jsonb(n) ->> 'deleted_at' IS NOT NULL THEN 'deleted'
               WHEN to_jsonb(o) ->> 'deleted_at' IS NOT NULL
                    AND to_jsonb(n) ->> 'deleted_at' IS NULL THEN 'restored'
               ELSE 'updated'
           END,
           (SELECT version FROM data_version)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE to_jsonb(n) - 'updated_at' IS DISTINCT FROM to_jsonb(o) - 'updated_at'
    ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION record_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (node_type, row_id, kind, data_version)
    SELECT TG_ARGV[0], o.id, 'deleted', (SELECT version FROM data_version)
    FROM old_rows o ORDER BY o.id;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    entity record;
BEGIN
    FOR entity IN
        SELECT * FROM (VALUES
            ('legislators', 'Legislator'), ('committees', 'Committee'), ('bills', 'Bill'),
            ('votes', 'Vote'), ('statements', 'Statement'), ('incidents', 'Incident'),
            ('people', 'Person'), ('organizations', 'Organization'), ('sources', 'Source'),
            ('topics', 'Topic')
        ) AS t(tablename, node_type)
    LOOP
        EXECUTE format(
            'CREATE TRIGGER record_change_created AFTER INSERT ON %I'
            ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_created(%L)', entity.tablename, entity.node_type);
        EXECUTE format(
            'CREATE TRIGGER record_change_updated AFTER UPDATE ON %I'
            ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_updated(%L)', entity.tablename, entity.node_type);
        EXECUTE format(
            'CREATE TRIGGER record_change_deleted AFTER DELETE ON %I'
            ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_deleted(%L)', entity.tablename, entity.node_type);
    END LOOP;
END
$$;
