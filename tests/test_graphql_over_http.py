"""GraphQL over HTTP: media types, status codes, GET and POST, bad requests, and the
graphql-http audit suite run against a real server."""

import asyncio
import dataclasses
import json
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, get_named_type

from api.app import create_app
from api.graphql import GRAPHQL_RESPONSE, JSON, negotiate
from api.settings import load_settings
from db import keys
from db.pool import connect
from schema.root import schema
from tests.conftest import error_codes

TYPENAME = {"query": "{ __typename }"}
LEGISLATOR_COUNT = "{ legislators { totalCount } }"
AUDIT_SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, JSON),
        ("", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (f"*/*, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        ("text/html, application/xhtml+xml, */*;q=0.8", JSON),
        ("application/json; charset=utf-8", JSON),
        ("text/plain", None),
        ("application/json;q=0", None),
        ("application/xml, text/*", None),
    ],
)
def test_accept_header_negotiation(accept, media):
    assert negotiate(accept) == media


async def post(client: httpx.AsyncClient, body: Any, accept: str | None = None) -> httpx.Response:
    headers = {"accept": accept} if accept else {}
    return await client.post("/graphql", json=body, headers=headers)


async def test_media_type_follows_the_accept_header(client):
    for accept, media in [(None, JSON), (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), ("*/*", JSON)]:
        response = await post(client, TYPENAME, accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{media}; charset=utf-8"
        assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"query": "{"}, "Syntax Error"),
        ({"query": "{ legislators { nope } }"}, "nope"),
        ({"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}}, "$id"),
        ({"query": "query($n: Int) { legislators(first: $n) { totalCount } }"}, None),
    ],
)
async def test_request_errors_have_no_data_and_400_only_in_the_new_media_type(
    client, body, problem
):
    if problem is None:  # the control: a valid request
        for accept in (JSON, GRAPHQL_RESPONSE):
            assert (await post(client, body, accept)).status_code == 200
        return
    for accept, status in ((JSON, 200), (GRAPHQL_RESPONSE, 400)):
        response = await post(client, body, accept)
        assert response.status_code == status
        payload = response.json()
        assert "data" not in payload
        assert error_codes(payload) == ["BAD_USER_INPUT"]
        assert problem in payload["errors"][0]["message"]


async def test_field_errors_keep_data_and_status_200(client):
    query = '{ legislator(bioguideId: "X999999") { bioguideId } }'
    for accept in (JSON, GRAPHQL_RESPONSE):
        response = await post(client, {"query": query}, accept)
        assert response.status_code == 200
        assert response.json()["data"] == {"legislator": None}
        assert error_codes(response.json()) == ["NOT_FOUND"]


async def test_get_runs_queries(client):
    response = await client.get(
        "/graphql",
        params={
            "query": "query($b: String!) { legislator(bioguideId: $b) { name { last } } }",
            "variables": json.dumps({"b": "P000617"}),
        },
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"legislator": {"name": {"last": "Pressley"}}}


async def test_get_refuses_mutations_with_405(client):
    for query in ("mutation { __typename }", "query Q { __typename } mutation M { __typename }"):
        params = {"query": query, "operationName": "M"} if "M" in query else {"query": query}
        response = await client.get("/graphql", params=params)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]
        assert "GET runs queries only" in response.json()["errors"][0]["message"]


async def test_get_without_a_query_shows_graphiql_to_browsers_only(client):
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    bare = await client.get("/graphql", headers={"accept": JSON})
    assert bare.status_code == 400
    assert error_codes(bare.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/graphql", "application/json; charset=latin-1", "x/y"],
)
async def test_post_needs_json_or_gets_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert response.status_code == 415
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_json_with_a_utf8_charset_is_accepted(client):
    response = await client.post(
        "/graphql",
        content='{"query": "{ __type(name: \\"Run🏃Swim\\") { name } }"}'.encode(),
        headers={"content-type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__type": None}


async def test_unacceptable_accept_gets_406(client):
    response = await post(client, TYPENAME, "text/plain")
    assert response.status_code == 406
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    assert "Accept header" in response.json()["errors"][0]["message"]


async def test_batches_are_refused(client):
    response = await post(client, [TYPENAME, TYPENAME])
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "batching is off: send one operation per request"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the request body is empty"),
        (b"   ", "the request body is empty"),
        (b'{"query": "{ __typename }"', "not valid UTF-8 JSON"),
        (b'{"query": "\xff"}', "not valid UTF-8 JSON"),
        (b"[" * 100_000, "not valid UTF-8 JSON"),
        (b'"{ __typename }"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b'{"query": 7}', "`query` must be a string or null"),
        (b'{"query": ["{ __typename }"]}', "`query` must be a string or null"),
        (b'{"query": "{ __typename }", "variables": "x"}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "variables": [1]}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "operationName": 0}', "`operationName` must be a string"),
        (b'{"query": "{ __typename }", "extensions": false}', "`extensions` must be an object"),
        (b'{"qeury": "{ __typename }"}', "No GraphQL query found"),
    ],
)
async def test_malformed_bodies_get_400(client, content, message):
    response = await client.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert message in response.json()["errors"][0]["message"]


