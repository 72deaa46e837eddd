"""Former members: a member named only by a Voteview members file, a roll call or a speech
becomes a legislator record with what that source gave and its provenance, and a later
congress-legislators import upgrades it in place (docs/members.md).

Files: the shipped data, and tests/fixtures/legislators/s2-119.2025 (a real Senate roll call
of 2025-01-13 whose voters include LIS S350 and S419, who are not in legislators-current.yaml;
see tests/fixtures/README.md).
"""

from typing import Any

import asyncpg

from api.settings import ROOT
from db.load import load_files
from db.pool import connect
from tests.conftest import graphql

DATA = ROOT / "data"
LEGISLATORS = DATA / "legislators/legislators-current.yaml"
VOTEVIEW_MEMBERS = DATA / "votes/voteview/S116_members.csv"
HOUSE_VOTE = DATA / "votes/uscongress/117/votes/2021/h60/data.json"
SENATE_VOTE = ROOT / "tests/fixtures/legislators/s2-119.2025/data.json"
SENATE_VOTE_XML = ROOT / "tests/fixtures/legislators/s2-119.2025/data.xml"
RECORD = (
    "SELECT id, bioguide_id, lis_id, icpsr_id, first_name, last_name, published_name,"
    " named_by, source_file FROM legislators"
)


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def ask(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A GraphQL answer over the database at `url`."""
    import httpx

    from api.app import create_app
    from api.settings import load_settings

    db = await connect(url, max_size=2)
    try:
        app = create_app(load_settings(), database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await graphql(http, query, variables)
    finally:
        await db.close()


async def test_shipped_data_leaves_no_position_or_statement_without_its_person(seeded_url):
    [row] = await fetch(
        seeded_url,
        "SELECT (SELECT count(*) FROM vote_positions WHERE legislator_id IS NULL"
        "   AND member_id <> 'VP') AS positions,"
        " (SELECT count(*) FROM statements WHERE speaker_bioguide_id IS NOT NULL"
        "   AND speaker_legislator_id IS NULL) AS statements,"
        " (SELECT count(*) FROM vote_positions WHERE legislator_id IS NULL) AS all_positions,"
        " (SELECT count(*) FROM vote_positions WHERE member_id = 'VP'"
        "   AND legislator_id IS NOT NULL) AS vp_linked",
    )
    assert (row["positions"], row["statements"], row["vp_linked"]) == (0, 0, 0)
    # Only a Vice President's tie-break (member `VP`) may stay unlinked: not a member.
    vp = await fetch(seeded_url, "SELECT count(*) FROM vote_positions WHERE member_id = 'VP'")
    assert row["all_positions"] == vp[0][0]


async def test_every_shipped_legislator_comes_from_congress_legislators_or_names_its_source(
    seeded_url, client
):
    rows = await fetch(
        seeded_url,
        "SELECT named_by, count(*) AS n, count(*) FILTER (WHERE source_file IS NULL"
        " OR dataset_id IS NULL) AS unsourced FROM legislators GROUP BY named_by",
    )
    counts = {r["named_by"]: r["n"] for r in rows}
    assert counts["congress-legislators"] == 537  # the people of legislators-current.yaml
    assert counts["voteview-members"] == 32  # S116 senators not in the current file
    assert counts["speech"] >= 1 and counts["roll-call"] >= 1
    assert all(r["unsourced"] == 0 for r in rows)
    body = await graphql(client, "{ legislators { totalCount } }")
    assert body["data"]["legislators"]["totalCount"] == sum(counts.values())


async def test_a_former_senator_from_voteview_in_graphql(client):
    # S116_members.csv line 88: 116,Senate,40304,...,"ALEXANDER, Lamar",A000360,...
    body = await graphql(
        client,
        """{ legislator(bioguideId: "A000360") { bioguideId lisId icpsrId namedBy
              name { first last published officialFull }
              provenance { file dataset { key } }
              terms { totalCount } votePositions { totalCount } } }""",
    )
    assert "errors" not in body, body
    alexander = body["data"]["legislator"]
    assert alexander["namedBy"] == "VOTEVIEW_MEMBERS"
    assert alexander["name"] == {
        "first": "Lamar",
        "last": "ALEXANDER",
        "published": "ALEXANDER, Lamar",
        "officialFull": None,
    }
    assert alexander["provenance"] == {
        "file": "votes/voteview/S116_members.csv",
        "dataset": {"key": "voteview"},
    }
    assert alexander["terms"]["totalCount"] == 0  # no term is invented
    assert alexander["votePositions"]["totalCount"] > 0


async def test_a_speaker_from_the_congressional_record_in_graphql(client):
    body = await graphql(
        client,
        """{ legislator(bioguideId: "O000166") { namedBy name { first last published }
              provenance { file dataset { key } } statements { totalCount } } }""",
    )
    assert "errors" not in body, body
    otter = body["data"]["legislator"]
    assert otter["namedBy"] == "SPEECH"
    assert otter["name"] == {"first": None, "last": None, "published": "Mr. OTTER"}
    assert otter["provenance"] == {
        "file": "statements/CREC-2005-07-20-pt1-PgH6183.json",
        "dataset": {"key": "congressional-record"},
    }
    assert otter["statements"]["totalCount"] > 0


async def test_house_members_from_a_vote_file_are_upgraded_in_place(empty_url):
    summary = await load_files(empty_url, [HOUSE_VOTE])
    assert summary["legislators"].inserted == 432  # every member who voted on h60-117.2021
    assert summary["vote_positions"].unresolved == 0
    [adams] = await fetch(empty_url, RECORD + " WHERE bioguide_id = 'A000370'")
    # h60-117.2021: {"display_name": "Adams", "id": "A000370", "party": "D", "state": "NC"}
    assert tuple(adams)[1:] == (
        "A000370",
        None,
        None,
        None,
        None,
        "Adams",
        "roll-call",
        "votes/uscongress/117/votes/2021/h60/data.json",
    )
    summary = await load_files(empty_url, [LEGISLATORS])
    [after] = await fetch(empty_url, RECORD + " WHERE bioguide_id = 'A000370'")
    assert after["id"] == adams["id"]
    assert (after["first_name"], after["last_name"], after["published_name"]) == (
        "Alma",
        "Adams",
        None,
    )
    assert (after["named_by"], after["source_file"]) == (
        "congress-legislators",
        "legislators/legislators-current.yaml",
    )
    # A second import of the vote file changes nothing in the upgraded record.
    again = await load_files(empty_url, [HOUSE_VOTE])
    assert again["legislators"].inserted == 0 and again["legislators"].updated == 0
    [still] = await fetch(empty_url, RECORD + " WHERE bioguide_id = 'A000370'")
    assert tuple(still) == tuple(after)


async def test_senators_from_a_vote_file_have_only_a_lis_id(empty_url):
    fresh_url = empty_url
    await load_files(fresh_url, [LEGISLATORS])
    summary = await load_files(fresh_url, [SENATE_VOTE])
    assert summary["legislators"].inserted == 2
    assert summary["vote_positions"].unresolved == 0
    rows = await fetch(fresh_url, RECORD + " WHERE lis_id IN ('S350', 'S419') ORDER BY lis_id")
    # s2-119.2025: {"display_name": "Rubio (R-FL)", "first_name": "Marco", "id": "S350",
    # "last_name": "Rubio", ...} and {"display_name": "Mullin (R-OK)", ..., "id": "S419"}.
    # The fixture lies outside the data folder, so provenance names the file only.
    assert [tuple(r)[1:] for r in rows] == [
        (
            None,
            "S350",
            None,
            "Marco",
            "Rubio",
            "Rubio (R-FL)",
            "roll-call",
            "119/votes/2025/s2/data.json",
        ),
        (
            None,
            "S419",
            None,
            "Markwayne",
            "Mullin",
            "Mullin (R-OK)",
            "roll-call",
            "119/votes/2025/s2/data.json",
        ),
    ]
    body = await ask(
        fresh_url,
        """{ vote(voteId: "s2-119.2025") { positions(first: 100) { nodes {
              legislator { bioguideId lisId namedBy name { first last published } } } } } }""",
    )
    assert "errors" not in body, body
    voters = [n["legislator"] for n in body["data"]["vote"]["positions"]["nodes"]]
    assert len(voters) == 98 and None not in voters
    assert {
        "bioguideId": None,
        "lisId": "S419",
        "namedBy": "ROLL_CALL",
        "name": {"first": "Markwayne", "last": "Mullin", "published": "Mullin (R-OK)"},
    } in voters


async def test_a_senator_named_first_by_the_xml_form_takes_the_json_name(empty_url):
    await load_files(empty_url, [SENATE_VOTE_XML])
    [bare] = await fetch(empty_url, RECORD + " WHERE lis_id = 'S350'")
    assert tuple(bare)[4:8] == (None, None, None, "roll-call")  # data.xml gives no name
    summary = await load_files(empty_url, [SENATE_VOTE])
    assert summary["legislators"].inserted == 0
    [named] = await fetch(empty_url, RECORD + " WHERE lis_id = 'S350'")
    assert named["id"] == bare["id"]
    assert (named["first_name"], named["last_name"], named["published_name"]) == (
        "Marco",
        "Rubio",
        "Rubio (R-FL)",
    )


async def test_two_records_of_one_senator_are_merged_by_the_legislators_import(empty_url):
    # Voteview names Chuck Grassley by bioguide (G000386), the Senate roll call by LIS id
    # (S153): nothing in either file says they are one person, so there are two records
    # until legislators-current.yaml, which gives both ids, merges them.
    await load_files(empty_url, [VOTEVIEW_MEMBERS])
    await load_files(empty_url, [SENATE_VOTE])
    before = await fetch(
        empty_url, RECORD + " WHERE bioguide_id = 'G000386' OR lis_id = 'S153' ORDER BY id"
    )
    assert [(r["bioguide_id"], r["lis_id"], r["named_by"]) for r in before] == [
        ("G000386", None, "voteview-members"),
        (None, "S153", "roll-call"),
    ]
    await load_files(empty_url, [LEGISLATORS])
    after = await fetch(
        empty_url, RECORD + " WHERE bioguide_id = 'G000386' OR lis_id = 'S153' ORDER BY id"
    )
    assert [(r["id"], r["bioguide_id"], r["lis_id"], r["named_by"]) for r in after] == [
        (before[0]["id"], "G000386", "S153", "congress-legislators")
    ]
    positions = await fetch(
        empty_url,
        "SELECT count(*) FROM vote_positions WHERE member_id = 'S153' AND legislator_id = $1",
        before[0]["id"],
    )
    assert positions[0][0] == 1
    [unlinked] = await fetch(
        empty_url, "SELECT count(*) FROM vote_positions WHERE legislator_id IS NULL"
    )
    assert unlinked[0] == 0
