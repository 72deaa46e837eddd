-- congress-legislators `leadership_roles`: the top party leadership positions a legislator
-- held in a chamber, each with its title and dates (docs/members.md). Like a term, a role
-- takes its provenance from its legislator's row (`dataset_id`, `source_file`): it is
-- written, and replaced on re-import, only with that legislator.
--
-- Upstream omits a field whose value is unknown, and a role still held has no `end`; so
-- only the title is required. The unique key is the whole role: one legislator may list the
-- same title with the same start twice with two different ends (Gary Palmer, P000609, in
-- the shipped file), and a role's end is written when it ends. NULLS NOT DISTINCT lets a
-- re-import find a role with no end (or no start) again.
CREATE TABLE legislator_leadership_roles (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legislator_id  bigint NOT NULL REFERENCES legislators (id) ON DELETE CASCADE,
    title          text NOT NULL CHECK (title <> ''),
    chamber        text CHECK (chamber IN ('house', 'senate')),
    start_date     date,
    end_date       date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT legislator_leadership_roles_role_key
        UNIQUE NULLS NOT DISTINCT (legislator_id, title, chamber, start_date, end_date),
    CHECK (end_date >= start_date)
);
CREATE INDEX legislator_leadership_roles_legislator_idx
    ON legislator_leadership_roles (legislator_id, start_date);
CREATE TRIGGER legislator_leadership_roles_touch BEFORE UPDATE ON legislator_leadership_roles
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON legislator_leadership_roles FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
