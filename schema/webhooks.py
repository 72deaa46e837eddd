"""Webhooks over GraphQL (docs/webhooks.md): any API key registers URLs to which the change
feed is POSTed, lists its own with their delivery logs, and deletes them.

A key sees and deletes only its own webhooks; another key's is NOT_FOUND, as if it did not
exist. Answers are never kept in the response cache: its keys tell roles apart, not keys.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import strawberry

from db import webhooks as sql
from db.pool import Database
from db.webhooks import feed_cursor
from loaders.webhooks import WebhookLoaders
from schema.arguments import After, First
from schema.changes import NodeType
from schema.context import Info
from schema.errors import BadUserInput, NotFound
from schema.permissions import Role, require
from schema.relay import Connection, connection, from_global_id, to_global_id, window

MAX_URL_BYTES = 2000
RESOLVE_TIMEOUT_S = 5.0
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class WebhookPolicy:
    """Which URLs may be registered (`REDRESS_WEBHOOK_ALLOW_PRIVATE`) and how many webhooks
    a key may have (`REDRESS_WEBHOOKS_PER_KEY`); the app keeps it in `app.state`."""

    allow_private: bool = False
    most_per_key: int = 10


def policy(info: Info) -> WebhookPolicy:
    """The app's webhook policy, or the strict default when it has none."""
    request = info.context.request
    found = getattr(request.app.state, "webhook_policy", None) if request is not None else None
    return found if isinstance(found, WebhookPolicy) else WebhookPolicy()


class Refused(ValueError):
    """A URL that webhooks may not be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: the URL as stored, its host and port."""

    url: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """`url` checked as a webhook target: absolute `http://` or `https://` (RFC 3986), with a
    host, without credentials or fragment, at most `MAX_URL_BYTES` bytes. Raises Refused."""
    cleaned = url.strip()
    if len(cleaned.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        raise Refused(f"the URL is longer than {MAX_URL_BYTES} bytes")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise Refused("the URL holds whitespace or control characters")
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError as error:
        raise Refused(f"the URL is malformed ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(f"the URL must start with http:// or https://, got {url[:100]!r}")
    if not parts.hostname:
        raise Refused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise Refused("the URL must not hold credentials: check the signature instead")
    if parts.fragment:
        raise Refused("the URL must not have a #fragment")
    default = 443 if scheme == "https" else 80
    return Target(f"{scheme}{cleaned[len(scheme) :]}", parts.hostname, port or default)


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def public(address: IPAddress) -> bool:
    """Whether `address` is a globally routable unicast address (IANA special-purpose
    registries, RFC 6890): not loopback, private, link-local, shared (CGNAT), multicast or
    reserved. An IPv6 address that carries an IPv4 one is judged by it: IPv4-mapped
    (`::ffff:0:0/96`), 6to4 (`2002::/16`, RFC 3056) and the NAT64 well-known prefix
    (`64:ff9b::/96`, RFC 6052)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public(address.ipv4_mapped)
        if address.sixtofour is not None:
            return public(address.sixtofour)
        if address in NAT64:
            return public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


async def addresses(target: Target, allow_private: bool) -> list[IPAddress]:
    """The addresses `target`'s host resolves to, in the resolver's order. Raises Refused
    when it does not resolve, or, unless `allow_private`, when any address is not `public`:
    the server must not be made to POST to itself or its private network (SSRF)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            found = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, TimeoutError) as error:
        raise Refused(f"the host {target.host!r} does not resolve ({error})") from error
    resolved: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in resolved:
            resolved.append(address)
    if not resolved:
        raise Refused(f"the host {target.host!r} has no address")
    if not allow_private:
        private = [str(a) for a in resolved if not public(a)]
        if private:
            raise Refused(
                f"the host {target.host!r} resolves to {', '.join(private)}, which is not a"
                " public address (loopback, private, link-local or reserved)"
            )
    return resolved


@strawberry.type(description="One attempt to deliver changes to a webhook.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="The attempt's id, sent in the `Redress-Delivery` header."
    )
    attempt: int = strawberry.field(
        description="1 for a first attempt, then 2, 3... while attempts keep failing."
    )
    first_cursor: str = strawberry.field(description="The feed cursor of the first change sent.")
    last_cursor: str = strawberry.field(description="The feed cursor of the last change sent.")
    change_count: int = strawberry.field(description="How many changes were sent.")
    status: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it did not answer."
    )
    error: str | None = strawberry.field(
        description="Why there was no answer (timeout, connection refused...), else null."
    )
    delivered: bool = strawberry.field(description="Whether the receiver answered 2xx.")
    started_at: datetime = strawberry.field(description="When the attempt started.")
    duration_ms: int | None = strawberry.field(
        description="How long it took, in milliseconds; null while it runs."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="After a failure, when the next attempt may start; else null."
    )

    @classmethod
    def from_row(cls, row: Any) -> "WebhookDelivery":
        return cls(
            id=to_global_id("WebhookDelivery", row["id"]),
            attempt=row["attempt"],
            first_cursor=feed_cursor(row["first_tx"], row["first_id"]),
            last_cursor=feed_cursor(row["last_tx"], row["last_id"]),
            change_count=row["change_count"],
            status=row["status"],
            error=row["error"],
            delivered=row["delivered"],
            started_at=row["started_at"],
            duration_ms=row["duration_ms"],
            next_attempt_at=row["next_attempt_at"],
        )


