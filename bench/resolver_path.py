"""The resolver path (REDRESS_COMPILED=off), timed in process per workload, with and without
schema/execution.py's short paths for plain fields (docs/compiled.md, "Kept beside it").

Usage: DATABASE_URL=... python bench/resolver_path.py [--name redress_bench] [--repeat 10]
[--without-plain-fields]. Sends each workload of bench/workloads to the ASGI app on the
benchmark database (bench/generate.py) and prints the mean milliseconds per request. One
process, one request at a time: a measure of Python work per request, not of throughput.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.app import create_app
from api.runtime import tune_garbage_collector
from api.settings import load_settings
from db.pool import connect
from schema import execution

WORKLOADS = Path(__file__).resolve().parent / "workloads"


def _workload(path: Path) -> tuple[str, dict[str, object]]:
    text = path.read_text()
    found = re.search(r"^# variables: (.*)$", text, re.MULTILINE)
    query = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return query, json.loads(found.group(1)) if found else {}


async def main(url: str, repeat: int) -> None:
    database = await connect(url, max_size=4)
    settings = dataclasses.replace(
        load_settings(), rate_limit_anonymous=0, rate_limit_key=0, response_cache_mb=0
    )
    app = create_app(settings, database=database)
    tune_garbage_collector()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    async with client:
        for path in sorted(WORKLOADS.glob("W*.graphql")):
            query, variables = _workload(path)
            body = {"query": query, "variables": variables}
            for _ in range(3):
                await client.post("/graphql", json=body)
            started = time.perf_counter()
            for _ in range(repeat):
                response = await client.post("/graphql", json=body)
                assert response.status_code == 200, response.text
            elapsed = (time.perf_counter() - started) / repeat
            print(f"{path.stem}: {elapsed * 1000:.1f} ms per request")
    await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="redress_bench")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--without-plain-fields", action="store_true")
    arguments = parser.parse_args()
    os.environ["REDRESS_COMPILED"] = "off"
    if arguments.without_plain_fields:
        # graphql-core's own completion, as if schema/execution.py's short paths were gone.
        plain = execution.PlainFieldExecution
        plain.execute_field = StrawberryGraphQLCoreExecutionContext.execute_field  # type: ignore[method-assign]
        plain.complete_value = StrawberryGraphQLCoreExecutionContext.complete_value  # type: ignore[method-assign]
    parts = urlsplit(os.environ["DATABASE_URL"])
    asyncio.run(main(urlunsplit(parts._replace(path=f"/{arguments.name}")), arguments.repeat))
