"""One deep nested query, timed in process on both paths (docs/benchmarks.md).

Usage: DATABASE_URL=... python bench/deep.py [--size 100] [--repeat 2]. Runs
`votes(first: n) > positions(first: n) > legislator > committees(first: n) > committee` on the
database DATABASE_URL names (the shipped data: `redress load`), through the ASGI app with the
response cache off, with `REDRESS_COMPILED=on` and `off`, and prints the best time of each,
the body size and the SQL statements logged. The collector is tuned as `redress serve` tunes it.
"""

import argparse
import asyncio
import dataclasses
import os
import time

import httpx

from api.app import create_app
from api.runtime import tune_garbage_collector
from api.settings import load_settings
from db.pool import connect, log_statements

QUERY = """query($n: Int) { votes(first: $n) { nodes { voteId positions(first: $n) {
  nodes { position legislator { committees(first: $n) { nodes { committee { name } } } } } }
} } }"""


async def main(url: str, size: int, repeat: int) -> None:
    os.environ["REDRESS_MAX_COST"] = str(max(1_000_000, 2 * size**3))
    database = await connect(url, max_size=4)
    settings = dataclasses.replace(
        load_settings(),
        rate_limit_anonymous=0,
        rate_limit_key=0,
        response_cache_mb=0,
        request_timeout_s=600.0,
    )
    app = create_app(settings, database=database)
    tune_garbage_collector()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", timeout=600
    ) as client:
        for path in ("on", "off"):
            os.environ["REDRESS_COMPILED"] = path
            best = float("inf")
            for _ in range(repeat):
                async with log_statements() as log:
                    started = time.perf_counter()
                    response = await client.post(
                        "/graphql", json={"query": QUERY, "variables": {"n": size}}
                    )
                    best = min(best, time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(
                f"REDRESS_COMPILED={path}: {best:.2f} s, {len(response.content):,} bytes,"
                f" {log.count} SQL statements"
            )
    await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(os.environ["DATABASE_URL"], arguments.size, arguments.repeat))
