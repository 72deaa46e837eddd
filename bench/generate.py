"""Generate the benchmark's database: real legislators and committees, synthetic everything else.

Usage:
    .venv/bin/python bench/generate.py [--database-url URL] [--name redress_bench]
                                       [--seed 1] [--scale 1.0] [--if-missing]

URL is a PostgreSQL server (default: DATABASE_URL, else the embedded server). The database
`--name` on it is dropped and made anew, migrated, loaded with the shipped legislator files
and filled with synthetic rows (see db/synthetic.py). With --if-missing it does nothing when
that database already holds a complete synthetic data set.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import synthetic  # noqa: E402
from db.load import load_files  # noqa: E402
from db.migrate import migrate  # noqa: E402


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def server_url(given: str | None) -> tuple[str, object]:
    """The server to use: --database-url, DATABASE_URL, or the embedded one (kept alive)."""
    if given:
        return given, None
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    from api.cli import database_url
    from api.settings import load_settings

    return database_url(load_settings())


async def build(server: str, name: str, seed: int, scale: synthetic.Scale) -> str:
    """Make the database and fill it; return its URL."""
    url = with_database(server, name)
    started = time.perf_counter()
    await synthetic.recreate_database(server, name)
    await migrate(url)
    await load_files(url, synthetic.legislator_files(ROOT / "data"))
    loaded = time.perf_counter()
    print(f"migrated and loaded the shipped legislators in {loaded - started:.1f} s", flush=True)
    await synthetic.generate(url, seed, scale)
    done = time.perf_counter()
    print(f"generated synthetic rows (seed {seed}) in {done - loaded:.1f} s", flush=True)
    for table, rows in (await synthetic.row_counts(url)).items():
        print(f"  {table:<24} {rows:>9,}")
    print(f"total {done - started:.1f} s -> database {name}")
    return url


async def main(args: argparse.Namespace) -> int:
    server, _embedded = server_url(args.database_url)
    name = synthetic.checked_name(args.name)
    if args.if_missing and await synthetic.database_exists(server, name):
        existing = with_database(server, name)
        if await synthetic.is_generated(existing):
            await migrate(existing)  # bring an older bench database up to the current schema
            print(f"database {name} already holds the synthetic data set; not regenerating")
            return 0
    await build(server, name, args.seed, synthetic.Scale().times(args.scale))
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: DATABASE_URL)")
    parser.add_argument("--name", default="redress_bench", help="the database to (re)create")
    parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every count (default 1.0)"
    )
    parser.add_argument(
        "--if-missing", action="store_true", help="skip when the database is already generated"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
