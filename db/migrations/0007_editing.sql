-- Editors' writes: a version on every editable record (so that no update is lost), soft
-- delete with a reason, and the audit log, which each write fills in its own transaction.

-- The version moves by one whenever a row really changes, whoever changes it: mutations
-- bump it themselves (and this leaves their bump alone), importers rely on this trigger.
-- `search` is left out of the comparison: generated columns are not yet computed in NEW
-- when BEFORE triggers run. The trigger's name sorts before `<table>_touch`, so it runs first.
CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version
       AND to_jsonb(NEW) - 'search' - 'updated_at' IS DISTINCT FROM
           to_jsonb(OLD) - 'search' - 'updated_at' THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

ALTER TABLE statements
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT statements_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));
ALTER TABLE incidents
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT incidents_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));
ALTER TABLE people
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT people_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));
ALTER TABLE organizations
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT organizations_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));
ALTER TABLE sources
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT sources_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));
ALTER TABLE topics
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_reason text,
    ADD COLUMN deleted_by_key_id bigint REFERENCES api_keys (id),
    ADD CONSTRAINT topics_deleted_reason_check
        CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL));

CREATE TRIGGER statements_bump_version BEFORE UPDATE ON statements
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER incidents_bump_version BEFORE UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER people_bump_version BEFORE UPDATE ON people
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER organizations_bump_version BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER sources_bump_version BEFORE UPDATE ON sources
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER topics_bump_version BEFORE UPDATE ON topics
    FOR EACH ROW EXECUTE FUNCTION bump_version();

-- Every write: who (the key, and its name at the time), when, what, and the record before
-- and after as JSON. Written in the transaction of the write, so one exists without the
-- other never. Rows are only ever inserted.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    key_id       bigint REFERENCES api_keys (id),
    key_name     text,
    action       text NOT NULL CHECK (action IN
        ('create', 'update', 'delete', 'restore', 'link', 'unlink')),
    entity_type  text NOT NULL CHECK (entity_type IN
        ('Statement', 'Incident', 'Person', 'Organization', 'Source', 'Topic')),
    entity_id    bigint NOT NULL,
    before       jsonb,
    after        jsonb,
    reason       text,
    linked_type  text,
    linked_id    bigint,
    request_id   text,
    CHECK ((linked_type IS NULL) = (linked_id IS NULL))
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, at, id);
CREATE INDEX audit_log_key_name_idx ON audit_log (key_name, at, id);
