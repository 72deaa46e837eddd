-- The accountability graph: legislators, committees, bills, votes, people,
-- organizations, sources, statements, incidents and topics.

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END $$;

CREATE TYPE date_precision AS ENUM ('day', 'month', 'year', 'unknown');

-- Where a record came from: a published dataset and its licence.
CREATE TABLE datasets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    name        text NOT NULL,
    url         text,
    license     text NOT NULL,
    attribution text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE legislators (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bioguide_id        text NOT NULL UNIQUE CHECK (bioguide_id ~ '^[A-Z][0-9]{6}$'),
    lis_id             text UNIQUE,
    icpsr_id           integer,
    govtrack_id        integer,
    thomas_id          text,
    fec_ids            text[] NOT NULL DEFAULT '{}',
    first_name         text NOT NULL,
    middle_name        text,
    last_name          text NOT NULL,
    suffix             text,
    nickname           text,
    official_full_name text,
    birthday           date,
    gender             text CHECK (gender IN ('M', 'F')),
    dataset_id         bigint REFERENCES datasets (id),
    search             tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(middle_name, '') || ' '
            || coalesce(last_name, '') || ' ' || coalesce(nickname, '') || ' '
            || coalesce(official_full_name, ''))
    ) STORED,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX legislators_icpsr_idx ON legislators (icpsr_id);
CREATE INDEX legislators_govtrack_idx ON legislators (govtrack_id);
CREATE INDEX legislators_search_idx ON legislators USING gin (search);
CREATE INDEX legislators_name_idx ON legislators (last_name, first_name, id);
CREATE INDEX legislators_updated_idx ON legislators (updated_at, id);

CREATE TABLE legislator_terms (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legislator_id  bigint NOT NULL REFERENCES legislators (id) ON DELETE CASCADE,
    chamber        text NOT NULL CHECK (chamber IN ('house', 'senate')),
    state          text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    district       integer,
    senate_class   integer CHECK (senate_class IN (1, 2, 3)),
    state_rank     text CHECK (state_rank IN ('junior', 'senior')),
    party          text,
    start_date     date NOT NULL,
    end_date       date NOT NULL,
    url            text,
    phone          text,
    address        text,
    office         text,
    contact_form   text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (legislator_id, chamber, start_date),
    CHECK (end_date >= start_date)
);
CREATE INDEX legislator_terms_current_idx ON legislator_terms (end_date, state, party, chamber);
CREATE INDEX legislator_terms_legislator_idx ON legislator_terms (legislator_id, start_date DESC);

CREATE TABLE social_accounts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legislator_id  bigint NOT NULL REFERENCES legislators (id) ON DELETE CASCADE,
    platform       text NOT NULL CHECK (platform IN
        ('twitter', 'facebook', 'youtube', 'instagram', 'mastodon', 'bluesky')),
    handle         text NOT NULL,
    account_id     text,
    account_type   text CHECK (account_type IN ('office', 'campaign')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (legislator_id, platform, handle)
);

