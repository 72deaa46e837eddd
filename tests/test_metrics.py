"""`/metrics`: Prometheus series for requests, latency, SQL, pool, caches, rate limits, imports."""

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.datastructures import Secret

from api.app import create_app
from api.metrics import OTHER, BoundedLabel, error_codes, operation_label
from api.settings import ROOT, Settings, load_settings, metrics_access
from db.import_counts import ROWS
from db.load import import_paths
from db.pool import Database

KEY = "metrics-key-0123456789"
LOOKUP = 'query Lookup { legislator(bioguideId: "P000617") { bioguideId } }'


def settings(**changes: Any) -> Settings:
    base = dataclasses.replace(
        load_settings(),
        rate_limit_anonymous=0,
        rate_limit_key=0,
        response_cache_mb=0,
        metrics="open",
        metrics_key=None,
    )
    return dataclasses.replace(base, **changes)


async def http_for(database: Database, **changes: Any) -> httpx.AsyncClient:
    app = create_app(settings(**changes), database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with await http_for(database) as client:
        yield client


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the series `name` with exactly `labels` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_a_request_is_counted_by_operation_status_and_code(
    http: httpx.AsyncClient,
) -> None:
    before = await scrape(http)
    answer = await http.post("/graphql", json={"query": LOOKUP, "operationName": "Lookup"})
    assert answer.json()["data"]["legislator"]["bioguideId"] == "P000617"
    after = await scrape(http)

    labels = {"operation": "Lookup", "status": "200", "code": ""}
    name = "redress_graphql_requests_total"
    assert sample(after, name, **labels) == sample(before, name, **labels) + 1
    count = "redress_graphql_request_duration_seconds_count"
    assert sample(after, count, operation="Lookup") == sample(before, count, operation="Lookup") + 1
    statements = "redress_graphql_sql_statements_count"
    assert sample(after, statements) == sample(before, statements) + 1
    # The lookup ran at least one statement: the sum of statements grew.
    total = "redress_graphql_sql_statements_sum"
    assert sample(after, total) >= sample(before, total) + 1


async def test_the_operation_name_comes_from_a_document_with_one_operation(
    http: httpx.AsyncClient,
) -> None:
    before = await scrape(http)
    await http.post("/graphql", json={"query": LOOKUP})
    await http.post("/graphql", json={"query": "{ __typename }"})
    after = await scrape(http)
    name = "redress_graphql_requests_total"
    for operation in ("Lookup", "(anonymous)"):
        labels = {"operation": operation, "status": "200", "code": ""}
        assert sample(after, name, **labels) == sample(before, name, **labels) + 1


async def test_an_error_answer_is_counted_with_its_code(http: httpx.AsyncClient) -> None:
    before = await scrape(http)
    answer = await http.post(
        "/graphql",
        json={"query": "query Broken { bill(billId: 5) { billId } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    code = answer.json()["errors"][0]["extensions"]["code"]
    after = await scrape(http)
    labels = {"operation": "Broken", "status": str(answer.status_code), "code": code}
    name = "redress_graphql_requests_total"
    assert sample(after, name, **labels) == sample(before, name, **labels) + 1


async def test_pool_size_and_use_are_reported(http: httpx.AsyncClient, database: Database) -> None:
    text = await scrape(http)
    assert sample(text, "redress_db_pool_max_connections") == database.pool.get_max_size()
    in_use = sample(text, "redress_db_pool_connections", state="in_use")
    idle = sample(text, "redress_db_pool_connections", state="idle")
    assert in_use + idle == database.pool.get_size()
    assert sample(text, "process_resident_memory_bytes") > 0


async def test_response_cache_hits_and_misses(database: Database) -> None:
    async with await http_for(database, response_cache_mb=1) as http:
        for _ in range(3):
            answer = await http.post("/graphql", json={"query": LOOKUP})
            assert answer.status_code == 200
        text = await scrape(http)
    assert sample(text, "redress_response_cache_lookups_total", outcome="hit") == 2
    assert sample(text, "redress_response_cache_lookups_total", outcome="miss") >= 1


async def test_persisted_query_hits_misses_and_registrations(http: httpx.AsyncClient) -> None:
    query = "query Persisted { __typename }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    before = await scrape(http)
    miss = await http.post("/graphql", json={"extensions": extensions})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    await http.post("/graphql", json={"query": query, "extensions": extensions})
    hit = await http.post("/graphql", json={"extensions": extensions})
    assert hit.json()["data"] == {"__typename": "Query"}
    after = await scrape(http)
    name = "redress_persisted_queries_total"
    for outcome in ("miss", "register", "hit"):
        assert sample(after, name, outcome=outcome) == sample(before, name, outcome=outcome) + 1


async def test_rate_limit_refusals_are_counted(database: Database) -> None:
    async with await http_for(database, rate_limit_anonymous=1) as http:
        before = await scrape(http)
        statuses = [
            (await http.post("/graphql", json={"query": "{ __typename }"})).status_code
            for _ in range(3)
        ]
        after = await scrape(http)
    assert statuses.count(429) >= 2
    name = "redress_rate_limit_refusals_total"
    refused = sample(after, name, caller="anonymous") - sample(before, name, caller="anonymous")
    assert refused == statuses.count(429)


async def test_import_rows_by_entity_and_outcome(database: Database, empty_url: str) -> None:
    file = ROOT / "data" / "legislators" / "committees-current.yaml"
    before = dict(ROWS)
    await import_paths(empty_url, [file], dry_run=True)
    assert dict(ROWS) == before, "a dry run commits nothing and counts nothing"
    summary = await import_paths(empty_url, [file])
    inserted = {e: c.inserted for e, c in summary.entities.items() if c.inserted}
    assert inserted, "the file inserted rows"
    async with await http_for(database) as http:
        text = await scrape(http)
    for entity, count in inserted.items():
        key = (entity, "inserted")
        assert ROWS[key] == before.get(key, 0) + count
        assert (
            sample(text, "redress_import_rows_total", entity=entity, outcome="inserted")
            == (ROWS[key])
        )


async def test_key_mode_needs_the_metrics_key(database: Database) -> None:
    async with await http_for(database, metrics="key", metrics_key=Secret(KEY)) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        right = await http.get("/metrics", headers={"authorization": f"Bearer {KEY}"})
        assert right.status_code == 200
        assert "redress_graphql_requests_total" in right.text


async def test_off_mode_has_no_metrics(database: Database) -> None:
    async with await http_for(database, metrics="off") as http:
        assert (await http.get("/metrics")).status_code == 404


def test_settings_refuse_a_missing_or_short_key_and_unknown_modes() -> None:
    with pytest.raises(ValueError, match="REDRESS_METRICS_KEY"):
        metrics_access("key", None)
    with pytest.raises(ValueError, match="REDRESS_METRICS_KEY"):
        metrics_access("key", Secret("short"))
    with pytest.raises(ValueError, match="REDRESS_METRICS must be one of off, open, key"):
        metrics_access("public", None)
    assert metrics_access("OPEN", Secret(KEY)) == ("open", None)


def test_label_values_are_bounded() -> None:
    label = BoundedLabel(2)
    assert [label(v) for v in ("a", "b", "c", "a")] == ["a", "b", OTHER, "a"]
    assert operation_label({"operationName": "not a name!"}) == "(invalid)"
    assert operation_label({"operationName": "x" * 65}) == "(invalid)"
    assert operation_label({"query": "query A { a } query B { b }"}) == "(anonymous)"


def test_error_codes_are_read_from_the_top_level_errors_only() -> None:
    body = (
        b'{"data":{"a":{"code":"NOT_AN_ERROR"}},"errors":[{"message":"m",'
        b'"extensions":{"code":"NOT_FOUND"}}],"extensions":{"cost":{"requested":1}}}'
    )
    assert error_codes(body) == ["NOT_FOUND"]
    assert error_codes(b'{"data":{"code":"X_Y"}}') == []
