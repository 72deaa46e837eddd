"""Said versus did (docs/record-and-timeline.md): `Legislator.record(topic:)` on the shipped
demo topic, and, on clearly synthetic rows, withdrawn cosponsorships and stance tags written
in the curated format."""

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import yaml

from api.app import create_app
from api.settings import ROOT, load_settings
from db.importers.errors import ImportFailure
from db.load import import_paths
from db.pool import connect, log_statements
from tests.conftest import error_codes, graphql

PRESSLEY = "P000617"  # data/legislators/legislators-current.yaml: Ayanna Pressley
TOPIC = "qualified-immunity-ice"

RECORD = """query($who: String!, $topic: String!, $first: Int, $after: String) {
  legislator(bioguideId: $who) { record(topic: $topic, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node {
      kind date { text precision }
      bill { billId } vote { voteId } position { position option }
      cosponsorship { sponsoredOn withdrawnOn }
      statement { quote said { text precision } }
      sources { nodes { url title } }
      provenance { file sourceUrl }
      stances { stance statement { quote } bill { billId } vote { voteId } } } } } } }"""


async def _record(client, who: str, topic: str = TOPIC, first: int = 100, after=None):
    body = await graphql(
        client, RECORD, {"who": who, "topic": topic, "first": first, "after": after}
    )
    assert "errors" not in body, body
    return body["data"]["legislator"]["record"]


async def test_pressley_sponsored_hr1470_and_voted_yea_on_h60(client):
    record = await _record(client, PRESSLEY)
    items = [edge["node"] for edge in record["edges"]]
    assert record["totalCount"] == len(items) == 2
    sponsorship, vote = items
    assert sponsorship["kind"] == "SPONSORSHIP"
    assert sponsorship["bill"] == {"billId": "hr1470-117"}
    assert sponsorship["date"] == {"text": "2021-03-01", "precision": "DAY"}
    assert sponsorship["provenance"]["file"] == "bills/billstatus/BILLSTATUS-117hr1470.xml"
    assert sponsorship["sources"] is None and sponsorship["position"] is None
    # data/votes/uscongress/117/votes/2021/h60/data.json: "P000617" under "Yea"; the roll
    # call was taken on 2021-03-03 in Washington (02:27 UTC on the 4th).
    assert vote["kind"] == "VOTE_POSITION"
    assert vote["vote"] == {"voteId": "h60-117.2021"}
    assert vote["bill"] == {"billId": "hr1280-117"}
    assert vote["position"] == {"position": "YEA", "option": "Yea"}
    assert vote["date"] == {"text": "2021-03-03", "precision": "DAY"}
    assert vote["provenance"]["sourceUrl"] == "https://clerk.house.gov/evs/2021/roll060.xml"
    assert vote["stances"] == []  # no shipped statement is tagged: nothing is inferred


async def test_statements_on_the_topic_are_in_the_record_with_their_sources(client):
    # Sen. Markey (M000133) sponsored S. 492 and is quoted, undated, in the curated file.
    items = [edge["node"] for edge in (await _record(client, "M000133"))["edges"]]
    assert [item["kind"] for item in items] == ["SPONSORSHIP", "STATEMENT"]
    said = items[1]
    assert said["statement"]["quote"] == "We have the power to end this."
    assert said["date"] == {"text": None, "precision": "UNKNOWN"}  # unknown dates last
    assert [s["title"] for s in said["sources"]["nodes"]] == [
        "How Democrats Can End Qualified Immunity for ICE Agents"
    ]
    assert said["provenance"]["file"] == "curated/qualified-immunity-ice.yaml"


async def test_paging_with_after_has_no_gaps_or_duplicates(client):
    whole = await _record(client, "B001270")  # Karen Bass: sponsor of H.R. 1280, and h60
    seen, after = [], None
    while True:
        page = await _record(client, "B001270", first=1, after=after)
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [edge["node"] for edge in whole["edges"]]
    assert len(seen) == whole["totalCount"] >= 2


