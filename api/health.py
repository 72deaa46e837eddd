"""Health checks for orchestrators: liveness without the database, readiness with it.

`/livez` answers 200 while the process serves requests; it touches nothing else, so a
database outage never gets the process restarted. `/readyz` answers 200 when the database
answers within `READY_TIMEOUT_S` and every migration file in `db/migrations/` has been
applied, else 503 with `Retry-After`, `code: UNAVAILABLE` and what is wrong. `/healthz` is
an alias of `/readyz`, as it always ran SQL. None of them is rate-limited nor reads API
keys (`PATHS`).
"""

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from db.pool import RETRY_AFTER_S, Database, StatementTimeout, Unavailable
from db.versions import pending_migrations

UNAVAILABLE = "UNAVAILABLE"  # as schema.errors.UNAVAILABLE; api/ sits above schema/ too

READY_TIMEOUT_S = 1.5
PATHS = ("/livez", "/readyz", "/healthz")


async def readiness(database: Database | None) -> tuple[bool, dict[str, object]]:
    """Whether the API can serve data now, and the body that says why (or why not)."""
    if database is None:
        return False, {
            "status": "unavailable",
            "code": UNAVAILABLE,
            "database": "not connected yet",
        }
    try:
        pending = await asyncio.wait_for(pending_migrations(database), READY_TIMEOUT_S)
    except (Unavailable, StatementTimeout, TimeoutError) as error:
        reason = str(error) or "no answer in time"
        return False, {"status": "unavailable", "code": UNAVAILABLE, "database": reason}
    if pending:
        return False, {
            "status": "unavailable",
            "code": UNAVAILABLE,
            "database": "ok",
            "pendingMigrations": pending,
        }
    return True, {"status": "ok", "database": "ok", "pendingMigrations": []}


def routes(database: Callable[[], Database | None]) -> list[Route]:
    """`/livez`, `/readyz` and `/healthz` over the database `database()` returns."""

    async def live(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> JSONResponse:
        ok, body = await readiness(database())
        if ok:
            return JSONResponse(body)
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    return [
        Route("/livez", live, methods=["GET", "HEAD"]),
        Route("/readyz", ready, methods=["GET", "HEAD"]),
        Route("/healthz", ready, methods=["GET", "HEAD"]),
    ]
