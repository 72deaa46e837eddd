"""SQL for webhooks (migration 0016, docs/webhooks.md): registrations, the delivery log, and
what the delivery worker (api/webhooks.py) reads and writes.

Feed positions are (transaction id, change id) pairs, the order of the change feed
(db/changes.py); a webhook's position moves only after its receiver answered 2xx.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import asyncpg

from db.changes import COLUMNS as CHANGE_COLUMNS
from db.changes import FEED, SETTLED
from db.pagination import (
    Listing,
    Ordering,
    Page,
    Window,
    count,
    count_by_parent,
    fetch_page,
    fetch_pages_by_parent,
)
from db.pool import CONNECT_TIMEOUT_S, Database, Executor, Unavailable

Position = tuple[int, int]

SECRET_PREFIX = "whsec_"
COLUMNS = (
    "w.id, w.key_id, w.url, w.node_types, w.cursor_tx, w.cursor_id, w.active,"
    " w.disabled_reason, w.disabled_at, w.failures, w.next_attempt_at, w.created_at"
)
DELIVERY_COLUMNS = (
    "d.id, d.webhook_id, d.attempt, d.first_tx, d.first_id, d.last_tx, d.last_id,"
    " d.change_count, d.status, d.error, d.started_at, d.duration_ms, d.next_attempt_at,"
    " d.delivered"
)
OLDEST_FIRST = Ordering("created", (("w.id", "bigint"),))
NEWEST_FIRST = Ordering("recent", (("d.id", "bigint"),), descending=True)
# The delivery log keeps this many newest attempts per webhook.
KEPT_DELIVERIES = 1000
# Advisory locks of the worker live in their own namespace (the two-key form).
CLAIM_NAMESPACE = 1_751_412_000
# A webhook whose key is revoked is neither listed nor delivered.
LIVE = (
    "w.active AND EXISTS (SELECT 1 FROM api_keys k WHERE k.id = w.key_id AND k.revoked_at IS NULL)"
)


def feed_cursor(tx: int, change_id: int) -> str:
    """The change feed's cursor at position (`tx`, `change_id`), as `changes` issues it."""
    return FEED.encode(cast(asyncpg.Record, {"_k0": tx, "_k1": change_id}))


