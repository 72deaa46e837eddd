-- The change feed, continued (docs/changes.md).
--
-- 1. Rows of child and link tables are part of the record that owns them: a cosponsorship,
--    action, title or summary of its Bill; a position of its Vote; a term, party affiliation,
--    social account or leadership role of its Legislator; a membership of its Committee; a
--    statement's links of the Statement; an incident's people, agencies and links of the
--    Incident. Inserting, changing or removing one (an editor's link, or a re-import that
--    drops a withdrawn cosponsor or a corrected position) records the owner as UPDATED, once
--    per transaction: not when the same transaction already recorded the owner, and not
--    when the owner itself is gone.
-- 2. Each statement that records changes notifies channel `redress_changes` (delivered at
--    commit, one per transaction), so subscriptions and webhooks wake without polling.
-- 3. The retention: `changes_horizon` holds the last (tx, id) removed by pruning
--    (db/changes.py `prune`); a feed cursor before it may have missed changes.

CREATE INDEX changes_owner_idx ON changes (tx, node_type, row_id);

CREATE FUNCTION record_child_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    node_type text := TG_ARGV[0];
    owner text := TG_ARGV[1];
    owners text := TG_ARGV[2];
    touched text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        touched := format('SELECT DISTINCT %s AS owner FROM new_rows r', owner);
    ELSIF TG_OP = 'DELETE' THEN
        touched := format('SELECT DISTINCT %s AS owner FROM old_rows r', owner);
    ELSE
        -- Rows whose content changed (updated_at aside), on either side of the update.
        touched := format(
            'SELECT DISTINCT %s AS owner FROM (SELECT (jsonb_populate_record(NULL::%I, d.j)).*'
            ' FROM ((SELECT to_jsonb(n) - %L AS j FROM new_rows n'
            '        EXCEPT SELECT to_jsonb(o) - %L FROM old_rows o)'
            '       UNION ALL (SELECT to_jsonb(o) - %L FROM old_rows o'
            '        EXCEPT SELECT to_jsonb(n) - %L FROM new_rows n)) d) r',
            owner, TG_TABLE_NAME, 'updated_at', 'updated_at', 'updated_at', 'updated_at');
    END IF;
    EXECUTE format(
        'INSERT INTO changes (node_type, row_id, kind, data_version)'
        ' SELECT $1, t.owner, %L, (SELECT version FROM data_version)'
        ' FROM (%s) t JOIN %I p ON p.id = t.owner'
        ' WHERE NOT EXISTS (SELECT 1 FROM changes c'
        '   WHERE c.tx = pg_current_xact_id()::text::bigint AND c.node_type = $1'
        '   AND c.row_id = t.owner)'
        ' ORDER BY t.owner', 'updated', touched, owners)
    USING node_type;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    child record;
BEGIN
    FOR child IN
        SELECT * FROM (VALUES
            ('legislator_terms', 'Legislator', 'r.legislator_id', 'legislators'),
            ('social_accounts', 'Legislator', 'r.legislator_id', 'legislators'),
            ('legislator_party_affiliations', 'Legislator',
             '(SELECT lt.legislator_id FROM legislator_terms lt WHERE lt.id = r.term_id)',
             'legislators'),
            ('legislator_leadership_roles', 'Legislator', 'r.legislator_id', 'legislators'),
            ('committee_memberships', 'Committee', 'r.committee_id', 'committees'),
            ('bill_titles', 'Bill', 'r.bill_id', 'bills'),
            ('bill_subjects', 'Bill', 'r.bill_id', 'bills'),
            ('bill_summaries', 'Bill', 'r.bill_id', 'bills'),
            ('bill_text_versions', 'Bill', 'r.bill_id', 'bills'),
            ('bill_actions', 'Bill', 'r.bill_id', 'bills'),
            ('bill_cosponsors', 'Bill', 'r.bill_id', 'bills'),
            ('bill_committees', 'Bill', 'r.bill_id', 'bills'),
            ('related_bills', 'Bill', 'r.bill_id', 'bills'),
            ('bill_topics', 'Bill', 'r.bill_id', 'bills'),
            ('vote_positions', 'Vote', 'r.vote_id', 'votes'),
            ('vote_topics', 'Vote', 'r.vote_id', 'votes'),
            ('statement_sources', 'Statement', 'r.statement_id', 'statements'),
            ('statement_bills', 'Statement', 'r.statement_id', 'statements'),
            ('statement_votes', 'Statement', 'r.statement_id', 'statements'),
            ('statement_incidents', 'Statement', 'r.statement_id', 'statements'),
            ('statement_topics', 'Statement', 'r.statement_id', 'statements'),
            ('incident_people', 'Incident', 'r.incident_id', 'incidents'),
            ('incident_agencies', 'Incident', 'r.incident_id', 'incidents'),
            ('incident_sources', 'Incident', 'r.incident_id', 'incidents'),
            ('incident_bills', 'Incident', 'r.incident_id', 'incidents'),
            ('incident_topics', 'Incident', 'r.incident_id', 'incidents')
        ) AS t(tablename, node_type, owner, owners)
    LOOP
        EXECUTE format(
            'CREATE TRIGGER record_change_created AFTER INSERT ON %I'
            ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, child.node_type, child.owner, child.owners);
        EXECUTE format(
            'CREATE TRIGGER record_change_updated AFTER UPDATE ON %I'
            ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, child.node_type, child.owner, child.owners);
        EXECUTE format(
            'CREATE TRIGGER record_change_deleted AFTER DELETE ON %I'
            ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, child.node_type, child.owner, child.owners);
    END LOOP;
END
$$;

CREATE FUNCTION notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('redress_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_changes AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_changes();

CREATE TABLE changes_horizon (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tx         bigint NOT NULL,
    id         bigint NOT NULL,
    pruned_at  timestamptz NOT NULL DEFAULT now()
);
