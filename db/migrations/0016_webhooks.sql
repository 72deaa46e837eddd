-- Webhooks (docs/webhooks.md): partners register a URL and the change types they want, and
-- the delivery worker (api/webhooks.py) POSTs the settled change feed to it, in order, at
-- least once. Not public data: no data-version trigger, no change-feed trigger
-- (db/versions.py lists these tables as exempt).
--
-- `cursor_tx`, `cursor_id` is the feed position (db/changes.py, ordered by (tx, id)) the
-- webhook was delivered up to; it moves only after a 2xx answer. `node_types` NULL means
-- every type. `failures` counts consecutive failed attempts; `next_attempt_at` is when the
-- next may start (now, or later after a failure: exponential backoff with jitter).
CREATE TABLE webhooks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id           bigint NOT NULL REFERENCES api_keys (id),
    url              text NOT NULL CHECK (url ~* '^https?://' AND length(url) <= 2000),
    node_types       text[] CHECK (node_types IS NULL OR cardinality(node_types) > 0),
    secret           text NOT NULL,
    cursor_tx        bigint NOT NULL,
    cursor_id        bigint NOT NULL,
    active           boolean NOT NULL DEFAULT true,
    disabled_reason  text,
    disabled_at      timestamptz,
    failures         integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (active = (disabled_at IS NULL))
);
CREATE INDEX webhooks_key_idx ON webhooks (key_id, id);
CREATE INDEX webhooks_due_idx ON webhooks (next_attempt_at) WHERE active;

-- The delivery log: one row per attempt, written when it starts and completed when it ends
-- (a row with neither `status` nor `error` is an attempt its process never finished).
-- `first_*` and `last_*` are the feed positions of the first and last change it carried.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    attempt          integer NOT NULL CHECK (attempt >= 1),
    first_tx         bigint NOT NULL,
    first_id         bigint NOT NULL,
    last_tx          bigint NOT NULL,
    last_id          bigint NOT NULL,
    change_count     integer NOT NULL CHECK (change_count >= 1),
    status           integer,
    error            text,
    started_at       timestamptz NOT NULL DEFAULT now(),
    duration_ms      integer,
    next_attempt_at  timestamptz,
    delivered        boolean NOT NULL DEFAULT false
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
