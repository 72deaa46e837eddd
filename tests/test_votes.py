"""The votes root field, lookups by vote id, tallies, positions, and the legislator loader.

Expected values come from the five shipped unitedstates/congress vote files in data/votes.
"""

import json
from collections import Counter

import pytest

from api.settings import ROOT
from db.pagination import Window
from db.pool import log_statements
from loaders.request import Loaders
from tests.conftest import error_codes, graphql

NEWEST_FIRST = ["s17-119.2025", "h23-119.2025", "s7-119.2025", "h60-117.2021", "h119-116.2020"]
FILE_POSITIONS = {"Yea": "yea", "Aye": "yea", "Nay": "nay", "No": "nay"}
FILE_POSITIONS |= {"Present": "present", "Not Voting": "notVoting"}

VOTES = """query($filter: VoteFilter, $order: VoteOrder, $first: Int, $after: String,
                 $last: Int, $before: String) {
  votes(filter: $filter, orderBy: $order, first: $first, after: $after, last: $last,
        before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { voteId }
  } }"""


async def votes(client, **variables):
    """The `votes` connection for these variables; fails on any error."""
    body = await graphql(client, VOTES, variables)
    assert "errors" not in body, body
    return body["data"]["votes"]


def ids(connection):
    return [node["voteId"] for node in connection["nodes"]]


def file_totals():
    """Each shipped vote file's counts by position, and by party and position."""
    found = {}
    for path in sorted((ROOT / "data" / "votes" / "uscongress").glob("*/votes/*/*/data.json")):
        data = json.loads(path.read_text())
        overall: Counter[str] = Counter()
        by_party: Counter[tuple[str, str]] = Counter()
        for name, voters in data["votes"].items():
            for voter in voters:
                overall[FILE_POSITIONS[name]] += 1
                by_party[(voter["party"], FILE_POSITIONS[name])] += 1
        found[data["vote_id"]] = (overall, by_party)
    return found


async def test_lookup_by_vote_id(client):
    body = await graphql(
        client,
        """{ vote(voteId: "h60-117.2021") {
              voteId chamber congress session number votedAt question type category result
              requires sourceUrl nomination { number } billId bill { billId shortTitle }
              totals { yea nay present notVoting
                       byParty { party yea nay present notVoting } } } }""",
    )
    assert "errors" not in body, body
    vote = body["data"]["vote"]
    assert vote["voteId"] == "h60-117.2021"
    assert (vote["chamber"], vote["congress"], vote["session"], vote["number"]) == (
        "HOUSE",
        117,
        "2021",
        60,
    )
    assert vote["votedAt"].startswith("2021-03-04T02:27:00")  # 21:27 in Washington, in UTC
    assert vote["question"] == "On Passage: H R 1280 George Floyd Justice in Policing Act of 2021"
    assert (vote["category"], vote["result"], vote["requires"]) == ("passage", "Passed", "1/2")
    assert vote["sourceUrl"] == "https://clerk.house.gov/evs/2021/roll060.xml"
    assert vote["nomination"] is None
    assert vote["billId"] == "hr1280-117"
    assert vote["bill"]["billId"] == "hr1280-117"
    totals = vote["totals"]
    assert (totals["yea"], totals["nay"], totals["present"], totals["notVoting"]) == (
        220,
        212,
        0,
        0,
    )
    assert totals["byParty"] == [
        {"party": "D", "yea": 219, "nay": 2, "present": 0, "notVoting": 0},
        {"party": "R", "yea": 1, "nay": 210, "present": 0, "notVoting": 0},
    ]


async def test_totals_of_every_vote_equal_the_files(client):
    expected = file_totals()
    assert len(expected) == 5
    body = await graphql(
        client,
        """{ votes(first: 100) { nodes { voteId
              totals { yea nay present notVoting byParty { party yea nay present notVoting } }
            } } }""",
    )
    nodes = body["data"]["votes"]["nodes"]
    assert {n["voteId"] for n in nodes} == set(expected)
    for node in nodes:
        overall, by_party = expected[node["voteId"]]
        totals = node["totals"]
        for key in ("yea", "nay", "present", "notVoting"):
            assert totals[key] == overall[key], (node["voteId"], key)
            for row in totals["byParty"]:
                assert row[key] == by_party[(row["party"], key)], (node["voteId"], row)
        parties = {party for party, _ in by_party}
        assert [row["party"] for row in totals["byParty"]] == sorted(parties)