CREATE TABLE committees (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thomas_id         text NOT NULL UNIQUE,
    parent_id         bigint REFERENCES committees (id) ON DELETE CASCADE,
    chamber           text NOT NULL CHECK (chamber IN ('house', 'senate', 'joint')),
    name              text NOT NULL,
    url               text,
    jurisdiction      text,
    address           text,
    phone             text,
    dataset_id        bigint REFERENCES datasets (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX committees_parent_idx ON committees (parent_id);
CREATE INDEX committees_chamber_idx ON committees (chamber, name, id);
CREATE INDEX committees_updated_idx ON committees (updated_at, id);

CREATE TABLE committee_memberships (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    committee_id   bigint NOT NULL REFERENCES committees (id) ON DELETE CASCADE,
    legislator_id  bigint NOT NULL REFERENCES legislators (id) ON DELETE CASCADE,
    rank           integer,
    side           text CHECK (side IN ('majority', 'minority')),
    title          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (committee_id, legislator_id)
);
CREATE INDEX committee_memberships_legislator_idx ON committee_memberships (legislator_id);

CREATE TABLE bills (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    congress            integer NOT NULL CHECK (congress BETWEEN 1 AND 200),
    bill_type           text NOT NULL CHECK (bill_type IN
        ('hr', 's', 'hres', 'sres', 'hjres', 'sjres', 'hconres', 'sconres')),
    number              integer NOT NULL CHECK (number > 0),
    bill_id             text GENERATED ALWAYS AS (bill_type || number || '-' || congress) STORED UNIQUE,
    official_title      text,
    short_title         text,
    popular_title       text,
    introduced_date     date,
    origin_chamber      text CHECK (origin_chamber IN ('house', 'senate')),
    policy_area         text,
    status              text,
    status_date         date,
    latest_action_date  date,
    latest_action_text  text,
    sponsor_id          bigint REFERENCES legislators (id),
    sponsor_bioguide_id text,
    url                 text,
    dataset_id          bigint REFERENCES datasets (id),
    search              tsvector GENERATED ALWAYS AS (
        to_tsvector('english', coalesce(official_title, '') || ' ' || coalesce(short_title, '')
            || ' ' || coalesce(popular_title, ''))
    ) STORED,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (congress, bill_type, number)
);
CREATE INDEX bills_sponsor_idx ON bills (sponsor_id);
CREATE INDEX bills_introduced_idx ON bills (introduced_date, id);
CREATE INDEX bills_status_idx ON bills (status);
CREATE INDEX bills_search_idx ON bills USING gin (search);
CREATE INDEX bills_updated_idx ON bills (updated_at, id);

CREATE TABLE bill_titles (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id     bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    title_type  text NOT NULL,
    title       text NOT NULL,
    as_of       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, title_type, title)
);

CREATE TABLE bill_subjects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id     bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    subject     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, subject)
);
CREATE INDEX bill_subjects_subject_idx ON bill_subjects (subject);

CREATE TABLE bill_summaries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id      bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    version_code text NOT NULL,
    action_date  date,
    action_desc  text,
    text         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, version_code)
);

CREATE TABLE bill_text_versions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id       bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    version_type  text NOT NULL,
    version_date  date,
    url           text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, version_type, version_date)
);

CREATE TABLE bill_actions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id       bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    acted_on      date NOT NULL,
    acted_at      timestamptz,
    text          text NOT NULL,
    action_type   text,
    action_code   text,
    chamber       text CHECK (chamber IN ('house', 'senate')),
    committee_id  bigint REFERENCES committees (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, position)
);
CREATE INDEX bill_actions_committee_idx ON bill_actions (committee_id);

CREATE TABLE bill_cosponsors (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id         bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    legislator_id   bigint REFERENCES legislators (id),
    bioguide_id     text NOT NULL,
    sponsored_on    date,
    is_original     boolean NOT NULL DEFAULT false,
    withdrawn_on    date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, bioguide_id)
);
CREATE INDEX bill_cosponsors_legislator_idx ON bill_cosponsors (legislator_id, bill_id);
CREATE INDEX bill_cosponsors_bioguide_idx ON bill_cosponsors (bioguide_id) WHERE legislator_id IS NULL;

CREATE TABLE bill_committees (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id       bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    committee_id  bigint NOT NULL REFERENCES committees (id),
    activity      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, committee_id)
);
CREATE INDEX bill_committees_committee_idx ON bill_committees (committee_id);

CREATE TABLE related_bills (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_id           bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    related_bill_key  text NOT NULL,
    related_id        bigint REFERENCES bills (id),
    relationship      text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bill_id, related_bill_key)
);
CREATE INDEX related_bills_related_idx ON related_bills (related_id);

CREATE TABLE votes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vote_id            text NOT NULL UNIQUE,
    chamber            text NOT NULL CHECK (chamber IN ('house', 'senate')),
    congress           integer NOT NULL,
    session            text NOT NULL,
    number             integer NOT NULL,
    voted_at           timestamptz NOT NULL,
    question           text,
    vote_type          text,
    category           text,
    result             text,
    requires           text,
    bill_id            bigint REFERENCES bills (id),
    bill_key           text,
    nomination_number  text,
    nomination_title   text,
    source_url         text,
    dataset_id         bigint REFERENCES datasets (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chamber, congress, session, number)
);
CREATE INDEX votes_bill_idx ON votes (bill_id, voted_at);
CREATE INDEX votes_bill_key_idx ON votes (bill_key) WHERE bill_id IS NULL;
CREATE INDEX votes_date_idx ON votes (voted_at, id);
CREATE INDEX votes_updated_idx ON votes (updated_at, id);

