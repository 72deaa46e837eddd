"""JSON answers for what the routes refuse or fail at: 404, 405 and unexpected errors (500).

Each is a GraphQL-shaped error, `{"errors": [{"message", "extensions": {"code", "requestId"}}]}`,
with the `X-Request-Id` header (docs/errors.md). An unexpected error is logged with its cause and
answered `INTERNAL` with the message "Internal server error.", never the cause.
"""

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from api import request_id

log = logging.getLogger("redress.errors")

NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL"


def coded(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON error response carrying the request id in the body and the header."""
    rid = request_id.current()
    extensions: dict[str, object] = {"code": code}
    if rid is not None:
        extensions["requestId"] = rid
    response = JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=headers,
    )
    if rid is not None:
        response.headers[request_id.HEADER] = rid
    return response


async def http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's HTTPException (unknown path, method not allowed) as a coded JSON error."""
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 404:
        message = (
            error.detail if error.detail != "Not Found" else f"no such path: {request.url.path}"
        )
        return coded(404, NOT_FOUND, message, headers)
    if error.status_code == 405:
        allowed = headers.get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
        return coded(405, BAD_USER_INPUT, message, headers)
    return coded(error.status_code, BAD_USER_INPUT, str(error.detail), headers)


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    """Any other exception: logged with its traceback, answered 500 INTERNAL."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return coded(500, INTERNAL, "Internal server error.")


HANDLERS = {HTTPException: http_error, Exception: internal_error}
