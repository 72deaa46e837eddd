"""Scorecards (docs/scorecards.md) on the shipped demo topic: the expected scores are worked
out here from the roll-call file and the raw sponsorship tables, not by the production SQL."""

import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import load_files
from db.pool import log_statements
from db.versions import tables_without_version_trigger
from tests.conftest import error_codes, graphql

CURATED = ROOT / "data/curated/qualified-immunity-ice.yaml"
H60 = ROOT / "data/votes/uscongress/117/votes/2021/h60/data.json"
TOPIC = "qualified-immunity-ice"

MEMBERS = """query($n: Int, $after: String, $chamber: Chamber, $party: String, $state: String) {
  topic(slug: "qualified-immunity-ice") { scorecard { members(first: $n, after: $after,
    chamber: $chamber, party: $party, state: $state) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { legislator { bioguideId } score proWeight countedWeight partial
              votesTotal votesEligible votesCounted votesMissed votesAbsent
              sponsorshipsCounted } } } } }"""

MEMBER = """query($id: String!) {
  topic(slug: "qualified-immunity-ice") { scorecard { member(bioguideId: $id) {
    score proWeight countedWeight partial votesEligible votesAbsent sponsorshipsCounted
    votes { vote { voteId } pro weight position party state outcome }
    sponsorships { bill { billId } role since withdrawnOn weight outcome } } } } }"""


def h60_positions() -> dict[str, tuple[str, str, str]]:
    """bioguide id -> (option, party, state) as the shipped roll-call file publishes them."""
    data = json.loads(H60.read_text())
    return {
        voter["id"]: (option, voter["party"], voter["state"])
        for option, voters in data["votes"].items()
        for voter in voters
    }