@strawberry.type(description="A URL to which the change feed is POSTed (docs/webhooks.md).")
class Webhook:
    pk: strawberry.Private[int]
    loaders: strawberry.Private[WebhookLoaders]
    id: strawberry.ID = strawberry.field(description="The webhook's id.")
    url: str = strawberry.field(description="Where changes are POSTed.")
    types: list[NodeType] | None = strawberry.field(
        description="The types of record whose changes are sent; null for all."
    )
    active: bool = strawberry.field(description="False once it was disabled.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")
    failures: int = strawberry.field(description="Consecutive failed attempts until now.")
    next_attempt_at: datetime = strawberry.field(
        description="When the next delivery may start (later than now after a failure)."
    )
    cursor: str = strawberry.field(
        description="The feed position delivered up to: `changes(after:)` from here lists"
        " what it has not received yet."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_row(cls, row: Any, loaders: WebhookLoaders) -> "Webhook":
        types = row["node_types"]
        return cls(
            pk=row["id"],
            loaders=loaders,
            id=to_global_id("Webhook", row["id"]),
            url=row["url"],
            types=None if types is None else [NodeType(t) for t in types],
            active=row["active"],
            disabled_reason=row["disabled_reason"],
            disabled_at=row["disabled_at"],
            failures=row["failures"],
            next_attempt_at=row["next_attempt_at"],
            cursor=feed_cursor(row["cursor_tx"], row["cursor_id"]),
            created_at=row["created_at"],
        )

    @strawberry.field(description="Its delivery log, newest attempt first.")
    def deliveries(self, first: First = None, after: After = None) -> Connection[WebhookDelivery]:
        page_window = window(first, after, None, None)

        async def page() -> Any:
            return await self.loaders.deliveries.load((self.pk, page_window))

        async def total() -> int:
            return await self.loaders.delivery_count.load((self.pk, None))

        return connection(page, WebhookDelivery.from_row, total)


@strawberry.type(description="A webhook just registered, with its signing secret.")
class WebhookRegistration:
    webhook: Webhook = strawberry.field(description="The webhook.")
    secret: str = strawberry.field(
        description="The key of the `Redress-Signature` HMAC. Shown only here: store it now."
    )


def _no_store(info: Info) -> None:
    # The response cache keys answers by role, not by key: one key's webhooks must never be
    # served to another (api/graphql.py).
    if info.context.request is not None:
        info.context.request.state.no_store = True


def _owner(info: Info) -> int:
    principal = require(info.context.principal, Role.READER)
    assert principal.key_id is not None
    return principal.key_id


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="The webhooks of the API key sending the request, oldest first. Needs an"
        " API key."
    )
    def webhooks(self, info: Info, first: First = None, after: After = None) -> Connection[Webhook]:
        key_id = _owner(info)
        _no_store(info)
        page_window = window(first, after, None, None)
        loaders = WebhookLoaders(info.context.loaders.db)

        async def page() -> Any:
            return await loaders.page(key_id, page_window)

        async def total() -> int:
            return await loaders.total(key_id)

        return connection(page, lambda row: Webhook.from_row(row, loaders), total)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="POST the changes of the given types (all when omitted) to `url` from now"
        " on, signed with the secret this answer shows once (docs/webhooks.md). Needs an API"
        " key; the URL must be http(s) and reach a public address."
    )
    async def register_webhook(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="Where to POST the changes.")],
        types: Annotated[
            list[NodeType] | None,
            strawberry.argument(description="Only changes to records of these types."),
        ] = None,
    ) -> WebhookRegistration:
        key_id = _owner(info)
        _no_store(info)
        rules = policy(info)
        try:
            target = parse_target(url)
            await addresses(target, rules.allow_private)
        except Refused as error:
            raise BadUserInput(str(error), argument="url") from error
        if types is not None and not types:
            raise BadUserInput("`types` must not be empty: omit it for all", argument="types")
        node_types = list(dict.fromkeys(str(t.value) for t in types)) if types else None
        db = info.context.loaders.db
        if not isinstance(db, Database):
            raise TypeError("registering needs a Database, not a single connection")
        try:
            row, secret = await sql.register(db, key_id, target.url, node_types, rules.most_per_key)
        except sql.TooMany as error:
            raise BadUserInput(f"{error}: delete one first", argument="url") from error
        return WebhookRegistration(webhook=Webhook.from_row(row, WebhookLoaders(db)), secret=secret)

    @strawberry.mutation(
        description="Delete a webhook of the API key sending the request, with its delivery"
        " log; returns its id. Another key's webhook is NOT_FOUND."
    )
    async def delete_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook's id.")],
    ) -> strawberry.ID:
        key_id = _owner(info)
        _no_store(info)
        kind, pk = from_global_id(id)
        if kind != "Webhook":
            raise BadUserInput(f"{id!r} is not the id of a webhook", argument="id")
        if not await sql.delete(info.context.loaders.db, key_id, pk):
            raise NotFound(f"this key has no webhook {id!r}", argument="id")
        return id
