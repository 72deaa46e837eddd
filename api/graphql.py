"""The GraphQL endpoint: Strawberry's ASGI view, made to follow GraphQL over HTTP.

Per https://graphql.github.io/graphql-over-http/draft/: the response is
`application/graphql-response+json` when the Accept header asks for it, else
`application/json`; a request that fails before execution (parse, validation, variables) has
no `data` and gets 400 in the first media type and 200 in the second, except QUERY_TOO_COMPLEX,
which is 400 in both. GET runs queries only (a mutation gets 405 with `Allow: POST`); POST
takes `application/json` only (else 415); an Accept header naming neither media type gets 406.
Requests the view refuses outright answer with a JSON body of coded errors too.

Each request has an id (the client's `X-Request-Id` when plain, else a new one), sent back in
`X-Request-Id`, in `extensions.requestId` of INTERNAL, UNAVAILABLE and TIMEOUT errors and in the
error log. An answer with UNAVAILABLE or TIMEOUT (the database could not answer) is HTTP 503
with `Retry-After`; a failed data-version read answers without the response cache. The cost
report (`extensions.cost`) gains the caller's rate-limit budget when the rate limiter leaves
it in `scope["state"]["rate_limit"]`.
"""

import json
import logging
import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult

from api import graphiql
from api.persisted_queries import PersistedQueries, PersistedQueryError
from api.response_cache import ResponseCache, Stored, is_query, request_key
from api.subscriptions import Gate, SubscriptionHandler, WatchedSocket
from db.pool import Database, StatementTimeout, Unavailable, fail_fast, note_unavailable
from db.versions import VersionReader, database_identity
from loaders.request import Loaders
from schema.compat import (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    AsyncHTTPRequestAdapter,
    BaseRequestProtocol,
    CannotGetOperationTypeError,
    HTTPException,
    InvalidOperationTypeError,
    parse_content_type,
)
from schema.context import Context
from schema.errors import BAD_USER_INPUT, INTERNAL, TIMEOUT, UNAVAILABLE
from schema.guards import QUERY_TOO_COMPLEX
from schema.permissions import ANONYMOUS, Principal, Role
from schema.root import RedressSchema

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
RATE_LIMIT_FIELDS = ("limit", "remaining", "resetSeconds")
# Deeper than any input type of the schema needs; well under orjson's limit of 254 levels.
MAX_JSON_DEPTH = 32
# Codes that mean "the database could not answer now": HTTP 503 with Retry-After.
RETRYABLE = {UNAVAILABLE: 503, TIMEOUT: 503}

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class _RequestIdFilter(logging.Filter):
    """Prefixes the error log's lines with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
            record.msg = f"[request {request_id}] {record.msg}"
        return True


logging.getLogger("redress.errors").addFilter(_RequestIdFilter())


class Rejected(HTTPException):
    """A request refused before execution, with its status code and headers."""

    def __init__(self, status_code: int, reason: str, headers: dict[str, str] | None = None):
        super().__init__(status_code, reason)
        self.headers = headers or {}


def request_id(header: str | None) -> str:
    """The client's `X-Request-Id` when it is short and plain, else a new random id."""
    if header and _CLIENT_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when it accepts neither.

    No header means `application/json`. The highest `q` wins, then the more specific range;
    a tie between explicit ranges goes to `application/graphql-response+json`, and one
    between wildcards (`*/*`, `application/*`) to `application/json`.
    """
    if accept is None or not accept.strip():
        return JSON
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, _, parameters = part.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.strip().lower(), quality))
    best: tuple[float, int, int] | None = None
    chosen = None
    for candidate in (GRAPHQL_RESPONSE, JSON):
        matches = [
            (specificity, quality)
            for media, quality in ranges
            if (specificity := _specificity(media, candidate)) >= 0
        ]
        if not matches:
            continue
        specificity, quality = max(matches)
        preferred = (candidate == GRAPHQL_RESPONSE) == (specificity == 2)
        key = (quality, specificity, int(preferred))
        if quality > 0 and (best is None or key > best):
            best, chosen = key, candidate
    return chosen


def _specificity(media_range: str, media: str) -> int:
    """2 when `media_range` names `media`, 1 for its `type/*`, 0 for `*/*`, else -1."""
    if media_range == media:
        return 2
    if media_range == media.split("/")[0] + "/*":
        return 1
    return 0 if media_range == "*/*" else -1


def _budget(request: Request | WebSocket) -> dict[str, Any] | None:
    """The caller's rate-limit budget for `extensions.cost`, when the rate limiter left one."""
    budget = getattr(request.state, "rate_limit", None)
    if not isinstance(budget, Mapping):
        return None
    return {name: budget.get(name) for name in RATE_LIMIT_FIELDS}


