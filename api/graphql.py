"""The GraphQL endpoint: Strawberry's ASGI view with a fresh context per request."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from db.pool import Database
from loaders.request import Loaders
from schema.context import Context
from schema.root import RedressSchema


class GraphQLEndpoint(GraphQL[Context, None]):
    """Serves GraphiQL to browsers and JSON to clients."""

    database: Database | None = None

    def __init__(self, schema: RedressSchema, *, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert self.database is not None, "the database opens before the first request"
        return Context(
            loaders=Loaders(self.database),
            request=request if isinstance(request, Request) else None,
        )

    async def get_root_value(self, request: Any) -> None:
        return None
