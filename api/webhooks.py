"""The webhook delivery worker (docs/webhooks.md): POSTs the settled change feed to every
registered webhook, in feed order, at least once, signed.

It wakes when the feed grows (`Database.notices`), when a retry falls due, and every
`poll_s` seconds. A webhook is delivered by one worker at a time, whatever the number of
replicas: each delivery holds the webhook's advisory lock on a connection of the worker's
own (db/webhooks.py). A webhook's position moves only after a 2xx answer; a failure is
retried with exponential backoff and jitter, and enough failures in a row disable it.
While the database cannot answer, the worker logs, waits and resumes; it never stops the app.
"""

import asyncio
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson

from api.settings import Settings
from db import webhooks as sql
from db.pool import Database, Executor, StatementTimeout, Unavailable
from db.webhooks import feed_cursor
from schema.changes import ChangeKind, NodeType
from schema.relay import to_global_id
from schema.webhooks import Refused, addresses, parse_target

USER_AGENT = "Redress-Webhooks/1"
# How many webhooks one round looks at, and delivers to at the same time.
DUE_PER_ROUND = 100
CONCURRENCY = 8
# Waits after the database failed to answer, growing with each failure in a row.
OUTAGE_WAITS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
MAX_ERROR_CHARS = 500

log = logging.getLogger("redress.webhooks")