def nesting(value: object) -> int:
    """How deeply lists and objects nest in a decoded JSON value (a scalar is 0), found
    without recursion so that no depth can exhaust the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _refusal(message: str, code: str = BAD_USER_INPUT) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


class Refused(HTTPException):
    """A request refused before execution with a coded GraphQL error (not a transport error):
    200 in `application/json`, 400 in `application/graphql-response+json`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(400, message)
        self.code = code


class CachedResult(ExecutionResult):
    """An answer found in the response cache, already encoded."""

    def __init__(self, stored: Stored | None) -> None:
        super().__init__(data=None, errors=None)
        self.stored = stored


class EncodedResponse(dict[str, Any]):
    """A response body that is already encoded JSON."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


def _no_operation(error: CannotGetOperationTypeError) -> str:
    if error.operation_name is not None:
        return f"the document has no operation named {error.operation_name!r}"
    return "the document has no operation to run"


class GraphQLEndpoint(GraphQL[Context, None]):
    """Serves GraphiQL to browsers, GraphQL over HTTP to clients, and subscriptions over
    graphql-transport-ws on a websocket at the same path (api/subscriptions.py)."""

    database: Database | None = None
    graphql_transport_ws_handler_class = SubscriptionHandler
    websocket_adapter_class = WatchedSocket

    def __init__(
        self,
        schema: RedressSchema,
        *,
        graphiql: bool,
        cache: ResponseCache | None = None,
        persisted: PersistedQueries | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.subscriptions = Gate()  # create_app sets the limits
        self.cache = cache
        self.persisted = persisted or PersistedQueries()
        self.reader: VersionReader | None = None
        self.identity: tuple[Database, str] | None = None

    async def database_name(self) -> str | None:
        """This database's identity for the shared cache ("" without one), read once; None
        when it cannot be read now (the request is then not cached)."""
        if self.cache is None or self.cache.shared is None or self.database is None:
            return ""
        if self.identity is None or self.identity[0] is not self.database:
            try:
                self.identity = (self.database, await database_identity(self.database))
            except (Unavailable, StatementTimeout):
                return None
        return self.identity[1]

    async def data_version(self) -> int | None:
        """The data version now, through one shared reader per database."""
        assert self.database is not None
        if self.reader is None or self.reader.db is not self.database:
            self.reader = VersionReader(self.database)
        return await self.reader.read()

    async def _version_or_none(self, request: Request) -> int | None:
        """The data version, or None (answer without the cache) when the database cannot give
        it now: a request that needs no data, such as `{ __typename }`, is still answered, and
        one that does fails on its own fields with UNAVAILABLE or TIMEOUT. Read once a request."""
        if getattr(request.state, "version_failed", False):
            return None
        try:
            return await self.data_version()
        except Unavailable as error:
            note_unavailable(error)  # the request's statements fail at once (fail_fast)
            request.state.version_failed = True
            return None
        except StatementTimeout:
            request.state.version_failed = True
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        request.state.request_id = request_id(request.headers.get("x-request-id"))
        token = REQUEST_ID.set(request.state.request_id)
        try:
            with fail_fast():
                response = await self._respond(request)
        finally:
            REQUEST_ID.reset(token)
        response.headers["X-Request-Id"] = request.state.request_id
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        request.state.media_type = media or JSON
        try:
            if media is None and not self.should_render_graphql_ide(
                self.request_adapter_class(request)
            ):
                raise Rejected(
                    406, f"cannot answer in any media type the Accept header names: use {JSON}"
                )
            if media is not None and request.method == "POST" and self.cache is not None:
                hit = await self._cached_post(request, media)
                if hit is not None:
                    return hit
            return await self.run(request)
        except Refused as error:
            status = 400 if request.state.media_type == GRAPHQL_RESPONSE else 200
            return Response(
                self.encode_json(_refusal(error.reason, error.code)),
                status_code=status,
                media_type=f"{request.state.media_type}; charset=utf-8",
            )
        except HTTPException as error:
            headers = error.headers if isinstance(error, Rejected) else {}
            return Response(
                self.encode_json(_refusal(error.reason)),
                status_code=error.status_code,
                media_type=f"{request.state.media_type}; charset=utf-8",
                headers=headers,
            )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert self.database is not None, "the database opens before the first request"
        http = request if isinstance(request, Request) else None
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        return Context(loaders=Loaders(self.database), request=http, principal=principal)

    async def get_root_value(self, request: Any) -> None:
        return None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = getattr(request.state, "media_type", JSON)
        return sub_response

    def is_request_allowed(self, request: BaseRequestProtocol) -> bool:
        if request.method in ("GET", "POST"):
            return True
        raise Rejected(405, "use GET for queries, POST for any operation", {"Allow": "GET, POST"})

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        if "extensions" in request.query_params:  # a persisted query, not a browser
            return False
        return self.graphql_ide is not None and super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page(request)  # self-hosted assets, no CDN (api/graphiql.py)

    def encode_json(self, data: object) -> bytes:
        try:
            return orjson.dumps(data)
        except TypeError:  # what orjson cannot encode (say, an int over 64 bits) json can
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except (ValueError, RecursionError) as error:
            if "depth limit" in str(error) or isinstance(error, RecursionError):
                raise Rejected(
                    400, "the request body is not valid UTF-8 JSON: it nests too deeply"
                ) from error
            raise Rejected(400, "the request body is not valid UTF-8 JSON") from error

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            media, parameters = parse_content_type(request.content_type or "")
            charset = parameters.get("charset", "utf-8").lower()
            if media != JSON or charset not in ("utf-8", "utf8"):
                raise Rejected(415, f"send the request as {JSON} (UTF-8)", {"Accept-Post": JSON})
            body = await request.get_body()
            if not body.strip():
                raise Rejected(400, "the request body is empty: send a JSON object with `query`")
            data = self.parse_json(body)
        if isinstance(data, list):
            raise Rejected(400, "batching is off: send one operation per request")
        if not isinstance(data, dict):
            raise Rejected(400, "the request body must be a JSON object with `query`")
        for name, kind, noun in (
            ("query", str, "a string"),
            ("operationName", str, "a string"),
            ("variables", dict, "an object"),
            ("extensions", dict, "an object"),
        ):
            if data.get(name) is not None and not isinstance(data[name], kind):
                raise Rejected(400, f"`{name}` must be {noun} or null")
        for name in ("variables", "extensions"):
            if nesting(data.get(name)) > MAX_JSON_DEPTH:
                raise Rejected(400, f"`{name}` nest deeper than {MAX_JSON_DEPTH} levels")
        query = data.get("query")
        extensions = data.get("extensions") or {}
        if "persistedQuery" in extensions:
            try:
                query = await self.persisted.resolve(query, extensions["persistedQuery"])
            except PersistedQueryError as error:
                raise Refused(str(error), error.code) from error
        return GraphQLRequestData(
            query=query,
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
        )

    async def execute_single(  # type: ignore[override]
        self, *, request_adapter: AsyncHTTPRequestAdapter, **options: Any
    ) -> ExecutionResult:
        request: Request = options["request"]
        cached = await self._look_up(request, options["request_data"], options["sub_response"])
        if cached is not None:
            return cached
        try:
            result = await super().execute_single(request_adapter=request_adapter, **options)
        except HTTPException as error:
            cause = error.__cause__
            if isinstance(cause, InvalidOperationTypeError) and request_adapter.method == "GET":
                message = "GET runs queries only: POST a mutation"
                raise Rejected(405, message, {"Allow": "POST"}) from error
            if isinstance(cause, CannotGetOperationTypeError):
                message = _no_operation(cause)
                problem = GraphQLError(message, extensions={"code": BAD_USER_INPUT})
                return ExecutionResult(data=None, errors=[problem])
            raise
        if request.state.cache_key is not None:
            data: GraphQLRequestData = options["request_data"]
            if (
                result.errors
                or not (data.query and is_query(data.query, data.operation_name))
                or getattr(request.state, "no_store", False)  # an answer not of the data alone
            ):
                request.state.cache_key = None
            else:
                self._cache_headers(request, options["sub_response"])
        return result

    async def _look_up(
        self, request: Request, data: GraphQLRequestData, sub_response: Response
    ) -> CachedResult | None:
        """The cached answer to this request, if any; otherwise notes where to store it.

        Only anonymous and reader requests are cached. A cacheable GET answer gets an ETag made
        of the request and the data version, and `If-None-Match` with it answers 304.
        """
        request.state.cache_key = None
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        if self.cache is None or self.database is None or principal.role > Role.READER:
            return None
        if not data.query or (data.variables is not None and not isinstance(data.variables, dict)):
            return None
        key = request_key(data.query, data.operation_name, data.variables, principal.role.name)
        version = getattr(request.state, "data_version", None)
        if version is None:
            version = await self._version_or_none(request)
        if version is None or key is None:  # not migrated, unreachable, or not a cache key
            return None
        request.state.etag = f'"{key.hex()[:32]}-{version}"'
        if request.method == "GET" and request.state.etag in request.headers.get(
            "if-none-match", ""
        ):
            self._cache_headers(request, sub_response)
            sub_response.status_code = 304
            return CachedResult(None)
        database = await self.database_name()
        if database is None:
            return None
        request.state.cache_key = (key, version, database)
        stored = await self.cache.fetch(key, version, database)
        if stored is None:
            return None
        self._cache_headers(request, sub_response)
        return CachedResult(stored)

    async def _cached_post(self, request: Request, media: str) -> Response | None:
        """A cached answer to a plain JSON POST, found before Strawberry parses anything.

        Anything this does not recognise goes the full way, which also answers misses; the
        data version read here (after the request arrived) is kept for that path.
        """
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        kind, parameters = parse_content_type(request.headers.get("content-type") or "")
        if (
            self.cache is None
            or self.database is None
            or principal.role > Role.READER
            or kind != JSON
            or parameters.get("charset", "utf-8").lower() not in ("utf-8", "utf8")
        ):
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        extensions = data.get("extensions")
        if extensions is None:
            extensions = {}
        elif not isinstance(extensions, dict):
            return None  # 0, false, [] ...: the full path refuses them with 400
        if "persistedQuery" in extensions:
            persisted = extensions["persistedQuery"]
            if query is not None or not isinstance(persisted, dict):
                return None  # registering, or malformed: the full path checks it
            digest = persisted.get("sha256Hash")
            query = await self.persisted.lookup(digest) if isinstance(digest, str) else None
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            return None
        key = request_key(query, name, variables, principal.role.name)
        version = await self._version_or_none(request)
        if version is None or key is None:
            return None
        request.state.data_version = version
        database = await self.database_name()
        if database is None:
            return None
        stored = await self.cache.fetch(key, version, database)
        if stored is None:
            return None
        return Response(stored.render(_budget(request)), media_type=f"{media}; charset=utf-8")

    @staticmethod
    def _cache_headers(request: Request, sub_response: Response) -> None:
        """ETag and Cache-Control on a cacheable GET answer: HTTP caches may keep it, and must
        revalidate it (a cheap 304 while the data has not changed)."""
        if request.method != "GET":
            return
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        sub_response.headers["ETag"] = request.state.etag
        sub_response.headers["Cache-Control"] = (
            "public, no-cache" if principal.role == Role.ANONYMOUS else "private, no-cache"
        )
        sub_response.headers["Vary"] = "Accept, Authorization"

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        budget = _budget(request)
        if isinstance(result, CachedResult):
            body = result.stored.render(budget) if result.stored is not None else b""
            return EncodedResponse(body)  # type: ignore[return-value]
        response = process_result(result)
        pending = getattr(request.state, "cache_key", None)
        if pending is not None and self.cache is not None:
            key, version, database = pending
            await self.cache.store(key, version, dict(response), database)
        if result.errors and result.data is None and all(e.path is None for e in result.errors):
            response.pop("data", None)
        for error in response.get("errors") or ():
            extensions = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(extensions, dict) and extensions.get("code") in (INTERNAL, *RETRYABLE):
                extensions["requestId"] = getattr(request.state, "request_id", None)
        cost = (response.get("extensions") or {}).get("cost")
        if isinstance(cost, dict) and budget is not None:
            cost["rateLimit"] = budget
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media = sub_response.media_type or JSON
        if isinstance(response_data, EncodedResponse):
            encoded = Response(
                response_data.body,
                status_code=sub_response.status_code or 200,
                media_type=None if sub_response.status_code == 304 else f"{media}; charset=utf-8",
            )
            for name, value in sub_response.headers.items():
                if name.lower() not in ("content-type", "content-length"):
                    encoded.headers.append(name, value)
            return encoded
        status = 200
        retry: int | None = None
        if isinstance(response_data, dict):
            errors = [e for e in response_data.get("errors") or () if isinstance(e, dict)]
            codes = {(error.get("extensions") or {}).get("code") for error in errors}
            if "data" not in response_data and (
                media == GRAPHQL_RESPONSE or QUERY_TOO_COMPLEX in codes
            ):
                status = 400
            for error in errors:  # the database could not answer: 503, retry later
                extensions = error.get("extensions") or {}
                if extensions.get("code") in RETRYABLE:
                    status = RETRYABLE[extensions["code"]]
                    retry = max(retry or 0, int(extensions.get("retryAfter") or 1))
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or status,
            media_type=f"{media}; charset=utf-8",
        )
        if retry is not None:
            response.headers["Retry-After"] = str(retry)
        for name, value in sub_response.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                response.headers.append(name, value)
        return response
