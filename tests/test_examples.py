"""The example clients in examples/ against a live server, and the answers in docs/guide.md.

The API runs under uvicorn on a free loopback port, in a thread, over a test database (as in
tests/test_graphiql_browser.py). The Python client runs as a subprocess, as a user runs it;
the JavaScript module runs under `node`, and its test skips when Node is not installed. Every
query of the guide runs on the shipped data, and the answer the guide prints under it must be
the real one, abbreviated.
"""

import dataclasses
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import ROOT, load_settings
from tests.conftest import graphql
from tests.editors import TOPIC, editing_api

SYNC = ROOT / "examples" / "python" / "sync.py"
TOPIC_JS = ROOT / "examples" / "js" / "topic.mjs"
TOPIC_HTML = ROOT / "examples" / "js" / "topic.html"
GUIDE = ROOT / "docs" / "guide.md"
NODE = shutil.which("node")
MILLER_QUOTE = "To all ICE officers: You have federal immunity in the conduct of your duties."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(url: str) -> Iterator[str]:
    """The API over the database at `url` under uvicorn on a free loopback port, in a
    thread, not rate-limited; yields its GraphQL endpoint."""
    import uvicorn

    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=0, rate_limit_key=0)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, url=url),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_endpoint(seeded_url: str) -> Iterator[str]:
    """The GraphQL endpoint of a live server over the shared read-only database."""
    with serving(seeded_url) as endpoint:
        yield endpoint


