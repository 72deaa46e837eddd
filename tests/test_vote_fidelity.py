"""Roll calls imported as published: option labels, elections, the Vice President, placeholders,
what a vote was on, header totals and unread keys (docs/votes.md).

Every file is a real unitedstates/congress data.json or data.xml (tests/fixtures/README.md,
data/README.md). Expected values are counted from the files or quoted from them.
"""

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import ROOT, load_settings
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.load import load_files
from db.pool import connect, log_statements
from tests.conftest import graphql

FIXTURES = ROOT / "tests" / "fixtures" / "votes"
VOTES = ROOT / "data" / "votes" / "uscongress" / "119" / "votes" / "2025"
SPEAKER_JSON = VOTES / "h2" / "data.json"
SPEAKER_XML = FIXTURES / "h2-119.2025.data.xml"
SPEAKER_TRIMMED = FIXTURES / "h2-119.2025.trimmed.data.json"
SHARED = ROOT / ".." / "shared"
CASES = SHARED / "cases"
CORPUS = SHARED / "data" / "votes" / "uscongress-119" / "119" / "votes"
LEGISLATORS = ROOT / "data" / "legislators" / "legislators-current.yaml"
# Both forms of one roll call: the VP tie-break, the Speaker election, a House amendment vote
# listing delegates as `XX`, a Senate amendment, an impeachment trial (Guilty / Not Guilty),
# and a Senate amendment to a treaty.
PAIRS = {
    "s372-119.2025": (FIXTURES / "s372-119.2025.data.json", FIXTURES / "s372-119.2025.data.xml"),
    "h2-119.2025": (SPEAKER_JSON, SPEAKER_XML),
    "h27-119.2026": (FIXTURES / "h27-119.2026.data.json", FIXTURES / "h27-119.2026.data.xml"),
    "s3-119.2025": (VOTES / "s3" / "data.json", FIXTURES / "s3-119.2025.data.xml"),
    "s34-116.2020": (FIXTURES / "s34-116.2020.data.json", FIXTURES / "s34-116.2020.data.xml"),
    "s207-116.2019": (FIXTURES / "s207-116.2019.data.json", FIXTURES / "s207-116.2019.data.xml"),
}
# Delegates and the resident commissioner listed with state `XX` in h27-119.2026, and the
# state of their term covering 2026-01-14 in legislators-current.yaml.
DELEGATES = {
    "H001103": "PR",
    "K000404": "MP",
    "M001219": "GU",
    "N000147": "DC",
    "P000610": "VI",
    "R000600": "AS",
}
VOTE_ROW = (
    "vote_id, chamber, congress, session, number, voted_at, question, vote_type, category,"
    " result, requires, result_text, subject, bill_key, amendment_type, amendment_number,"
    " amendment_purpose, amendment_author, nomination_number, nomination_title, treaty_title,"
    " treaty_congress, treaty_number, source_url, target"
)
POSITION_ROW = "p.member_id, p.option, p.position, p.party, p.state"


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def snapshot(url: str, vote_id: str) -> tuple[list, list]:
    """The vote's row and its positions, as stored (with `updated_at`)."""
    vote = await fetch(url, f"SELECT {VOTE_ROW}, updated_at FROM votes WHERE vote_id = $1", vote_id)
    positions = await fetch(
        url,
        f"SELECT {POSITION_ROW}, p.updated_at FROM vote_positions p"
        " JOIN votes v ON v.id = p.vote_id WHERE v.vote_id = $1 ORDER BY p.member_id",
        vote_id,
    )
    return [tuple(r) for r in vote], [tuple(r) for r in positions]


def without_times(snap: tuple[list, list]) -> tuple[list, list]:
    return [r[:-1] for r in snap[0]], [r[:-1] for r in snap[1]]


def unchanged(summary, positions: int) -> bool:
    votes, rows = summary["votes"], summary["vote_positions"]
    return (votes.inserted, votes.updated, votes.unchanged) == (0, 0, 1) and (
        rows.inserted,
        rows.updated,
        rows.unchanged,
        rows.removed,
    ) == (0, 0, positions, 0)