CREATE TABLE vote_positions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vote_id        bigint NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    legislator_id  bigint REFERENCES legislators (id),
    member_id      text NOT NULL,
    position       text NOT NULL CHECK (position IN ('yea', 'nay', 'present', 'not_voting')),
    party          text,
    state          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vote_id, member_id)
);
CREATE INDEX vote_positions_legislator_idx ON vote_positions (legislator_id, vote_id);
CREATE INDEX vote_positions_member_idx ON vote_positions (member_id) WHERE legislator_id IS NULL;

CREATE TABLE people (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name         text NOT NULL,
    description  text,
    dataset_id   bigint REFERENCES datasets (id),
    search       tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_search_idx ON people USING gin (search);
CREATE INDEX people_name_idx ON people (name, id);
CREATE INDEX people_updated_idx ON people (updated_at, id);

CREATE TABLE organizations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name          text NOT NULL,
    abbreviation  text,
    kind          text NOT NULL CHECK (kind IN ('agency', 'advocacy', 'news', 'other')),
    url           text,
    dataset_id    bigint REFERENCES datasets (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_name_idx ON organizations (name, id);
CREATE INDEX organizations_updated_idx ON organizations (updated_at, id);

CREATE TABLE sources (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                 text UNIQUE CHECK (url ~ '^https?://'),
    title               text,
    publisher           text,
    published_on        date,
    published_precision date_precision NOT NULL DEFAULT 'unknown',
    archived_url        text CHECK (archived_url ~ '^https?://'),
    retrieved_at        timestamptz,
    dataset_id          bigint REFERENCES datasets (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (url IS NOT NULL OR title IS NOT NULL),
    CHECK ((published_on IS NULL) = (published_precision = 'unknown'))
);
CREATE INDEX sources_updated_idx ON sources (updated_at, id);

CREATE TABLE topics (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name         text NOT NULL,
    description  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topics_updated_idx ON topics (updated_at, id);

CREATE TABLE statements (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    speaker_legislator_id    bigint REFERENCES legislators (id),
    speaker_person_id        bigint REFERENCES people (id),
    speaker_organization_id  bigint REFERENCES organizations (id),
    speaker_bioguide_id      text,
    said_on                  date,
    said_on_precision        date_precision NOT NULL,
    quote                    text NOT NULL CHECK (length(quote) > 0),
    context                  text,
    medium                   text CHECK (medium IN ('floor_speech', 'press_release', 'social_post',
        'tv', 'interview', 'hearing', 'filing', 'publication')),
    dataset_id               bigint REFERENCES datasets (id),
    search                   tsvector GENERATED ALWAYS AS (
        to_tsvector('english', quote || ' ' || coalesce(context, ''))
    ) STORED,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(speaker_legislator_id, speaker_person_id, speaker_organization_id,
        speaker_bioguide_id) >= 1),
    CHECK (num_nonnulls(speaker_legislator_id, speaker_person_id, speaker_organization_id) <= 1),
    CHECK ((said_on IS NULL) = (said_on_precision = 'unknown'))
);
CREATE INDEX statements_legislator_idx ON statements (speaker_legislator_id, said_on);
CREATE INDEX statements_person_idx ON statements (speaker_person_id, said_on);
CREATE INDEX statements_organization_idx ON statements (speaker_organization_id, said_on);
CREATE INDEX statements_date_idx ON statements (said_on, id);
CREATE INDEX statements_medium_idx ON statements (medium);
CREATE INDEX statements_search_idx ON statements USING gin (search);
CREATE INDEX statements_updated_idx ON statements (updated_at, id);

CREATE TABLE incidents (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN
        ('death_in_custody', 'shooting', 'use_of_force', 'raid', 'other')),
    occurred_on         date,
    occurred_precision  date_precision NOT NULL,
    city                text,
    county              text,
    state               text CHECK (state ~ '^[A-Z]{2}$'),
    facility            text,
    latitude            double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude           double precision CHECK (longitude BETWEEN -180 AND 180),
    outcome             text,
    description         text,
    dataset_id          bigint REFERENCES datasets (id),
    external_key        text UNIQUE,
    search              tsvector GENERATED ALWAYS AS (
        to_tsvector('english', coalesce(description, '') || ' ' || coalesce(city, '') || ' '
            || coalesce(county, '') || ' ' || coalesce(facility, '') || ' '
            || coalesce(outcome, ''))
    ) STORED,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((occurred_on IS NULL) = (occurred_precision = 'unknown'))
);
CREATE INDEX incidents_date_idx ON incidents (occurred_on, id);
CREATE INDEX incidents_state_idx ON incidents (state);
CREATE INDEX incidents_kind_idx ON incidents (kind);
CREATE INDEX incidents_search_idx ON incidents USING gin (search);
CREATE INDEX incidents_updated_idx ON incidents (updated_at, id);

CREATE TABLE incident_people (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    person_id    bigint NOT NULL REFERENCES people (id),
    role         text NOT NULL CHECK (role IN ('victim', 'agent', 'witness')),
    age          integer CHECK (age BETWEEN 0 AND 130),
    sex          text,
    nationality  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, person_id, role)
);
CREATE INDEX incident_people_person_idx ON incident_people (person_id);

CREATE TABLE incident_agencies (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id      bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    organization_id  bigint NOT NULL REFERENCES organizations (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, organization_id)
);
CREATE INDEX incident_agencies_organization_idx ON incident_agencies (organization_id);

-- Link tables: sources behind statements and incidents, and the graph's cross links.
CREATE TABLE statement_sources (
    statement_id  bigint NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    source_id     bigint NOT NULL REFERENCES sources (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, source_id)
);
CREATE INDEX statement_sources_source_idx ON statement_sources (source_id);

CREATE TABLE incident_sources (
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    source_id    bigint NOT NULL REFERENCES sources (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, source_id)
);
CREATE INDEX incident_sources_source_idx ON incident_sources (source_id);

CREATE TABLE statement_bills (
    statement_id  bigint NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    bill_id       bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, bill_id)
);
CREATE INDEX statement_bills_bill_idx ON statement_bills (bill_id);

