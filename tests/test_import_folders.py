"""`redress import` with folders, zip archives and files in any order; --keep-going and
--strict. Every input here is a shipped file (or a copy of one, edited where a test says so).
"""

import asyncio
import shutil
import zipfile
from pathlib import Path

import asyncpg
import pytest

from api.cli import main
from api.settings import ROOT
from db.importers import ordering, sources
from db.importers.errors import ImportFailure
from db.load import import_paths

DATA = ROOT / "data"
LEGISLATORS = DATA / "legislators"
BILLSTATUS = DATA / "bills/billstatus"
HR1470 = BILLSTATUS / "BILLSTATUS-117hr1470.xml"
H60 = DATA / "votes/uscongress/117/votes/2021/h60/data.json"


async def _scalars(url: str, sql: str) -> tuple:
    conn = await asyncpg.connect(url)
    try:
        return tuple(await conn.fetchrow(sql))
    finally:
        await conn.close()


def scalars(url: str, sql: str) -> tuple:
    return asyncio.run(_scalars(url, sql))


def _row(out: str, entity: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(f"{entity} "))


def _unchanged(out: str) -> bool:
    """Whether every row of a printed summary table inserted, updated and removed nothing."""
    rows = [line.split() for line in out.splitlines() if line and line[0] != " "]
    table = [r for r in rows if len(r) == 6 and r[1].isdigit()]
    return bool(table) and all(r[1] == r[2] == r[4] == "0" for r in table if r[0] != "text_repairs")


def test_legislators_files_in_shell_order(empty_url, monkeypatch, capsys):
    """The case import-in-any-order: `redress import data/legislators/*.yaml`."""
    monkeypatch.setenv("DATABASE_URL", empty_url)
    shell_order = sorted(str(p) for p in LEGISLATORS.glob("*.yaml"))
    assert Path(shell_order[0]).name == "committee-membership-current.yaml"
    assert main(["import", *shell_order]) == 0
    first = capsys.readouterr().out
    assert _row(first, "legislators")[1:3] == ["537", "0"]
    assert _row(first, "committee_memberships")[1:3] == ["3879", "0"]
    counts = (
        "SELECT (SELECT count(*) FROM legislators),"
        " (SELECT count(*) FROM committees WHERE parent_id IS NULL),"
        " (SELECT count(*) FROM committees WHERE parent_id IS NOT NULL),"
        " (SELECT count(*) FROM committee_memberships),"
        " (SELECT max(updated_at) FROM committee_memberships)"
    )
    before = scalars(empty_url, counts)
    assert before[:4] == (537, 49, 181, 3879)
    assert main(["import", *shell_order]) == 0
    again = capsys.readouterr().out
    assert _row(again, "legislators")[1:] == ["0", "0", "537", "0", "0"]
    assert _row(again, "committee_memberships")[1:] == ["0", "0", "3879", "0", "0"]
    assert _unchanged(again)
    assert scalars(empty_url, counts) == before


