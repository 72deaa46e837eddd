"""Automatic persisted queries (Apollo's protocol, version 1).

A client sends `extensions.persistedQuery.sha256Hash` without `query`; when the server has
seen that document it runs it, else it answers PERSISTED_QUERY_NOT_FOUND and the client sends
the hash with the full `query` once, which is checked against the hash and remembered. With
GET, a persisted query is a short URL that HTTP caches can keep.
See https://github.com/apollographql/apollo-link-persisted-queries#protocol.
"""

import hashlib
import re
from typing import Any

from cachetools import LRUCache

from api.shared_cache import DOCUMENT_TTL_S, SharedStore

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
MAX_QUERY_CHARS = 16_384
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(ValueError):
    """A persisted-query extension that cannot be honoured, with its error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class PersistedQueries:
    """Documents by the SHA-256 of their text, the `size` most recently used."""

    def __init__(self, size: int = 1000, shared: SharedStore | None = None) -> None:
        self.documents: LRUCache[str, str] = LRUCache(size)
        self.shared = shared

    async def lookup(self, digest: str) -> str | None:
        """The document registered under `digest` here, or by any replica (`REDIS_URL`)."""
        found = self.documents.get(digest)
        if found is None and self.shared is not None and _SHA256.fullmatch(digest):
            raw = await self.shared.get(f"apq:{digest}")
            if raw is not None and hashlib.sha256(raw).hexdigest() == digest:
                found = self.documents[digest] = raw.decode()
        return found

    async def resolve(self, query: str | None, extension: Any) -> str:
        """The query text to run for a request carrying `extensions.persistedQuery`."""
        if not isinstance(extension, dict) or extension.get("version") != 1:
            raise PersistedQueryError(
                "extensions.persistedQuery must be {version: 1, sha256Hash}", "BAD_USER_INPUT"
            )
        digest = extension.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise PersistedQueryError(
                "persistedQuery.sha256Hash must be 64 lower-case hex digits", "BAD_USER_INPUT"
            )
        if query is None:
            found = await self.lookup(digest)
            if found is None:
                raise PersistedQueryError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            return found
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryError(
                "persistedQuery.sha256Hash is not the SHA-256 of the query", "BAD_USER_INPUT"
            )
        if len(query) <= MAX_QUERY_CHARS:
            if digest not in self.documents and self.shared is not None:
                await self.shared.put(f"apq:{digest}", query.encode(), DOCUMENT_TTL_S)
            self.documents[digest] = query
        return query
