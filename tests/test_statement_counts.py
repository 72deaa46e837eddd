"""Nested lists are batched: a request's SQL statement count does not grow with page size.

Each query runs at page size 1 and at page size 100; both must run the same statements.
The pinned numbers are the invariant: one statement per relation level, plus counts.
"""

import pytest

from db.pool import log_statements
from tests.conftest import graphql

DEEP_QUERIES = {
    "bills -> cosponsors -> legislator -> terms": (
        """query($n: Int) { bills(filter: {congress: 117}, first: $n, orderBy: BILL_ID) {
             nodes { billId cosponsors(first: $n) {
               nodes { legislator { terms(first: $n) { nodes { party } } } } } } } }""",
        4,
    ),
    "votes -> positions -> legislator -> committees": (
        """query($n: Int) { votes(first: $n) {
             nodes { voteId positions(first: $n) {
               nodes { position legislator { committees(first: $n) {
                 nodes { committee { name } } } } } } } } }""",
        5,
    ),
    "incidents -> statements -> speaker": (
        """query($n: Int) { incidents(filter: {topic: "qualified-immunity-ice"}, first: $n) {
             nodes { statements(first: $n) {
               nodes { quote speaker {
                 __typename
                 ... on Legislator { bioguideId }
                 ... on Person { name }
                 ... on Organization { name } } } } } } }""",
        3,
    ),
    "topic -> bills -> votes -> totals": (
        """query($n: Int) { topic(slug: "qualified-immunity-ice") {
             bills(last: $n) { nodes { billId votes(first: $n) {
               nodes { voteId totals { yea nay byParty { party yea nay } } } } } } } }""",
        4,
    ),
    "legislator -> sponsored, cosponsored, votes, statements": (
        """query($n: Int) { legislators(filter: {state: "MA"}, first: $n) {
             nodes { sponsoredBills(first: $n) { totalCount nodes { billId } }
                     cosponsoredBills(first: $n) { totalCount nodes { billId } }
                     votePositions(first: $n) { totalCount nodes { position vote { voteId } } }
                     statements(first: $n) { totalCount nodes { quote } } } } }""",
        10,
    ),
    "legislators -> terms, committees -> committee": (
        # Current members: the first of all legislators by name may be a former member with
        # no committee seat, whose page would skip the committee lookup (docs/members.md).
        """query($n: Int) { legislators(first: $n, filter: {current: true}) {
             nodes { terms(first: $n) { totalCount nodes { state } }
                     currentTerm { party }
                     committees(first: $n) { nodes { committee { name } } } } } }""",
        6,
    ),
    "committees -> members -> legislator -> terms": (
        """query($n: Int) { committees(first: $n) {
             totalCount
             nodes { subcommittees(first: $n) { totalCount }
                     members(first: $n) {
                       nodes { legislator { terms(first: $n) { nodes { start } } } } } } } }""",
        6,  # subcommittees asks only for totalCount: its rows are never read
    ),
    "legislators -> leadershipRoles": (
        """query($n: Int) { legislators(first: $n, filter: {current: true}) {
             nodes { leadershipRoles(first: $n) { totalCount nodes { title start } } } } }""",
        3,  # the legislators page, one roles page and one count for all of them
    ),
    "bills -> cosponsors totalCount only": (
        """query($n: Int) { bills(first: $n) { nodes { billId cosponsors { totalCount } } } }""",
        2,  # the bills page and one count for all bills: no cosponsor rows
    ),
}


THREE_LISTS_DEEP = {"votes -> positions -> legislator -> committees"}


@pytest.mark.parametrize("name", DEEP_QUERIES)
async def test_statement_count_does_not_grow_with_page_size(client, name):
    query, expected = DEEP_QUERIES[name]
    # Three lists deep at 100 a page is a million objects on the resolver path, which the
    # suite's verify mode also runs: longer than the request timeout on a busy runner. Pages
    # of 40 still multiply to 64,000.
    largest = 40 if name in THREE_LISTS_DEEP else 100
    counts = {}
    for size in (1, largest):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    assert counts == {1: expected, largest: expected}
