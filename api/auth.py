"""Authentication as ASGI middleware: `Authorization: Bearer <key>` becomes a Principal.

Every HTTP request leaves here with `request.state.principal` set. No header means an
anonymous caller; a header with an unknown, revoked or malformed key is refused with 401.
Keys are looked up on every request (one indexed statement), so a revocation holds from
the very next request. Keys are never logged.
"""

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http_limits import error_response
from db import keys
from db.pool import Database
from schema.permissions import Principal, Role

UNAUTHENTICATED = "UNAUTHENTICATED"
ROLES = {"reader": Role.READER, "editor": Role.EDITOR, "admin": Role.ADMIN}


def bearer_key(header: str) -> str | None:
    """The key in an `Authorization` header value, if it is `Bearer` and a well-formed key."""
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not keys.well_formed(key):
        return None
    return key


async def principal_for(database: Database, key: str, client: str | None) -> Principal | None:
    """The Principal of a live key, or None."""
    found = await keys.authenticate(database, key)
    if found is None:
        return None
    return Principal(role=ROLES[found.role], key_id=found.id, key_name=found.name, client=client)


class Authentication:
    """Sets `scope["state"]["principal"]` (read as `request.state.principal`) or answers 401."""

    def __init__(self, app: ASGIApp, *, database: Callable[[], Database | None]) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else None
        headers = Headers(scope=scope).getlist("authorization")
        if not headers:
            principal: Principal | None = Principal(client=client)
        else:
            key = bearer_key(headers[0]) if len(headers) == 1 else None
            database = self.database()
            assert database is not None, "the database opens before the first request"
            principal = None if key is None else await principal_for(database, key, client)
        if principal is None:
            message = (
                "the Authorization header must be `Bearer <key>` with a valid API key;"
                " this key is unknown, revoked or malformed"
            )
            response = error_response(
                401,
                UNAUTHENTICATED,
                message,
                headers={"WWW-Authenticate": 'Bearer realm="redress", error="invalid_token"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
