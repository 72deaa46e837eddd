"""`redress export DIR`: every file and a manifest from one snapshot, checksums that match the
files (and the HTTP export's), gzip, and clear failures that leave no partial manifest."""

import asyncio
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.cli import main
from api.settings import ROOT
from db.export import EXPORTS


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_export_writes_every_file_and_a_manifest_that_matches_them(
    seeded_url, client, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    assert await asyncio.to_thread(main, ["export", str(tmp_path / "out")]) == 0
    folder = tmp_path / "out"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", *(f"{name}.ndjson" for name in EXPORTS)]
    )
    for entry in manifest["files"]:
        content = (folder / entry["path"]).read_bytes()
        assert _sha256(content) == entry["sha256"]
        assert len(content) == entry["bytes"]
        assert content.count(b"\n") == entry["records"]
    # The same bytes as the HTTP export at the same data version.
    served = (await client.get("/export/manifest.json")).json()
    # (Its feed cursor may differ: another snapshot of the same data, docs/export.md.)
    assert served["dataVersion"] == manifest["dataVersion"]
    by_path = {entry["path"]: entry for entry in served["files"]}
    for entry in manifest["files"]:
        assert by_path[entry["path"]]["sha256"] == entry["sha256"]
    assert f"data version {manifest['dataVersion']}" in capsys.readouterr().out


def test_gzip_csv_of_chosen_entities(seeded_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    argv = ["export", str(tmp_path), "--format", "both", "--gzip", "--entities", "topics,terms"]
    assert main(argv) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["files"]] == [
        "topics.ndjson.gz",
        "topics.csv.gz",
        "terms.ndjson.gz",
        "terms.csv.gz",
    ]
    for entry in manifest["files"]:
        packed = (tmp_path / entry["path"]).read_bytes()
        assert _sha256(packed) == entry["compressedSha256"]
        assert len(packed) == entry["compressedBytes"]
        assert _sha256(gzip.decompress(packed)) == entry["sha256"]
    terms_csv = gzip.decompress((tmp_path / "terms.csv.gz").read_bytes()).decode()
    assert terms_csv.count("\r\n") == manifest["files"][3]["records"] + 1  # and the header


def test_an_unwritable_directory_fails_clearly(seeded_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["export", str(blocker / "out")]) == 1
    assert f"redress export: cannot create {blocker / 'out'}" in capsys.readouterr().err


def test_an_unreachable_database_fails_clearly_and_writes_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert main(["export", str(tmp_path)]) == 1
    assert "redress export: the database cannot be reached" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_the_old_export_whole(empty_url, monkeypatch, tmp_path, capsys):
    # An earlier export stays as it was when a later one fails: its files are renamed into
    # place only once every one is complete, and no temporary file is left behind.
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["export", str(tmp_path), "--entities", "topics"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    target = tmp_path / "bills.ndjson"
    target.mkdir()  # a folder where a file must go: the rename fails after writing
    (target / "keep").write_text("x")
    assert main(["export", str(tmp_path), "--entities", "topics,bills"]) == 1
    assert "redress export: cannot write into" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert "manifest.json" not in after or after == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_unknown_entities_are_refused(monkeypatch, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["export", str(tmp_path), "--entities", "bills,senators"])
    assert exited.value.code == 2
    assert "unknown entity senators" in capsys.readouterr().err
    assert not Path(tmp_path).joinpath("manifest.json").exists()


def test_sigterm_midway_removes_the_unfinished_files(seeded_url, tmp_path):
    out = tmp_path / "out"
    environment = {**os.environ, "DATABASE_URL": seeded_url}
    command = [sys.executable, "-m", "api.cli", "export", str(out), "--format", "both", "--gzip"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        for _ in range(6000):  # until a file is being written
            if out.is_dir() and any(p.name.endswith(".partial") for p in out.iterdir()):
                # Freeze it there, so that the signal comes midway however busy the machine.
                process.send_signal(signal.SIGSTOP)
                break
            time.sleep(0.005)
        assert process.poll() is None, "the export ended before it could be interrupted"
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGCONT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted; no file was left half-written" in stderr
    assert b"Traceback" not in stderr
    assert [p.name for p in out.iterdir()] == []