def test_a_folder_is_walked_recursively_and_unknown_files_are_skipped(
    empty_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    nested = tmp_path / "bills" / "deeper"
    nested.mkdir(parents=True)
    shutil.copy(HR1470, tmp_path / "bills" / HR1470.name)
    shutil.copy(BILLSTATUS / "BILLSTATUS-117s492.xml", nested)
    shutil.copy(LEGISLATORS / "legislators-current.yaml", tmp_path)
    (tmp_path / "README.md").write_text("notes")
    (nested / "package.json").write_text('{"name": "not data"}')
    (tmp_path / ".hidden.json").write_text("{}")
    assert main(["import", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert _row(out, "bills")[1] == "2"
    assert _row(out, "legislators")[1] == "537"
    assert "skipped 2 file(s)" in out
    assert f"{tmp_path / 'README.md'}: not a file type this importer reads" in out
    assert f"{nested / 'package.json'}: not a format this importer knows" in out
    assert ".hidden.json" not in out
    # The sponsor resolved: the legislators file was imported first, though found after.
    assert scalars(
        empty_url, "SELECT sponsor_id IS NOT NULL FROM bills WHERE bill_id = 'hr1470-117'"
    ) == (True,)


def test_a_file_named_explicitly_in_no_known_format_is_refused(
    empty_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    other = tmp_path / "package.json"
    other.write_text('{"name": "not data"}')
    assert main(["import", str(other)]) == 1
    assert f"{other}: not a format this importer knows" in capsys.readouterr().err


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_zip_archive_imports_its_members_named_in_provenance(
    empty_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    archive = _zip(
        tmp_path / "BILLSTATUS-117-hr.zip",
        {
            "hr/BILLSTATUS-117hr1470.xml": HR1470.read_bytes(),
            "hr/BILLSTATUS-117hr1280.xml": (BILLSTATUS / "BILLSTATUS-117hr1280.xml").read_bytes(),
            "hr/readme.txt": b"not data",
        },
    )
    assert main(["import", str(archive)]) == 0
    out = capsys.readouterr().out
    assert _row(out, "bills")[1] == "2"
    assert f"{archive}/hr/readme.txt: not a file type this importer reads" in out
    assert scalars(empty_url, "SELECT source_file FROM bills WHERE bill_id = 'hr1470-117'") == (
        "BILLSTATUS-117-hr.zip/hr/BILLSTATUS-117hr1470.xml",
    )
    assert main(["import", str(archive)]) == 0
    # Inserted, updated, unchanged, removed (the sponsors stay unresolved: no legislators).
    assert _row(capsys.readouterr().out, "bills")[1:5] == ["0", "0", "2", "0"]


def test_a_bad_member_is_named_inside_its_archive(empty_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    raw = HR1470.read_bytes()
    archive = _zip(tmp_path / "bills.zip", {"inner/broken.xml": raw[: len(raw) // 2]})
    assert main(["import", str(archive)]) == 1
    err = capsys.readouterr().err
    assert f"{archive}/inner/broken.xml, line " in err
    assert "invalid XML" in err
    assert "redress-import-" not in err  # never the temporary file


@pytest.mark.parametrize("member", ["../escape.xml", "/etc/absolute.xml", "a/../../b.xml"])
def test_unsafe_member_paths_are_refused(empty_url, tmp_path, member):
    archive = _zip(tmp_path / "evil.zip", {member: HR1470.read_bytes()})
    with pytest.raises(ImportFailure) as failure:
        asyncio.run(import_paths(empty_url, [archive]))
    assert failure.value.path == str(archive)
    assert failure.value.record == member
    assert "absolute or '..' path" in failure.value.problem
    assert scalars(empty_url, "SELECT count(*) FROM bills") == (0,)


def test_an_archive_too_large_uncompressed_is_refused(empty_url, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_ARCHIVE_BYTES", 1_000_000)
    archive = _zip(tmp_path / "bomb.zip", {"zeros.xml": b"\0" * 2_000_000})
    assert archive.stat().st_size < 100_000
    with pytest.raises(ImportFailure) as failure:
        asyncio.run(import_paths(empty_url, [archive]))
    assert failure.value.path == str(archive)
    assert "zip bomb" in failure.value.problem


def test_keep_going_imports_the_good_files_and_lists_the_refused(
    empty_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    bad = tmp_path / "BILLSTATUS-117hr9999.xml"
    bad.write_text(
        HR1470.read_text(encoding="utf-8").replace(
            "<introducedDate>2021-03-01", "<introducedDate>2021-02-30", 1
        ),
        encoding="utf-8",
    )
    # Both bills in one folder, so that the bad one sorts first among the bills wherever the
    # shared data lives.
    s492 = tmp_path / "BILLSTATUS-117s492.xml"
    s492.write_bytes((BILLSTATUS / "BILLSTATUS-117s492.xml").read_bytes())
    good = [str(s492), str(LEGISLATORS)]
    # Without --keep-going the first refusal stops the run: the legislators (imported first,
    # by rank) stay, the bad bill and the bill after it are not imported.
    assert main(["import", str(bad), *good]) == 1
    captured = capsys.readouterr()
    assert f"{bad}, bill hr1470-117: introducedDate" in captured.err
    assert scalars(empty_url, "SELECT count(*) FROM legislators") == (537,)
    assert scalars(empty_url, "SELECT count(*) FROM bills") == (0,)

    assert main(["import", "--keep-going", str(bad), *good]) == 1
    captured = capsys.readouterr()
    assert _row(captured.out, "bills")[1] == "1"
    assert _row(captured.out, "legislators")[3] == "537"  # unchanged since the first run
    assert "refused 1 file(s); nothing from them was written:" in captured.err
    assert f"{bad}, bill hr1470-117: introducedDate '2021-02-30' is not a date" in captured.err
    assert scalars(empty_url, "SELECT count(*), min(bill_id) FROM bills") == (1, "s492-117")


def test_strict_refuses_a_file_with_unread_keys(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    committees = str(LEGISLATORS / "committees-current.yaml")
    assert main(["import", "--strict", committees]) == 1
    err = capsys.readouterr().err
    assert f"{committees}: refused by --strict: it carried keys no importer reads:" in err
    assert "jurisdiction_source (41x)" in err
    assert scalars(empty_url, "SELECT count(*) FROM committees") == (0,)

    assert main(["import", committees]) == 0
    out = capsys.readouterr().out
    assert "not read: jurisdiction_source (41x)" in out  # the notes follow the table
    assert scalars(empty_url, "SELECT count(*) FROM committees") == (230,)


def test_dependency_order_of_the_formats():
    order = [name for name, _kind in ordering.ORDER]
    assert order.index("legislators") < order.index("committees")
    assert order.index("committees") < order.index("committee-membership")
    assert order.index("billstatus") < order.index("bill-json") < order.index("vote-json")
    assert order.index("vote-json") < order.index("vote-xml") < order.index("curated")
    assert order.index("curated") < order.index("incidents-csv") < order.index("crec")
    members, votes = b"congress,chamber,icpsr,bioname\n", b"congress,rollnumber,icpsr,cast_code\n"
    rollcalls = b"congress,rollnumber,clerk_rollnumber\n"
    assert (
        ordering.rank("voteview", members)
        < ordering.rank("billstatus", None)
        < ordering.rank("voteview", rollcalls)
        < ordering.rank("voteview", votes)
    )


def test_a_dry_run_sees_what_earlier_files_wrote_and_writes_nothing(empty_url, monkeypatch, capsys):
    """Memberships need the committees imported just before them, in the same dry run."""
    monkeypatch.setenv("DATABASE_URL", empty_url)
    shell_order = sorted(str(p) for p in LEGISLATORS.glob("*.yaml"))
    assert main(["import", "--dry-run", *shell_order]) == 0
    out = capsys.readouterr().out
    assert _row(out, "legislators")[1:3] == ["537", "0"]
    assert _row(out, "committee_memberships")[1:3] == ["3879", "0"]
    assert "dry run: nothing was written" in out
    assert scalars(
        empty_url,
        "SELECT (SELECT count(*) FROM legislators), (SELECT count(*) FROM committee_memberships)",
    ) == (0, 0)


def test_notes_are_listed_per_file_and_roll_calls_named_by_their_published_path(
    empty_url, monkeypatch, capsys, tmp_path
):
    """Two roll calls both called data.json outside the data folder stay apart."""
    monkeypatch.setenv("DATABASE_URL", empty_url)
    s3 = DATA / "votes/uscongress/119/votes/2025/s3/data.json"
    copies = []
    for name, original in (("a", s3), ("b", H60)):
        (tmp_path / name).mkdir()
        shutil.copy(original, tmp_path / name / "data.json")
        copies.append(str(tmp_path / name / "data.json"))
    assert main(["import", *copies]) == 0
    out = capsys.readouterr().out
    # s3 carries `record_modified` and `bill.title`, which are not read; each copy is its own.
    assert f"{copies[0]}:" in out
    assert "\ndata.json:" not in out
    files = scalars(
        empty_url,
        "SELECT array_agg(source_file ORDER BY vote_id) FROM votes",
    )[0]
    assert files == ["117/votes/2021/h60/data.json", "119/votes/2025/s3/data.json"]
