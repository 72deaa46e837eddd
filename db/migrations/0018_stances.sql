-- Stance tags (docs/record-and-timeline.md): the stance an editor tagged a statement as taking
-- on a bill or a roll-call vote it is linked to, kept on the link itself. Null means untagged:
-- no stance is ever inferred. The change feed already records a statement as UPDATED when
-- one of its links changes (0015), a tag included.
ALTER TABLE statement_bills ADD COLUMN stance text
    CONSTRAINT statement_bills_stance_check CHECK (stance IN ('supports', 'opposes'));
ALTER TABLE statement_votes ADD COLUMN stance text
    CONSTRAINT statement_votes_stance_check CHECK (stance IN ('supports', 'opposes'));