async def test_unknown_topic_is_empty_and_a_malformed_slug_or_foreign_cursor_is_refused(client):
    assert (await _record(client, PRESSLEY, topic="no-such-topic"))["totalCount"] == 0
    body = await graphql(client, RECORD, {"who": PRESSLEY, "topic": "Not a slug!"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    timeline = await graphql(
        client,
        '{ topic(slug: "qualified-immunity-ice") { timeline(first: 1) { edges { cursor } } } }',
    )
    cursor = timeline["data"]["topic"]["timeline"]["edges"][0]["cursor"]
    body = await graphql(client, RECORD, {"who": PRESSLEY, "topic": TOPIC, "after": cursor})
    assert error_codes(body) == ["BAD_USER_INPUT"]


RECORDS_OF_MA = """query($n: Int) { legislators(filter: {state: "MA", current: true}, first: 20) {
  nodes { record(topic: "qualified-immunity-ice", first: $n) {
    totalCount nodes { kind date { text } bill { billId } vote { voteId }
      position { position } statement { quote } stances { stance } provenance { file } } } } } }"""


async def test_statement_count_does_not_grow_with_page_size(client):
    counts = {}
    # Two items a member already show every kind these members have (sponsorship, vote
    # position, statement), so each kind's lookup runs at both sizes.
    for size in (2, 100):
        async with log_statements() as log:
            body = await graphql(client, RECORDS_OF_MA, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # legislators page; record pages and counts (one each for all members); bills, votes,
    # positions, statements, stance tags by key: one each.
    assert counts == {2: 8, 100: 8}


# Synthetic rows only: a made-up member (bioguide Z990001), bill (H.R. 99001 of the 117th
# Congress, far above any real number) and roll call, and a test-only curated file.
SYNTHETIC_SQL = """
INSERT INTO legislators (bioguide_id, first_name, last_name, official_full_name)
VALUES ('Z990001', 'Synthetic', 'Member', '[SYNTHETIC] Test Member');
INSERT INTO bills (congress, bill_type, number, official_title, introduced_date)
VALUES (117, 'hr', 99001, '[SYNTHETIC] A test bill', '2021-05-01');
INSERT INTO bill_cosponsors (bill_id, legislator_id, bioguide_id, sponsored_on, withdrawn_on)
SELECT b.id, l.id, l.bioguide_id, '2021-05-03', '2021-06-01'
FROM bills b, legislators l WHERE b.bill_id = 'hr99001-117' AND l.bioguide_id = 'Z990001';
INSERT INTO votes (vote_id, chamber, congress, session, number, voted_at, question, bill_id,
                   bill_key)
SELECT 'h9901-117.2021', 'house', 117, '2021', 9901, '2021-06-10 16:00+00',
       '[SYNTHETIC] On Passage', b.id, b.bill_id FROM bills b WHERE b.bill_id = 'hr99001-117';
INSERT INTO vote_positions (vote_id, legislator_id, member_id, position, party, state)
SELECT v.id, l.id, l.bioguide_id, 'nay', 'X', 'XX'
FROM votes v, legislators l WHERE v.vote_id = 'h9901-117.2021' AND l.bioguide_id = 'Z990001';
"""
SOURCE = "https://example.invalid/synthetic-record-test"


def curated(statements: list[dict]) -> dict:
    """A test-only curated file: a synthetic topic and the member's synthetic statements."""
    return {
        "format": "redress-curated/1",
        "about": "Synthetic records for tests only.",
        "topics": [
            {"slug": "synthetic-record-test", "name": "[SYNTHETIC]", "bills": ["hr99001-117"]}
        ],
        "sources": [{"url": SOURCE, "title": "[SYNTHETIC] source"}],
        "statements": statements,
    }


STATEMENTS = [
    {
        "key": "synthetic:for",
        "speaker": {"legislator": "Z990001"},
        "said_on": "2021-05",
        "quote": "[SYNTHETIC] A statement tagged as supporting the bill.",
        "sources": [SOURCE],
        "bills": [{"bill": "hr99001-117", "stance": "supports"}],
        "topics": ["synthetic-record-test"],
    },
    {
        "key": "synthetic:against-vote",
        "speaker": {"legislator": "Z990001"},
        "said_on": "2021-06-11",
        "quote": "[SYNTHETIC] A statement tagged as opposing the roll call.",
        "sources": [SOURCE],
        "votes": [{"vote": "h9901-117.2021", "stance": "opposes"}],
        "topics": ["synthetic-record-test"],
    },
    {
        "key": "synthetic:untagged",
        "speaker": {"legislator": "Z990001"},
        "quote": "[SYNTHETIC] A statement linked to the bill without a tag.",
        "sources": [SOURCE],
        "bills": ["hr99001-117"],
        "topics": ["synthetic-record-test"],
    },
]


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "synthetic.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
async def synthetic(fresh_url, tmp_path) -> AsyncIterator[tuple[str, httpx.AsyncClient, Path]]:
    conn = await asyncpg.connect(fresh_url)
    try:
        await conn.execute(SYNTHETIC_SQL)
    finally:
        await conn.close()
    path = _write(tmp_path, curated(STATEMENTS))
    await import_paths(fresh_url, [path], data_dir=tmp_path)
    db = await connect(fresh_url, max_size=2)
    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=0, response_cache_mb=0)
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield fresh_url, http, tmp_path
    await db.close()


async def test_withdrawn_cosponsorship_and_tagged_stances_beside_the_position(synthetic):
    _, client, _ = synthetic
    record = await _record(client, "Z990001", topic="synthetic-record-test")
    items = [edge["node"] for edge in record["edges"]]
    assert [(i["kind"], i["date"]["text"]) for i in items] == [
        ("COSPONSORSHIP", "2021-05-03"),
        ("STATEMENT", "2021-05"),  # the month sorts after its days
        ("VOTE_POSITION", "2021-06-10"),
        ("STATEMENT", "2021-06-11"),
        ("STATEMENT", None),
    ]
    cosponsorship = items[0]
    assert cosponsorship["cosponsorship"] == {
        "sponsoredOn": "2021-05-03",
        "withdrawnOn": "2021-06-01",
    }
    position = items[2]
    assert position["position"] == {"position": "NAY", "option": "Nay"}
    # Both tags are shown, as tagged; the untagged statement gives none.
    assert position["stances"] == [
        {
            "stance": "SUPPORTS",
            "statement": {"quote": STATEMENTS[0]["quote"]},
            "bill": {"billId": "hr99001-117"},
            "vote": None,
        },
        {
            "stance": "OPPOSES",
            "statement": {"quote": STATEMENTS[1]["quote"]},
            "bill": None,
            "vote": {"voteId": "h9901-117.2021"},
        },
    ]
    body = await graphql(
        client,
        """{ statements(filter: {speaker: "Z990001"}, orderBy: OLDEST) {
             nodes { quote stances { stance bill { billId } vote { voteId } } } } }""",
    )
    assert [s["stances"] for s in body["data"]["statements"]["nodes"]] == [
        [{"stance": "SUPPORTS", "bill": {"billId": "hr99001-117"}, "vote": None}],
        [{"stance": "OPPOSES", "bill": None, "vote": {"voteId": "h9901-117.2021"}}],
        [],
    ]


async def test_stances_follow_the_records_order_a_year_after_its_months(synthetic):
    url, client, _ = synthetic
    conn = await asyncpg.connect(url)
    try:
        # The opposing statement now dated only "2021": it sorts as the whole year, after
        # the supporting one of May 2021, never as 1 January.
        await conn.execute(
            "UPDATE statements SET said_on = '2021-01-01', said_on_precision = 'year'"
            " WHERE external_key = 'synthetic:against-vote'"
        )
    finally:
        await conn.close()
    record = await _record(client, "Z990001", topic="synthetic-record-test")
    position = next(e["node"] for e in record["edges"] if e["node"]["kind"] == "VOTE_POSITION")
    assert [s["stance"] for s in position["stances"]] == ["SUPPORTS", "OPPOSES"]


async def test_reimport_changes_and_removes_a_tag(synthetic):
    url, client, tmp_path = synthetic
    changed = [dict(s) for s in STATEMENTS]
    changed[0]["bills"] = [{"bill": "hr99001-117", "stance": "opposes"}]
    changed[1]["votes"] = ["h9901-117.2021"]
    await import_paths(url, [_write(tmp_path, curated(changed))], data_dir=tmp_path)
    record = await _record(client, "Z990001", topic="synthetic-record-test")
    position = next(e["node"] for e in record["edges"] if e["node"]["kind"] == "VOTE_POSITION")
    assert [(t["stance"], t["bill"]) for t in position["stances"]] == [
        ("OPPOSES", {"billId": "hr99001-117"})
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"bill": "hr99001-117", "stance": "maybe"}, "unknown stance 'maybe'"),
        ({"bill": "hr99001-117", "stance": "supports", "weight": 2}, "is an id or {bill:"),
        ({"stance": "supports"}, "is an id or {bill:"),
    ],
)
async def test_a_bad_stance_is_refused_naming_file_and_record(synthetic, entry, problem):
    url, _, tmp_path = synthetic
    bad = [dict(STATEMENTS[0], bills=[entry])]
    path = _write(tmp_path, curated(bad))
    with pytest.raises(ImportFailure) as failure:
        await import_paths(url, [path], data_dir=tmp_path)
    message = str(failure.value)
    assert "synthetic.yaml" in message and "statements[0] (synthetic:for)" in message
    assert problem in message


