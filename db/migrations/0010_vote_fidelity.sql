-- Roll calls as published (see docs/votes.md): every position keeps the option label the
-- record printed next to its normalised position, and a vote keeps what it was on.

-- `option` is the published label (`Yea`, `Aye`, `Guilty`, `Johnson (LA)`); NULL for rows
-- whose source published only a code (Voteview) or that were stored before this column.
-- `candidate`: a name voted for in an election; `other`: a label of no known kind.
ALTER TABLE vote_positions
    ADD COLUMN option text,
    DROP CONSTRAINT vote_positions_position_check,
    ADD CONSTRAINT vote_positions_position_check CHECK
        (position IN ('yea', 'nay', 'present', 'not_voting', 'candidate', 'other'));

-- The Vice President's tie-breaking vote is member `VP` in both forms of a roll call; the
-- GovTrack-style data.xml writes him as id="0", which an earlier importer stored as is.
DELETE FROM vote_positions z WHERE z.member_id = '0' AND EXISTS
    (SELECT 1 FROM vote_positions v WHERE v.vote_id = z.vote_id AND v.member_id = 'VP');
UPDATE vote_positions SET member_id = 'VP' WHERE member_id = '0';

-- unitedstates/congress `result_text`, `subject`, `amendment` {type, number, purpose |
-- author} and `treaty` ({title}, or {congress, number} for an amendment to a treaty).
ALTER TABLE votes
    ADD COLUMN result_text text,
    ADD COLUMN subject text,
    ADD COLUMN amendment_type text,
    ADD COLUMN amendment_number integer,
    ADD COLUMN amendment_purpose text,
    ADD COLUMN amendment_author text,
    ADD COLUMN treaty_title text,
    ADD COLUMN treaty_congress integer,
    ADD COLUMN treaty_number text;

-- What the vote was on, from the stored columns, so that a data.xml (which has no
-- nomination or treaty) never changes what the data.json said.
ALTER TABLE votes ADD COLUMN target text NOT NULL GENERATED ALWAYS AS (
    CASE
        WHEN category = 'leadership' OR vote_type ~* '^election of'
            OR question ~* '^election of' THEN 'election'
        WHEN amendment_number IS NOT NULL THEN 'amendment'
        WHEN nomination_number IS NOT NULL THEN 'nomination'
        WHEN treaty_title IS NOT NULL OR treaty_number IS NOT NULL THEN 'treaty'
        WHEN bill_key IS NOT NULL THEN 'bill'
        ELSE 'other'
    END
) STORED;
CREATE INDEX votes_target_idx ON votes (target, voted_at, id);
