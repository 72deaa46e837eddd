"""The roll-call vote importer: data.json (shipped) and the GovTrack-style data.xml forms.

The expected totals are counted from each file; h60-117.2021 is Yea 220 / Nay 212.
"""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import SHIPPED, load_files

DATA = ROOT / "data"
VOTES = DATA / "votes/uscongress"
VOTE_JSON = sorted(VOTES.glob("*/votes/*/*/data.json"))
H60 = VOTES / "117/votes/2021/h60"
S7 = VOTES / "119/votes/2025/s7"
LEGISLATORS = DATA / "legislators/legislators-current.yaml"
OPTIONS = {"Yea": "yea", "Nay": "nay", "Present": "present", "Not Voting": "not_voting"}


def totals_in(path: Path) -> dict[str, int]:
    """Members per position, counted from a data.json file (a name in the Speaker election,
    category `leadership`, is a candidate)."""
    data = json.loads(path.read_text())
    found: dict[str, int] = {}
    for option, members in data["votes"].items():
        position = OPTIONS.get(option)
        if position is None:
            assert data["category"] == "leadership", option
            position = "candidate"
        found[position] = found.get(position, 0) + len(members)
    return found


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def totals_of(url: str, vote_id: str) -> dict[str, int]:
    rows = await fetch(
        url,
        """SELECT p.position, count(*) FROM vote_positions p JOIN votes v ON v.id = p.vote_id
           WHERE v.vote_id = $1 GROUP BY 1""",
        vote_id,
    )
    return dict(rows)


async def test_every_vote_file_is_shipped_once():
    shipped = [DATA / name for name in SHIPPED if name.startswith("votes/uscongress/")]
    assert sorted(shipped) == VOTE_JSON
    assert not [name for name in SHIPPED if name.endswith("data.xml")]


@pytest.mark.parametrize("path", VOTE_JSON, ids=lambda p: p.parent.name)
async def test_totals_match_the_file(seeded_url, path):
    vote_id = json.loads(path.read_text())["vote_id"]
    expected = {k: v for k, v in totals_in(path).items() if v}
    assert await totals_of(seeded_url, vote_id) == expected


async def test_h60_passage_of_hr1280(seeded_url):
    vote = (
        await fetch(
            seeded_url,
            """SELECT v.*, b.bill_id AS bill FROM votes v LEFT JOIN bills b ON b.id = v.bill_id
               WHERE v.vote_id = 'h60-117.2021'""",
        )
    )[0]
    assert await totals_of(seeded_url, "h60-117.2021") == {"yea": 220, "nay": 212}
    assert (vote["chamber"], vote["congress"], vote["session"], vote["number"]) == (
        "house",
        117,
        "2021",
        60,
    )
    assert vote["voted_at"] == datetime(2021, 3, 4, 2, 27, tzinfo=UTC)
    assert vote["question"] == "On Passage: H R 1280 George Floyd Justice in Policing Act of 2021"
    assert (vote["vote_type"], vote["category"], vote["result"], vote["requires"]) == (
        "On Passage of the Bill",
        "passage",
        "Passed",
        "1/2",
    )
    assert (vote["bill_key"], vote["bill"]) == ("hr1280-117", "hr1280-117")
    assert vote["source_url"] == "https://clerk.house.gov/evs/2021/roll060.xml"


async def test_links_to_bills_and_nominations(seeded_url):
    rows = {
        r["vote_id"]: r
        for r in await fetch(
            seeded_url,
            "SELECT v.vote_id, v.bill_key, v.bill_id, v.nomination_number, v.nomination_title"
            " FROM votes v JOIN datasets d ON d.id = v.dataset_id WHERE d.key = $1",
            "uscongress-votes",  # the Voteview roll calls are tested in test_import_voteview
        )
    }
    # Only hr1280-117 is shipped; the others keep their bill key for a later bill import.
    assert {k: (r["bill_key"], r["bill_id"] is not None) for k, r in rows.items()} == {
        "h60-117.2021": ("hr1280-117", True),
        "h119-116.2020": ("hr7120-116", False),
        "h23-119.2025": ("s5-119", False),
        "s7-119.2025": ("s5-119", False),
        "s17-119.2025": (None, False),
        "h2-119.2025": (None, False),  # the Speaker election
        "s3-119.2025": ("s5-119", False),  # an amendment to S. 5
    }
    noem = rows["s17-119.2025"]
    assert noem["nomination_number"] == "11-11"
    assert noem["nomination_title"] == (
        "Kristi Noem, of South Dakota, to be Secretary of Homeland Security"
    )