@dataclass(frozen=True)
class DeliveryOptions:
    """How the worker delivers: the `REDRESS_WEBHOOK_*` settings (docs/webhooks.md)."""

    timeout_s: float = 10.0
    batch: int = 100
    backoff_base_s: float = 5.0
    backoff_cap_s: float = 3600.0
    max_failures: int = 50
    poll_s: float = 5.0
    allow_private: bool = False

    def __post_init__(self) -> None:
        for name in ("timeout_s", "batch", "backoff_base_s", "max_failures", "poll_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"webhook setting {name} must be positive")
        if self.backoff_cap_s < self.backoff_base_s:
            raise ValueError("REDRESS_WEBHOOK_BACKOFF_CAP_S must be at least the base")

    @classmethod
    def from_settings(cls, settings: Settings) -> "DeliveryOptions":
        return cls(
            timeout_s=settings.webhook_timeout_s,
            batch=settings.webhook_batch,
            backoff_base_s=settings.webhook_backoff_base_s,
            backoff_cap_s=settings.webhook_backoff_cap_s,
            max_failures=settings.webhook_max_failures,
            poll_s=settings.webhook_poll_s,
            allow_private=settings.webhook_allow_private,
        )


def backoff_s(
    failures: int, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after `failures` (>= 1) failed attempts in a row: exponential,
    `min(cap, base * 2^(failures - 1))`, with "equal jitter" (half of it fixed, half random,
    as in the AWS Architecture Blog's "Exponential Backoff And Jitter"), so that receivers
    that failed together are not retried together."""
    ceiling = min(cap_s, base_s * 2 ** min(failures - 1, 62))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Redress-Signature` value: `v1=` and the hex HMAC-SHA256 (RFC 2104) keyed by the
    UTF-8 bytes of `secret`, of `<timestamp>.<body>` (the scheme of Stripe's signatures)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def payload(webhook_id: int, delivery_id: str, changes: Sequence[Any]) -> bytes:
    """The JSON body of one delivery: which webhook and attempt, and the changes, oldest
    first, each as the change feed gives it (docs/changes.md) but without the record."""
    return orjson.dumps(
        {
            "webhookId": to_global_id("Webhook", webhook_id),
            "deliveryId": delivery_id,
            "changes": [
                {
                    "cursor": feed_cursor(c["tx"], c["id"]),
                    "nodeId": to_global_id(c["node_type"], c["row_id"]),
                    "type": NodeType(c["node_type"]).name,
                    "kind": ChangeKind(c["kind"]).name,
                    "at": c["at"].isoformat(),
                    "dataVersion": c["data_version"],
                }
                for c in changes
            ],
        }
    )


class WebhookWorker:
    """Delivers the webhooks of one database until cancelled (`run`)."""

    def __init__(
        self,
        database: Database,
        options: DeliveryOptions,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.database = database
        self.options = options
        self.own_http = http is None
        self.http = http or httpx.AsyncClient(follow_redirects=False, trust_env=False)
        self.claims: asyncpg.Connection | None = None
        self.claims_lock = asyncio.Lock()

    async def run(self) -> None:
        """Deliver until cancelled. Database faults and unexpected errors are logged and
        followed by a wait; nothing but cancellation ends it."""
        outages = 0
        try:
            while True:
                ticket = self.database.notices.ticket()
                try:
                    wait = await self.round()
                    outages = 0
                except (Unavailable, StatementTimeout, OSError, asyncpg.PostgresError) as error:
                    wait = OUTAGE_WAITS_S[min(outages, len(OUTAGE_WAITS_S) - 1)]
                    outages += 1
                    log.warning("webhook deliveries wait %.0f s: database fault (%s)", wait, error)
                    await self.drop_claims()
                except Exception:
                    wait = OUTAGE_WAITS_S[-1]
                    log.exception("webhook deliveries failed; again in %.0f s", wait)
                    await self.drop_claims()
                if wait > 0:
                    await self.database.notices.wait(ticket, wait)
        finally:
            await self.drop_claims()
            if self.own_http:
                await self.http.aclose()

    async def round(self) -> float:
        """Deliver once to every due webhook; the seconds to wait before the next round (0
        when something was delivered: more may be waiting)."""
        due = await sql.due(self.database, DUE_PER_ROUND)
        if due:
            limit = asyncio.Semaphore(CONCURRENCY)
            results = await asyncio.gather(
                *(self.claim_and_deliver(webhook_id, limit) for webhook_id in due),
                return_exceptions=True,
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            if any(results):
                return 0.0
        retry = await sql.seconds_to_next_retry(self.database)
        return self.options.poll_s if retry is None else min(self.options.poll_s, retry)

    async def claim_and_deliver(self, webhook_id: int, limit: asyncio.Semaphore) -> bool:
        """Deliver to `webhook_id` unless another worker holds it; whether changes went out."""
        async with limit:
            claims = await self.claims_executor()
            async with self.claims_lock:
                if not await sql.claim(claims, webhook_id):
                    return False
            try:
                return await self.deliver(webhook_id)
            finally:
                async with self.claims_lock:
                    await sql.release(claims, webhook_id)

    async def claims_executor(self) -> Executor:
        async with self.claims_lock:
            if self.claims is None or self.claims.is_closed():
                self.claims = await sql.claims_connection(self.database.url)
            return Executor(self.claims)

    async def drop_claims(self) -> None:
        """Close the claims connection (releasing every lock it holds)."""
        claims, self.claims = self.claims, None
        if claims is not None:
            claims.terminate()

    async def deliver(self, webhook_id: int) -> bool:
        """One attempt to deliver the next batch of `webhook_id`, logged; whether it was
        delivered. Moves the position past changes of other types when none of its types wait."""
        pending = await sql.pending(self.database, webhook_id, self.options.batch)
        if pending is None:
            return False
        if pending.expired:
            reason = (
                "changes after its position were pruned by the change feed's retention"
                " (REDRESS_CHANGES_RETENTION_DAYS) before they could be delivered"
            )
            await sql.disable(self.database, webhook_id, reason)
            log.warning("webhook %d disabled: %s", webhook_id, reason)
            return False
        if not pending.changes:
            await sql.advance(self.database, webhook_id, pending.end)
            return False
        webhook = pending.webhook
        attempt = webhook["failures"] + 1
        delivery_pk = await sql.begin_attempt(self.database, webhook_id, attempt, pending.changes)
        if delivery_pk is None:
            return False
        delivery_id = to_global_id("WebhookDelivery", delivery_pk)
        body = payload(webhook_id, delivery_id, pending.changes)
        started = time.monotonic()
        status, error = await self.post(webhook["url"], webhook["secret"], delivery_id, body)
        duration_ms = round((time.monotonic() - started) * 1000)
        if status is not None and 200 <= status < 300:
            await sql.succeeded(self.database, delivery_pk, status, duration_ms, pending.end)
            return True
        retry_s = backoff_s(attempt, self.options.backoff_base_s, self.options.backoff_cap_s)
        disabled = await sql.failed(
            self.database,
            delivery_pk,
            status=status,
            error=error,
            duration_ms=duration_ms,
            retry_in_s=retry_s,
            most_failures=self.options.max_failures,
        )
        outcome = f"HTTP {status}" if status is not None else error
        if disabled:
            log.warning("webhook %d disabled: %s", webhook_id, disabled)
        else:
            log.info(
                "webhook %d attempt %d failed (%s): retry in %.3g s",
                webhook_id,
                attempt,
                outcome,
                retry_s,
            )
        return False

    async def post(
        self, url: str, secret: str, delivery_id: str, body: bytes
    ) -> tuple[int | None, str | None]:
        """POST `body` to `url`, signed; the HTTP status, or None and why there was none.

        The host is resolved and checked again here, not only at registration (a name can
        be pointed elsewhere since: DNS rebinding), and the request goes to the addresses
        checked, the next one only when connecting to one fails, with the name in `Host` and
        in TLS's SNI, where the certificate is verified against it. Redirects are not
        followed, the body of the answer is not read, and the whole exchange is cut at
        `timeout_s`.
        """
        try:
            target = parse_target(url)
            checked = await addresses(target, self.options.allow_private)
        except Refused as error:
            return None, f"refused: {error}"[:MAX_ERROR_CHARS]
        pinned = httpx.URL(target.url)
        timestamp = int(time.time())
        headers = {
            "Host": pinned.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Redress-Delivery": delivery_id,
            "Redress-Timestamp": str(timestamp),
            "Redress-Signature": sign(secret, timestamp, body),
        }
        timeout = self.options.timeout_s
        failure = "no address"
        try:
            async with asyncio.timeout(timeout):
                for address in checked:  # in the resolver's order, while connecting fails
                    try:
                        async with self.http.stream(
                            "POST",
                            pinned.copy_with(host=str(address)),
                            content=body,
                            headers=headers,
                            timeout=timeout,
                            extensions={"sni_hostname": target.host},
                        ) as response:
                            return response.status_code, None
                    except httpx.ConnectError as error:
                        failure = f"cannot connect to {address}: {error}"
        except (TimeoutError, httpx.TimeoutException):
            return None, f"no answer within {timeout:g} s"
        except httpx.HTTPError as error:
            failure = f"{type(error).__name__}: {error}"
        return None, failure[:MAX_ERROR_CHARS]


async def keep_delivering(database: Database, options: DeliveryOptions) -> None:
    """Run a `WebhookWorker` over `database` until cancelled (the app's lifespan task)."""
    await WebhookWorker(database, options).run()
