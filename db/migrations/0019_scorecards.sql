-- Scorecards (docs/scorecards.md): curated data saying which roll-call votes and which bills
-- count on a topic, the position that counts as "pro" on each, and the weights. The scores
-- themselves are never stored: db/scorecards.py computes them from the votes and
-- sponsorships when asked.
--
-- One scorecard per topic. Every table moves the data version (migration 0009). A scorecard
-- belongs to its topic, the record partners sync: inserting, changing or removing a
-- scorecard or one of its items records the Topic as UPDATED in the change feed (migration
-- 0015's record_child_changed), once per transaction. A changed roll call or cosponsorship
-- already records its Vote or Bill; scores derived from them are not recorded separately.
CREATE TABLE scorecards (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_id     bigint NOT NULL UNIQUE REFERENCES topics (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name <> ''),
    method       text NOT NULL CHECK (method <> ''),
    dataset_id   bigint REFERENCES datasets (id),
    source_file  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- `pro` is the normalised position (vote_positions.position) that counts for the topic.
CREATE TABLE scorecard_votes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scorecard_id  bigint NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    vote_id       bigint NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    pro           text NOT NULL CHECK (pro IN ('yea', 'nay')),
    weight        numeric(8, 2) NOT NULL CHECK (weight > 0),
    reason        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (scorecard_id, vote_id)
);
CREATE INDEX scorecard_votes_vote_idx ON scorecard_votes (vote_id);

-- `sponsorship_pro`: sponsoring or cosponsoring the bill counts as pro (true) or against.
CREATE TABLE scorecard_bills (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scorecard_id     bigint NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    bill_id          bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    sponsorship_pro  boolean NOT NULL,
    weight           numeric(8, 2) NOT NULL CHECK (weight > 0),
    reason           text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (scorecard_id, bill_id)
);
CREATE INDEX scorecard_bills_bill_idx ON scorecard_bills (bill_id);

DO $$
DECLARE
    child record;
BEGIN
    FOR child IN
        SELECT * FROM (VALUES
            ('scorecards', 'r.topic_id'),
            ('scorecard_votes',
             '(SELECT sc.topic_id FROM scorecards sc WHERE sc.id = r.scorecard_id)'),
            ('scorecard_bills',
             '(SELECT sc.topic_id FROM scorecards sc WHERE sc.id = r.scorecard_id)')
        ) AS t(tablename, owner)
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW'
            ' EXECUTE FUNCTION touch_updated_at()', child.tablename || '_touch', child.tablename);
        EXECUTE format(
            'CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE'
            ' ON %I FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', child.tablename);
        EXECUTE format(
            'CREATE TRIGGER record_change_created AFTER INSERT ON %I'
            ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, 'Topic', child.owner, 'topics');
        EXECUTE format(
            'CREATE TRIGGER record_change_updated AFTER UPDATE ON %I'
            ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, 'Topic', child.owner, 'topics');
        EXECUTE format(
            'CREATE TRIGGER record_change_deleted AFTER DELETE ON %I'
            ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
            ' EXECUTE FUNCTION record_child_changed(%L, %L, %L)',
            child.tablename, 'Topic', child.owner, 'topics');
    END LOOP;
END
$$;
