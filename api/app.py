"""The ASGI application."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.extensions import DisableIntrospection

from api.auth import Authentication
from api.graphql import GraphQLEndpoint
from api.http_limits import BodySizeLimit, RequestTimeout
from api.ratelimit import Limiter, MemoryLimiter, RateLimit, RedisLimiter
from api.response_cache import ResponseCache
from api.settings import Settings
from db.pool import Database, connect
from schema.root import build_schema

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def default_limiter(settings: Settings) -> Limiter:
    """Redis-backed when `REDIS_URL` is set, so that replicas share limits; else in memory."""
    if settings.redis_url is not None:
        return RedisLimiter(str(settings.redis_url))
    return MemoryLimiter()


def middleware(
    settings: Settings, database: Callable[[], Database | None], limiter: Limiter
) -> list[Middleware]:
    """The request pipeline, outermost first: CORS, timeout, auth, rate limit, body size."""
    stack: list[Middleware] = []
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept"],
                expose_headers=["Retry-After", *RATE_LIMIT_HEADERS],
            )
        )
    return [
        *stack,
        Middleware(RequestTimeout, seconds=settings.request_timeout_s),
        Middleware(Authentication, database=database),
        Middleware(
            RateLimit,
            limiter=limiter,
            anonymous=settings.rate_limit_anonymous,
            key=settings.rate_limit_key,
        ),
        Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
    ]


def create_app(
    settings: Settings,
    *,
    url: str | None = None,
    database: Database | None = None,
    limiter: Limiter | None = None,
) -> Starlette:
    """The API over an open `database`, or over a pool to `url` opened for the app's lifetime.

    Rate limits count in `limiter` (the caller's to close), or else in the one `settings` call
    for, closed with the app.
    """
    own_limiter = limiter is None
    limiter = limiter or default_limiter(settings)

    async def close_limiter() -> None:
        if own_limiter:
            await limiter.close()

    extensions = [] if settings.introspection else [DisableIntrospection]
    cache = (
        ResponseCache(settings.response_cache_mb * 1024 * 1024)
        if settings.response_cache_mb > 0
        else None
    )
    graphql = GraphQLEndpoint(
        build_schema(extensions=extensions), graphiql=settings.graphiql, cache=cache
    )
    graphql.database = database

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if graphql.database is not None:
            try:
                yield
            finally:
                await close_limiter()
            return
        assert url is not None, "create_app needs a database or a url"
        graphql.database = await connect(
            url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        try:
            yield
        finally:
            await graphql.database.close()
            await close_limiter()

    async def health(_request: Request) -> JSONResponse:
        assert graphql.database is not None
        await graphql.database.fetchval("SELECT 1")
        return JSONResponse({"status": "ok"})

    async def home(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        middleware=middleware(settings, lambda: graphql.database, limiter),
        lifespan=lifespan,
    )
