-- Members over time: party changes within a term, the caucus, and members known only from
-- a roll call, a Voteview members file or a speech (see docs/members.md).

-- congress-legislators `caucus`: for independents, the party they caucus with.
ALTER TABLE legislator_terms ADD COLUMN caucus text;

-- congress-legislators `party_affiliations`: present when a member changed party or caucus
-- during the term; the periods cover the whole term.
CREATE TABLE legislator_party_affiliations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term_id        bigint NOT NULL REFERENCES legislator_terms (id) ON DELETE CASCADE,
    party          text NOT NULL,
    caucus         text,
    start_date     date NOT NULL,
    end_date       date NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (term_id, start_date),
    CHECK (end_date >= start_date)
);
-- The legislators `party` filter looks for the terms with an affiliation to a party (the
-- UNIQUE index serves the lookup by term).
CREATE INDEX legislator_party_affiliations_party_idx
    ON legislator_party_affiliations (party, term_id);
CREATE TRIGGER legislator_party_affiliations_touch BEFORE UPDATE ON legislator_party_affiliations
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON legislator_party_affiliations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- Former members: a Senate roll call names a senator by LIS id only, and a source may give
-- only the name as it printed it (a roll call's data.xml gives no name at all), so a record
-- needs some identifier, not a bioguide id, and keeps only the name parts published.
ALTER TABLE legislators
    ALTER COLUMN bioguide_id DROP NOT NULL,
    ALTER COLUMN first_name DROP NOT NULL,
    ALTER COLUMN last_name DROP NOT NULL,
    ADD COLUMN published_name text,
    ADD COLUMN named_by text NOT NULL DEFAULT 'congress-legislators' CHECK (named_by IN
        ('congress-legislators', 'voteview-members', 'roll-call', 'speech')),
    ADD CONSTRAINT legislators_identifier_check
        CHECK (num_nonnulls(bioguide_id, lis_id, icpsr_id) >= 1);

-- The sort orders read these expressions (db/legislators.py ORDERINGS), which are never null.
DROP INDEX legislators_name_idx;
CREATE INDEX legislators_name_idx ON legislators
    ((coalesce(last_name, published_name, lis_id, bioguide_id, '')), (coalesce(first_name, '')), id);
CREATE INDEX legislators_bioguide_order_idx ON legislators ((coalesce(bioguide_id, '')), id);
