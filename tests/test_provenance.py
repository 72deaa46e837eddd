"""Provenance: every imported record names its dataset (with its licence), the file it came
from and, where the source gives one, its URL; records editors create have none."""

from typing import Any

import asyncpg

from api.settings import ROOT
from db.importers import datasets
from db.importers.crec import CONGRESSIONAL_RECORD
from db.importers.datasets import Dataset
from db.importers.voteview import VOTEVIEW
from db.load import load_files
from db.pool import log_statements
from tests.conftest import graphql
from tests.editors import GOOD_KEY, editing_api

DATA = ROOT / "data"
HR1470 = DATA / "bills/billstatus/BILLSTATUS-117hr1470.xml"
PROVENANCE = "provenance { file sourceUrl dataset { key name url license attribution } }"


def expected(dataset: Dataset, file: str, source_url: str | None = None) -> dict[str, Any]:
    return {
        "file": file,
        "sourceUrl": source_url,
        "dataset": {
            "key": dataset.key,
            "name": dataset.name,
            "url": dataset.url,
            "license": dataset.license,
            "attribution": dataset.attribution,
        },
    }


async def provenance_of(client, field: str, argument: str, value: str) -> dict[str, Any]:
    body = await graphql(
        client, f"query($v: String!) {{ {field}({argument}: $v) {{ {PROVENANCE} }} }}", {"v": value}
    )
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"][field]["provenance"]
    return found


async def test_a_billstatus_bill_names_gpo_its_licence_and_file(client):
    found = await provenance_of(client, "bill", "billId", "hr1470-117")
    assert found == expected(
        datasets.GPO_BILLSTATUS,
        "bills/billstatus/BILLSTATUS-117hr1470.xml",
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/hr/BILLSTATUS-117hr1470.xml",
    )
    assert found["dataset"]["license"] == "public-domain"


async def test_a_legislator_comes_from_congress_legislators_cc0(client):
    found = await provenance_of(client, "legislator", "bioguideId", "P000617")
    assert found == expected(datasets.CONGRESS_LEGISLATORS, "legislators/legislators-current.yaml")
    assert found["dataset"]["license"] == "CC0-1.0"


async def test_a_committee_comes_from_the_committees_file(client):
    body = await graphql(client, f"{{ committees(first: 1) {{ nodes {{ {PROVENANCE} }} }} }}")
    assert body["data"]["committees"]["nodes"][0]["provenance"] == expected(
        datasets.CONGRESS_LEGISLATORS, "legislators/committees-current.yaml"
    )


async def test_the_renee_good_incident_comes_from_the_curated_file(client):
    found = await provenance_of(client, "incident", "externalKey", GOOD_KEY)
    assert found == expected(datasets.REDRESS_CURATED, "curated/qualified-immunity-ice.yaml")


async def test_a_voteview_vote_names_voteview_and_its_rollcalls_file(client):
    found = await provenance_of(client, "vote", "voteId", "s126-116.2020")
    assert found == expected(VOTEVIEW, "votes/voteview/S116_rollcalls.csv")


async def test_a_clerk_vote_carries_its_source_url(client):
    found = await provenance_of(client, "vote", "voteId", "h60-117.2021")
    assert found == expected(
        datasets.USCONGRESS_VOTES,
        "votes/uscongress/117/votes/2021/h60/data.json",
        "https://clerk.house.gov/evs/2021/roll060.xml",
    )


async def test_a_congressional_record_statement_names_its_page(client):
    found = await provenance_of(
        client, "statement", "externalKey", "crec:CREC-2005-07-20-pt1-PgS8504-2:24"
    )
    assert found == expected(CONGRESSIONAL_RECORD, "statements/CREC-2005-07-20-pt1-PgS8504-2.json")


async def test_people_organizations_and_sources_have_provenance(client):
    body = await graphql(
        client,
        f"""{{ person(slug: "renee-nicole-good") {{ {PROVENANCE} }}
              organization(slug: "dhs") {{ {PROVENANCE} }}
              sources(filter: {{dataset: "redress-curated"}}, first: 100) {{
                nodes {{ {PROVENANCE} }} }} }}""",
    )
    assert "errors" not in body, body
    curated = expected(datasets.REDRESS_CURATED, "curated/qualified-immunity-ice.yaml")
    assert body["data"]["person"]["provenance"] == curated
    assert body["data"]["organization"]["provenance"] == curated
    sources = body["data"]["sources"]["nodes"]
    assert sources and all(s["provenance"] == curated for s in sources)


async def test_provenance_of_a_page_costs_one_statement(client):
    query = "query($n: Int) { bills(first: $n) { nodes { provenance { dataset { license } } } } }"
    counts = {}
    for n in (1, 9):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": n})
        assert "errors" not in body, body
        assert len(body["data"]["bills"]["nodes"]) == n
        counts[n] = log.count
    # The page, then one statement for all of its datasets.
    assert counts == {1: 2, 9: 2}


async def test_importing_a_shipped_file_again_changes_nothing(fresh_url):
    before = await _bill_row(fresh_url)
    summary = await load_files(fresh_url, [HR1470], DATA)
    assert summary["bills"].unchanged == 1
    assert summary["bills"].updated == summary["bills"].inserted == 0
    assert await _bill_row(fresh_url) == before
    assert before["source_file"] == "bills/billstatus/BILLSTATUS-117hr1470.xml"


async def _bill_row(url: str) -> asyncpg.Record:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT b.source_file, d.key, b.updated_at FROM bills b"
            " JOIN datasets d ON d.id = b.dataset_id WHERE b.bill_id = 'hr1470-117'"
        )
    finally:
        await conn.close()
    assert row is not None
    return row


async def test_a_record_an_editor_creates_has_no_provenance(fresh_url):
    async with editing_api(fresh_url) as api:
        data = await api.ok(
            f"""mutation {{ createPerson(input: {{slug: "provenance-test", name: "Test"}}) {{
                  person {{ slug {PROVENANCE} }} }} }}"""
        )
        assert data["createPerson"]["person"] == {"slug": "provenance-test", "provenance": None}
