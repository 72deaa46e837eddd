"""2,000 generated valid queries against the shipped data: never a 5xx, never INTERNAL, and
the same answer as graphql-core's own execution (without schema.execution's short paths)."""

import asyncio
import dataclasses
import json
import time
import zlib
from collections import Counter
from datetime import UTC
from typing import Any

import httpx
import pytest
from graphql import ArgumentNode, DocumentNode, FieldNode, Visitor, print_ast, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.app import create_app
from api.settings import load_settings
from db.pool import connect
from schema.relay import to_global_id
from schema.root import schema

EXAMPLES = 2000

# Natural keys, words and ids found in the shipped data, mixed with arbitrary values, so that
# many generated queries reach real rows and not only the argument checks.
KNOWN_TEXT = [
    "P000617",
    "MA",
    "CA",
    "Democrat",
    "Republican",
    "hr1470-117",
    "s492-117",
    "h60-117.2021",
    "s7-119.2025",
    "qualified-immunity-ice",
    "ice",
    "reuters",
    "immigration",
    "police",
]
KNOWN_IDS = [
    to_global_id(type_name, pk)
    for type_name in ("Legislator", "Committee", "Bill", "Vote", "Statement", "Incident")
    for pk in (1, 2, 3)
]

CUSTOM_SCALARS = {
    "Int": st.one_of(st.integers(0, 25), st.integers(-(2**31), 2**31 - 1)).map(nodes.Int),
    "String": st.one_of(st.sampled_from(KNOWN_TEXT), st.text(max_size=30)).map(nodes.String),
    "ID": st.one_of(st.sampled_from(KNOWN_IDS), st.text(max_size=20)).map(nodes.String),
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
}


class _Paging(Visitor):
    """Keeps `first` over `last` when a field has both, and one generated cursor in four:
    otherwise nearly every connection is refused for its arguments before reaching data."""

    def enter_field(self, node: FieldNode, *_args: Any) -> FieldNode | None:
        given = {argument.name.value for argument in node.arguments or ()}
        kept = [a for a in node.arguments or () if self._keep(a, given)]
        if len(kept) == len(node.arguments or ()):
            return None
        return dataclasses.replace(node, arguments=tuple(kept))

    @staticmethod
    def _keep(argument: ArgumentNode, given: set[str]) -> bool:
        name = argument.name.value
        if name in ("last", "before") and "first" in given:
            return False
        if name in ("after", "before"):
            return zlib.crc32(print_ast(argument.value).encode()) % 4 == 0
        return True


def _print(document: DocumentNode) -> str:
    return print_ast(visit(document, _Paging()))


# One root field per query, so that one field's error does not hide what the others return.
GENERATED = st.one_of(
    *(
        queries(schema._schema, fields=[name], custom_scalars=CUSTOM_SCALARS, print_ast=_print)
        for name in schema._schema.query_type.fields
    )
)


def _run_generated(url: str) -> tuple[Counter[int], Counter[str], int]:
    """Send every generated query to the API over `url`, on an event loop of this thread."""
    statuses: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    answered = 0
    with asyncio.Runner() as runner:
        database = runner.run(connect(url, max_size=2))
        unlimited = dataclasses.replace(
            load_settings(), rate_limit_anonymous=0, response_cache_mb=0
        )
        transport = httpx.ASGITransport(app=create_app(unlimited, database=database))
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("schema.root.CompiledExecution", StrawberryGraphQLCoreExecutionContext)
            plain = create_app(unlimited, database=database)
        reference = httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://t")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(query=GENERATED)
        def check(query: str) -> None:
            nonlocal answered
            response = runner.run(client.post("/graphql", json={"query": query}))
            statuses[response.status_code] += 1
            body = response.json()
            codes = [error["extensions"]["code"] for error in body.get("errors", [])]
            outcomes.update(codes or ["OK"])
            answered += any(value is not None for value in (body.get("data") or {}).values())
            assert response.status_code < 500, response.text
            assert "INTERNAL" not in codes, response.text
            expected = runner.run(reference.post("/graphql", json={"query": query}))
            assert _comparable(response.status_code, body) == _comparable(
                expected.status_code, expected.json()
            ), query

        try:
            check()
        finally:
            runner.run(client.aclose())
            runner.run(reference.aclose())
            runner.run(database.close())
    return statuses, outcomes, answered


def _comparable(status: int, body: dict[str, Any]) -> tuple[Any, ...]:
    """Status, data and errors, with errors in a fixed order: sibling fields that fail
    concurrently may report in either order."""
    errors = sorted(json.dumps(e, sort_keys=True) for e in body.get("errors", []))
    return status, body.get("data"), errors


async def test_generated_queries_never_fail_inside(seeded_url: str) -> None:
    started = time.monotonic()
    # Hypothesis is synchronous: it runs in a thread with its own loop and pool.
    statuses, outcomes, answered = await asyncio.to_thread(_run_generated, seeded_url)
    elapsed = time.monotonic() - started
    print(
        f"{statuses.total()} generated queries in {elapsed:.1f} s; {answered} returned data;"
        f" statuses {dict(statuses)}; outcomes {dict(outcomes)}"
    )
    assert statuses.total() >= EXAMPLES
    assert set(statuses) <= {200, 400}
    assert answered > EXAMPLES // 3
