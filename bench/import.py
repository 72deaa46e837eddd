"""Benchmark the importers: the Voteview files (records per second) and a full shipped load.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py

It creates a scratch database on that server, migrates it, loads the current legislators
(so members resolve as they do in production), imports S116 members, rollcalls and votes
once each in its own transaction, imports the votes file a second time (nothing changes),
and drops the scratch database. Then it times a full load of everything in data/ into an
empty database, and a second full load (which changes nothing).
"""

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.importers import voteview  # noqa: E402
from db.load import load_files, load_shipped  # noqa: E402
from db.migrate import migrate  # noqa: E402

DATA = ROOT / "data"
FILES = ("S116_members.csv", "S116_rollcalls.csv", "S116_votes.csv", "S116_votes.csv")


def _records(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


async def _timed(url: str, path: Path) -> float:
    conn = await asyncpg.connect(url)
    try:
        start = time.perf_counter()
        async with conn.transaction():
            await voteview.import_voteview(conn, path)
        return time.perf_counter() - start
    finally:
        await conn.close()


async def main() -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"redress_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        await migrate(url)
        await load_files(url, [DATA / "legislators/legislators-current.yaml"])
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
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await migrate(url)
        summaries = []
        for run in ("first import", "again (unchanged)"):
            start = time.perf_counter()
            summaries.append(await load_shipped(url, DATA))
            seconds = time.perf_counter() - start
            print(f"{'all shipped data':<20} {run:<18} {seconds:6.2f} s")
        print("\nfirst full load:")
        print(summaries[0])
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
