"""The curated YAML importer, on the shipped demo topic and on edited copies of it.

The shipped template also holds other datasets' organizations, people and statements (the
CBP agency, the ICE and CBP victims, the Congressional Record speeches), so the tests of the
shipped state look at the rows of the curated dataset.
"""

import copy
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files

CURATED = ROOT / "data/curated/qualified-immunity-ice.yaml"
SEED: dict[str, Any] = yaml.safe_load(CURATED.read_text())
ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
GUARDIAN = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
INCIDENT = "ice-deaths:2026-01-07:good-renee-nicole"
MILLER = "qualified-immunity-ice:stephen-miller:federal-immunity"
CURATED_DATASET = "redress-curated"
TABLES = (
    "topics",
    "organizations",
    "people",
    "sources",
    "statements",
    "incidents",
    "incident_people",
    "incident_agencies",
    "statement_sources",
    "statement_topics",
    "statement_incidents",
    "statement_bills",
    "incident_sources",
    "incident_topics",
    "bill_topics",
)


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def row_counts(url: str) -> dict[str, int]:
    return {t: (await fetch(url, f"SELECT count(*) FROM {t}"))[0][0] for t in TABLES}


def edited(tmp_path: Path, change) -> Path:
    """A copy of the shipped file with `change(data)` applied."""
    data = copy.deepcopy(SEED)
    change(data)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def statement(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in data["statements"] if s["key"] == key)


async def test_topic_links_the_three_bills(seeded_url):
    rows = await fetch(
        seeded_url,
        """SELECT t.name, b.bill_id FROM topics t JOIN bill_topics bt ON bt.topic_id = t.id
           JOIN bills b ON b.id = bt.bill_id WHERE t.slug = 'qualified-immunity-ice'
           ORDER BY b.bill_id""",
    )
    assert [tuple(r) for r in rows] == [
        ("Qualified immunity for ICE agents", "hr1280-117"),
        ("Qualified immunity for ICE agents", "hr1470-117"),
        ("Qualified immunity for ICE agents", "s492-117"),
    ]


async def test_organizations_people_and_sources(seeded_url):
    orgs = await fetch(
        seeded_url,
        "SELECT o.slug, o.abbreviation, o.kind FROM organizations o"
        " JOIN datasets d ON d.id = o.dataset_id WHERE d.key = $1 ORDER BY 1",
        CURATED_DATASET,
    )
    assert [tuple(r) for r in orgs] == [
        ("dhs", "DHS", "agency"),
        ("fox-news", None, "news"),
        ("ice", "ICE", "agency"),
        ("national-lawyers-guild", None, "advocacy"),
        ("reuters", None, "news"),
    ]
    people = await fetch(
        seeded_url,
        "SELECT pe.slug, pe.name, pe.description FROM people pe"
        " JOIN datasets d ON d.id = pe.dataset_id WHERE d.key = $1 ORDER BY 1",
        CURATED_DATASET,
    )
    assert [tuple(r) for r in people] == [
        ("renee-nicole-good", "Renee Nicole Good", None),
        ("stephen-miller", "Stephen Miller", "Adviser to President Donald Trump."),
    ]
    article = await fetch(
        seeded_url,
        "SELECT url, publisher, published_on, published_precision FROM sources WHERE title = $1",
        ARTICLE,
    )
    # Only the title and the year are known of the article.
    assert [tuple(r) for r in article] == [(None, None, date(2026, 1, 1), "year")]


async def test_statements_and_their_speakers(seeded_url):
    rows = await fetch(
        seeded_url,
        """SELECT s.external_key, s.said_on, s.said_on_precision, s.medium, s.quote,
                  l.bioguide_id, s.speaker_bioguide_id, pe.slug AS person, o.slug AS org,
                  (SELECT array_agg(src.title) FROM statement_sources ss
                     JOIN sources src ON src.id = ss.source_id
                     WHERE ss.statement_id = s.id) AS sources,
                  (SELECT array_agg(tp.slug) FROM statement_topics st
                     JOIN topics tp ON tp.id = st.topic_id WHERE st.statement_id = s.id) AS topics
           FROM statements s LEFT JOIN legislators l ON l.id = s.speaker_legislator_id
           LEFT JOIN people pe ON pe.id = s.speaker_person_id
           LEFT JOIN organizations o ON o.id = s.speaker_organization_id
           JOIN datasets d ON d.id = s.dataset_id WHERE d.key = $1
           ORDER BY s.external_key""",
        CURATED_DATASET,
    )
    by_key = {r["external_key"]: r for r in rows}
    assert len(by_key) == 4
    miller = by_key[MILLER]
    assert (miller["said_on"], miller["said_on_precision"], miller["medium"]) == (
        date(2026, 1, 1),
        "month",
        "tv",
    )
    assert miller["person"] == "stephen-miller"
    assert miller["quote"] == (
        "To all ICE officers: You have federal immunity in the conduct of your duties."
    )
    markey = by_key["qualified-immunity-ice:markey:power-to-end-this"]
    assert (markey["bioguide_id"], markey["speaker_bioguide_id"]) == ("M000133", "M000133")
    assert (markey["said_on"], markey["said_on_precision"]) == (None, "unknown")
    assert by_key["qualified-immunity-ice:national-lawyers-guild:definition"]["org"] == (
        "national-lawyers-guild"
    )
    assert by_key["qualified-immunity-ice:reuters:legal-standard"]["org"] == "reuters"
    assert {tuple(r["sources"]) for r in rows} == {(ARTICLE,)}
    assert {tuple(r["topics"]) for r in rows} == {("qualified-immunity-ice",)}


