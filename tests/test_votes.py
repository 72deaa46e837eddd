"""The votes root field, lookups by vote id, tallies, positions, and the legislator loader.

Expected values come from the five shipped unitedstates/congress vote files in data/votes
and from the shipped Voteview files of the 116th Senate (data/votes/voteview: 720 roll
calls, each member's cast code, and the members' parties). The Voteview roll calls are
matched by their clerk number and date, not by vote id.
"""

import csv
import json
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from api.settings import ROOT
from db.model import LEGISLATOR
from db.pagination import Window
from db.pool import log_statements
from loaders.request import Loaders
from tests.conftest import error_codes, graphql

NEWEST_FIRST = [
    "s17-119.2025",
    "h23-119.2025",
    "s7-119.2025",
    "s3-119.2025",
    "h2-119.2025",
    "h60-117.2021",
    "h119-116.2020",
]
FILE_POSITIONS = {"Yea": "yea", "Aye": "yea", "Nay": "nay", "No": "nay"}
FILE_POSITIONS |= {"Present": "present", "Not Voting": "notVoting"}
VOTEVIEW = ROOT / "data" / "votes" / "voteview"
# Voteview cast codes: 1-3 yea, 4-6 nay, 7-8 present, 9 not voting, 0 not in office.
CAST_CODES = {1: "yea", 2: "yea", 3: "yea", 4: "nay", 5: "nay", 6: "nay"}
CAST_CODES |= {7: "present", 8: "present", 9: "notVoting"}
PARTY_CODES = {100: "D", 200: "R", 328: "I"}
WASHINGTON = ZoneInfo("America/New_York")

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
            # A candidate's name (h2-119.2025) counts in no total, but its party has a row.
            position = FILE_POSITIONS.get(name, "candidate")
            for voter in voters:
                overall[position] += 1
                by_party[(voter["party"], position)] += 1
        found[data["vote_id"]] = (overall, by_party)
    return found


