"""GraphiQL in a real headless Chromium, with every request off 127.0.0.1 blocked.

The API runs under uvicorn on a free loopback port over the shared test database; Debian's
/usr/bin/chromium is driven by the Python Playwright package (never a downloaded browser).
The page must open on the demo topic's query, run it, then run a typed query and show its
answer, with no Content-Security-Policy violation and no request leaving the machine.

`.ci/run` installs chromium; elsewhere the test skips and says what is missing. With
REDRESS_SCREENSHOT=path it also saves a screenshot there (docs/graphiql.png is made so:
`REDRESS_SCREENSHOT=docs/graphiql.png pytest tests/test_graphiql_browser.py`).
"""

import dataclasses
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.app import create_app
from api.settings import load_settings

CHROMIUM = Path(os.environ.get("REDRESS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TYPED_QUERY = (
    '{ legislator(bioguideId: "P000617") { name { officialFull } currentTerm { state } } }'
)

try:
    from playwright.sync_api import Page, Route, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        sync_playwright is None, reason="the playwright package is not installed (pip)"
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(seeded_url: str) -> Iterator[str]:
    """The API under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    settings = dataclasses.replace(
        load_settings(), graphiql=True, rate_limit_anonymous=0, rate_limit_key=0
    )
    port = _free_port()
    app = create_app(settings, url=seeded_url)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _editor_text(page: Page, selector: str) -> str:
    """The text of the Monaco editor under `selector`, from its model (all lines)."""
    return str(
        page.evaluate(
            """(selector) => {
                const box = document.querySelector(selector);
                return box ? box.innerText.replaceAll("\\u00a0", " ") : "";
            }""",
            selector,
        )
    )


def _wait_for_text(page: Page, selector: str, text: str, timeout_ms: int) -> None:
    """Waits until the element under `selector` shows `text` (Monaco renders spaces as NBSP)."""
    page.wait_for_function(
        """([selector, text]) => {
            const box = document.querySelector(selector);
            return box !== null && box.innerText.replaceAll("\\u00a0", " ").includes(text);
        }""",
        arg=[selector, text],
        timeout=timeout_ms,
    )


def test_graphiql_runs_queries_offline_in_chromium(live_server: str) -> None:
    blocked: list[str] = []
    problems: list[str] = []

    def only_loopback(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    expected = httpx.post(f"{live_server}/graphql", json={"query": TYPED_QUERY}).json()
    assert expected["data"]["legislator"]["name"]["officialFull"] == "Ayanna Pressley"

    with (
        tempfile.TemporaryDirectory(prefix="redress-chromium-") as profile,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 860},
        )
        try:
            browser.route("**/*", only_loopback)
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on(
                "console",
                lambda message: (
                    problems.append(message.text)
                    if message.type == "error" or "Content Security Policy" in message.text
                    else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(str(error)))

            response = page.goto(f"{live_server}/graphql", wait_until="load")
            assert response is not None and response.status == 200
            assert "default-src 'self'" in response.headers["content-security-policy"]

            # It opens on the demo topic's query, with the explorer plugin and a headers tab.
            query_editor = ".graphiql-query-editor"
            page.wait_for_selector(f"{query_editor} .view-lines", timeout=30_000)
            _wait_for_text(page, ".graphiql-query-editor", "qualified-immunity-ice", 30_000)
            assert page.locator('[aria-label="Show GraphiQL Explorer"]').count() == 1
            page.get_by_text("Headers", exact=True).click()
            _wait_for_text(page, ".graphiql-editor-tool", "Bearer", 10_000)

            response_pane = ".graphiql-response"
            page.locator(".graphiql-execute-button").click()
            _wait_for_text(page, ".graphiql-response", "Qualified immunity for ICE agents", 30_000)
            if os.environ.get("REDRESS_SCREENSHOT"):
                page.screenshot(path=os.environ["REDRESS_SCREENSHOT"])

            # Type a query of our own, run it, read the answer from the result pane.
            page.locator(f"{query_editor} .monaco-editor").first.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(TYPED_QUERY)
            _wait_for_text(page, ".graphiql-query-editor", "P000617", 10_000)
            page.keyboard.press("Control+Enter")
            _wait_for_text(page, ".graphiql-response", "Ayanna Pressley", 30_000)
            answer = _editor_text(page, response_pane)
            assert '"officialFull": "Ayanna Pressley"' in answer
            assert '"state": "MA"' in answer
            assert "qualified-immunity-ice" not in _editor_text(page, query_editor)
        finally:
            browser.close()

    assert blocked == [], f"the page tried to leave the machine: {blocked}"
    assert problems == [], f"errors in the page: {problems}"


def test_chromium_is_debians_not_a_download() -> None:
    assert shutil.which(str(CHROMIUM)) is not None