async def test_the_database_refuses_a_stance_outside_the_two(synthetic):
    url, _, _ = synthetic
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE statement_bills SET stance = 'neutral'")
    finally:
        await conn.close()


async def test_the_documented_example_gives_the_documented_answer(client):
    text = (ROOT / "docs" / "record-and-timeline.md").read_text()
    example = text.split("## Example", 1)[1]
    query = example.split("```graphql\n", 1)[1].split("```", 1)[0]
    answer = json.loads(example.split("```json\n", 1)[1].split("```", 1)[0])
    body = await graphql(client, query)
    assert body.get("errors") is None, body
    assert body["data"] == answer


# What the compiled path covers of a record (docs/compiled.md): everything but `sources`,
# `provenance` and `stances`, which leave the document to the resolver path.
COMPILED_RECORD = """query($who: String!, $topic: String!, $first: Int, $after: String) {
  legislator(bioguideId: $who) { record(topic: $topic, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node {
      kind date { text precision year month day }
      bill { billId } vote { voteId } position { position option state }
      cosponsorship { sponsoredOn withdrawnOn isOriginal }
      statement { quote said { text precision } } } } } } }"""


async def _one_compiled_statement(client, monkeypatch, query: str, variables: dict) -> dict:
    """The answer on the compiled path, checked to be one statement and the resolvers' answer."""
    from schema import compiled

    taken: list[str] = []
    compiled.PATH_LISTENERS.append(taken.append)
    try:
        monkeypatch.setenv("REDRESS_COMPILED", "on")
        async with log_statements() as log:
            fast = await graphql(client, query, variables)
        assert taken == ["compiled"] and log.count == 1, (taken, log.statements)
    finally:
        compiled.PATH_LISTENERS.remove(taken.append)
    monkeypatch.setenv("REDRESS_COMPILED", "off")
    slow = await graphql(client, query, variables)
    monkeypatch.setenv("REDRESS_COMPILED", "verify")
    assert json.dumps(fast) == json.dumps(slow)  # the same keys in the same order
    assert "errors" not in fast, fast
    return fast