def run_sync(endpoint: str, state: Path, *lists: str) -> list[dict[str, Any]]:
    """Runs examples/python/sync.py as a user would; the records it printed."""
    done = subprocess.run(
        [sys.executable, str(SYNC), "--url", endpoint, "--state", str(state), *lists],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def query(endpoint: str, document: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.post(endpoint, json={"query": document}, timeout=30).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_sync_pages_through_every_legislator(live_endpoint: str, tmp_path: Path) -> None:
    data = query(
        live_endpoint,
        "{ legislators { totalCount }"
        " last: legislators(orderBy: UPDATED_AT, last: 1) { nodes { updatedAt } } }",
    )
    total = data["legislators"]["totalCount"]
    assert total > 100, "the shipped data should need more than one page"
    state = tmp_path / "state.json"

    records = run_sync(live_endpoint, state, "legislators")

    assert {r["list"] for r in records} == {"legislators"}
    ids = [r["node"]["id"] for r in records]
    assert len(ids) == total and len(set(ids)) == total
    stamps = [r["node"]["updatedAt"] for r in records]
    assert stamps == sorted(stamps, key=datetime.fromisoformat)
    mark = json.loads(state.read_text())["legislators"]
    assert mark == stamps[-1] == data["last"]["nodes"][0]["updatedAt"]
    pressley = next(r["node"] for r in records if r["node"]["bioguideId"] == "P000617")
    assert pressley["name"]["officialFull"] == "Ayanna Pressley"

    # Nothing changed since: the second run reads nothing and keeps the mark.
    assert run_sync(live_endpoint, state, "legislators") == []
    assert json.loads(state.read_text())["legislators"] == mark


async def test_second_sync_picks_up_exactly_the_edited_record(
    fresh_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    with serving(fresh_url) as endpoint:
        first = run_sync(endpoint, state, "people", "statements")
        total_people = query(endpoint, "{ people { totalCount } }")["people"]["totalCount"]
        assert sum(r["list"] == "people" for r in first) == total_people > 100
        marks = json.loads(state.read_text())

        async with editing_api(fresh_url) as api:
            person = await api.ok(
                'query { person(slug: "renee-nicole-good") { id version name } }', as_=None
            )
            assert person["person"]["name"] == "Renee Nicole Good"
            await api.ok(
                "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) {"
                " person { id } } }",
                {
                    "input": {
                        "id": person["person"]["id"],
                        "expectedVersion": person["person"]["version"],
                        "description": "Killed in Minneapolis on 2026-01-07.",
                    }
                },
            )

        second = run_sync(endpoint, state, "people", "statements")

    assert [(r["list"], r["node"]["id"]) for r in second] == [("people", person["person"]["id"])]
    assert second[0]["node"]["slug"] == "renee-nicole-good"
    moved = json.loads(state.read_text())
    assert moved["statements"] == marks["statements"]
    assert moved["people"] == second[0]["node"]["updatedAt"]
    assert datetime.fromisoformat(moved["people"]) > datetime.fromisoformat(marks["people"])


@pytest.mark.skipif(NODE is None, reason="node is not installed (the JS example needs Node 18+)")
def test_js_module_prints_the_demo_topic(live_endpoint: str) -> None:
    done = subprocess.run(
        [str(NODE), str(TOPIC_JS), live_endpoint, TOPIC],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = done.stdout
    for bill in ("hr1470-117", "s492-117", "hr1280-117"):
        assert f"- {bill}: " in page
    assert "sponsor Ayanna Pressley (P000617); 41 cosponsors" in page
    assert f'"{MILLER_QUOTE}"' in page
    assert "Stephen Miller, 2026-01 (month)" in page
    assert "source: How Democrats Can End Qualified Immunity for ICE Agents" in page
    assert "shooting, 2026-01-07 (day), Minneapolis, MN" in page
    assert "victim: Renee Nicole Good, 37" in page
    assert "source: The Guardian — https://www.theguardian.com/us-news/2026/jan/28/" in page


@pytest.mark.skipif(NODE is None, reason="node is not installed (the JS example needs Node 18+)")
def test_js_module_reports_api_errors(live_endpoint: str) -> None:
    done = subprocess.run(
        [str(NODE), str(TOPIC_JS), live_endpoint, "no-such-topic"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("NOT_FOUND: ")


def test_js_page_loads_nothing_from_elsewhere() -> None:
    page = TOPIC_HTML.read_text()
    assert (
        'import { DEFAULT_ENDPOINT, DEMO_TOPIC, fetchTopic, renderTopic } from "./topic.mjs"'
        in (page)
    )
    assert "http://" not in page.replace("http://127.0.0.1:8000/graphql", "")
    assert "https://" not in page
    for markup_sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"):
        assert markup_sink not in page + TOPIC_JS.read_text()


GUIDE_EXAMPLES = re.findall(r"```graphql\n(.*?)```\s*```json\n(.*?)```", GUIDE.read_text(), re.S)
ELLIPSIS = "\u2026"


def shown_in(shown: Any, real: Any, path: str = "") -> None:
    """Asserts that `shown` (an answer printed in the guide) is `real`, abbreviated: lists may
    stop early, strings may end in an ellipsis, an object may say `"…": "…"` for left-out
    fields. `updatedAt` is left out (it is when the test database was loaded)."""
    if isinstance(shown, dict):
        assert isinstance(real, dict), path
        for key, value in shown.items():
            if key not in (ELLIPSIS, "updatedAt"):
                assert key in real, f"{path}.{key} is not in the answer"
                shown_in(value, real[key], f"{path}.{key}")
    elif isinstance(shown, list):
        assert isinstance(real, list) and len(shown) <= len(real), path
        for i, (item, real_item) in enumerate(zip(shown, real, strict=False)):
            shown_in(item, real_item, f"{path}[{i}]")
    elif isinstance(shown, str) and shown.endswith(ELLIPSIS):
        assert isinstance(real, str) and real.startswith(shown[:-1].rstrip()), path
    else:
        assert shown == real, f"{path}: the guide says {shown!r}, the API {real!r}"


def test_the_guide_pairs_every_query_with_its_answer() -> None:
    assert len(GUIDE_EXAMPLES) == GUIDE.read_text().count("```graphql") == 12


@pytest.mark.parametrize(
    ("document", "answer"), GUIDE_EXAMPLES, ids=[f"guide-{i}" for i in range(len(GUIDE_EXAMPLES))]
)
async def test_guide_answers_are_real(client: httpx.AsyncClient, document: str, answer: str):
    body = await graphql(client, document)
    assert "errors" not in body, body
    shown_in(json.loads(answer)["data"], body["data"], "data")


async def test_guide_facts_outside_the_examples(client: httpx.AsyncClient) -> None:
    data = (
        await graphql(
            client,
            """{
              incidents(filter: {state: "MN"}) {
                totalCount
                nodes { externalKey location { city } }
              }
              bill(billId: "hr1470-117") {
                votes { totalCount }
                cosponsors(first: 100) { nodes { isOriginal sponsoredOn withdrawnOn } }
              }
              s492: bill(billId: "s492-117") {
                sponsor { bioguideId }
                cosponsors { nodes { bioguideId isOriginal } }
              }
              vote(voteId: "h119-116.2020") { billId bill { billId } }
            }""",
        )
    )["data"]
    assert data["incidents"]["totalCount"] == 4
    pretti = "ice-deaths:2026-01-24:pretti-alex"
    assert {"externalKey": pretti, "location": {"city": "Minneapolis"}} in data["incidents"][
        "nodes"
    ]
    assert data["bill"]["votes"]["totalCount"] == 0
    cosponsors = data["bill"]["cosponsors"]["nodes"]
    later = sorted(c["sponsoredOn"] for c in cosponsors if not c["isOriginal"])
    assert (len(cosponsors) - len(later), len(later)) == (36, 5)
    assert (later[0], later[-1]) == ("2021-03-03", "2021-10-08")
    assert all(c["withdrawnOn"] is None for c in cosponsors)
    assert data["s492"]["sponsor"]["bioguideId"] == "M000133"
    assert data["s492"]["cosponsors"]["nodes"] == [
        {"bioguideId": "W000817", "isOriginal": True},
        {"bioguideId": "S000033", "isOriginal": True},
    ]
    assert data["vote"] == {"billId": "hr7120-116", "bill": None}