async def test_the_renee_good_incident(seeded_url):
    incident = (
        await fetch(
            seeded_url,
            """SELECT i.*, (SELECT array_agg(o.slug) FROM incident_agencies a
                  JOIN organizations o ON o.id = a.organization_id
                  WHERE a.incident_id = i.id) AS agencies
               FROM incidents i WHERE i.external_key = $1""",
            INCIDENT,
        )
    )[0]
    assert (incident["kind"], incident["occurred_on"], incident["occurred_precision"]) == (
        "shooting",
        date(2026, 1, 7),
        "day",
    )
    assert (incident["city"], incident["state"]) == ("Minneapolis", "MN")
    assert incident["description"] == (
        "Shot by a federal agent during a traffic stop (ICE-related death; not in custody)."
    )
    assert incident["agencies"] == ["ice"]
    people = await fetch(
        seeded_url,
        """SELECT pe.slug, ip.role, ip.age, ip.sex, ip.nationality FROM incident_people ip
           JOIN people pe ON pe.id = ip.person_id WHERE ip.incident_id = $1""",
        incident["id"],
    )
    assert [tuple(r) for r in people] == [("renee-nicole-good", "victim", 37, "Female", None)]
    sources = await fetch(
        seeded_url,
        """SELECT s.url, s.title FROM incident_sources i JOIN sources s ON s.id = i.source_id
           WHERE i.incident_id = $1""",
        incident["id"],
    )
    assert GUARDIAN in {r["url"] for r in sources}
    assert ARTICLE in {r["title"] for r in sources}
    linked = await fetch(
        seeded_url,
        """SELECT s.external_key FROM statement_incidents si
           JOIN statements s ON s.id = si.statement_id WHERE si.incident_id = $1""",
        incident["id"],
    )
    assert [r[0] for r in linked] == [MILLER]


async def test_reimport_changes_nothing(fresh_url):
    snapshot = await fetch(
        fresh_url,
        "SELECT 's' || id, updated_at FROM statements UNION ALL"
        " SELECT 'i' || id, updated_at FROM incidents UNION ALL"
        " SELECT 'src' || id, updated_at FROM sources ORDER BY 1",
    )
    summary = await load_files(fresh_url, [CURATED])
    assert all(c.inserted == c.updated == c.removed == 0 for c in summary.entities.values())
    assert summary["statements"].unchanged == 4
    assert summary["sources"].unchanged == 3
    after = await fetch(
        fresh_url,
        "SELECT 's' || id, updated_at FROM statements UNION ALL"
        " SELECT 'i' || id, updated_at FROM incidents UNION ALL"
        " SELECT 'src' || id, updated_at FROM sources ORDER BY 1",
    )
    assert after == snapshot


async def test_links_dropped_from_the_file_are_removed(fresh_url, tmp_path):
    def change(data):
        data["topics"][0]["bills"].remove("hr1280-117")
        del statement(data, MILLER)["incidents"]
        statement(data, MILLER)["quote"] += " (edited)"

    summary = await load_files(fresh_url, [edited(tmp_path, change)])
    assert summary["bill_topics"].removed == 1
    assert summary["statement_incidents"].removed == 1
    assert summary["statements"].updated == 1
    assert (await fetch(fresh_url, "SELECT count(*) FROM bill_topics"))[0][0] == 2
    assert (await fetch(fresh_url, "SELECT count(*) FROM statement_incidents"))[0][0] == 0


async def test_unknown_legislator_speaker_keeps_the_bioguide_id(fresh_url, tmp_path):
    def change(data):
        data["statements"][1]["speaker"] = {"legislator": "Z999999"}
        data["statements"][1]["said_on"] = "2026"

    await load_files(fresh_url, [edited(tmp_path, change)])
    rows = await fetch(
        fresh_url,
        "SELECT speaker_legislator_id, speaker_bioguide_id, said_on, said_on_precision"
        " FROM statements WHERE external_key = 'qualified-immunity-ice:markey:power-to-end-this'",
    )
    assert tuple(rows[0]) == (None, "Z999999", date(2026, 1, 1), "year")


