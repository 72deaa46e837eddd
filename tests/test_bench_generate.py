"""The benchmark's synthetic data (db/synthetic.py) at a tiny scale, and its workloads.

The generator is deterministic for a seed, labels every record as synthetic, gives every roll
call a position for every voting member of its chamber, and the workload files in
bench/workloads run without errors at a statement count that does not grow with page size.
"""

import dataclasses
import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import ROOT, load_settings
from db import synthetic
from db.pool import Database, connect, log_statements
from tests.conftest import _create_database, _drop_database, graphql

SCALE = synthetic.Scale().times(0.004)
WORKLOADS = ROOT / "bench" / "workloads"

# The statements each workload runs today, least and most: the fast path may lower them, never
# make them grow. W4 and W5 load speakers with one statement per kind (Legislator, Person,
# Organization) present on the page, so their count depends on the mix, never on the size.
STATEMENTS = {"W1": (5, 5), "W2": (3, 3), "W3": (3, 3), "W4": (8, 11), "W5": (2, 5), "W6": (1, 1)}
# Each workload's page-size variables, set small and at their full size.
PAGE_SIZES = {
    "W2": ({"first": 5}, {"first": 50}),
    "W3": ({"first": 2, "positions": 5}, {"first": 20, "positions": 100}),
    "W5": ({"first": 2}, {"first": 20}),
    "W6": ({"first": 5}, {"first": 100}),
}


def workload(name: str) -> tuple[str, dict]:
    """The document and variables of bench/workloads/<name>.graphql."""
    text = (WORKLOADS / f"{name}.graphql").read_text()
    found = re.search(r"^# variables: (.*)$", text, re.MULTILINE)
    assert found is not None
    query = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return query, json.loads(found.group(1))


@pytest.fixture(scope="module")
async def generated(server_url: str, template_name: str) -> AsyncIterator[str]:
    """A clone of the shipped data with the tiny synthetic data set added (seed 7)."""
    name = f"redress_syn_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name, template_name)
    await synthetic.generate(url, 7, SCALE)
    yield url
    await _drop_database(server_url, name)


@pytest.fixture(scope="module")
async def synthetic_db(generated: str) -> AsyncIterator[Database]:
    db = await connect(generated, max_size=4)
    yield db
    await db.close()


