"""A topic's timeline (docs/record-and-timeline.md) on the shipped demo topic: bill actions,
votes, statements and the incident in one precision-aware order, keyset pages, kinds."""

import json

import pytest

from db.pool import log_statements
from tests.conftest import error_codes, graphql

TIMELINE = """query($first: Int, $after: String, $kinds: [TimelineKind!]) {
  topic(slug: "qualified-immunity-ice") {
    timeline(first: $first, after: $after, kinds: $kinds) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node {
        kind date { text precision year month day }
        action { text } bill { billId } vote { voteId }
        statement { quote } incident { externalKey } } } } } }"""

MILLER = "To all ICE officers: You have federal immunity in the conduct of your duties."
GOOD = "ice-deaths:2026-01-07:good-renee-nicole"


async def _timeline(client, first=100, after=None, kinds=None):
    body = await graphql(client, TIMELINE, {"first": first, "after": after, "kinds": kinds})
    assert "errors" not in body, body
    return body["data"]["topic"]["timeline"]


async def _all(client, kinds=None):
    return [edge["node"] for edge in (await _timeline(client, kinds=kinds))["edges"]]


async def test_every_kind_is_on_the_timeline_oldest_first(client):
    items = await _all(client)
    kinds = [item["kind"] for item in items]
    # The three bills' actions (BILLSTATUS files), h60-117.2021 on H.R. 1280, the incident,
    # and the four curated statements.
    assert kinds.count("BILL_ACTION") == 25
    assert kinds.count("VOTE") == 1 and kinds.count("INCIDENT") == 1
    assert kinds.count("STATEMENT") == 4
    assert items[0]["date"]["text"] == "2021-02-24"  # H.R. 1280 introduced
    vote = next(item for item in items if item["kind"] == "VOTE")
    assert vote["vote"] == {"voteId": "h60-117.2021"}
    assert vote["bill"] == {"billId": "hr1280-117"}
    assert vote["date"] == {
        "text": "2021-03-03",
        "precision": "DAY",
        "year": 2021,
        "month": 3,
        "day": 3,
    }
    days = [item["date"]["text"] for item in items if item["date"]["precision"] == "DAY"]
    assert days == sorted(days)


async def test_a_month_sorts_as_the_month_and_shows_as_a_month(client):
    items = await _all(client)
    incident = next(i for i, item in enumerate(items) if item["kind"] == "INCIDENT")
    miller = next(
        i for i, item in enumerate(items) if (item["statement"] or {}).get("quote") == MILLER
    )
    assert items[incident]["incident"] == {"externalKey": GOOD}
    assert items[incident]["date"]["text"] == "2026-01-07"
    # Said "2026-01": it sorts by the month's end, after the 7 January incident, and is
    # shown as January 2026, never as 2026-01-01.
    assert miller == incident + 1
    assert items[miller]["date"] == {
        "text": "2026-01",
        "precision": "MONTH",
        "year": 2026,
        "month": 1,
        "day": None,
    }
    # The three undated statements come last.
    assert [item["date"]["precision"] for item in items[miller + 1 :]] == ["UNKNOWN"] * 3


