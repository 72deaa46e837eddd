"""Members over time: party changes within a term, the caucus, delegates and the Resident
Commissioner, from the shipped legislators-current.yaml (unitedstates/congress-legislators @
dfa9622263dd4c8d08636926e498f1845704d7eb) and the case in ../shared/cases/party-switch-mid-term.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from api.settings import ROOT
from db.legislators import ADMISSIONS, STATES_WITHOUT_DELEGATES, term_role
from db.load import load_files
from db.pool import log_statements
from tests.conftest import graphql

SHARED = ROOT / ".." / "shared"
CASE = SHARED / "cases" / "party-switch-mid-term"
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"

TERMS = """query($id: String!) { legislator(bioguideId: $id) { terms(first: 100) { nodes {
    start end chamber state district role hasFloorVote party caucus
    partyAffiliations { party caucus start end } } } } }"""


async def terms_of(client, bioguide: str) -> list[dict]:
    body = await graphql(client, TERMS, {"id": bioguide})
    assert "errors" not in body, body
    return body["data"]["legislator"]["terms"]["nodes"]


def term_starting(terms: list[dict], start: str) -> dict:
    [term] = [t for t in terms if t["start"] == start]
    return term


async def served_as(client, **conditions: object) -> list[str]:
    query = """query($f: LegislatorFilter) { legislators(filter: $f, first: 100) {
        totalCount nodes { bioguideId } } }"""
    body = await graphql(client, query, {"f": conditions})
    assert "errors" not in body, body
    found = body["data"]["legislators"]
    assert found["totalCount"] == len(found["nodes"])
    return [n["bioguideId"] for n in found["nodes"]]


async def test_van_drew_switched_party_within_a_term(client):
    term = term_starting(await terms_of(client, "V000133"), "2019-01-03")
    assert (term["party"], term["caucus"]) == ("Republican", None)
    assert term["partyAffiliations"] == [
        {"party": "Democrat", "caucus": None, "start": "2019-01-03", "end": "2019-12-18"},
        {"party": "Republican", "caucus": None, "start": "2019-12-19", "end": "2021-01-03"},
    ]


async def test_served_as_a_democrat_counts_a_party_held_mid_term(client):
    democrats = await served_as(client, party="Democrat", state="NJ")
    # Observed before the fix: 11 legislators, without V000133.
    assert "V000133" in democrats
    assert len(democrats) == 12
    # Today's party is the current term's party: Van Drew is a Republican now.
    assert "V000133" not in await served_as(client, party="Democrat", state="NJ", current=True)
    assert "V000133" in await served_as(client, party="Republican", state="NJ", current=True)


@pytest.mark.skipif(not CASE.exists(), reason="../shared is not present")
async def test_the_case_query_gives_the_right_answer(client):
    query = json.loads((CASE / "query.json").read_text(encoding="utf-8"))["query"]
    body = await graphql(client, query)
    assert "errors" not in body, body
    assert "V000133" in [n["bioguideId"] for n in body["data"]["d"]["nodes"]]
    parties = [t["party"] for t in body["data"]["vd"]["terms"]["nodes"]]
    assert parties == ["Republican"] * 4  # the term party is the latest one, as published


async def test_kiley_left_the_republican_party_and_caucuses_with_it(client):
    term = term_starting(await terms_of(client, "K000401"), "2025-01-03")
    assert (term["party"], term["caucus"]) == ("Independent", "Republican")
    assert term["partyAffiliations"] == [
        {"party": "Republican", "caucus": None, "start": "2025-01-03", "end": "2026-03-08"},
        {
            "party": "Independent",
            "caucus": "Republican",
            "start": "2026-03-09",
            "end": "2027-01-03",
        },
    ]
    assert "K000401" in await served_as(client, party="Republican", state="CA")
    if date.today() >= date(2026, 3, 9):
        assert "K000401" in await served_as(client, party="Independent", current=True)
        assert "K000401" not in await served_as(
            client, party="Republican", state="CA", current=True
        )


async def test_a_term_without_affiliations_gives_its_party_and_caucus_over_the_term(client):
    terms = await terms_of(client, "S000033")  # Bernard Sanders
    current = term_starting(terms, "2025-01-03")
    assert (current["chamber"], current["party"], current["caucus"]) == (
        "SENATE",
        "Independent",
        "Democrat",
    )
    assert current["partyAffiliations"] == [
        {"party": "Independent", "caucus": "Democrat", "start": "2025-01-03", "end": "2031-01-03"}
    ]
    # The caucus is not the party: Sanders never served as a Democrat in this file.
    assert "S000033" not in await served_as(client, party="Democrat", state="VT")


async def test_delegates_and_the_resident_commissioner(client):
    norton = (await terms_of(client, "N000147"))[0]  # Eleanor Holmes Norton, DC
    assert (norton["state"], norton["district"], norton["role"], norton["hasFloorVote"]) == (
        "DC",
        0,
        "DELEGATE",
        False,
    )
    pablo = (await terms_of(client, "H001103"))[0]  # Pablo José Hernández, PR
    assert (pablo["state"], pablo["district"], pablo["role"], pablo["hasFloorVote"]) == (
        "PR",
        0,
        "RESIDENT_COMMISSIONER",
        False,
    )
    pressley = (await terms_of(client, "P000617"))[0]
    assert (pressley["role"], pressley["hasFloorVote"]) == ("REPRESENTATIVE", True)
    sanders = (await terms_of(client, "S000033"))[0]
    assert (sanders["role"], sanders["hasFloorVote"]) == ("SENATOR", True)


async def test_every_shipped_house_term_from_a_territory_is_not_a_representative(client):
    query = """{ legislators(filter: {chamber: HOUSE, current: true}, first: 100, after: $a) {
        pageInfo { hasNextPage endCursor } nodes { terms(first: 1) { nodes { state role } } } } }"""
    roles: dict[str, set[str]] = {}
    after = None
    while True:
        body = await graphql(client, "query($a: String)" + query, {"a": after})
        assert "errors" not in body, body
        page = body["data"]["legislators"]
        for node in page["nodes"]:
            for t in node["terms"]["nodes"]:
                roles.setdefault(t["role"], set()).add(t["state"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert roles["DELEGATE"] == {"AS", "DC", "GU", "MP", "VI"}
    assert roles["RESIDENT_COMMISSIONER"] == {"PR"}
    assert None not in roles
    assert not roles["REPRESENTATIVE"] & {"AS", "DC", "GU", "MP", "VI", "PR"}


def test_the_delegate_rule_by_admission_date():
    # Alaska was admitted on 1959-01-03 and Hawaii on 1959-08-21 (docs/members.md).
    assert term_role("house", "AK", date(1957, 1, 3), date(1959, 1, 3)) == "delegate"
    assert term_role("house", "AK", date(1959, 1, 3), date(1961, 1, 3)) == "representative"
    assert term_role("house", "HI", date(1957, 1, 3), date(1959, 8, 21)) == "delegate"
    assert term_role("house", "HI", date(1959, 8, 21), date(1961, 1, 3)) == "representative"
    # A term that spans the admission date is not guessed.
    assert term_role("house", "HI", date(1959, 1, 7), date(1961, 1, 3)) is None
    assert term_role("house", "PI", date(1907, 11, 22), date(1909, 3, 3)) == (
        "resident_commissioner"
    )
    assert term_role("house", "DK", date(1861, 3, 4), date(1863, 3, 3)) == "delegate"
    assert term_role("house", "NJ", date(1789, 3, 4), date(1791, 3, 3)) == "representative"
    assert term_role("house", "ZZ", date(2001, 1, 3), date(2003, 1, 3)) is None
    assert term_role("senate", "AK", date(1959, 1, 3), date(1961, 1, 3)) == "senator"
    assert len(ADMISSIONS) + len(STATES_WITHOUT_DELEGATES) == 50
    assert not set(ADMISSIONS) & STATES_WITHOUT_DELEGATES


async def test_affiliations_are_read_in_one_statement_for_a_page(client):
    query = """query($n: Int) { legislators(filter: {state: "NJ"}, first: $n) { nodes {
        terms(first: $n) { nodes { partyAffiliations { party } } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    assert counts == {1: 3, 100: 3}  # legislators, terms, affiliations


async def test_unread_keys_are_noted_and_read_ones_are_not(empty_url):
    summary = await load_files(empty_url, [LEGISLATORS])
    unread = summary.unread[str(LEGISLATORS)]
    # Counted in the shipped file: 644 terms carry a fax number. The leadership roles of 40
    # people are read (tests/test_import_leadership_roles.py).
    assert unread["terms[].fax"] == 644
    assert unread["id.wikidata"] == 536
    for read in (
        "terms[].caucus",
        "terms[].party_affiliations",
        "id.bioguide",
        "name.first",
        "leadership_roles",
    ):
        assert read not in unread
    assert summary["party_affiliations"].inserted == 4
    again = await load_files(empty_url, [LEGISLATORS])
    assert again["party_affiliations"].unchanged == 4


async def test_an_affiliation_the_file_drops_is_removed(empty_url, tmp_path: Path):
    await load_files(empty_url, [LEGISLATORS])
    text = LEGISLATORS.read_text(encoding="utf-8")
    start = text.index("    party_affiliations:\n    - start: '2019-01-03'")
    end = text.index("    phone: 202-225-6572", start)
    edited = tmp_path / "legislators-current.yaml"
    edited.write_text(text[:start] + text[end:], encoding="utf-8")
    summary = await load_files(empty_url, [edited])
    assert summary["party_affiliations"].removed == 2
    assert summary["legislators"].inserted == 0
