"""The ASGI application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.extensions import DisableIntrospection

from api.graphql import GraphQLEndpoint
from api.settings import Settings
from db.pool import Database, connect
from schema.root import build_schema


def create_app(
    settings: Settings, *, url: str | None = None, database: Database | None = None
) -> Starlette:
    """The API over an open `database`, or over a pool to `url` opened for the app's lifetime."""
    extensions = [] if settings.introspection else [DisableIntrospection]
    graphql = GraphQLEndpoint(build_schema(extensions=extensions), graphiql=settings.graphiql)
    graphql.database = database

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if graphql.database is not None:
            yield
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
        lifespan=lifespan,
    )
