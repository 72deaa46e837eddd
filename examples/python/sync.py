"""Keep a local copy of Redress lists current: page through Relay connections and sync changes.

Every root list of the API (`legislators`, `bills`, `statements`, ...) is a Relay connection
that takes `first`/`after`, `orderBy: UPDATED_AT` and `filter: {updatedSince: ...}`
(docs/pagination.md). This client reads a list in pages of up to 100 until
`pageInfo.hasNextPage` is false. The first run reads every record; each later run asks only
for records whose `updatedAt` is after the high-water mark, the last `updatedAt` it saw, kept
per list in a small JSON state file. Changed records go to standard output, one JSON object
a line (`{"list": "people", "node": {...}}`): store each by its `id`.

    python examples/python/sync.py legislators people          # against `make run`
    python examples/python/sync.py --url https://host/graphql --state state.json bills

It needs only httpx. An API key is optional for reading (`--key` or REDRESS_API_KEY); answers
429 and 503 are retried after their `Retry-After` (docs/access.md, docs/errors.md).
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000/graphql"
PAGE_SIZE = 100  # the API's largest page
RETRIES = 3
LONGEST_WAIT_S = 60

# What to keep of each root list; `id` and `updatedAt` are always asked for.
FIELDS = {
    "legislators": "bioguideId name { officialFull published }",
    "committees": "thomasId name",
    "bills": "billId shortTitle",
    "votes": "voteId question result",
    "statements": "externalKey quote said { text precision }",
    "incidents": "externalKey kind occurred { text precision }",
    "people": "slug name",
    "organizations": "slug name",
    "sources": "url title",
    "topics": "slug name",
}


class ApiError(Exception):
    """The API answered with GraphQL errors; `codes` are their `extensions.code`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.codes = [e.get("extensions", {}).get("code") for e in errors]
        messages = (f"{e.get('extensions', {}).get('code')}: {e.get('message')}" for e in errors)
        super().__init__("; ".join(messages))


def _seconds(retry_after: str | None) -> float:
    """`Retry-After` in seconds; 1 when absent or an HTTP date (Redress sends seconds)."""
    try:
        return max(float(retry_after or 1), 0.0)
    except ValueError:
        return 1.0


class Api:
    """One GraphQL endpoint, over an httpx client; an API key is sent when given."""

    def __init__(self, url: str, key: str | None = None, *, timeout_s: float = 60) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(headers=headers, timeout=timeout_s)

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    def run(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one operation; its `data`.

        Retries up to RETRIES times on 429 and 503, waiting `Retry-After` seconds (at most
        LONGEST_WAIT_S). Raises ApiError when the answer carries GraphQL errors, and
        httpx.HTTPStatusError on any other failed status.
        """
        body = {"query": query, "variables": variables or {}}
        for attempt in range(RETRIES + 1):
            response = self.client.post(self.url, json=body)
            if response.status_code in (429, 503) and attempt < RETRIES:
                time.sleep(min(_seconds(response.headers.get("Retry-After")), LONGEST_WAIT_S))
                continue
            break
        is_json = response.headers.get("content-type", "").startswith("application/json")
        answer = response.json() if is_json else {}
        if answer.get("errors"):
            raise ApiError(answer["errors"])
        response.raise_for_status()
        data: dict[str, Any] = answer["data"]
        return data


def pages(
    api: Api,
    connection: str,
    fields: str,
    *,
    since: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[list[dict[str, Any]]]:
    """The nodes of root list `connection`, one page at a time, oldest change first.

    `fields` is a GraphQL selection for each node (`id` and `updatedAt` are added); `since`,
    an ISO 8601 date-time, keeps only records whose `updatedAt` is after it. Pages are
    followed with `after: pageInfo.endCursor` until `hasNextPage` is false.
    """
    query = f"""
        query Sync($first: Int!, $after: String, $since: DateTime) {{
          list: {connection}(
            first: $first, after: $after, orderBy: UPDATED_AT, filter: {{updatedSince: $since}}
          ) {{
            pageInfo {{ hasNextPage endCursor }}
            nodes {{ id updatedAt {fields} }}
          }}
        }}
    """
    after: str | None = None
    while True:
        variables = {"first": page_size, "after": after, "since": since}
        page = api.run(query, variables)["list"]
        yield page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def sync(
    api: Api,
    connection: str,
    state: dict[str, str],
    *,
    fields: str | None = None,
    overlap: timedelta = timedelta(0),
    page_size: int = PAGE_SIZE,
) -> list[dict[str, Any]]:
    """The records of `connection` changed since `state[connection]`; moves that mark.

    `state` maps a list name to the last `updatedAt` seen (absent: read everything). With
    `overlap`, the run starts that much before the mark, to catch rows of a transaction that
    was still open at the last run (`updatedAt` is the time a transaction began); records
    read twice are the same records, stored again by `id`. The mark moves only when the
    whole list was read, so an interrupted run starts again from the old mark.
    """
    since = state.get(connection)
    if since is not None and overlap:
        since = (datetime.fromisoformat(since) - overlap).isoformat()
    selection = FIELDS[connection] if fields is None else fields
    changed = [
        node
        for page in pages(api, connection, selection, since=since, page_size=page_size)
        for node in page
    ]
    if changed:
        state[connection] = changed[-1]["updatedAt"]
    return changed


def load_state(path: Path) -> dict[str, str]:
    """The high-water marks in the JSON state file at `path` ({} when there is none)."""
    if not path.exists():
        return {}
    state: dict[str, str] = json.loads(path.read_text())
    return state


def save_state(path: Path, state: dict[str, str]) -> None:
    """Write the marks to `path` atomically (a reader never sees half a file)."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 0, or 1 when the API refused a request."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lists", nargs="*", default=["legislators"], choices=sorted(FIELDS))
    parser.add_argument("--url", default=os.environ.get("REDRESS_URL", DEFAULT_URL))
    parser.add_argument("--state", type=Path, default=Path("sync-state.json"))
    parser.add_argument("--key", default=os.environ.get("REDRESS_API_KEY"))
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    parser.add_argument(
        "--overlap", type=float, default=0.0, help="seconds to re-read before each mark"
    )
    args = parser.parse_args(argv)

    state = load_state(args.state)
    with Api(args.url, args.key) as api:
        for connection in args.lists:
            try:
                changed = sync(
                    api,
                    connection,
                    state,
                    overlap=timedelta(seconds=args.overlap),
                    page_size=args.page_size,
                )
            except (ApiError, httpx.HTTPError) as error:
                print(f"{connection}: {error}", file=sys.stderr)
                return 1
            for node in changed:
                print(json.dumps({"list": connection, "node": node}, ensure_ascii=False))
            save_state(args.state, state)
            print(
                f"{connection}: {len(changed)} changed; mark {state.get(connection)}",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