@pytest.mark.parametrize("path", VOTE_JSON, ids=lambda p: p.parent.name)
async def test_members_resolve_by_bioguide_or_lis(seeded_url, path):
    # A member no congress-legislators record holds gets a record named by the roll call
    # (db/importers/members.py), so every member resolves, by their own id.
    data = json.loads(path.read_text())
    members = {m["id"] for group in data["votes"].values() for m in group}
    rows = await fetch(
        seeded_url,
        """SELECT count(p.legislator_id),
                  count(*) FILTER (WHERE l.bioguide_id = p.member_id OR l.lis_id = p.member_id)
           FROM vote_positions p JOIN votes v ON v.id = p.vote_id
           LEFT JOIN legislators l ON l.id = p.legislator_id WHERE v.vote_id = $1""",
        data["vote_id"],
    )
    assert rows[0][0] == rows[0][1] == len(members)


async def test_senate_positions_keep_party_and_state(seeded_url):
    rows = await fetch(
        seeded_url,
        """SELECT p.member_id, p.position, p.party, p.state, l.bioguide_id
           FROM vote_positions p JOIN votes v ON v.id = p.vote_id
           LEFT JOIN legislators l ON l.id = p.legislator_id
           WHERE v.vote_id = 's17-119.2025' AND p.member_id = 'S363'""",
    )
    assert [tuple(r) for r in rows] == [("S363", "not_voting", "I", "ME", "K000383")]


@pytest.mark.parametrize("folder", [H60, S7], ids=["h60", "s7"])
async def test_xml_form_gives_the_same_positions(empty_url, folder):
    summary = await load_files(empty_url, [LEGISLATORS, folder / "data.xml"])
    data = json.loads((folder / "data.json").read_text())
    assert summary["votes"].inserted == 1
    from_json = {
        (m["id"], OPTIONS[option]) for option, group in data["votes"].items() for m in group
    }
    rows = await fetch(
        empty_url, "SELECT member_id, position, party, legislator_id FROM vote_positions"
    )
    assert {(r[0], r[1]) for r in rows} == from_json
    assert {r[2] for r in rows} == {None}  # data.xml has no party
    vote = (await fetch(empty_url, "SELECT vote_id, voted_at, bill_key FROM votes"))[0]
    assert vote["vote_id"] == data["vote_id"]
    assert vote["voted_at"] == datetime.fromisoformat(data["date"])
    assert sum(r[3] is not None for r in rows) == len({m for m, _ in from_json})

    # The JSON form adds what the XML lacks; the XML form then changes nothing.
    summary = await load_files(empty_url, [folder / "data.json"])
    assert summary["votes"].updated == 1  # source_url
    assert summary["vote_positions"].updated == len(rows)  # party
    before = await fetch(empty_url, "SELECT id, updated_at, party FROM vote_positions ORDER BY id")
    summary = await load_files(empty_url, [folder / "data.xml"])
    assert summary["votes"].updated == summary["vote_positions"].updated == 0
    assert (
        await fetch(empty_url, "SELECT id, updated_at, party FROM vote_positions ORDER BY id")
        == before
    )


async def test_aye_and_no_are_yea_and_nay(empty_url, tmp_path):
    data = json.loads((H60 / "data.json").read_text())
    data["votes"] = {"Aye": data["votes"]["Yea"], "No": data["votes"]["Nay"]}
    copy = tmp_path / "data.json"
    copy.write_text(json.dumps(data))
    await load_files(empty_url, [copy])
    assert await totals_of(empty_url, "h60-117.2021") == {"yea": 220, "nay": 212}


async def test_a_member_gone_from_the_file_is_removed(fresh_url, tmp_path):
    data = json.loads((H60 / "data.json").read_text())
    gone = data["votes"]["Nay"].pop(0)["id"]
    copy = tmp_path / "data.json"
    copy.write_text(json.dumps(data))
    summary = await load_files(fresh_url, [copy])
    assert summary["vote_positions"].removed == 1
    assert summary["vote_positions"].unchanged == 431
    assert await totals_of(fresh_url, "h60-117.2021") == {"yea": 220, "nay": 211}
    rows = await fetch(fresh_url, "SELECT count(*) FROM vote_positions WHERE member_id = $1", gone)
    # The member's positions on the other shipped House votes remain.
    elsewhere = [
        path
        for path in VOTE_JSON
        if path.parent != H60
        and any(m["id"] == gone for g in json.loads(path.read_text())["votes"].values() for m in g)
    ]
    assert rows[0][0] == len(elsewhere) == 3


async def test_xml_totals_must_match_the_voters(empty_url, tmp_path):
    root = ET.parse(S7 / "data.xml").getroot()
    root.set("aye", "65")
    copy = tmp_path / "data.xml"
    ET.ElementTree(root).write(copy, encoding="utf-8", xml_declaration=True)
    with pytest.raises(ImportFailure) as failure:
        await load_files(empty_url, [copy])
    assert failure.value.path == str(copy)
    assert "aye=65 but 64 voters are listed" in str(failure.value)
    assert (await fetch(empty_url, "SELECT count(*) FROM votes"))[0][0] == 0