def voteview_rollcalls() -> list[dict[str, str]]:
    """The rows of the shipped Voteview roll calls file (116th Senate)."""
    with (VOTEVIEW / "S116_rollcalls.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def voteview_key(number: int | str, day: date | str) -> tuple[int, str]:
    """A Voteview roll call's identity: its clerk number and its date in Washington."""
    return int(number), str(day)


def node_key(node: dict) -> tuple[int, str]:
    """The Voteview identity of a vote node (one with `number` and `votedAt`)."""
    voted_at = datetime.fromisoformat(node["votedAt"]).astimezone(WASHINGTON)
    return voteview_key(node["number"], voted_at.date())


def voteview_totals():
    """Each Voteview roll call's counts by position and by party and position.

    The yea and nay counts are the roll calls file's own; present and not voting are
    counted from the votes file, as are all the counts by party (by the members file).
    """
    parties = {}
    with (VOTEVIEW / "S116_members.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["chamber"] == "Senate":
                parties[int(float(row["icpsr"]))] = PARTY_CODES[int(row["party_code"])]
    positions: dict[int, Counter[tuple[str, str]]] = {}
    with (VOTEVIEW / "S116_votes.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            icpsr, cast = int(float(row["icpsr"])), int(float(row["cast_code"]))
            if icpsr in parties and cast in CAST_CODES:  # not the President; in office
                by_party = positions.setdefault(int(row["rollnumber"]), Counter())
                by_party[(parties[icpsr], CAST_CODES[cast])] += 1
    found = {}
    for row in voteview_rollcalls():
        by_party = positions[int(row["rollnumber"])]
        overall: Counter[str] = Counter()
        for (_, position), n in by_party.items():
            overall[position] += n
        assert (overall["yea"], overall["nay"]) == (int(row["yea_count"]), int(row["nay_count"]))
        found[voteview_key(row["clerk_rollnumber"], row["date"])] = (overall, by_party)
    return found


async def every_vote(client, fields: str = "voteId", order: str = "DATE_DESC") -> list[dict]:
    """Every vote in `order` with `fields`, a full page at a time."""
    query = f"""query($after: String) {{ votes(orderBy: {order}, first: 100, after: $after) {{
      totalCount nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"after": after})
        assert "errors" not in body, body
        page = body["data"]["votes"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(nodes) == page["totalCount"] == len(NEWEST_FIRST) + len(voteview_rollcalls())
    return nodes


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
    assert len(expected) == 7
    from_voteview = voteview_totals()
    assert len(from_voteview) == 720
    nodes = await every_vote(
        client,
        """voteId chamber congress number votedAt
        totals { yea nay present notVoting byParty { party yea nay present notVoting } }""",
    )
    assert {n["voteId"] for n in nodes} >= set(expected)
    others = [n for n in nodes if n["voteId"] not in expected]
    assert all((n["chamber"], n["congress"]) == ("SENATE", 116) for n in others)
    assert sorted(node_key(n) for n in others) == sorted(from_voteview)
    for node in nodes:
        if node["voteId"] in expected:
            overall, by_party = expected[node["voteId"]]
        else:
            overall, by_party = from_voteview[node_key(node)]
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
    newest = await every_vote(client, "voteId votedAt")
    ids_newest = [n["voteId"] for n in newest]
    # The seven unitedstates/congress votes keep their order among the Voteview ones.
    assert [i for i in ids_newest if i in NEWEST_FIRST] == NEWEST_FIRST
    times = [datetime.fromisoformat(n["votedAt"]) for n in newest]
    assert times == sorted(times, reverse=True)
    oldest = await every_vote(client, "voteId", order="DATE_ASC")
    assert [n["voteId"] for n in oldest] == list(reversed(ids_newest))
    forward, after, has_next = [], None, True
    while has_next:
        page = await votes(client, first=30, after=after)
        forward += ids(page)
        has_next, after = page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
    assert forward == ids_newest
    backward, before, has_previous = [], None, True
    while has_previous:
        page = await votes(client, last=30, before=before)
        backward = ids(page) + backward
        has_previous, before = page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["startCursor"]
    assert backward == ids_newest


async def test_updated_at_order_lists_every_vote(client):
    updated = await every_vote(client, "voteId updatedAt", order="UPDATED_AT")
    everything = await every_vote(client)
    assert sorted(n["voteId"] for n in updated) == sorted(n["voteId"] for n in everything)
    assert len({n["voteId"] for n in updated}) == len(updated)
    times = [datetime.fromisoformat(n["updatedAt"]) for n in updated]
    assert times == sorted(times)


@pytest.mark.parametrize(
    ("vote_filter", "expected"),
    [
        ({"chamber": "HOUSE"}, ["h23-119.2025", "h2-119.2025", "h60-117.2021", "h119-116.2020"]),
        ({"chamber": "SENATE", "congress": 119}, ["s17-119.2025", "s7-119.2025", "s3-119.2025"]),
        ({"congress": 117}, ["h60-117.2021"]),
        ({"date": {"start": "2025-01-20", "end": "2025-01-22"}}, ["h23-119.2025", "s7-119.2025"]),
        # 21:27 on 3 March in Washington is already 4 March in UTC.
        ({"date": {"start": "2021-03-03", "end": "2021-03-03"}}, ["h60-117.2021"]),
        ({"date": {"start": "2021-03-04", "end": "2021-03-04"}}, []),
        ({"chamber": "HOUSE", "date": {"end": "2020-12-31"}}, ["h119-116.2020"]),
        ({"bill": "hr1280-117"}, ["h60-117.2021"]),
        # s3-119.2025 is on an amendment to S. 5, and names the bill too.
        ({"bill": "S5-119"}, ["h23-119.2025", "s7-119.2025", "s3-119.2025"]),
        ({"result": "passed"}, ["h23-119.2025", "h60-117.2021", "h119-116.2020"]),
        ({"congress": 119, "result": "Nomination Confirmed"}, ["s17-119.2025"]),
        ({"congress": 119, "updatedSince": "2000-01-01T00:00:00Z"}, NEWEST_FIRST[:5]),
        ({"updatedSince": "2999-01-01T00:00:00Z"}, []),
    ],
)
async def test_filters(client, vote_filter, expected):
    page = await votes(client, filter=vote_filter, first=100)
    assert ids(page) == expected
    assert page["totalCount"] == len(expected)


def _voteview_rows(keep) -> list[tuple[int, str]]:
    """The identities of the Voteview roll calls whose row `keep` accepts."""
    return [voteview_key(r["clerk_rollnumber"], r["date"]) for r in voteview_rollcalls() if keep(r)]


@pytest.mark.parametrize(
    ("vote_filter", "keep", "others"),
    [
        ({"chamber": "SENATE", "congress": 116}, lambda r: True, []),
        ({"chamber": "SENATE"}, lambda r: True, ["s17-119.2025", "s7-119.2025", "s3-119.2025"]),
        ({"date": {"end": "2020-12-31"}}, lambda r: r["date"] <= "2020-12-31", ["h119-116.2020"]),
        (
            {"date": {"start": "2021-01-01", "end": "2021-01-01"}},
            lambda r: r["date"] == "2021-01-01",
            [],
        ),
        (
            {"date": {"start": "2020-12-12", "end": "2020-12-29"}},
            lambda r: "2020-12-12" <= r["date"] <= "2020-12-29",
            [],
        ),
        ({"bill": "hr6395-116"}, lambda r: r["bill_number"] == "HR6395", []),
        (
            {"result": "nomination confirmed"},
            lambda r: r["vote_result"] == "Nomination Confirmed",
            ["s17-119.2025"],
        ),
        # s7-119.2025 is "On Passage of the Bill S. 5", result "Bill Passed".
        ({"result": "Bill Passed"}, lambda r: r["vote_result"] == "Bill Passed", ["s7-119.2025"]),
        (
            {"result": "passed"},
            lambda r: r["vote_result"].lower() == "passed",
            ["h23-119.2025", "h60-117.2021", "h119-116.2020"],
        ),
        ({"updatedSince": "2000-01-01T00:00:00Z"}, lambda r: True, NEWEST_FIRST),
    ],
)
async def test_filters_over_the_voteview_roll_calls(client, vote_filter, keep, others):
    expected = _voteview_rows(keep)
    query = """query($filter: VoteFilter, $after: String) {
      votes(filter: $filter, first: 100, after: $after) { totalCount
        nodes { voteId number votedAt } pageInfo { hasNextPage endCursor } } }"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"filter": vote_filter, "after": after})
        assert "errors" not in body, body
        page = body["data"]["votes"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert page["totalCount"] == len(nodes) == len(expected) + len(others)
    assert [n["voteId"] for n in nodes if n["voteId"] in NEWEST_FIRST] == others
    found = [node_key(n) for n in nodes if n["voteId"] not in NEWEST_FIRST]
    assert sorted(found) == sorted(expected)
    days = [day for _, day in found]
    assert days == sorted(days, reverse=True)


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
    # Pages of 40 three lists deep (64,000 seats), not 100: see test_statement_counts.py.
    for size in (1, 40):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # votes, totals, positions, legislators, memberships, committees
    assert counts == {1: 6, 40: 6}


async def test_positions_of_legislator_loader_is_newest_first(database):
    loaders = Loaders(database)
    adams = await loaders.legislators.by_bioguide_id.load("A000370")
    assert adams is not None
    positions = loaders.relations.pages(LEGISLATOR.connections["votePositions"])
    page = await positions.load((adams["id"], (Window(first=10), None)))
    found = []
    for row in page.rows:
        vote = await loaders.votes.by_id.load(row["vote_id"])
        assert vote is not None
        found.append((vote["vote_id"], row["position"]))
    assert found == [
        ("h23-119.2025", "nay"),
        ("h2-119.2025", "candidate"),  # Jeffries, in the Speaker election
        ("h60-117.2021", "yea"),
        ("h119-116.2020", "yea"),
    ]
    assert (
        await loaders.relations.counts(LEGISLATOR.connections["votePositions"]).load(
            (adams["id"], None)
        )
        == 4
    )


async def test_no_statement_or_topic_is_filed_under_a_vote(client):
    # The curated file files bills, not votes, under its topic; the vote files file nothing.
    nodes = await every_vote(
        client, "statements { totalCount nodes { id } } topics { totalCount nodes { slug } }"
    )
    for node in nodes:
        assert node["statements"] == {"totalCount": 0, "nodes": []}
        assert node["topics"] == {"totalCount": 0, "nodes": []}