def _add_org_and(change):
    """Also add an organization, so a failure must roll back rows already written."""

    def both(data):
        data["organizations"].append({"slug": "new-org", "name": "New", "kind": "other"})
        change(data)

    return both


@pytest.mark.parametrize(
    ("change", "record", "problem"),
    [
        (
            lambda d: statement(d, MILLER).update(bills=["hr9999-117"]),
            f"statements[0] ({MILLER})",
            "no bill 'hr9999-117'",
        ),
        (
            lambda d: statement(d, MILLER).update(votes=["h1-117.2021"]),
            f"statements[0] ({MILLER})",
            "no vote 'h1-117.2021'",
        ),
        (
            lambda d: d["incidents"][0].update(topics=["no-such-topic"]),
            f"incidents[0] ({INCIDENT})",
            "no topic 'no-such-topic'",
        ),
        (
            lambda d: statement(d, MILLER).update(sources=["An article we never listed"]),
            f"statements[0] ({MILLER})",
            "no source 'An article we never listed'",
        ),
        (
            lambda d: statement(d, MILLER).update(sources=[]),
            f"statements[0] ({MILLER})",
            "needs at least one source",
        ),
        (
            lambda d: statement(d, MILLER).update(medium="radio"),
            f"statements[0] ({MILLER})",
            "unknown medium 'radio'",
        ),
        (
            lambda d: d["incidents"][0].update(kind="riot"),
            f"incidents[0] ({INCIDENT})",
            "unknown kind 'riot'",
        ),
        (
            lambda d: statement(d, MILLER).update(said_on="2026-13"),
            f"statements[0] ({MILLER})",
            "said_on '2026-13' is not YYYY-MM-DD",
        ),
        (
            lambda d: statement(d, MILLER).update(speaker={"person": "nobody-known"}),
            f"statements[0] ({MILLER})",
            "no person 'nobody-known'",
        ),
        (
            lambda d: statement(d, MILLER).update(sayd_on="2026-01"),
            f"statements[0] ({MILLER})",
            "unknown field sayd_on",
        ),
        (
            lambda d: d["incidents"][0]["location"].update(state="Minnesota"),
            f"incidents[0] ({INCIDENT})",
            "unknown state 'Minnesota'",
        ),
    ],
    ids=[
        "unknown-bill",
        "unknown-vote",
        "unknown-topic",
        "unknown-source",
        "no-source",
        "bad-medium",
        "bad-kind",
        "bad-date",
        "unknown-person",
        "misspelt-field",
        "bad-state",
    ],
)
async def test_bad_records_fail_naming_them_and_write_nothing(
    fresh_url, tmp_path, change, record, problem
):
    before = await row_counts(fresh_url)
    path = edited(tmp_path, _add_org_and(change))
    with pytest.raises(ImportFailure) as failure:
        await load_files(fresh_url, [path])
    assert failure.value.path == str(path)
    assert failure.value.record == record
    assert problem in failure.value.problem
    assert await row_counts(fresh_url) == before


async def test_the_shipped_file_has_nothing_unread_and_passes_strict(fresh_url):
    summary = await import_paths(fresh_url, [CURATED], strict=True)
    assert summary.unread == {}
    assert summary.entities["statements"].inserted == 0


@pytest.mark.parametrize(
    ("change", "record", "problem"),
    [
        (lambda d: d.update(notes="x"), "top level", "unknown section notes"),
        (
            lambda d: d["organizations"][0].update(website="https://www.ice.gov"),
            "organizations[0] (ice)",
            "unknown field website",
        ),
        (
            lambda d: d["incidents"][0]["location"].update(zip="55401"),
            f"incidents[0] ({INCIDENT})",
            "location takes only",
        ),
        (
            lambda d: d["incidents"][0]["people"][0].update(race="unknown"),
            f"incidents[0] ({INCIDENT})",
            "each person takes",
        ),
    ],
    ids=["section", "record", "location", "incident-person"],
)
async def test_an_unknown_key_is_refused_naming_file_and_record(
    fresh_url, tmp_path, change, record, problem
):
    """The curated format is a strict schema: a key it does not define is never dropped."""
    before = await row_counts(fresh_url)
    path = edited(tmp_path, change)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(fresh_url, [path])
    assert failure.value.path == str(path)
    assert failure.value.record == record
    assert problem in failure.value.problem
    assert await row_counts(fresh_url) == before