async def test_unknown_operation_name_or_no_operation_is_a_request_error(client):
    document = "query A { a: __typename } query B { b: __typename }"
    named = await post(client, {"query": document, "operationName": "B"})
    assert named.json()["data"] == {"b": "Query"}
    unnamed = await post(client, {"query": document})  # Strawberry runs the first operation
    assert unnamed.json()["data"] == {"a": "Query"}
    for body, message in [
        ({"query": document, "operationName": "C"}, "no operation named 'C'"),
        ({"query": "fragment F on Query { __typename }"}, "no operation to run"),
    ]:
        for accept, status in ((JSON, 200), (GRAPHQL_RESPONSE, 400)):
            response = await post(client, body, accept)
            assert response.status_code == status
            assert "data" not in response.json()
            assert error_codes(response.json()) == ["BAD_USER_INPUT"]
            assert message in response.json()["errors"][0]["message"]


def deep_query(levels: int) -> str:
    """A query nesting fields `levels` deep (three per legislator -> bill -> sponsor turn)."""
    turns = levels // 3
    return (
        "{ legislators { nodes { "
        + "sponsoredBills { nodes { sponsor { " * turns
        + "bioguideId"
        + " } } }" * turns
        + " } } }"
    )


BAD_REQUESTS: list[tuple[str, dict[str, Any], set[int], str | None]] = [
    ("malformed JSON", {"content": b'{"query": '}, {400}, "BAD_USER_INPUT"),
    (
        "wrong content type",
        {"content": b"{ __typename }", "headers": {"content-type": "application/graphql"}},
        {415},
        "BAD_USER_INPUT",
    ),
    ("empty body", {"content": b""}, {400}, "BAD_USER_INPUT"),
    ("50 levels deep", {"json": {"query": deep_query(50)}}, {400}, "QUERY_TOO_COMPLEX"),
    (
        "1,000 aliases",
        {"json": {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"}},
        {400},
        "QUERY_TOO_COMPLEX",
    ),
    (
        "5 MB query",
        {"json": {"query": "{ " + "__typename " * (5 * 1024 * 1024 // 11) + "}"}},
        {400, 413},
        None,
    ),
    (
        "variables of the wrong type",
        {
            "json": {
                "query": "query($n: Int) { legislators(first: $n) { totalCount } }",
                "variables": {"n": "ten"},
            }
        },
        {200},
        "BAD_USER_INPUT",
    ),
    (
        "first: 1000000",
        {"json": {"query": "{ legislators(first: 1000000) { totalCount } }"}},
        {200},
        "BAD_USER_INPUT",
    ),
    (
        "unknown operation name",
        {"json": {"query": "query A { __typename }", "operationName": "Z"}},
        {200},
        "BAD_USER_INPUT",
    ),
    ("a batch", {"json": [TYPENAME] * 50}, {400}, "BAD_USER_INPUT"),
]


async def send(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    headers = {"content-type": "application/json", **request.get("headers", {})}
    if "json" in request:
        return await client.post("/graphql", json=request["json"])
    return await client.post("/graphql", content=request["content"], headers=headers)


async def test_bad_input_gets_4xx_or_an_error_while_others_are_served(client):
    async def good() -> int:
        response = await client.post("/graphql", json={"query": LEGISLATOR_COUNT})
        assert response.status_code == 200
        count: int = response.json()["data"]["legislators"]["totalCount"]
        return count

    bad = [send(client, request) for _, request, _, _ in BAD_REQUESTS]
    answers = await asyncio.gather(*bad, *(good() for _ in range(10)))
    responses, counts = answers[: len(bad)], answers[len(bad) :]
    # Every answer is the whole count (537 current members plus the former members the
    # shipped roll calls, Voteview and speeches name: see docs/members.md).
    assert counts == [await good()] * 10 and counts[0] > 537
    for (name, _, statuses, code), response in zip(BAD_REQUESTS, responses, strict=True):
        assert response.status_code in statuses, (name, response.status_code, response.text[:300])
        if code is not None:
            assert set(error_codes(response.json())) == {code}, (name, response.text[:300])
        assert response.json()["errors"][0]["message"], name


SQL_METACHARACTERS = [
    "'; DROP TABLE bills; --",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "' OR '1'='1",
    "%' OR 1=1 --",
    "$1",
    "a\\'b",
]


def string_filters() -> list[tuple[str, str]]:
    """Every (root connection, filter field) whose filter value is a string or an id."""
    found = []
    for name, field in schema._schema.query_type.fields.items():
        if "filter" not in field.args:
            continue
        filter_type = get_named_type(field.args["filter"].type)
        assert isinstance(filter_type, GraphQLInputObjectType)
        for input_name, input_field in filter_type.fields.items():
            if get_named_type(input_field.type).name in ("String", "ID"):
                found.append((name, input_name))
    return found


@pytest.fixture
async def admin_api(fresh_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API over a database of its own, with an admin key, so that every filter is open."""
    database = await connect(fresh_url, max_size=4)
    _, secret = await keys.create(database, "guards tests", "admin")
    settings = dataclasses.replace(load_settings(), rate_limit_key=0)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    headers = {"authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as http:
        yield http
    await database.close()


async def test_sql_metacharacters_in_every_string_filter(admin_api):
    filters = string_filters()
    assert len(filters) >= 20
    before = (await admin_api.post("/graphql", json={"query": "{ bills { totalCount } }"})).json()
    answered = set()
    for root, name in filters:
        query = f"query($v: String) {{ {root}(filter: {{{name}: $v}}) {{ totalCount }} }}"
        if name in ("speaker", "incident", "entityId"):
            query = query.replace("$v: String", "$v: ID")
        for value in SQL_METACHARACTERS:
            response = await admin_api.post(
                "/graphql", json={"query": query, "variables": {"v": value}}
            )
            assert response.status_code == 200, (root, name, value, response.text[:300])
            body = response.json()
            if "errors" in body:
                assert error_codes(body) == ["BAD_USER_INPUT"], (root, name, value, body)
            else:
                assert isinstance(body["data"][root]["totalCount"], int)
                answered.add((root, name))
    assert len(answered) >= len(filters) // 2
    after = (await admin_api.post("/graphql", json={"query": "{ bills { totalCount } }"})).json()
    assert after == before
    assert before["data"]["bills"]["totalCount"] > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _run(*command: str, seconds: float, **options: Any) -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, **options
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, b"", b"timed out"
    return process.returncode or 0, out, err


async def _graphql_http() -> Path:
    """A folder with the graphql-http npm package installed, kept between runs."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    prefix = cache / "redress" / "graphql-http-1"
    if (prefix / "node_modules" / "graphql-http" / "package.json").exists():
        return prefix
    prefix.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    assert npm is not None
    code, _, err = await _run(
        npm,
        "install",
        "--prefix",
        str(prefix),
        "--no-audit",
        "--no-fund",
        "--silent",
        "graphql-http@1",
        seconds=300,
    )
    if code != 0:
        pytest.skip(f"could not install graphql-http from npm: {err.decode()[-300:]}")
    return prefix


SERVE = """
import sys, uvicorn
from api.app import create_app
from api.settings import load_settings
app = create_app(load_settings(), url=sys.argv[1])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


async def test_graphql_http_audit_passes_every_must_and_should(seeded_url):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the graphql-http audit")
    prefix = await _graphql_http()
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVE,
        seeded_url,
        str(port),
        cwd=REPOSITORY,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                assert server.returncode is None, "the server exited before it was ready"
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        code, out, err = await _run(
            "node", str(AUDIT_SCRIPT), f"{base}/graphql", str(prefix), seconds=120
        )
    finally:
        server.terminate()
        await server.wait()
    assert code == 0, err.decode()
    results = json.loads(out)
    failures: dict[str, list[str]] = {"MUST": [], "SHOULD": [], "MAY": []}
    for result in results:
        level = result["name"].split()[0]
        if result["status"] != "ok":
            failures[level].append(f"{result['id']} {result['name']}: {result.get('reason')}")
    counts = {level: len(names) for level, names in failures.items()}
    print(f"graphql-http audit: {len(results)} audits, failures {counts}")
    assert len(results) >= 60
    assert failures["MUST"] == []
    assert failures["SHOULD"] == []
