"""The benchmark's naive baseline: `REDRESS_NAIVE_LOADERS=1` sends one statement per parent.

With the switch, a request's statement count grows with page size; without it, it does not.
"""

import pytest

from db.pool import log_statements
from loaders import batching
from tests.conftest import graphql

# One root page, then one nested list per legislator.
TERMS = """query($n: Int) { legislators(first: $n) {
  nodes { bioguideId terms(first: 1) { nodes { state } } } } }"""

# One root page, positions per vote, and each position's legislator.
POSITIONS = """query($n: Int) { votes(first: $n) {
  nodes { voteId positions(first: $n) { nodes { position legislator { bioguideId } } } } } }"""


async def _counts(client, query: str, sizes: tuple[int, ...]) -> dict[int, int]:
    counts = {}
    for size in sizes:
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    return counts


def test_the_switch_reads_the_environment():
    assert batching.naive_loaders({"REDRESS_NAIVE_LOADERS": "1"}) is True
    assert batching.naive_loaders({"REDRESS_NAIVE_LOADERS": "0"}) is False
    assert batching.naive_loaders({}) is False
    assert batching.NAIVE is batching.naive_loaders()


async def test_batched_loaders_run_the_same_statements_at_any_page_size(client):
    assert batching.NAIVE is False
    assert await _counts(client, TERMS, (1, 5, 20)) == {1: 2, 5: 2, 20: 2}
    assert await _counts(client, POSITIONS, (1, 5)) == {1: 3, 5: 3}


async def test_naive_loaders_run_one_statement_per_parent(client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(batching, "NAIVE", True)
    # 1 root page + 1 terms page per legislator.
    assert await _counts(client, TERMS, (1, 5, 20)) == {1: 2, 5: 6, 20: 21}
    naive = await _counts(client, POSITIONS, (1, 5))
    assert naive[1] == 3
    # 1 root page + 5 position pages + one lookup per distinct member (the request's loader
    # still remembers a member it has looked up).
    body = await graphql(client, POSITIONS, {"n": 5})
    members = {
        position["legislator"]["bioguideId"]
        for vote in body["data"]["votes"]["nodes"]
        for position in vote["positions"]["nodes"]
        if position["legislator"]
    }
    assert len(members) > 5
    assert naive[5] == 1 + 5 + len(members)


async def test_naive_loaders_give_the_same_answers(client, monkeypatch: pytest.MonkeyPatch):
    batched = await graphql(client, POSITIONS, {"n": 5})
    monkeypatch.setattr(batching, "NAIVE", True)
    assert await graphql(client, POSITIONS, {"n": 5}) == batched
