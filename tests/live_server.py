"""The API as a real server process (uvicorn on a free loopback port) and a real websocket
client speaking graphql-transport-ws to it, for tests of subscriptions.

The server runs `create_app` over the database at a URL with the settings of the environment
plus the ones a test passes; its log goes to a file, read only when a test fails.
"""

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

REPOSITORY = Path(__file__).resolve().parent.parent
PROTOCOL = "graphql-transport-ws"
WAIT_S = 60.0  # for a message that must come: generous, never a measurement

SERVE = """
import sys, uvicorn
from api.app import create_app
from api.settings import load_settings
app = create_app(load_settings(), url=sys.argv[1])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server: its HTTP base URL, websocket URL and log file."""

    base: str
    log: Path

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://") + "/graphql"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def serve(url: str, log: Path, **settings: str) -> AsyncIterator[Server]:
    """The app over the database at `url` as a uvicorn process, with `settings` as
    environment variables (`REDRESS_...`); stopped on exit."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(settings)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SERVE,
            url,
            str(port),
            cwd=REPOSITORY,
            env=environment,
            stdout=output,
            stderr=output,
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(600):
                assert process.returncode is None, f"the server exited: {server.log_text()}"
                try:
                    if (await http.get(f"{server.base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield server
    finally:
        process.terminate()
        await process.wait()


class Client:
    """One graphql-transport-ws connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, seconds: float = WAIT_S) -> dict[str, Any]:
        """The next message (a ping is answered and skipped)."""
        while True:
            frame = await asyncio.wait_for(self.connection.recv(), seconds)
            # graphql-transport-ws messages are text frames (a binary one arrives as bytes).
            assert isinstance(frame, str), f"a binary frame: {frame!r}"
            message: dict[str, Any] = json.loads(frame)
            if message["type"] != "ping":
                return message
            await self.send({"type": "pong"})

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send `connection_init`; the answer (`connection_ack` when accepted)."""
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def closed(self) -> tuple[int | None, str | None]:
        """Wait until the server closes the connection; its close code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), WAIT_S)
        except Exception:  # ConnectionClosed of any kind
            pass
        frame = self.connection.protocol.close_rcvd
        return (frame.code, frame.reason) if frame is not None else (None, None)


@asynccontextmanager
async def client(server: Server, **options: Any) -> AsyncIterator[Client]:
    """A websocket to `server` speaking graphql-transport-ws; `options` go to
    `websockets.connect` (say `sock`, `max_queue`)."""
    async with connect(server.ws, subprotocols=[Subprotocol(PROTOCOL)], **options) as connection:
        yield Client(connection)