@pytest.fixture(scope="module")
async def synthetic_client(synthetic_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        dataclasses.replace(load_settings(), response_cache_mb=0), database=synthetic_db
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def _digest(db: Database) -> list:
    return [
        tuple(r)
        for r in await db.fetch(
            "SELECT b.bill_id, b.official_title, b.sponsor_bioguide_id, b.updated_at,"
            " (SELECT count(*) FROM bill_cosponsors c WHERE c.bill_id = b.id)"
            " FROM bills b JOIN datasets d ON d.id = b.dataset_id WHERE d.key = $1"
            " ORDER BY b.bill_id",
            synthetic.DATASET_KEY,
        )
    ] + [
        tuple(r)
        for r in await db.fetch(
            "SELECT v.vote_id, vp.member_id, vp.position FROM vote_positions vp"
            " JOIN votes v ON v.id = vp.vote_id JOIN datasets d ON d.id = v.dataset_id"
            " WHERE d.key = $1 ORDER BY 1, 2",
            synthetic.DATASET_KEY,
        )
    ]


async def test_counts_follow_the_scale(synthetic_db: Database):
    dataset = await synthetic_db.fetchval(
        "SELECT id FROM datasets WHERE key = $1", synthetic.DATASET_KEY
    )
    for table, expected in (
        ("bills", SCALE.bills),
        ("votes", SCALE.roll_calls),
        ("statements", SCALE.statements),
        ("incidents", SCALE.incidents),
        ("people", SCALE.people),
        ("organizations", SCALE.agencies),
    ):
        found = await synthetic_db.fetchval(
            f"SELECT count(*) FROM {table} WHERE dataset_id = $1", dataset
        )
        assert found == expected, table
    assert SCALE.bills == 100 and SCALE.roll_calls == 6 and SCALE.statements == 200


async def test_everything_made_up_is_labelled(synthetic_db: Database):
    license_ = await synthetic_db.fetchval(
        "SELECT license FROM datasets WHERE key = $1", synthetic.DATASET_KEY
    )
    assert license_ == "synthetic, not real data"
    unlabelled = await synthetic_db.fetchval(
        "SELECT (SELECT count(*) FROM bills b JOIN datasets d ON d.id = b.dataset_id"
        "        WHERE d.key = $1 AND b.official_title NOT LIKE '[SYNTHETIC] %')"
        " + (SELECT count(*) FROM statements s JOIN datasets d ON d.id = s.dataset_id"
        "    WHERE d.key = $1 AND s.quote NOT LIKE '[SYNTHETIC] %')"
        " + (SELECT count(*) FROM incidents i JOIN datasets d ON d.id = i.dataset_id"
        "    WHERE d.key = $1 AND i.description NOT LIKE '[SYNTHETIC] %')"
        " + (SELECT count(*) FROM votes v JOIN datasets d ON d.id = v.dataset_id"
        "    WHERE d.key = $1 AND v.question NOT LIKE '[SYNTHETIC] %')"
        " + (SELECT count(*) FROM sources src JOIN datasets d ON d.id = src.dataset_id"
        "    WHERE d.key = $1 AND src.url NOT LIKE 'https://example.invalid/%')",
        synthetic.DATASET_KEY,
    )
    assert unlabelled == 0
    # Numbers far above any real bill or roll call.
    assert await synthetic_db.fetchval(
        "SELECT min(number) FROM bills WHERE official_title LIKE '[SYNTHETIC]%'"
    ) == (synthetic.BILL_NUMBER_BASE + 1)


async def test_every_member_of_the_chamber_votes(synthetic_db: Database):
    rows = await synthetic_db.fetch(
        "SELECT v.chamber, count(vp.id) AS n FROM votes v JOIN vote_positions vp"
        " ON vp.vote_id = v.id WHERE v.question LIKE '[SYNTHETIC]%' GROUP BY v.id, v.chamber"
    )
    members = {
        r["chamber"]: r["n"]
        for r in await synthetic_db.fetch(
            "SELECT t.chamber, count(*) AS n FROM (SELECT DISTINCT ON (legislator_id) chamber,"
            " state FROM legislator_terms ORDER BY legislator_id, start_date DESC) t"
            " WHERE t.chamber = 'senate' OR t.state <> ALL($1) GROUP BY 1",
            sorted(synthetic.NON_VOTING),
        )
    }
    assert len(rows) == SCALE.roll_calls
    assert {(r["chamber"], r["n"]) for r in rows} == {
        ("house", members["house"]),
        ("senate", members["senate"]),
    }


async def test_the_same_seed_makes_the_same_data(
    server_url: str, template_name: str, synthetic_db: Database
):
    name = f"redress_syn_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name, template_name)
    try:
        await synthetic.generate(url, 7, SCALE)
        again = await connect(url, max_size=2)
        try:
            assert await _digest(again) == await _digest(synthetic_db)
        finally:
            await again.close()
    finally:
        await _drop_database(server_url, name)


@pytest.mark.parametrize("name", sorted(STATEMENTS))
async def test_workloads_run_at_a_fixed_statement_count(synthetic_client, name: str):
    query, variables = workload(name)
    for sizes in PAGE_SIZES.get(name, ({},)):
        async with log_statements() as log:
            body = await graphql(synthetic_client, query, {**variables, **sizes})
        assert "errors" not in body, body
        low, high = STATEMENTS[name]
        assert low <= log.count <= high, sizes
        assert all(value for value in body["data"].values())


def test_peer_queries_exist_for_every_workload():
    ours = {p.stem for p in WORKLOADS.glob("W*.graphql")}
    peer = {p.stem for p in (ROOT / "bench" / "peer").glob("W*.graphql")}
    assert ours == peer == set(STATEMENTS)
    for path in Path(ROOT / "bench" / "peer").glob("W*.graphql"):
        assert workload(path.stem)[1] == json.loads(
            re.search(r"^# variables: (.*)$", path.read_text(), re.MULTILINE).group(1)
        )