async def test_paging_to_the_end_with_after_has_no_gaps_or_duplicates(client):
    whole = await _timeline(client)
    seen, cursors, after = [], [], None
    while True:
        page = await _timeline(client, first=7, after=after)
        seen += [edge["node"] for edge in page["edges"]]
        cursors += [edge["cursor"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [edge["node"] for edge in whole["edges"]]
    assert len(set(cursors)) == len(seen) == whole["totalCount"] == 31


async def test_kinds_filter(client):
    items = await _all(client, kinds=["STATEMENT", "INCIDENT"])
    assert [item["kind"] for item in items] == ["INCIDENT"] + ["STATEMENT"] * 4
    only_votes = await _timeline(client, kinds=["VOTE"])
    assert only_votes["totalCount"] == 1
    assert only_votes["edges"][0]["node"]["vote"] == {"voteId": "h60-117.2021"}
    body = await graphql(client, TIMELINE, {"kinds": []})
    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "source",
    [
        "statements(first: 1) { edges { cursor } }",
        'legislator(bioguideId: "P000617") {'
        ' record(topic: "qualified-immunity-ice", first: 1) { edges { cursor } } }',
    ],
)
async def test_a_cursor_of_another_kind_is_refused(client, source):
    body = await graphql(client, "{ " + source + " }")
    assert "errors" not in body, body
    data = body["data"]
    edges = data["statements"] if "statements" in data else data["legislator"]["record"]
    body = await graphql(client, TIMELINE, {"after": edges["edges"][0]["cursor"]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"]["topic"] is None


TOPICS_TIMELINES = """query($n: Int) { topics(first: 10) { nodes { timeline(first: $n) {
  totalCount nodes { kind date { text } action { text } bill { billId } vote { voteId }
    statement { quote } incident { kind } } } } } }"""


async def test_statement_count_does_not_grow_with_page_size(client):
    counts = {}
    # The first 28 items reach every kind (the vote is the 24th, the incident the 27th and
    # Stephen Miller's statement the 28th), so each kind's lookup runs at both sizes.
    for size in (28, 100):
        async with log_statements() as log:
            body = await graphql(client, TOPICS_TIMELINES, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # topics page; timeline pages and counts; actions, bills, votes, statements, incidents.
    assert counts == {28: 8, 100: 8}


BOTH = """{ legislator(bioguideId: "P000617") {
    record(topic: "qualified-immunity-ice") { nodes { kind date { text } bill { billId } } } }
  topic(slug: "qualified-immunity-ice") {
    name timeline(first: 5) { edges { cursor node { kind date { text precision } } } } } }"""


async def test_both_paths_give_the_same_answer(client, monkeypatch):
    # Both lists' items are declared entities (docs/compiled.md): the compiled path answers
    # the document, alike in every setting.
    answers = {}
    for path in ("on", "off", "verify"):
        monkeypatch.setenv("REDRESS_COMPILED", path)
        body = await graphql(client, BOTH)
        assert "errors" not in body, body
        answers[path] = body["data"]
    assert answers["on"] == answers["off"] == answers["verify"]
    assert answers["on"]["legislator"]["record"]["nodes"][0]["bill"] == {"billId": "hr1470-117"}


@pytest.fixture
def paths():
    """The paths (compiled, resolver) taken by the queries executed in a test."""
    from schema import compiled

    taken: list[str] = []
    compiled.PATH_LISTENERS.append(taken.append)
    yield taken
    compiled.PATH_LISTENERS.remove(taken.append)


async def test_the_timeline_is_one_statement_on_the_compiled_path(client, monkeypatch, paths):
    # TimelineItem and BillAction are declared entities (docs/compiled.md): the whole
    # document, every kind's part included, is one statement, with the resolvers' answer.
    cursor = (await _timeline(client, first=3))["pageInfo"]["endCursor"]
    for variables in (
        {"first": 100},
        {"first": 5, "after": cursor},
        {"kinds": ["STATEMENT", "INCIDENT", "STATEMENT"]},
        {"kinds": ["VOTE", "BILL_ACTION"], "first": 2},
    ):
        monkeypatch.setenv("REDRESS_COMPILED", "on")
        paths.clear()
        async with log_statements() as log:
            fast = await graphql(client, TIMELINE, variables)
        assert "errors" not in fast, fast
        assert paths == ["compiled"] and log.count == 1, variables
        monkeypatch.setenv("REDRESS_COMPILED", "off")
        slow = await graphql(client, TIMELINE, variables)
        assert json.dumps(fast) == json.dumps(slow)  # the same keys in the same order
    # An empty `kinds` is refused by the resolver path, as always.
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    paths.clear()
    body = await graphql(client, TIMELINE, {"kinds": []})
    assert error_codes(body) == ["BAD_USER_INPUT"] and paths == ["resolver"]