async def test_nomination_vote_has_no_bill(client):
    body = await graphql(
        client,
        """{ vote(voteId: "s17-119.2025") {
              chamber result nomination { number title } billId bill { billId }
              totals { yea nay notVoting } } }""",
    )
    vote = body["data"]["vote"]
    assert vote["chamber"] == "SENATE"
    assert vote["result"] == "Nomination Confirmed"
    assert vote["nomination"] == {
        "number": "11-11",
        "title": "Kristi Noem, of South Dakota, to be Secretary of Homeland Security",
    }
    assert vote["billId"] is None and vote["bill"] is None
    assert vote["totals"] == {"yea": 59, "nay": 34, "notVoting": 7}


async def test_vote_on_a_bill_that_is_not_stored(client):
    body = await graphql(client, '{ vote(voteId: "h23-119.2025") { billId bill { billId } } }')
    assert body["data"]["vote"] == {"billId": "s5-119", "bill": None}


@pytest.mark.parametrize(
    ("position_filter", "expected"),
    [
        ({"position": "NAY", "party": "D"}, 2),
        ({"position": "YEA", "party": "R"}, 1),
        ({"position": "YEA"}, 220),
        ({"position": "NAY"}, 212),
        ({"position": "PRESENT"}, 0),
        ({"party": "R"}, 211),
    ],
)
async def test_positions_filter(client, position_filter, expected):
    body = await graphql(
        client,
        """query($f: VotePositionFilter) { vote(voteId: "h60-117.2021") {
              positions(filter: $f, first: 100) { totalCount nodes { position party } } } }""",
        {"f": position_filter},
    )
    positions = body["data"]["vote"]["positions"]
    assert positions["totalCount"] == expected
    assert len(positions["nodes"]) == min(expected, 100)
    for node in positions["nodes"]:
        assert node["position"] == position_filter.get("position", node["position"])
        assert node["party"] == position_filter.get("party", node["party"])


async def test_positions_by_state_page_in_member_order(client):
    query = """query($after: String) { vote(voteId: "h60-117.2021") {
      positions(filter: {state: "ma"}, first: 5, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { memberId state position legislator { bioguideId } } } } }"""
    first = (await graphql(client, query))["data"]["vote"]["positions"]
    assert first["totalCount"] == 9  # Massachusetts had nine representatives
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await graphql(client, query, {"after": first["pageInfo"]["endCursor"]}))["data"]
    rest = second["vote"]["positions"]
    assert rest["pageInfo"]["hasNextPage"] is False
    members = [n["memberId"] for n in first["nodes"] + rest["nodes"]]
    assert members == sorted(members) and len(set(members)) == 9
    assert all(n["state"] == "MA" and n["position"] == "YEA" for n in first["nodes"])
    pressley = next(n for n in first["nodes"] + rest["nodes"] if n["memberId"] == "P000617")
    assert pressley["legislator"] == {"bioguideId": "P000617"}


async def test_senate_positions_use_lis_ids(client):
    body = await graphql(
        client,
        """{ vote(voteId: "s7-119.2025") {
              positions(filter: {state: "MA"}) { nodes { memberId position legislator {
                bioguideId } } } } }""",
    )
    positions = body["data"]["vote"]["positions"]["nodes"]
    assert {p["legislator"]["bioguideId"] for p in positions} == {"M000133", "W000817"}
    assert {p["position"] for p in positions} == {"NAY"}
    assert all(p["memberId"].startswith("S") for p in positions)


async def test_date_orders_and_paging(client):
    newest = await votes(client, first=100)
    assert ids(newest) == NEWEST_FIRST
    assert newest["totalCount"] == 5
    oldest = await votes(client, order="DATE_ASC", first=100)
    assert ids(oldest) == list(reversed(NEWEST_FIRST))
    forward, after, has_next = [], None, True
    while has_next:
        page = await votes(client, first=2, after=after)
        forward += ids(page)
        has_next, after = page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
    assert forward == NEWEST_FIRST
    backward, before, has_previous = [], None, True
    while has_previous:
        page = await votes(client, last=2, before=before)
        backward = ids(page) + backward
        has_previous, before = page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["startCursor"]
    assert backward == NEWEST_FIRST


async def test_updated_at_order_lists_every_vote(client):
    page = await votes(client, order="UPDATED_AT", first=100)
    assert sorted(ids(page)) == sorted(NEWEST_FIRST)


