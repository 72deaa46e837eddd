"""`redress import`: detection or --format, --dry-run, a summary table, clear failures."""

import asyncio

import asyncpg

from api.cli import main
from api.settings import ROOT

HR1470 = ROOT / "data/bills/billstatus/BILLSTATUS-117hr1470.xml"
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"


async def _count(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


def test_import_prints_a_summary_table(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["import", str(LEGISLATORS), str(HR1470)]) == 0
    out = capsys.readouterr().out
    header, *rows = [line for line in out.splitlines() if line.strip()]
    assert header.split() == ["entity", "inserted", "updated", "unchanged", "removed", "unresolved"]
    legislators = next(row.split() for row in rows if row.startswith("legislators "))
    assert legislators[1:] == ["537", "0", "0", "0", "0"]


def test_dry_run_writes_nothing(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["import", "--dry-run", str(LEGISLATORS)]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was written" in out
    assert "537" in out
    assert asyncio.run(_count(empty_url, "legislators")) == 0


def test_wrong_format_fails_naming_the_file(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["import", "--format", "vote-json", str(HR1470)]) == 1
    err = capsys.readouterr().err
    assert str(HR1470) in err
    assert "not in the vote-json format" in err


def test_a_folder_with_nothing_to_import_is_refused(empty_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    (tmp_path / "notes.txt").write_text("nothing here")
    assert main(["import", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path}: holds no file in a format this importer knows" in err


def test_a_missing_path_is_refused(empty_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["import", str(tmp_path / "absent.xml"), str(HR1470)]) == 1
    assert f"{tmp_path / 'absent.xml'}: does not exist" in capsys.readouterr().err
    assert asyncio.run(_count(empty_url, "bills")) == 0
