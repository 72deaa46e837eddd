"""Whole GraphQL responses, kept for anonymous and reader requests.

An answer is stored under its request (document, operation name, variables), the caller's
role, and the data version read when the request began. Every write moves that version in its
own transaction (migration 0009), so once a write commits, no request that starts afterwards
can be answered from before it. Only queries whose answer has no errors are stored. The
rate-limit budget in `extensions.cost`, which differs on every request, is filled in per hit.
"""

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from cachetools import LRUCache
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from api.shared_cache import ANSWER_TTL_S, SharedStore

_BUDGET_MARK = "\x00rate-limit\x00"
_ENCODED_BUDGET = b',"rateLimit":"\\u0000rate-limit\\u0000"'


def request_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, role: str
) -> bytes | None:
    """A digest of what decides an answer besides the data: document, operation, variables,
    role; None (the answer is not cached) when orjson cannot encode the variables, such as
    values nested deeper than its limit of 254 levels or integers beyond 64 bits."""
    try:
        raw = orjson.dumps(
            [query, operation_name, variables or {}, role], option=orjson.OPT_SORT_KEYS
        )
    except orjson.JSONEncodeError:
        return None
    return hashlib.sha256(raw).digest()


MAX_CACHED_QUERY_CHARS = 16_384


def is_query(query: str, operation_name: str | None) -> bool:
    """Whether the operation that ran is a query (never cache a mutation's answer)."""
    return len(query) <= MAX_CACHED_QUERY_CHARS and _is_query(query, operation_name)


@lru_cache(maxsize=256)
def _is_query(query: str, operation_name: str | None) -> bool:
    try:
        operation = get_operation_ast(parse(query, no_location=True), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation == OperationType.QUERY


@dataclass
class Stored:
    """An encoded answer, cut where the rate-limit budget goes (if it has a cost report)."""

    head: bytes
    tail: bytes | None

    @classmethod
    def encode(cls, response: dict[str, Any]) -> "Stored":
        """`response` encoded, with the place of its budget found once."""
        head, mark, tail = orjson.dumps(with_budget_mark(response)).partition(_ENCODED_BUDGET)
        return cls(head, tail if mark else None)

    def render(self, budget: dict[str, Any] | None) -> bytes:
        """The answer with `budget` (or no budget) in `extensions.cost`."""
        if self.tail is None:
            return self.head
        filling = b',"rateLimit":' + orjson.dumps(budget) if budget is not None else b""
        return b"".join((self.head, filling, self.tail))

    def __len__(self) -> int:
        return len(self.head) + len(self.tail or b"")

    def to_bytes(self) -> bytes:
        """The answer as bytes for a shared store: the head's length (and -1 for no tail),
        the head, the tail."""
        tail = -1 if self.tail is None else len(self.tail)
        return struct.pack(">qq", len(self.head), tail) + self.head + (self.tail or b"")

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Stored | None":
        """What `to_bytes` wrote, or None for anything else."""
        if len(raw) < 16:
            return None
        head_length, tail_length = struct.unpack(">qq", raw[:16])
        body = raw[16:]
        if head_length < 0 or len(body) != head_length + max(tail_length, 0):
            return None
        tail = None if tail_length < 0 else body[head_length:]
        return cls(body[:head_length], tail)


def with_budget_mark(response: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of `response` whose cost report holds the budget place-holder."""
    extensions = response.get("extensions")
    if not isinstance(extensions, dict) or not isinstance(extensions.get("cost"), dict):
        return response
    cost = extensions["cost"]
    return {**response, "extensions": {**extensions, "cost": {**cost, "rateLimit": _BUDGET_MARK}}}


class ResponseCache:
    """Encoded answers by request key, for the newest data version seen, in at most
    `max_bytes` of bodies (least recently used first out)."""

    def __init__(self, max_bytes: int, shared: SharedStore | None = None) -> None:
        self.max_bytes = max_bytes
        self.shared = shared
        self.version: int | None = None
        self.entries: LRUCache[bytes, Stored] = LRUCache(max_bytes, getsizeof=_size)
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes, version: int) -> Stored | None:
        """The answer stored for `key` at `version`, if any; a newer version empties the cache."""
        if self.version is None or version > self.version:
            self.entries.clear()
            self.version = version
        found = self.entries.get(key) if version == self.version else None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: bytes, version: int, response: dict[str, Any]) -> None:
        """Keep `response` for `key`, when it was computed at the current version and fits."""
        if version != self.version:
            return
        stored = Stored.encode(response)
        if len(stored) <= self.max_bytes // 4:
            self.entries[key] = stored

    async def fetch(self, key: bytes, version: int, database: str = "") -> Stored | None:
        """`get`, then the shared store (`REDIS_URL`) on a miss: what another replica stored
        for `key` at `version` of `database` (`db.versions.database_identity`), kept here too."""
        found = self.get(key, version)
        if found is not None or self.shared is None:
            return found
        raw = await self.shared.get(_shared_name(database, key, version))
        shared = Stored.from_bytes(raw) if raw is not None else None
        if shared is None:
            return None
        self.misses -= 1
        self.hits += 1
        if version == self.version and len(shared) <= self.max_bytes // 4:
            self.entries[key] = shared
        return shared

    async def store(
        self, key: bytes, version: int, response: dict[str, Any], database: str = ""
    ) -> None:
        """`put`, and into the shared store (`REDIS_URL`) for the other replicas."""
        self.put(key, version, response)
        stored = self.entries.get(key) if version == self.version else None
        if stored is not None and self.shared is not None:
            name = _shared_name(database, key, version)
            await self.shared.put(name, stored.to_bytes(), ANSWER_TTL_S)


def _shared_name(database: str, key: bytes, version: int) -> str:
    return f"answer:{hashlib.sha256(database.encode()).hexdigest()[:16]}:{version}:{key.hex()}"


def _size(stored: Stored) -> int:
    return len(stored)