@pytest.mark.parametrize(
    ("vote_filter", "expected"),
    [
        ({"chamber": "HOUSE"}, ["h23-119.2025", "h60-117.2021", "h119-116.2020"]),
        ({"chamber": "SENATE", "congress": 119}, ["s17-119.2025", "s7-119.2025"]),
        ({"congress": 117}, ["h60-117.2021"]),
        ({"date": {"start": "2025-01-20", "end": "2025-01-22"}}, ["h23-119.2025", "s7-119.2025"]),
        # 21:27 on 3 March in Washington is already 4 March in UTC.
        ({"date": {"start": "2021-03-03", "end": "2021-03-03"}}, ["h60-117.2021"]),
        ({"date": {"start": "2021-03-04", "end": "2021-03-04"}}, []),
        ({"date": {"end": "2020-12-31"}}, ["h119-116.2020"]),
        ({"bill": "hr1280-117"}, ["h60-117.2021"]),
        ({"bill": "S5-119"}, ["h23-119.2025", "s7-119.2025"]),
        ({"result": "passed"}, ["h23-119.2025", "h60-117.2021", "h119-116.2020"]),
        ({"result": "Nomination Confirmed"}, ["s17-119.2025"]),
        ({"updatedSince": "2000-01-01T00:00:00Z"}, NEWEST_FIRST),
        ({"updatedSince": "2999-01-01T00:00:00Z"}, []),
    ],
)
async def test_filters(client, vote_filter, expected):
    page = await votes(client, filter=vote_filter, first=100)
    assert ids(page) == expected
    assert page["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ vote(voteId: "h60") { voteId } }', "BAD_USER_INPUT"),
        ('{ vote(voteId: "x60-117.2021") { voteId } }', "BAD_USER_INPUT"),
        ('{ vote(voteId: "h9999-117.2021") { voteId } }', "NOT_FOUND"),
        ('{ votes(after: "garbage") { totalCount } }', "BAD_USER_INPUT"),
        ("{ votes(first: 101) { totalCount } }", "BAD_USER_INPUT"),
        ("{ votes(last: 1, first: 1) { totalCount } }", "BAD_USER_INPUT"),
        ("{ votes(filter: {chamber: JOINT}) { totalCount } }", "BAD_USER_INPUT"),
        ("{ votes(orderBy: SIZE) { totalCount } }", "BAD_USER_INPUT"),
        ('{ votes(filter: {bill: "hr1280"}) { totalCount } }', "BAD_USER_INPUT"),
        ('{ votes(filter: {date: {end: "2021-02-29"}}) { totalCount } }', "BAD_USER_INPUT"),
        (
            '{ votes(filter: {date: {start: "2021-03-02", end: "2021-03-01"}}) { totalCount } }',
            "BAD_USER_INPUT",
        ),
        (
            '{ vote(voteId: "h60-117.2021") { positions(filter: {position: ABSTAIN}) '
            "{ totalCount } } }",
            "BAD_USER_INPUT",
        ),
        (
            '{ vote(voteId: "h60-117.2021") { positions(filter: {state: "Maine"}) '
            "{ totalCount } } }",
            "BAD_USER_INPUT",
        ),
        (
            '{ vote(voteId: "h60-117.2021") { positions(first: 500) { totalCount } } }',
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_input_and_unknown_ids(client, query, code):
    body = await graphql(client, query)
    assert error_codes(body) == [code], body


async def test_vote_is_a_node(client):
    body = await graphql(client, '{ vote(voteId: "s7-119.2025") { id } }')
    node = await graphql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Vote { voteId } } }",
        {"id": body["data"]["vote"]["id"]},
    )
    assert node["data"]["node"] == {"voteId": "s7-119.2025"}


async def test_position_legislator_committees_take_six_statements(client):
    query = """query($n: Int) { votes(first: $n) { nodes {
      totals { yea }
      positions(first: $n) { nodes { legislator {
        committees(first: $n) { nodes { committee { name } } } } } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # votes, totals, positions, legislators, memberships, committees
    assert counts == {1: 6, 100: 6}


async def test_positions_of_legislator_loader_is_newest_first(database):
    loaders = Loaders(database)
    adams = await loaders.legislators.by_bioguide_id.load("A000370")
    assert adams is not None
    page = await loaders.votes.positions_of_legislator.load((adams["id"], Window(first=10)))
    found = []
    for row in page.rows:
        vote = await loaders.votes.by_id.load(row["vote_id"])
        assert vote is not None
        found.append((vote["vote_id"], row["position"]))
    assert found == [
        ("h23-119.2025", "nay"),
        ("h60-117.2021", "yea"),
        ("h119-116.2020", "yea"),
    ]
    assert await loaders.votes.positions_of_legislator_count.load(adams["id"]) == 3


async def test_no_statement_or_topic_is_filed_under_a_vote(client):
    # The curated file files bills, not votes, under its topic.
    body = await graphql(
        client,
        """{ votes(first: 100) { nodes {
              statements { totalCount nodes { id } } topics { totalCount nodes { slug } } } } }""",
    )
    for node in body["data"]["votes"]["nodes"]:
        assert node["statements"] == {"totalCount": 0, "nodes": []}
        assert node["topics"] == {"totalCount": 0, "nodes": []}