async def test_the_record_is_one_statement_on_the_compiled_path(client, monkeypatch):
    first = await _one_compiled_statement(
        client, monkeypatch, COMPILED_RECORD, {"who": PRESSLEY, "topic": TOPIC, "first": 2}
    )
    cursor = first["data"]["legislator"]["record"]["pageInfo"]["endCursor"]
    for variables in (
        {"who": PRESSLEY, "topic": " Qualified-Immunity-ICE ", "first": 100},
        {"who": PRESSLEY, "topic": TOPIC, "first": 3, "after": cursor},
        {"who": PRESSLEY, "topic": "no-such-topic"},
    ):
        await _one_compiled_statement(client, monkeypatch, COMPILED_RECORD, variables)
    # A malformed slug is refused by the resolver path, as always.
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    body = await graphql(client, COMPILED_RECORD, {"who": PRESSLEY, "topic": "not a slug!"})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_withdrawn_cosponsorship_is_the_same_on_the_compiled_path(synthetic, monkeypatch):
    _, client, _ = synthetic
    variables = {"who": "Z990001", "topic": "synthetic-record-test"}
    body = await _one_compiled_statement(client, monkeypatch, COMPILED_RECORD, variables)
    nodes = [edge["node"] for edge in body["data"]["legislator"]["record"]["edges"]]
    assert nodes[0]["cosponsorship"]["withdrawnOn"] == "2021-06-01"
    assert nodes[2]["position"]["position"] == "NAY"
