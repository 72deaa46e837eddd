"""The limit row of the benchmark (bench/limit/W*.sql, bench/run.py).

Each hand-written statement must answer exactly what the API answers for its workload, at the
workload's page sizes and at small ones (where `hasNextPage` and the end cursor differ), on a
tiny synthetic data set; and bench/run.py must read its variables the way pgbench does.
"""

import dataclasses
import importlib.util
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import ROOT, load_settings
from db import synthetic
from db.pool import connect
from tests.conftest import _create_database, _drop_database, graphql

_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
assert _spec is not None and _spec.loader is not None
run: Any = importlib.util.module_from_spec(_spec)
sys.modules["bench_run"] = run
_spec.loader.exec_module(run)

WORKLOADS = {p.stem: run.read_workload(p) for p in sorted(run.WORKLOADS.glob("W*.graphql"))}
# Each workload's page-size variables, set small (a next page, a cut position list) as well.
SMALL = {
    "W2": {"first": 3},
    "W3": {"first": 2, "positions": 5},
    "W5": {"first": 2},
    "W6": {"first": 4},
}


@pytest.fixture(scope="module")
async def generated(server_url: str, template_name: str) -> AsyncIterator[str]:
    """A clone of the shipped data with a tiny synthetic data set added (seed 7)."""
    name = f"redress_lim_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name, template_name)
    await synthetic.generate(url, 7, synthetic.Scale().times(0.004))
    yield url
    await _drop_database(server_url, name)


@pytest.fixture(scope="module")
async def client(generated: str) -> AsyncIterator[httpx.AsyncClient]:
    db = await connect(generated, max_size=4)
    app = create_app(dataclasses.replace(load_settings(), response_cache_mb=0), database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http
    await db.close()


def test_every_workload_has_a_statement_using_only_its_variables():
    assert {p.stem for p in run.LIMIT.glob("W*.sql")} == set(WORKLOADS)
    for name, workload in WORKLOADS.items():
        _, used = run.numbered(run.limit_statement(workload).read_text())
        # A colon in a literal or a comment would be a pgbench variable too.
        assert set(used) == set(workload.variables), name


def test_variables_are_numbered_as_pgbench_does():
    # A parameter per occurrence; casts are not variables, but pgbench reads `:x` in a literal
    # as one too (hence no colons in the statements' literals: chr(58)).
    sql, names = run.numbered("SELECT :a::int, ':x'::text, :b || :a, x::date, E'\\n'")
    assert sql == "SELECT $1::int, '$2'::text, $3 || $4, x::date, E'\\n'"
    assert names == ["a", "x", "b", "a"]
    assert run.pgbench_variables(WORKLOADS["W5"]) == [
        "-D",
        "q=custody transparency inspector",
        "-D",
        "first=20",
    ]


def test_first_difference_names_the_path():
    same = {"a": [1, {"b": None}], "c": "x"}
    assert run.first_difference(same, {"a": [1, {"b": None}], "c": "x"}) is None
    assert "data.a[1].b" in run.first_difference(same, {"a": [1, {"b": 2}], "c": "x"})
    assert "keys" in run.first_difference(same, {"c": "x", "a": [1, {"b": None}]})
    assert "2 items" in run.first_difference(same, {"a": [1, {"b": None}, 3], "c": "x"})
    assert "data.a[0]" in run.first_difference({"a": [1]}, {"a": [True]})


@pytest.mark.parametrize("name", sorted(WORKLOADS))
async def test_the_statement_answers_what_the_api_does(
    generated: str, client: httpx.AsyncClient, name: str
):
    workload = WORKLOADS[name]
    for sizes in ({}, SMALL.get(name, {})):
        variables = {**workload.variables, **sizes}
        body = await graphql(client, workload.query, variables)
        assert "errors" not in body, body
        assert all(body["data"].values())
        sized = dataclasses.replace(workload, variables=variables)
        assert await run.check_limit(generated, sized, body["data"]) > 0


async def test_a_different_answer_fails_loudly(generated: str, client: httpx.AsyncClient):
    workload = WORKLOADS["W2"]
    body = await graphql(client, workload.query, workload.variables)
    body["data"]["bills"]["nodes"][1]["status"] = "vetoed"
    with pytest.raises(RuntimeError, match=r"data\.bills\.nodes\[1\]\.status"):
        await run.check_limit(generated, workload, body["data"])