async def sponsorships(url: str) -> dict[str, set[str]]:
    """bioguide id -> the scorecard bills they sponsored or cosponsored (not withdrawn), from
    the raw bill tables. A cosponsor with no legislator record (a former delegate no shipped
    file names) cannot be ranked, and is left out."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """SELECT b.bill_id, b.sponsor_bioguide_id AS who FROM bills b
                WHERE b.bill_id = ANY($1)
               UNION ALL
               SELECT b.bill_id, c.bioguide_id FROM bill_cosponsors c JOIN bills b
                 ON b.id = c.bill_id WHERE b.bill_id = ANY($1) AND c.withdrawn_on IS NULL
                 AND EXISTS (SELECT 1 FROM legislators l WHERE l.bioguide_id = c.bioguide_id)""",
            ["hr1470-117", "s492-117", "hr1280-117"],
        )
    finally:
        await conn.close()
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        found[row["who"]].add(row["bill_id"])
    return found


def expected_scores(
    votes: dict[str, tuple[str, str, str]], bills: dict[str, set[str]]
) -> dict[str, float | None]:
    """The method stated in the shipped file: a Yea on h60-117.2021 is pro, a Nay against,
    anything else not counted; each sponsorship of the three bills is pro; weights are 1."""
    scores: dict[str, float | None] = {}
    for member in votes.keys() | bills.keys():
        option = votes.get(member, ("absent",))[0]
        pro = (option == "Yea") + len(bills.get(member, ()))
        counted = (option in ("Yea", "Nay")) + len(bills.get(member, ()))
        scores[member] = round(100 * pro / counted, 2) if counted else None
    return scores


async def all_members(client, **filters: Any) -> list[dict[str, Any]]:
    nodes, after = [], None
    while True:
        body = await graphql(client, MEMBERS, {"n": 100, "after": after, **filters})
        assert "errors" not in body, body
        members = body["data"]["topic"]["scorecard"]["members"]
        nodes += members["nodes"]
        if not members["pageInfo"]["hasNextPage"]:
            assert len(nodes) == members["totalCount"]
            return nodes
        after = members["pageInfo"]["endCursor"]


async def test_the_shipped_file_states_its_method_and_counts(client):
    body = await graphql(
        client,
        """{ topic(slug: "qualified-immunity-ice") { scorecard { name method formula
             votes { vote { voteId } pro weight reason }
             bills { bill { billId } sponsorship weight } } } }""",
    )
    assert "errors" not in body, body
    card = body["data"]["topic"]["scorecard"]
    shipped = yaml.safe_load(CURATED.read_text())["scorecards"][0]
    assert card["name"] == shipped["name"]
    assert card["method"] == shipped["method"]
    assert "does not measure" in card["method"]
    assert card["formula"].startswith("score = 100 * sum(weight of pro items)")
    assert [(v["vote"]["voteId"], v["pro"], v["weight"]) for v in card["votes"]] == [
        ("h60-117.2021", "YEA", 1.0)
    ]
    assert sorted(b["bill"]["billId"] for b in card["bills"]) == [
        "hr1280-117",
        "hr1470-117",
        "s492-117",
    ]
    assert {b["sponsorship"] for b in card["bills"]} == {"PRO"}


async def test_a_scorecard_and_its_ranking_are_one_compiled_statement(client, monkeypatch):
    """`Topic.scorecard`, its own fields and `members` (every filter, pages by cursor) are
    compiled (docs/compiled.md); `votes`, `bills`, `member` and a member's parts leave the
    document to the resolver path."""
    from schema import compiled

    card = """{ topic(slug: "qualified-immunity-ice") { slug
                scorecard { __typename name method formula createdAt updatedAt } }
              other: topic(slug: "no-such-topic") { scorecard { name } } }"""
    taken: list[str] = []

    async def both(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        taken.clear()
        monkeypatch.setenv("REDRESS_COMPILED", "on")
        async with log_statements() as log:
            fast = await graphql(client, query, variables)
        assert taken == ["compiled"] and log.count == 1, (variables, taken)
        monkeypatch.setenv("REDRESS_COMPILED", "off")
        slow = await graphql(client, query, variables)
        assert json.dumps(fast) == json.dumps(slow)  # the same keys in the same order
        return fast

    compiled.PATH_LISTENERS.append(taken.append)
    try:
        body = await both(card, {})
        assert body["data"]["topic"]["scorecard"]["formula"].startswith("score = 100")
        first = await both(MEMBERS, {"n": 3})
        cursor = first["data"]["topic"]["scorecard"]["members"]["pageInfo"]["endCursor"]
        for variables in (
            {"n": 100},
            {"n": 5, "after": cursor},
            {"chamber": "HOUSE", "party": "d", "state": "MA"},
            {"chamber": "SENATE"},
            {"party": "R", "n": 7},
        ):
            body = await both(MEMBERS, variables)
            assert "errors" not in body, body
        monkeypatch.setenv("REDRESS_COMPILED", "on")
        for query, variables in ((MEMBER, {"id": "P000617"}), (MEMBERS, {"state": "Mass."})):
            taken.clear()
            await graphql(client, query, variables)
            assert taken == ["resolver"], query
    finally:
        compiled.PATH_LISTENERS.remove(taken.append)


async def test_every_score_is_what_the_roll_call_and_sponsorships_give(client, seeded_url):
    votes = h60_positions()
    expected = expected_scores(votes, await sponsorships(seeded_url))
    members = await all_members(client)
    got = {m["legislator"]["bioguideId"]: m["score"] for m in members}
    assert got == expected
    keys = [(-1 if m["score"] is None else m["score"]) for m in members]
    assert keys == sorted(keys, reverse=True)
    for m in members:
        if m["countedWeight"]:
            assert m["score"] == round(100 * m["proWeight"] / m["countedWeight"], 2)
        assert m["votesAbsent"] == m["votesTotal"] - m["votesEligible"]
        assert m["partial"] == (m["legislator"]["bioguideId"] not in votes)


async def test_pressley_shows_her_position_and_her_sponsorship(client):
    option, party, state = h60_positions()["P000617"]
    body = await graphql(client, MEMBER, {"id": "P000617"})
    assert "errors" not in body, body
    member = body["data"]["topic"]["scorecard"]["member"]
    assert member["votes"] == [
        {
            "vote": {"voteId": "h60-117.2021"},
            "pro": "YEA",
            "weight": 1.0,
            "position": option.upper(),
            "party": party,
            "state": state,
            "outcome": "PRO" if option == "Yea" else "AGAINST",
        }
    ]
    sponsored = {s["bill"]["billId"]: s for s in member["sponsorships"]}
    assert sponsored["hr1470-117"]["role"] == "SPONSOR"
    assert sponsored["hr1470-117"]["since"] == "2021-03-01"
    assert sponsored["hr1470-117"]["outcome"] == "PRO"
    assert member["sponsorshipsCounted"] == len(sponsored)
    assert member["partial"] is False


async def test_a_member_absent_from_the_roll_call_is_flagged_partial(client, seeded_url):
    votes = h60_positions()
    absent = sorted(m for m in await sponsorships(seeded_url) if m not in votes)
    assert absent, "the shipped data has cosponsors who are not in the House roll call"
    body = await graphql(client, MEMBER, {"id": absent[0]})
    assert "errors" not in body, body
    member = body["data"]["topic"]["scorecard"]["member"]
    assert member["partial"] is True
    assert (member["votesEligible"], member["votesAbsent"]) == (0, 1)
    assert member["votes"][0]["outcome"] == "ABSENT"
    assert member["votes"][0]["position"] is None
    assert member["score"] == 100.0


async def test_filters_match_the_roll_call_record(client, seeded_url):
    votes = h60_positions()
    massachusetts = await all_members(client, state="ma", party="d")  # any letter case
    assert {m["legislator"]["bioguideId"] for m in massachusetts} == {
        member for member, (_, party, state) in votes.items() if (party, state) == ("D", "MA")
    }
    house = await all_members(client, chamber="HOUSE")
    senate = await all_members(client, chamber="SENATE")
    bills = await sponsorships(seeded_url)
    conn = await asyncpg.connect(seeded_url)
    try:
        senators = {
            r[0]
            for r in await conn.fetch(
                """SELECT b.sponsor_bioguide_id FROM bills b WHERE b.bill_id = 's492-117'
                   UNION SELECT c.bioguide_id FROM bill_cosponsors c JOIN bills b
                   ON b.id = c.bill_id WHERE b.bill_id = 's492-117'"""
            )
        }
    finally:
        await conn.close()
    assert {m["legislator"]["bioguideId"] for m in senate} == senators
    assert {m["legislator"]["bioguideId"] for m in house} == (votes.keys() | bills.keys()) - (
        senators - votes.keys()
    )


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [({"state": "Massachusetts"}, "state"), ({"party": " "}, "party"), ({"after": "nope"}, None)],
)
async def test_bad_filters_and_cursors_are_bad_user_input(client, arguments, argument):
    body = await graphql(client, MEMBERS, {"n": 5, **arguments})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"]["topic"]["scorecard"] is None


async def test_a_member_not_on_the_scorecard_is_not_found(client):
    body = await graphql(client, MEMBER, {"id": "Z999999"})
    assert error_codes(body) == ["NOT_FOUND"]


async def test_pages_join_up_to_the_whole_ranking(client):
    whole = await all_members(client)
    paged, after = [], None
    for _ in range(len(whole)):
        body = await graphql(client, MEMBERS, {"n": 97, "after": after})
        members = body["data"]["topic"]["scorecard"]["members"]
        paged += members["nodes"]
        after = members["pageInfo"]["endCursor"]
        if not members["pageInfo"]["hasNextPage"]:
            break
    assert paged == whole
    assert len({m["legislator"]["bioguideId"] for m in paged}) == len(whole)


async def test_statements_do_not_grow_with_the_page(client):
    query = """query($n: Int) { topic(slug: "qualified-immunity-ice") { scorecard {
      votes { vote { voteId } } bills { bill { billId } }
      members(first: $n) { totalCount nodes { score legislator { bioguideId }
        votes { vote { voteId } outcome } sponsorships { bill { billId } outcome } } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        assert len(body["data"]["topic"]["scorecard"]["members"]["nodes"]) == size
        counts[size] = log.count
    # topic, scorecard, its items, votes, bills, the page, its count, legislators, parts
    assert counts == {1: 9, 100: 9}


def _edited(tmp_path: Path, change) -> Path:
    data = copy.deepcopy(yaml.safe_load(CURATED.read_text()))
    change(data["scorecards"][0])
    path = tmp_path / "scorecard.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("change", "record", "problem"),
    [
        (lambda c: c["votes"][0].update(vote="h999-117.2021"), " votes[0]", "no vote"),
        (lambda c: c["bills"][1].update(bill="hr9999-117"), " bills[1]", "no bill"),
        (lambda c: c["votes"][0].update(pro="Aye"), " votes[0]", "must be one of Yea, Nay"),
        (lambda c: c["bills"][0].update(weight=0), " bills[0]", "must be above 0"),
        (lambda c: c["votes"][0].update(weight=-2), " votes[0]", "must be above 0"),
        (lambda c: c["bills"][0].update(sponsorship="yes"), " bills[0]", "sponsorship"),
        (lambda c: c.update(topic="no-such-topic"), "", "no topic"),
        (lambda c: c.pop("method"), "", "missing method"),
        # The Speaker election: members name candidates; there is no Yea or Nay to count.
        (lambda c: c["votes"][0].update(vote="h2-119.2025"), " votes[0]", "no Yea or Nay"),
        (lambda c: c["votes"][0].update(weight="1e2"), " votes[0]", "must be above 0"),
    ],
    ids=[
        "vote",
        "bill",
        "position",
        "zero-weight",
        "negative-weight",
        "side",
        "topic",
        "method",
        "no-yea-or-nay",
        "text-weight",
    ],
)
async def test_a_bad_scorecard_is_refused_naming_file_and_record(
    fresh_url, tmp_path, change, record, problem
):
    path = _edited(tmp_path, change)
    with pytest.raises(ImportFailure) as failure:
        await load_files(fresh_url, [path])
    assert failure.value.path == str(path)
    assert failure.value.record is not None
    assert failure.value.record.startswith("scorecards[0]")
    assert failure.value.record.endswith(record) or not record
    assert problem in failure.value.problem


async def test_reimport_replaces_items_and_records_the_topic_changed(fresh_url, tmp_path):
    path = _edited(tmp_path, lambda c: c.update(bills=c["bills"][:1]))
    conn = await asyncpg.connect(fresh_url)
    try:
        before = await conn.fetchval("SELECT max(id) FROM changes")
        await load_files(fresh_url, [path])
        items = await conn.fetchval("SELECT count(*) FROM scorecard_bills")
        changed = await conn.fetch(
            "SELECT node_type, row_id, kind FROM changes WHERE id > $1", before
        )
        topic = await conn.fetchval("SELECT id FROM topics WHERE slug = $1", TOPIC)
        assert await tables_without_version_trigger(conn) == []
    finally:
        await conn.close()
    assert items == 1
    # Only the scorecard changed, so the topic is its one change (the copy's new file name
    # moves other records' provenance, which records them too).
    assert [tuple(r) for r in changed if r["node_type"] == "Topic"] == [("Topic", topic, "updated")]
