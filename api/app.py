"""The ASGI application."""

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.extensions import DisableIntrospection

from api import export, graphiql, health, http_errors, logs, request_id
from api.auth import Authentication
from api.graphql import GraphQLEndpoint
from api.http_limits import BodySizeLimit, RequestTimeout
from api.metrics import Metrics, metrics_middleware_options, server_registry
from api.persisted_queries import PersistedQueries
from api.ratelimit import Limiter, MemoryLimiter, RateLimit, RedisLimiter
from api.response_cache import ResponseCache
from api.retention import keep_pruning
from api.settings import Settings
from api.shared_cache import SharedStore
from api.subscriptions import Gate, KeepTransport
from api.tracing import graphql_extension, instrument, tracer_provider
from api.webhooks import DeliveryOptions, keep_delivering
from db.pool import Database, connect
from schema.guards import HideSuggestions
from schema.root import build_schema
from schema.webhooks import WebhookPolicy

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
# What browser clients send: Apollo Client's CSRF header, and revalidation of cached GETs.
CORS_REQUEST_HEADERS = [
    "Accept",
    "Authorization",
    "Content-Type",
    "X-Request-Id",
    "Apollo-Require-Preflight",
    "If-None-Match",
]


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
                allow_headers=CORS_REQUEST_HEADERS,
                expose_headers=[
                    "ETag",
                    "X-Request-Id",
                    "Retry-After",
                    *RATE_LIMIT_HEADERS,
                    *export.HEADERS,
                ],
                max_age=600,
            )
        )
    return [
        *stack,
        Middleware(RequestTimeout, seconds=settings.request_timeout_s, streaming=("/export/",)),
        Middleware(
            Authentication,
            database=database,
            limiter=limiter,
            ip_limit=settings.rate_limit_anonymous,
            exempt=health.PATHS,
        ),
        Middleware(
            RateLimit,
            limiter=limiter,
            anonymous=settings.rate_limit_anonymous,
            key=settings.rate_limit_key,
            exempt=health.PATHS,
        ),
        Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
    ]


def create_app(
    settings: Settings,
    *,
    url: str | None = None,
    database: Database | None = None,
    limiter: Limiter | None = None,
    tracing: TracerProvider | None = None,
) -> Starlette:
    """The API over an open `database`, or over a pool to `url` opened for the app's lifetime.

    Rate limits count in `limiter` (the caller's to close), or else in the one `settings` call
    for, closed with the app. Traces go to `tracing`, or else where `settings.tracing` says.
    """
    own_limiter = limiter is None
    limiter = limiter or default_limiter(settings)

    shared = (
        SharedStore(str(settings.redis_url), prefix=settings.cache_prefix)
        if settings.redis_url is not None
        else None
    )

    async def close_limiter() -> None:
        if own_limiter:
            await limiter.close()
        if shared is not None:
            await shared.close()

    extensions: list[Any] = (
        [] if settings.introspection else [DisableIntrospection, HideSuggestions]
    )
    provider = tracing or tracer_provider(settings.tracing)
    if provider is not None:
        extensions.append(graphql_extension(provider))
    cache = (
        ResponseCache(settings.response_cache_mb * 1024 * 1024, shared)
        if settings.response_cache_mb > 0
        else None
    )
    graphql = GraphQLEndpoint(
        build_schema(extensions=extensions),
        graphiql=settings.graphiql,
        cache=cache,
        persisted=PersistedQueries(shared=shared),
    )
    graphql.database = database
    graphql.subscriptions = Gate(
        limiter,
        anonymous_limit=settings.rate_limit_anonymous,
        key_limit=settings.rate_limit_key,
        cap=settings.subscriptions_per_key,
        send_timeout_s=settings.subscription_send_timeout_s,
        close_timeout_s=settings.subscription_close_timeout_s,
    )

    # Webhook deliveries (docs/webhooks.md), checked now so that a bad setting stops start-up.
    delivery = DeliveryOptions.from_settings(settings) if settings.webhooks else None

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
        pruning = (
            asyncio.create_task(
                keep_pruning(graphql.database, settings.changes_retention_days),
                name="redress-prune-changes",
            )
            if settings.changes_retention_days > 0
            else None
        )
        delivering = (
            asyncio.create_task(
                keep_delivering(graphql.database, delivery), name="redress-webhooks"
            )
            if delivery is not None
            else None
        )
        try:
            yield
        finally:
            if delivering is not None:
                delivering.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await delivering
            if pruning is not None:
                pruning.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pruning
            await graphql.database.close()
            await close_limiter()

    async def home(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    sdl = (graphql.schema.as_str() + "\n").encode()
    sdl_etag = f'"{hashlib.sha256(sdl).hexdigest()[:32]}"'

    async def schema_sdl(request: Request) -> Response:
        """The schema as SDL (docs/versioning.md), served even with introspection off."""
        headers = {"ETag": sdl_etag, "Cache-Control": "public, max-age=300"}
        if sdl_etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(sdl, media_type="text/plain; charset=utf-8", headers=headers)

    observed = Middleware(
        Metrics,
        **metrics_middleware_options(
            settings.metrics,
            str(settings.metrics_key) if settings.metrics_key else None,
            server_registry(lambda: graphql.database, cache),
        ),
    )
    graphiql_routes = (
        [Route(f"{graphiql.STATIC_PREFIX}/{{version}}/{{name}}", graphiql.asset)]
        if settings.graphiql
        else []
    )
    app = Starlette(
        routes=[
            Route("/", home),
            *health.routes(lambda: graphql.database),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (api/subscriptions.py)
            Route("/schema.graphql", schema_sdl, methods=["GET"]),
            *export.routes(lambda: graphql.database),
            *graphiql_routes,
        ],
        middleware=[
            *request_id.middleware(),  # outermost: refusals and failures get the id too
            Middleware(KeepTransport),  # websockets only: bounds and can abort the socket
            Middleware(logs.AccessLog),
            observed,
            *middleware(settings, lambda: graphql.database, limiter),
        ],
        exception_handlers=http_errors.HANDLERS,
        lifespan=lifespan,
    )
    app.state.webhook_policy = WebhookPolicy(
        allow_private=settings.webhook_allow_private, most_per_key=settings.webhooks_per_key
    )
    if provider is not None:
        instrument(app, provider)
    return app
