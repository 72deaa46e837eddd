"""A real slice of the 119th Congress roll-call corpus in ../shared (every vote as published,
JSON and XML) through `redress import`, twice: no file refused, and the second run changes
nothing. The whole corpus is `bench/import.py`'s job; this slice keeps the test short.

Skipped when ../shared is absent.
"""

import asyncio

import asyncpg
import pytest

from api.cli import main
from api.settings import ROOT

SHARED = ROOT / ".." / "shared"
VOTES = SHARED / "data/votes/uscongress-119/119/votes"
# Every 2026 roll call, and 2025 votes that exercise the harder cases: the Speaker election
# (h2, options are candidates' names), a member with state XX and an amendment (h150), and
# Vice President tie-breaks (s15, s372).
SLICE = [VOTES / "2026", *(VOTES / "2025" / v for v in ("h2", "h150", "s15", "s372"))]
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"

pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent")


async def _state(url: str) -> tuple:
    conn = await asyncpg.connect(url)
    try:
        return tuple(
            await conn.fetchrow(
                "SELECT (SELECT count(*) FROM votes), (SELECT count(*) FROM vote_positions),"
                " (SELECT max(updated_at) FROM votes),"
                " (SELECT max(updated_at) FROM vote_positions),"
                " (SELECT count(*) FROM legislators)"
            )
        )
    finally:
        await conn.close()


def _table(out: str) -> dict[str, list[int]]:
    rows = [line.split() for line in out.splitlines()]
    return {r[0]: [int(n) for n in r[1:]] for r in rows if len(r) == 6 and r[1].isdigit()}


def test_a_slice_of_the_119th_congress_imports_twice(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    files = [p for folder in SLICE for p in folder.rglob("*") if p.is_file()]
    votes = {p.parent for p in files}
    assert len(files) == 2 * len(votes) > 90
    assert main(["import", str(LEGISLATORS)]) == 0
    capsys.readouterr()

    assert main(["import", "--keep-going", *map(str, SLICE)]) == 0
    first = capsys.readouterr()
    assert "refused" not in first.err
    table = _table(first.out)
    assert table["votes"][0] == len(votes)  # each vote inserted once, from its data.json
    assert table["votes"][2] == len(votes)  # and unchanged by its data.xml
    after_first = asyncio.run(_state(empty_url))
    assert after_first[0] == len(votes)

    assert main(["import", "--keep-going", *map(str, SLICE)]) == 0
    second = capsys.readouterr()
    assert "refused" not in second.err
    changed = {
        entity: counts
        for entity, counts in _table(second.out).items()
        if entity != "text_repairs" and (counts[0] or counts[1] or counts[3])
    }
    assert changed == {}
    assert asyncio.run(_state(empty_url)) == after_first
