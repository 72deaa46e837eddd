-- API keys. Only a SHA-256 hash of each key is stored: the key itself is shown once, when it
-- is created, and cannot be recovered from this table.
CREATE TYPE api_key_role AS ENUM ('reader', 'editor', 'admin');

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role         api_key_role NOT NULL,
    key_hash     bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- updated_at follows changes to the key's name, role or revocation, not its use.
CREATE FUNCTION touch_api_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.name, NEW.role, NEW.key_hash, NEW.revoked_at)
        IS DISTINCT FROM (OLD.name, OLD.role, OLD.key_hash, OLD.revoked_at) THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION touch_api_key();
