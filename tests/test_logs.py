"""One JSON log line per request, with what operators need and no secrets."""

import dataclasses
import io
import json
import logging

import httpx
import pytest
import structlog

from api import logs
from api.app import create_app
from api.settings import load_settings
from db.pool import Database

QUERY = """query PressleyBills($id: String!) {
  legislator(bioguideId: $id) { sponsoredBills(first: 5) { nodes { billId } } }
}"""


@pytest.fixture
def app(database: Database):
    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=100)
    return create_app(settings, database=database)


async def _request(app, method: str, path: str, **options) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        return await http.request(method, path, **options)


async def test_one_line_per_request_with_id_operation_status_cost_and_sql(app):
    with structlog.testing.capture_logs() as lines:
        response = await _request(
            app,
            "POST",
            "/graphql",
            json={"query": QUERY, "variables": {"id": "P000617"}},
            headers={"x-request-id": "log-1"},
        )
    assert response.status_code == 200
    cost = response.json()["extensions"]["cost"]["requested"]
    (line,) = [entry for entry in lines if entry["event"] == "request"]
    assert line["request_id"] == "log-1"
    assert line["method"] == "POST"
    assert line["path"] == "/graphql"
    assert line["operation"] == "PressleyBills"
    assert line["status"] == 200
    assert line["cost"] == cost > 0
    assert line["sql_statements"] >= 2  # the legislator, then its bills
    assert line["client_ip"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


async def test_refusals_are_logged_too(app):
    with structlog.testing.capture_logs() as lines:
        await _request(app, "POST", "/graphql", headers={"authorization": "Bearer sk_secret"})
        await _request(app, "GET", "/nope")
    statuses = [entry["status"] for entry in lines if entry["event"] == "request"]
    assert statuses == [401, 404]


async def test_no_keys_headers_or_variables_are_logged(app):
    stream = io.StringIO()
    logs.configure("info", stream)
    try:
        await _request(
            app,
            "POST",
            "/graphql?token=in-the-url",
            json={"query": QUERY, "variables": {"id": "P000617"}},
            headers={"authorization": "Bearer rdr_not_a_real_key_1234567890"},
        )
        await _request(
            app,
            "POST",
            "/graphql",
            json={"query": "query Named { __typename }", "variables": {"x": "a-variable"}},
        )
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    # What the server logged (the test's own HTTP client logs its requests too).
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    lines = [line for line in lines if not line.get("logger", "").startswith(("httpx", "httpcore"))]
    text = json.dumps(lines)
    requests = [line for line in lines if line["event"] == "request"]
    assert [line["status"] for line in requests] == [401, 200]
    assert requests[1]["operation"] == "Named"
    assert all(line["level"] == "info" and line["time"].endswith("Z") for line in requests)
    for secret in ("rdr_not_a_real_key", "Bearer", "P000617", "a-variable", "in-the-url"):
        assert secret not in text, secret


def test_operation_names_come_from_the_request_or_the_document():
    assert logs.operation_name({}, b'{"query": "{ a }", "operationName": "B"}') == "B"
    assert logs.operation_name({}, b'{"query": "# note\\n query  Q1($a: Int) { a }"}') == "Q1"
    assert logs.operation_name({}, b'{"query": "{ a }"}') is None
    assert logs.operation_name({"query": "mutation M { a }"}, None) == "M"
    assert logs.operation_name({}, b"not json") is None
    assert logs.answer_cost(b'..."extensions":{"cost":{"requested":61,"limit":50000}}}') == 61
    assert logs.answer_cost(b'{"errors":[]}') is None
