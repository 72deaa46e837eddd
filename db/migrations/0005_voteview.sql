-- Voteview roll calls: its votes file names a roll call by Voteview's own sequence number
-- within a congress and a member by ICPSR id, so both are kept to link the three files.

-- Voteview's `rollnumber` (1, 2, ... through the congress), unlike the clerk's number that
-- restarts every session and is `votes.number`.
ALTER TABLE votes ADD COLUMN voteview_rollnumber integer;
CREATE UNIQUE INDEX votes_voteview_rollnumber_idx
    ON votes (chamber, congress, voteview_rollnumber) WHERE voteview_rollnumber IS NOT NULL;

-- The members file of each congress: the crosswalk from ICPSR id to bioguide id, and the
-- party and state of each member's positions. `chamber` is Voteview's, which includes
-- 'President' (the President's announced positions are not floor votes).
CREATE TABLE voteview_members (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    congress     integer NOT NULL,
    chamber      text NOT NULL CHECK (chamber IN ('House', 'Senate', 'President')),
    icpsr        integer NOT NULL,
    bioguide_id  text CHECK (bioguide_id ~ '^[A-Z][0-9]{6}$'),
    name         text NOT NULL,
    state        text,
    party_code   integer,
    dataset_id   bigint REFERENCES datasets (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (congress, chamber, icpsr)
);
CREATE INDEX voteview_members_icpsr_idx ON voteview_members (icpsr);
CREATE INDEX voteview_members_bioguide_idx ON voteview_members (bioguide_id);
CREATE TRIGGER voteview_members_touch BEFORE UPDATE ON voteview_members
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