CREATE TABLE statement_votes (
    statement_id  bigint NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    vote_id       bigint NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, vote_id)
);
CREATE INDEX statement_votes_vote_idx ON statement_votes (vote_id);

CREATE TABLE statement_incidents (
    statement_id  bigint NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    incident_id   bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, incident_id)
);
CREATE INDEX statement_incidents_incident_idx ON statement_incidents (incident_id);

CREATE TABLE statement_topics (
    statement_id  bigint NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    topic_id      bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, topic_id)
);
CREATE INDEX statement_topics_topic_idx ON statement_topics (topic_id);

CREATE TABLE incident_bills (
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    bill_id      bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, bill_id)
);
CREATE INDEX incident_bills_bill_idx ON incident_bills (bill_id);

CREATE TABLE incident_topics (
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    topic_id     bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, topic_id)
);
CREATE INDEX incident_topics_topic_idx ON incident_topics (topic_id);

CREATE TABLE bill_topics (
    bill_id     bigint NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    topic_id    bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bill_id, topic_id)
);
CREATE INDEX bill_topics_topic_idx ON bill_topics (topic_id);

CREATE TABLE vote_topics (
    vote_id     bigint NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    topic_id    bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vote_id, topic_id)
);
CREATE INDEX vote_topics_topic_idx ON vote_topics (topic_id);

-- Every statement and every incident must cite at least one source. The check runs at
-- commit, so a record and its sources can be written in one transaction in any order.
CREATE FUNCTION require_statement_source() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid bigint := CASE WHEN TG_TABLE_NAME = 'statements' THEN NEW.id ELSE OLD.statement_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM statements WHERE id = sid)
       AND NOT EXISTS (SELECT 1 FROM statement_sources WHERE statement_id = sid) THEN
        RAISE EXCEPTION 'statement % has no source', sid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER statements_need_source AFTER INSERT OR UPDATE ON statements
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION require_statement_source();
CREATE CONSTRAINT TRIGGER statement_sources_keep_one AFTER DELETE ON statement_sources
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION require_statement_source();

CREATE FUNCTION require_incident_source() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    iid bigint := CASE WHEN TG_TABLE_NAME = 'incidents' THEN NEW.id ELSE OLD.incident_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM incidents WHERE id = iid)
       AND NOT EXISTS (SELECT 1 FROM incident_sources WHERE incident_id = iid) THEN
        RAISE EXCEPTION 'incident % has no source', iid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER incidents_need_source AFTER INSERT OR UPDATE ON incidents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION require_incident_source();
CREATE CONSTRAINT TRIGGER incident_sources_keep_one AFTER DELETE ON incident_sources
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION require_incident_source();

-- updated_at moves only when a row really changes.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT table_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'updated_at'
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION touch_updated_at()', t || '_touch', t);
    END LOOP;
END $$;