def new_secret() -> str:
    """A signing secret: `whsec_` and 43 URL-safe characters (256 random bits). Unlike an API
    key it is stored as it is, since signing needs it (docs/webhooks.md)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class TooMany(Exception):
    """The key already has as many webhooks as it may."""


async def register(
    db: Database, key_id: int, url: str, node_types: Sequence[str] | None, most: int
) -> tuple[asyncpg.Record, str]:
    """Store a webhook of API key `key_id` and return its row and signing secret.

    It starts at the newest settled change (or the retention horizon, when later): changes
    committed from now on are delivered. Raises TooMany when the key has `most` webhooks
    already (counted under a lock of the key's row, so two registrations cannot both pass).
    """
    secret = new_secret()
    async with db.transaction() as tx:
        await tx.execute("SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE", key_id)
        held = await tx.fetchval("SELECT count(*) FROM webhooks WHERE key_id = $1", key_id)
        if held >= most:
            raise TooMany(f"the key has {held} webhooks; at most {most} are allowed")
        start = await _start_position(tx)
        row = await tx.fetchrow(
            "INSERT INTO webhooks AS w (key_id, url, node_types, secret, cursor_tx, cursor_id)"
            f" VALUES ($1, $2, $3::text[], $4, $5, $6) RETURNING {COLUMNS}",
            key_id,
            url,
            None if node_types is None else list(node_types),
            secret,
            *start,
        )
    assert row is not None
    return row, secret


async def _start_position(db: Executor) -> Position:
    row = await db.fetchrow(
        f"""SELECT greatest(
                (SELECT (ch.tx, ch.id) FROM changes ch WHERE {SETTLED}
                 ORDER BY ch.tx DESC, ch.id DESC LIMIT 1),
                (SELECT (h.tx, h.id) FROM changes_horizon h),
                (0::bigint, 0::bigint)) AS p"""
    )
    assert row is not None
    tx, change = row["p"]
    return int(tx), int(change)


def owned(key_id: int) -> Listing:
    """The webhooks of API key `key_id`."""
    return Listing(COLUMNS, "webhooks w", ("w.key_id = $1",), (key_id,))


async def page(db: Executor, key_id: int, window: Window) -> Page:
    """One page of the webhooks of `key_id`, oldest first."""
    return await fetch_page(db, owned(key_id), OLDEST_FIRST, window)


async def total(db: Executor, key_id: int) -> int:
    """How many webhooks `key_id` has."""
    return await count(db, owned(key_id))


async def delete(db: Executor, key_id: int, webhook_id: int) -> bool:
    """Delete webhook `webhook_id` of `key_id` with its delivery log; False when `key_id`
    has no such webhook."""
    status = await db.execute(
        "DELETE FROM webhooks WHERE id = $1 AND key_id = $2", webhook_id, key_id
    )
    return status != "DELETE 0"


DELIVERIES = Listing(DELIVERY_COLUMNS, "webhook_deliveries d")


async def delivery_pages(
    db: Executor, webhook_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """One page of each webhook's delivery log, newest attempt first, in one statement."""
    parent = ("d.webhook_id", "bigint")
    return await fetch_pages_by_parent(db, DELIVERIES, parent, webhook_ids, NEWEST_FIRST, window)


async def delivery_counts(db: Executor, webhook_ids: Sequence[int]) -> dict[int, int]:
    """How many attempts each webhook's delivery log holds."""
    return await count_by_parent(db, DELIVERIES, ("d.webhook_id", "bigint"), webhook_ids)


# The worker's side.


async def due(db: Executor, most: int) -> list[int]:
    """Ids of live webhooks whose next attempt may start now and that have settled changes
    after their position (of any type: passing the others moves the position too); at most
    `most`, longest waiting first."""
    rows = await db.fetch(
        f"""SELECT w.id FROM webhooks w
            WHERE {LIVE} AND w.next_attempt_at <= now()
              AND EXISTS (SELECT 1 FROM changes ch
                          WHERE (ch.tx, ch.id) > (w.cursor_tx, w.cursor_id) AND {SETTLED})
            ORDER BY w.next_attempt_at, w.id LIMIT $1""",
        most,
    )
    return [row["id"] for row in rows]


async def seconds_to_next_retry(db: Executor) -> float | None:
    """Seconds until the earliest retry scheduled in the future, or None when none is."""
    value = await db.fetchval(
        "SELECT extract(epoch FROM min(w.next_attempt_at) - now()) FROM webhooks w"
        f" WHERE {LIVE} AND w.next_attempt_at > now()"
    )
    return None if value is None else float(value)


async def claims_connection(url: str) -> asyncpg.Connection:
    """A connection of the worker's own to `url`, for `claim` and `release`: session locks
    must not sit on a pooled connection, and they all go when it closes or breaks. Raises
    `Unavailable` (db.pool) when the server cannot be reached."""
    try:
        conn = await asyncpg.connect(
            url,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": "redress-webhooks"},
        )
    except (OSError, TimeoutError, asyncpg.PostgresConnectionError) as error:
        raise Unavailable(f"the database cannot be reached: {type(error).__name__}") from error
    return conn


async def claim(conn: Executor, webhook_id: int) -> bool:
    """Take the session advisory lock of `webhook_id` on `conn` (a connection of the
    worker's own, never a pooled one) if no other session holds it."""
    return bool(
        await conn.fetchval(
            "SELECT pg_try_advisory_lock($1::int, ($2::bigint % 2147483647)::int)",
            CLAIM_NAMESPACE,
            webhook_id,
        )
    )


async def release(conn: Executor, webhook_id: int) -> None:
    """Release the lock `claim` took."""
    await conn.execute(
        "SELECT pg_advisory_unlock($1::int, ($2::bigint % 2147483647)::int)",
        CLAIM_NAMESPACE,
        webhook_id,
    )


@dataclass(frozen=True)
class Pending:
    """What one delivery to a webhook would carry: the webhook's row (with its secret), the
    changes after its position (at most a batch, oldest first), and the position it moves
    to once they are delivered. `expired` is set when changes after its position were
    pruned by the feed's retention (they can no longer be delivered)."""

    webhook: asyncpg.Record
    changes: list[asyncpg.Record]
    end: Position
    expired: bool = False


async def pending(db: Executor, webhook_id: int, batch: int) -> Pending | None:
    """The next delivery of live webhook `webhook_id` if it is due and has settled changes
    after its position, else None. Reads at most `batch + 1` changes: when more than `batch`
    of its types are waiting, the position after delivery is the last one carried; else it is
    the newest settled change of any type."""
    row = await db.fetchrow(
        f"""SELECT {COLUMNS}, w.secret,
                   (SELECT (ch.tx, ch.id) FROM changes ch WHERE {SETTLED}
                    ORDER BY ch.tx DESC, ch.id DESC LIMIT 1) AS bound
            FROM webhooks w WHERE w.id = $1 AND {LIVE} AND w.next_attempt_at <= now()""",
        webhook_id,
    )
    if row is None or row["bound"] is None:
        return None
    start: Position = (row["cursor_tx"], row["cursor_id"])
    bound: Position = (int(row["bound"][0]), int(row["bound"][1]))
    if bound <= start:
        return None
    changes = await db.fetch(
        f"""SELECT {CHANGE_COLUMNS} FROM changes ch
            WHERE (ch.tx, ch.id) > ($1::bigint, $2::bigint)
              AND (ch.tx, ch.id) <= ($3::bigint, $4::bigint)
              AND ($5::text[] IS NULL OR ch.node_type = ANY($5::text[]))
            ORDER BY ch.tx, ch.id LIMIT $6""",
        *start,
        *bound,
        row["node_types"],
        batch + 1,
    )
    # Read after the changes: a prune that removed any of them has moved the horizon by now.
    horizon = await db.fetchrow("SELECT tx, id FROM changes_horizon")
    expired = horizon is not None and (horizon["tx"], horizon["id"]) > start
    if len(changes) > batch:
        changes = changes[:batch]
        end: Position = (changes[-1]["tx"], changes[-1]["id"])
    else:
        end = bound
    return Pending(row, changes, end, expired)


async def advance(db: Executor, webhook_id: int, position: Position) -> None:
    """Move the position of `webhook_id` forward to `position` (never backward)."""
    await db.execute(
        "UPDATE webhooks SET cursor_tx = $2, cursor_id = $3 WHERE id = $1"
        " AND (cursor_tx, cursor_id) < ($2::bigint, $3::bigint)",
        webhook_id,
        *position,
    )


async def begin_attempt(
    db: Executor, webhook_id: int, attempt: int, changes: Sequence[asyncpg.Record]
) -> int | None:
    """Log the start of attempt number `attempt` to deliver `changes` (oldest first) and
    return its id, or None when the webhook was deleted meanwhile; the log keeps the newest
    `KEPT_DELIVERIES` attempts of each webhook."""
    first, last = changes[0], changes[-1]
    try:
        delivery_id = await db.fetchval(
            "INSERT INTO webhook_deliveries (webhook_id, attempt, first_tx, first_id, last_tx,"
            " last_id, change_count) SELECT $1, $2, $3, $4, $5, $6, $7"
            " WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $1) RETURNING id",
            webhook_id,
            attempt,
            first["tx"],
            first["id"],
            last["tx"],
            last["id"],
            len(changes),
        )
    except asyncpg.ForeignKeyViolationError:  # deleted while this was written
        return None
    if delivery_id is None:
        return None
    await db.execute(
        "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND id < ("
        " SELECT d.id FROM webhook_deliveries d WHERE d.webhook_id = $1"
        " ORDER BY d.id DESC OFFSET $2 LIMIT 1)",
        webhook_id,
        KEPT_DELIVERIES - 1,
    )
    return int(delivery_id)


async def succeeded(
    db: Database, delivery_id: int, status: int, duration_ms: int, position: Position
) -> None:
    """Log attempt `delivery_id` as delivered (HTTP `status`), move its webhook to
    `position` and clear its failures, in one transaction."""
    async with db.transaction() as tx:
        webhook_id = await tx.fetchval(
            "UPDATE webhook_deliveries SET status = $2, duration_ms = $3, delivered = true"
            " WHERE id = $1 RETURNING webhook_id",
            delivery_id,
            status,
            duration_ms,
        )
        if webhook_id is None:  # deleted meanwhile
            return
        await tx.execute(
            "UPDATE webhooks SET failures = 0, next_attempt_at = now() WHERE id = $1",
            webhook_id,
        )
        await advance(tx, webhook_id, position)


async def failed(
    db: Database,
    delivery_id: int,
    *,
    status: int | None,
    error: str | None,
    duration_ms: int,
    retry_in_s: float,
    most_failures: int,
) -> str | None:
    """Log attempt `delivery_id` as failed (HTTP `status`, or `error` when there was no
    answer) and schedule its webhook's next attempt `retry_in_s` seconds from now; at
    `most_failures` consecutive failures the webhook is disabled instead. Returns the reason
    it was disabled, or None."""
    async with db.transaction() as tx:
        row = await tx.fetchrow(
            "UPDATE webhooks w SET failures = w.failures + 1,"
            " next_attempt_at = now() + make_interval(secs => $2)"
            " FROM webhook_deliveries d WHERE d.id = $1 AND w.id = d.webhook_id"
            " RETURNING w.id, w.failures, w.next_attempt_at",
            delivery_id,
            retry_in_s,
        )
        if row is None:  # deleted meanwhile
            return None
        reason = None
        if row["failures"] >= most_failures:
            outcome = f"HTTP {status}" if status is not None else error
            reason = f"{row['failures']} consecutive failed deliveries; the last: {outcome}"
            await disable(tx, row["id"], reason)
        await tx.execute(
            "UPDATE webhook_deliveries SET status = $2, error = $3, duration_ms = $4,"
            " next_attempt_at = $5 WHERE id = $1",
            delivery_id,
            status,
            error,
            duration_ms,
            None if reason else row["next_attempt_at"],
        )
    return reason


async def disable(db: Executor, webhook_id: int, reason: str) -> None:
    """Stop delivering to `webhook_id`, keeping `reason`."""
    await db.execute(
        "UPDATE webhooks SET active = false, disabled_reason = $2, disabled_at = now()"
        " WHERE id = $1 AND active",
        webhook_id,
        reason,
    )
