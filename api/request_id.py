"""Request ids: every response, refusals included, carries `X-Request-Id`.

asgi-correlation-id's middleware, outermost in the app, takes the client's `X-Request-Id` when
it is short and plain (the same rule as `api.graphql.request_id`) or makes a new one, writes it
back into the request headers (so everything inside sees the same id), keeps it in a context
variable (`current()`) for the logs and error bodies, and adds it to the response.
`OneRequestIdHeader`, just inside it, drops the copy an inner layer may already have set, so
that the header appears once.
"""

import re
import uuid

from asgi_correlation_id import CorrelationIdMiddleware
from asgi_correlation_id.context import correlation_id
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-Id"
_PLAIN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def is_plain(value: str) -> bool:
    """Whether a client's request id may be used as is: 1-64 of `A-Z a-z 0-9 . _ : -`."""
    return _PLAIN.fullmatch(value) is not None


def new_id() -> str:
    """A new request id: 32 hex digits of a random UUID."""
    return uuid.uuid4().hex


def current() -> str | None:
    """The id of the request being served, or None outside a request."""
    return correlation_id.get()


class OneRequestIdHeader:
    """Removes `X-Request-Id` from responses of the app it wraps (the outer layer adds it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_without_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                del MutableHeaders(scope=message)[HEADER]
            await send(message)

        await self.app(scope, receive, send_without_id)


def middleware() -> list[Middleware]:
    """The request-id layers, to go first (outermost) in the app's middleware list."""
    return [
        Middleware(
            CorrelationIdMiddleware,
            header_name=HEADER,
            generator=new_id,
            validator=is_plain,
        ),
        Middleware(OneRequestIdHeader),
    ]