@asynccontextmanager
async def client_on(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the API over the database at `url`."""
    settings = dataclasses.replace(
        load_settings(), rate_limit_anonymous=0, rate_limit_key=0, response_cache_mb=0
    )
    db = await connect(url, max_size=2)
    try:
        app = create_app(settings, database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    finally:
        await db.close()


async def answer(http: httpx.AsyncClient, query: str, variables: dict | None = None) -> dict:
    body = await graphql(http, query, variables)
    assert "errors" not in body, body
    return body["data"]


# The Speaker election ---------------------------------------------------------------------

SPEAKER = """{ vote(voteId: "h2-119.2025") {
  result resultText target category totals { yea nay present notVoting }
  optionTotals { option position count }
  positions(first: 100, filter: {option: "Emmer"}) {
    totalCount nodes { memberId option position candidate legislator { bioguideId } } }
  all: positions { totalCount }
  jeffries: positions(filter: {position: CANDIDATE, option: "Jeffries"}) { totalCount }
} }"""


async def test_speaker_election_is_served_as_published(client):
    vote = (await answer(client, SPEAKER))["vote"]
    assert vote["result"] == vote["resultText"] == "Johnson (LA)"
    assert (vote["target"], vote["category"]) == ("ELECTION", "leadership")
    assert vote["optionTotals"] == [
        {"option": "Johnson (LA)", "position": "CANDIDATE", "count": 218},
        {"option": "Jeffries", "position": "CANDIDATE", "count": 215},
        {"option": "Emmer", "position": "CANDIDATE", "count": 1},
    ]
    assert vote["all"]["totalCount"] == 434
    assert vote["jeffries"]["totalCount"] == 215
    assert vote["positions"] == {
        "totalCount": 1,
        "nodes": [
            {
                "memberId": "M001184",
                "option": "Emmer",
                "position": "CANDIDATE",
                "candidate": "Emmer",
                "legislator": {"bioguideId": "M001184"},
            }
        ],
    }
    # No candidate is a yea or a nay.
    assert vote["totals"] == {"yea": 0, "nay": 0, "present": 0, "notVoting": 0}


@pytest.mark.parametrize("path", [SPEAKER_JSON, SPEAKER_XML], ids=["json", "xml"])
async def test_speaker_election_each_position_keeps_its_candidate(empty_url, path):
    summary = await load_files(empty_url, [path])
    assert summary["vote_positions"].inserted == 434
    rows = await fetch(empty_url, "SELECT member_id, option, position FROM vote_positions")
    assert Counter(r["option"] for r in rows) == {"Johnson (LA)": 218, "Jeffries": 215, "Emmer": 1}
    assert {r["position"] for r in rows} == {"candidate"}
    data = json.loads(SPEAKER_JSON.read_text())
    published = {m["id"]: option for option, group in data["votes"].items() for m in group}
    assert {r["member_id"]: r["option"] for r in rows} == published
    vote = await fetch(empty_url, "SELECT result, target FROM votes")
    assert tuple(vote[0]) == ("Johnson (LA)", "election")


@pytest.mark.skipif(not CASES.exists(), reason="../shared is not present")
async def test_speaker_election_trimmed_case_file(empty_url):
    case = CASES / "speaker-election-vote" / "h2-119.2025.trimmed.data.json"
    summary = await load_files(empty_url, [case])
    assert summary["votes"].inserted == 1
    rows = await fetch(
        empty_url, "SELECT member_id, option, position FROM vote_positions ORDER BY member_id"
    )
    assert [tuple(r) for r in rows] == [
        ("A000055", "Johnson (LA)", "candidate"),
        ("A000370", "Jeffries", "candidate"),
        ("A000371", "Jeffries", "candidate"),
        ("A000379", "Johnson (LA)", "candidate"),
        ("M001184", "Emmer", "candidate"),
    ]


async def test_speaker_trimmed_fixture_equals_the_case_file():
    case = CASES / "speaker-election-vote" / "h2-119.2025.trimmed.data.json"
    if not case.exists():
        pytest.skip("../shared is not present")
    assert SPEAKER_TRIMMED.read_bytes() == case.read_bytes()


# One fact, one row ------------------------------------------------------------------------


@pytest.mark.parametrize("vote_id", PAIRS)
async def test_json_then_xml_changes_nothing(empty_url, vote_id):
    json_path, xml_path = PAIRS[vote_id]
    first = await load_files(empty_url, [json_path])
    count = first["vote_positions"].inserted
    before = await snapshot(empty_url, vote_id)
    assert unchanged(await load_files(empty_url, [xml_path]), count)
    assert await snapshot(empty_url, vote_id) == before
    assert not await fetch(empty_url, "SELECT 1 FROM vote_positions WHERE member_id = '0'")


@pytest.mark.parametrize("vote_id", PAIRS)
async def test_xml_then_json_then_xml_settles(empty_url, vote_id):
    json_path, xml_path = PAIRS[vote_id]
    await load_files(empty_url, [json_path, xml_path])
    from_json_first = without_times(await snapshot(empty_url, vote_id))
    await fetch(empty_url, "DELETE FROM votes")

    summary = await load_files(empty_url, [xml_path])
    count = summary["vote_positions"].inserted
    await load_files(empty_url, [json_path])  # adds what the XML lacks
    settled = await snapshot(empty_url, vote_id)
    assert unchanged(await load_files(empty_url, [xml_path]), count)
    assert unchanged(await load_files(empty_url, [json_path]), count)
    assert await snapshot(empty_url, vote_id) == settled
    assert without_times(settled) == from_json_first


async def test_vice_president_is_member_vp_in_both_forms(empty_url):
    json_path, xml_path = PAIRS["s372-119.2025"]
    for path in (xml_path, json_path):
        await fetch(empty_url, "DELETE FROM votes")
        await load_files(empty_url, [path])
        rows = await fetch(
            empty_url,
            "SELECT member_id, option, position, party, state, legislator_id FROM vote_positions"
            " WHERE member_id IN ('VP', '0')",
        )
        assert [tuple(r) for r in rows] == [("VP", "Yea", "yea", None, None, None)]
    vote = await fetch(empty_url, "SELECT result, result_text FROM votes")
    assert tuple(vote[0]) == (
        "Bill Passed",
        "Bill Passed (50-50, Vice President of the United States, voted Yea)",
    )
    totals = await fetch(
        empty_url, "SELECT position, count(*) FROM vote_positions GROUP BY 1 ORDER BY 1"
    )
    assert [tuple(r) for r in totals] == [("nay", 50), ("yea", 51)]


@pytest.mark.skipif(not CASES.exists(), reason="../shared is not present")
async def test_vp_case_files_settle_in_either_order(empty_url):
    case = CASES / "vp-tiebreak-xml-vs-json"
    json_path, xml_path = case / "s372-119.2025.data.json", case / "s372-119.2025.data.xml"
    await load_files(empty_url, [json_path, xml_path])
    for path in (json_path, xml_path, json_path):
        assert unchanged(await load_files(empty_url, [path]), 101)
    await fetch(empty_url, "DELETE FROM votes")
    await load_files(empty_url, [xml_path, json_path])
    for path in (xml_path, json_path, xml_path):
        assert unchanged(await load_files(empty_url, [path]), 101)


# Placeholders -----------------------------------------------------------------------------

DELEGATE_QUERY = """{ vote(voteId: "h27-119.2026") {
  optionTotals { option position count }
  positions(first: 100, filter: {state: "DC"}) { nodes { memberId state option } }
  delegates: positions(first: 100) { nodes { memberId state party } }
} }"""


async def test_delegate_placeholder_state_is_unknown_and_served_from_the_term(fresh_url):
    await load_files(fresh_url, [PAIRS["h27-119.2026"][0]])
    stored = await fetch(
        fresh_url,
        "SELECT p.member_id, p.state FROM vote_positions p JOIN votes v ON v.id = p.vote_id"
        " WHERE v.vote_id = 'h27-119.2026' AND p.state IS NULL ORDER BY 1",
    )
    assert [tuple(r) for r in stored] == [(m, None) for m in sorted(DELEGATES)]
    assert not await fetch(fresh_url, "SELECT 1 FROM vote_positions WHERE state = 'XX'")
    async with client_on(fresh_url) as http:
        vote = (await answer(http, DELEGATE_QUERY))["vote"]
    assert vote["optionTotals"] == [
        {"option": "No", "position": "NAY", "count": 291},
        {"option": "Aye", "position": "YEA", "count": 127},
        {"option": "Not Voting", "position": "NOT_VOTING", "count": 18},
    ]
    assert vote["positions"]["nodes"] == [{"memberId": "N000147", "state": "DC", "option": "No"}]
    served = {n["memberId"]: n["state"] for n in vote["delegates"]["nodes"]}
    assert {m: served[m] for m in DELEGATES if m in served} == {
        m: s for m, s in DELEGATES.items() if m in served
    }


async def test_every_delegate_state_comes_from_the_term(fresh_url):
    await load_files(fresh_url, [PAIRS["h27-119.2026"][0]])
    query = """query($state: String) { vote(voteId: "h27-119.2026") {
      positions(first: 100, filter: {state: $state}) { nodes { memberId state } } } }"""
    async with client_on(fresh_url) as http:
        for member, state in DELEGATES.items():
            nodes = (await answer(http, query, {"state": state}))["vote"]["positions"]["nodes"]
            assert nodes == [{"memberId": member, "state": state}]


# What a vote was on -----------------------------------------------------------------------

WHAT = """query($id: String!) { vote(voteId: $id) {
  target subject resultText billId
  amendment { number type purpose author billId bill { billId } treaty { title congress number } }
  treaty { title congress number }
  nomination { number }
} }"""


async def test_senate_amendment_vote(client):
    vote = (await answer(client, WHAT, {"id": "s3-119.2025"}))["vote"]
    assert vote == {
        "target": "AMENDMENT",
        "subject": "Cornyn Amdt. No. 14",
        "resultText": "Amendment Agreed to (70-25)",
        "billId": "s5-119",
        "amendment": {
            "number": 14,
            "type": "s",
            "purpose": "To expand the list of criminal offenses that subject inadmissible"
            " aliens to mandatory detention.",
            "author": None,
            "billId": "s5-119",
            "bill": None,  # S. 5 is not among the shipped bills
            "treaty": None,
        },
        "treaty": None,
        "nomination": None,
    }


async def test_house_amendment_vote_and_its_bill(fresh_url):
    await load_files(fresh_url, [PAIRS["h27-119.2026"][0]])
    async with client_on(fresh_url) as http:
        vote = (await answer(http, WHAT, {"id": "h27-119.2026"}))["vote"]
    assert vote["target"] == "AMENDMENT"
    assert vote["amendment"] == {
        "number": 2,
        "type": "h-bill",
        "purpose": None,
        "author": "Crane of Arizona Amendment No. 2",
        "billId": "hr7006-119",
        "bill": None,
        "treaty": None,
    }


async def test_treaty_votes(empty_url):
    await load_files(
        empty_url, [FIXTURES / "s343-117.2022.data.json", FIXTURES / "s207-116.2019.data.json"]
    )
    async with client_on(empty_url) as http:
        ratification = (await answer(http, WHAT, {"id": "s343-117.2022"}))["vote"]
        amendment = (await answer(http, WHAT, {"id": "s207-116.2019"}))["vote"]
    assert ratification["target"] == "TREATY"
    assert ratification["treaty"]["title"].startswith(
        "Amendment to the Montreal Protocol on Substances that Deplete the Ozone Layer"
    )
    assert ratification["amendment"] is None
    assert amendment["target"] == "AMENDMENT"
    assert amendment["amendment"]["number"] == 924
    assert amendment["amendment"]["treaty"] == {"title": None, "congress": 116, "number": "4"}


async def test_target_filter_and_bill_votes_carry_target(client):
    data = await answer(
        client,
        """{ amendments: votes(filter: {target: AMENDMENT}) { nodes { voteId } }
             elections: votes(filter: {target: ELECTION}) { nodes { voteId } }
             nominations: votes(filter: {target: NOMINATION, chamber: SENATE}) {
               nodes { voteId } }
             bill(billId: "hr1280-117") { votes { nodes { voteId target } } } }""",
    )
    assert [n["voteId"] for n in data["amendments"]["nodes"]] == ["s3-119.2025"]
    assert [n["voteId"] for n in data["elections"]["nodes"]] == ["h2-119.2025"]
    assert "s17-119.2025" in [n["voteId"] for n in data["nominations"]["nodes"]]
    assert {"voteId": "h60-117.2021", "target": "BILL"} in data["bill"]["votes"]["nodes"]


async def test_impeachment_trial_guilty_and_not_guilty(empty_url):
    json_path, xml_path = PAIRS["s34-116.2020"]
    summary = await load_files(empty_url, [xml_path])
    assert summary.warnings[str(xml_path)] == [
        "vote s34-116.2020: the header totals (aye, nay, nv, present) count only Yea/Aye,"
        " Nay/No, Not Voting and Present; 100 voters chose other options (Guilty 47,"
        " Not Guilty 53)"
    ]
    await load_files(empty_url, [json_path])
    async with client_on(empty_url) as http:
        vote = (
            await answer(
                http,
                """{ vote(voteId: "s34-116.2020") { result resultText target
                     optionTotals { option position count } totals { yea nay } } }""",
            )
        )["vote"]
    assert vote == {
        "result": "Not Guilty",
        "resultText": "Not Guilty (47-53, 2/3 majority required)",
        "target": "BILL",
        "optionTotals": [
            {"option": "Not Guilty", "position": "NAY", "count": 53},
            {"option": "Guilty", "position": "YEA", "count": 47},
        ],
        "totals": {"yea": 47, "nay": 53},
    }


# Header totals, unread keys, unknown labels ----------------------------------------------


async def test_header_totals_refused_when_all_options_are_standard(empty_url, tmp_path):
    root = ET.parse(PAIRS["s372-119.2025"][1]).getroot()
    voter = next(v for v in root.findall("voter") if v.get("id") == "S429")
    voter.set("vote", "-")
    voter.set("value", "Nay")
    copy = tmp_path / "data.xml"
    ET.ElementTree(root).write(copy, encoding="utf-8")
    with pytest.raises(ImportFailure) as failure:
        await load_files(empty_url, [copy])
    assert failure.value.path == str(copy)
    assert "vote s372-119.2025" in str(failure.value)
    assert "aye=51 but 50 voters are listed as Yea or Aye" in str(failure.value)
    assert (await fetch(empty_url, "SELECT count(*) FROM votes"))[0][0] == 0


async def test_speaker_header_is_a_warning(empty_url):
    summary = await load_files(empty_url, [SPEAKER_XML])
    (warning,) = summary.warnings[str(SPEAKER_XML)]
    assert "434 voters chose other options (Emmer 1, Jeffries 215, Johnson (LA) 218)" in warning


async def test_unread_keys_are_reported(empty_url, tmp_path):
    json_path, xml_path = PAIRS["s372-119.2025"]
    summary = await load_files(empty_url, [json_path, xml_path])
    # `updated_at` and the members' names are read on purpose (READ_NOT_STORED).
    assert summary.unread[str(json_path)] == {"bill.title": 1, "record_modified": 1}
    assert source_file(xml_path) not in summary.unread

    root = ET.parse(xml_path).getroot()
    for voter in root.findall("voter")[:3]:
        voter.set("foo", "1")
    ET.SubElement(root, "remark").text = "x"
    copy = tmp_path / "data.xml"
    ET.ElementTree(root).write(copy, encoding="utf-8")
    summary = await load_files(empty_url, [copy])
    assert summary.unread[str(copy)] == {"voter@foo": 3, "remark": 1}


async def test_unknown_label_is_kept_as_other_with_a_warning(empty_url, tmp_path):
    data = json.loads(PAIRS["h27-119.2026"][0].read_text())
    data["votes"]["Paired Aye"] = data["votes"].pop("Aye")
    copy = tmp_path / "data.json"
    copy.write_text(json.dumps(data))
    summary = await load_files(empty_url, [copy])
    assert summary.warnings[str(copy)] == [
        "vote h27-119.2026: option 'Paired Aye' (127 members) is not a known vote option;"
        " stored as published with position `other`"
    ]
    rows = await fetch(
        empty_url, "SELECT option, position, count(*) FROM vote_positions GROUP BY 1, 2"
    )
    assert ("Paired Aye", "other", 127) in [tuple(r) for r in rows]


async def test_option_totals_take_one_statement_for_a_page(client):
    query = """query($n: Int) { votes(first: $n) { nodes { voteId
      optionTotals { option count } totals { yea } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            await answer(client, query, {"n": size})
        counts[size] = log.count
    assert counts[1] == counts[100] == 3  # the page, its totals, its option totals


# The whole 119th Congress -----------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared is not present")
def test_corpus_kinds_are_what_the_importer_knows():
    """Every option label in the corpus is standard, or a candidate in an election."""
    from db.importers.uscongress_votes import is_election, position_of

    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(CORPUS.glob("*/*/data.json")):
        data = json.loads(path.read_text())
        election = is_election(data.get("category"), data.get("type"), data.get("question"))
        for option in data["votes"]:
            found[(option, position_of(option, election))] += 1
    assert {position for _, position in found} <= {
        "yea",
        "nay",
        "present",
        "not_voting",
        "candidate",
    }
    assert {o for o, p in found if p == "candidate"} == {"Johnson (LA)", "Jeffries", "Emmer"}


# docs/votes.md ----------------------------------------------------------------------------

DOC_EXAMPLES = re.findall(
    r"```graphql\n(.*?)```", (ROOT / "docs" / "votes.md").read_text(), re.DOTALL
)


async def test_docs_examples_run_on_the_shipped_data(client):
    speaker_query, amendment_query = DOC_EXAMPLES
    speaker = (await answer(client, speaker_query))["vote"]
    assert (speaker["question"], speaker["result"], speaker["target"]) == (
        "Election of the Speaker",
        "Johnson (LA)",
        "ELECTION",
    )
    assert [t["count"] for t in speaker["optionTotals"]] == [218, 215, 1]
    (massie,) = speaker["positions"]["nodes"]
    assert massie["candidate"] == "Emmer"
    assert massie["legislator"]["bioguideId"] == "M001184"
    amendment = (await answer(client, amendment_query))["vote"]
    assert amendment["target"] == "AMENDMENT"
    assert amendment["amendment"]["billId"] == "s5-119"
    assert amendment["optionTotals"][:2] == [
        {"option": "Yea", "count": 70},
        {"option": "Nay", "count": 25},
    ]
