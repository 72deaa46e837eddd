"""OpenTelemetry: a request becomes one trace with HTTP, GraphQL resolver and SQL spans."""

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from api.settings import load_settings
from api.tracing import TracingUnavailable, exporter_for, tracer_provider, uninstrument_database
from db.pool import Database

QUERY = """
query Sponsor {
  bill(billId: "hr1470-117") {
    billId
    sponsor { bioguideId }
    cosponsors(first: 2) { nodes { legislator { bioguideId } } }
  }
}
"""


@pytest.fixture
def exported() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider, exporter
    finally:
        uninstrument_database()
        provider.shutdown()


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span's parents, nearest first, as far as they were exported."""
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


async def test_a_request_is_one_trace_with_resolver_and_sql_spans(
    database: Database,
    exported: tuple[TracerProvider, InMemorySpanExporter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The resolver path's spans: the compiled path (docs/compiled.md) has no resolvers, and
    # verify mode's shadow statement runs outside them.
    monkeypatch.setenv("REDRESS_COMPILED", "off")
    provider, exporter = exported
    settings = dataclasses.replace(
        load_settings(), rate_limit_anonymous=0, rate_limit_key=0, response_cache_mb=0
    )
    app = create_app(settings, database=database, tracing=provider)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        answer = await http.post("/graphql", json={"query": QUERY})
    assert answer.json()["data"]["bill"]["sponsor"]["bioguideId"] == "P000617"

    spans = exporter.get_finished_spans()
    assert len({span.context.trace_id for span in spans}) == 1, "one trace per request"
    by_id = {span.context.span_id: span for span in spans}
    names = [span.name for span in spans]

    http_span = next(span for span in spans if span.parent is None)
    assert http_span.name == "POST /graphql"
    operation = next(span for span in spans if span.name == "GraphQL Query: Sponsor")
    assert http_span in ancestors(operation, by_id)
    assert "GraphQL Parsing" in names and "GraphQL Validation" in names

    resolvers = [span for span in spans if span.name.startswith("GraphQL Resolving: ")]
    assert {"GraphQL Resolving: bill", "GraphQL Resolving: sponsor"} <= {
        span.name for span in resolvers
    }
    assert all(operation in ancestors(span, by_id) for span in resolvers)

    sql = [span for span in spans if (span.attributes or {}).get("db.system") == "postgresql"]
    assert sql, f"no SQL spans among {names}"
    assert all(
        any(parent.name.startswith("GraphQL Resolving: ") for parent in ancestors(span, by_id))
        for span in sql
    ), "every SQL statement runs under the resolver that asked for it"
    assert all("db.statement.parameters" not in (span.attributes or {}) for span in sql)


async def test_tracing_off_adds_no_instrumentation(database: Database) -> None:
    settings = dataclasses.replace(load_settings(), tracing="off")
    app = create_app(settings, database=database)
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    assert tracer_provider("off") is None


def test_exporters_are_named_clearly() -> None:
    assert type(exporter_for("console")).__name__ == "ConsoleSpanExporter"
    with pytest.raises(TracingUnavailable, match="off, console or otlp"):
        exporter_for("zipkin")
