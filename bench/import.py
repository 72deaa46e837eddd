"""Benchmark the importers: Voteview files (records per second), a full shipped load, and the
119th Congress roll-call corpus (every vote as JSON and XML) imported through `redress import`.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py
       [--only voteview,shipped,corpus] [--corpus PATH]

Each part runs in a scratch database on that server, created, migrated and dropped here.
- voteview: loads the current legislators (so members resolve as in production), imports the
  S116 members, rollcalls and votes once each, and the votes file a second time (unchanged).
- shipped: a full load of data/ into an empty database, then a second one (unchanged).
- corpus: loads the current legislators, then imports ../shared/data/votes/uscongress-119
  (2,126 files) twice with `import_paths(..., keep_going=True)`, as `redress import
  --keep-going` does; the second run must change nothing. It reports seconds, files per
  second, roll-call positions per second and refusals for each run. It is skipped, with a
  message, when ../shared is absent.
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.importers import voteview  # noqa: E402
from db.importers.bulk import Summary  # noqa: E402
from db.load import import_paths, load_files, load_shipped  # noqa: E402
from db.migrate import migrate  # noqa: E402

DATA = ROOT / "data"
CORPUS = ROOT.parent / "shared" / "data" / "votes" / "uscongress-119"
LEGISLATORS = DATA / "legislators/legislators-current.yaml"
FILES = ("S116_members.csv", "S116_rollcalls.csv", "S116_votes.csv", "S116_votes.csv")
PARTS = ("voteview", "shipped", "corpus")


def _records(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


@asynccontextmanager
async def scratch_database(server: str) -> AsyncIterator[str]:
    """The URL of a new, migrated database on `server`, dropped on exit."""
    name = f"redress_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        await migrate(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _timed(url: str, path: Path) -> float:
    conn = await asyncpg.connect(url)
    try:
        start = time.perf_counter()
        async with conn.transaction():
            await voteview.import_voteview(conn, path)
        return time.perf_counter() - start
    finally:
        await conn.close()


async def bench_voteview(server: str) -> None:
    """Voteview S116 files, records per second."""
    async with scratch_database(server) as url:
        await load_files(url, [LEGISLATORS])
        seen: set[str] = set()
        for file in FILES:
            path = DATA / "votes/voteview" / file
            seconds = await _timed(url, path)
            records = _records(path)
            run = "again (unchanged)" if file in seen else "first import"
            seen.add(file)
            print(
                f"{file:<20} {run:<18} {records:>7} records  {seconds:6.2f} s"
                f"  {records / seconds:>10,.0f} records/s"
            )


async def bench_shipped(server: str) -> None:
    """A full load of data/, twice."""
    async with scratch_database(server) as url:
        summaries = []
        for run in ("first import", "again (unchanged)"):
            start = time.perf_counter()
            summaries.append(await load_shipped(url, DATA))
            seconds = time.perf_counter() - start
            print(f"{'all shipped data':<20} {run:<18} {seconds:6.2f} s")
        print("\nfirst full load:")
        print(summaries[0])


def _changed(summary: Summary) -> dict[str, str]:
    """The entities a run inserted, updated or removed rows of (text_repairs is no table)."""
    return {
        name: f"+{c.inserted} ~{c.updated} -{c.removed}"
        for name, c in summary.entities.items()
        if (c.inserted or c.updated or c.removed) and name != "text_repairs"
    }


def _file_count(folder: Path) -> int | None:
    """How many files are under `folder`, or None when it is absent."""
    if not folder.is_dir():
        return None
    return sum(1 for p in folder.rglob("*") if p.is_file())


async def bench_corpus(server: str, corpus: Path) -> None:
    """The 119th Congress roll calls through `redress import --keep-going`, twice."""
    files = _file_count(corpus)
    if files is None:
        print(f"corpus: skipped, {corpus} is absent (it lives in ../shared)")
        return
    async with scratch_database(server) as url:
        await load_files(url, [LEGISLATORS])
        for run in ("first import", "again (unchanged)"):
            start = time.perf_counter()
            summary = await import_paths(url, [corpus], keep_going=True)
            seconds = time.perf_counter() - start
            p = summary["vote_positions"]
            positions = p.inserted + p.updated + p.unchanged
            print(
                f"{'uscongress-119':<20} {run:<18} {files:>5} files  {seconds:6.2f} s"
                f"  {files / seconds:>6,.0f} files/s  {positions:>8,} positions"
                f"  {positions / seconds:>8,.0f} positions/s  {len(summary.refused)} refused"
            )
            if run != "first import":
                print(f"{'':<20} changed on the second run: {_changed(summary) or 'nothing'}")
            for error in sorted(summary.refused.values())[:10]:
                print(f"    refused: {error}")
            if len(summary.refused) > 10:
                print(f"    ... and {len(summary.refused) - 10} more")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help="parts to run, comma-separated")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus folder")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    parts = {part.strip() for part in args.only.split(",")}
    if "voteview" in parts:
        await bench_voteview(server)
    if "shipped" in parts:
        await bench_shipped(server)
    if "corpus" in parts:
        await bench_corpus(server, args.corpus)


if __name__ == "__main__":
    asyncio.run(main())
