"""Keep a full copy of Redress: export once, then follow the change feed.

The first run downloads `/export/manifest.json` and every NDJSON file it lists (checking
each file's SHA-256 when the file is of the manifest's data version), and keeps the
manifest's `changesCursor`. Every later run reads the change feed `changes(after:)` from
that cursor (docs/changes.md) and applies it:

- a record reported CREATED, UPDATED or RESTORED is fetched again with `nodes(ids:)`, asking
  for the fields of its file (the manifest's `graphql.selection`); one that is gone by now
  is removed, and so is one reported DELETED (a tombstone);
- the child lists of a changed record (a vote's positions, a bill's cosponsorships, a
  legislator's terms) are read again whole from its connection (`graphql.parent`), since
  a change to a row of such a list is reported as an update of its owner.

Fetching the record as it is now makes a run idempotent: replaying a change is harmless,
which is why the export's cursor may safely be older than some files.

    python examples/python/mirror.py mirror/                          # against `make run`
    python examples/python/mirror.py --url https://host mirror/       # later runs: follow
    python examples/python/mirror.py --url https://host --key KEY mirror/

The folder holds `<entity>.ndjson` files as the export writes them (same ids and field
names) and `state.json` with the feed cursor. It needs only httpx. A cursor older than the
feed's retention is refused (BAD_USER_INPUT): delete the folder and export again.
"""

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
PAGE_SIZE = 100  # the API's largest page
RETRIES = 5
LONGEST_WAIT_S = 60
STATE = "state.json"


class ApiError(Exception):
    """The API answered with GraphQL errors, or an HTTP error that retrying did not cure."""


class Client:
    """GraphQL and export requests to one server, retried after 429 and 503."""

    def __init__(self, base: str, key: str | None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=base.rstrip("/"), headers=headers, timeout=120)

    def get(self, path: str) -> httpx.Response:
        """GET `path`, gzip-encoded when the server will (httpx decodes it)."""
        return self._send("GET", path)

    def graphql(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of an answer; ApiError on any error but NOT_FOUND (a record gone)."""
        body = self._send(
            "POST", "/graphql", json={"query": document, "variables": variables}
        ).json()
        errors = [
            e for e in body.get("errors", []) if e.get("extensions", {}).get("code") != "NOT_FOUND"
        ]
        if errors:
            raise ApiError("; ".join(f"{e['extensions']['code']}: {e['message']}" for e in errors))
        data: dict[str, Any] = body["data"]
        return data

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(RETRIES):
            response = self.http.request(method, path, **kwargs)
            if response.status_code not in (429, 503) or attempt == RETRIES - 1:
                break
            wait = response.headers.get("Retry-After", "1")
            time.sleep(min(float(wait) if wait.isdigit() else 1.0, LONGEST_WAIT_S))
        if response.status_code >= 400 and not response.headers.get("content-type", "").startswith(
            "application/graphql-response+json"
        ):
            raise ApiError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response


def export(client: Client, folder: Path) -> dict[str, Any]:
    """Download every NDJSON file of the manifest into `folder`; the new state."""
    manifest = client.get("/export/manifest.json").json()
    files = [f for f in manifest["files"] if f["format"] == "ndjson"]
    for entry in files:
        response = client.get(f"/export/{entry['path']}")
        if int(response.headers["X-Redress-Data-Version"]) == manifest["dataVersion"]:
            digest = hashlib.sha256(response.content).hexdigest()
            if digest != entry["sha256"]:
                raise ApiError(f"{entry['path']}: SHA-256 {digest}, manifest {entry['sha256']}")
        (folder / entry["path"]).write_bytes(response.content)
    print(f"exported {len(files)} files at data version {manifest['dataVersion']}", file=sys.stderr)
    return {"cursor": manifest["changesCursor"], "files": files}


FEED = """query($after: String, $first: Int) {
  changes(after: $after, first: $first) {
    edges { cursor node { nodeId type kind } }
    pageInfo { hasNextPage endCursor } } }"""


def changed(
    client: Client, cursor: str | None, types: set[str]
) -> tuple[dict[str, set[str]], str | None, int]:
    """The ids of every record changed after `cursor`, by type name (the feed gives the
    NodeType enum's name: `VOTE` for `Vote`); the feed's new end; the number of changes."""
    type_names = {name.upper(): name for name in types}
    ids: dict[str, set[str]] = {}
    count = 0
    while True:
        page = client.graphql(FEED, {"after": cursor, "first": PAGE_SIZE})["changes"]
        for edge in page["edges"]:
            change = edge["node"]
            ids.setdefault(type_names[change["type"]], set()).add(change["nodeId"])
            count += 1
        if page["edges"]:
            cursor = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, cursor, count


def as_exported(node: dict[str, Any], how: dict[str, Any]) -> dict[str, Any]:
    """A record as the API answers it, with each related record written as its id."""
    return {
        name: (value["id"] if value is not None else None) if name in how["references"] else value
        for name, value in node.items()
        if name != "__typename"
    }


def in_order(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The record's fields in the file's order (the export's)."""
    return {name: record[name] for name in fields}


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_nodes(client: Client, type_name: str, ids: list[str], entry: dict[str, Any]) -> dict:
    """The records with these ids as they are now (None for one gone), by id."""
    how, found = entry["graphql"], {}
    document = (
        f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ __typename"
        f" ... on {type_name} {{ {how['selection']} }} }} }}"
    )
    for part in chunks(sorted(ids), PAGE_SIZE):
        answered = client.graphql(document, {"ids": part})["nodes"]
        for node_id, node in zip(part, answered, strict=True):
            found[node_id] = in_order(as_exported(node, how), entry["fields"]) if node else None
    return found


def fetch_children(client: Client, parent_id: str, entry: dict[str, Any]) -> list[dict] | None:
    """Every row of the parent's list for this file, or None when the parent is gone."""
    how = entry["graphql"]
    parent = how["parent"]
    document = (
        f"query($id: ID!, $after: String) {{ node(id: $id) {{ ... on {parent['type']} {{"
        f" {parent['connection']}(first: {PAGE_SIZE}, after: $after) {{"
        f" pageInfo {{ hasNextPage endCursor }} nodes {{ {how['selection']} }} }} }} }} }}"
    )
    rows: list[dict] = []
    after = None
    while True:
        node = client.graphql(document, {"id": parent_id, "after": after})["node"]
        if node is None:
            return None
        page = node[parent["connection"]]
        for child in page["nodes"]:
            record = {**as_exported(child, how), parent["field"]: parent_id}
            rows.append(in_order(record, entry["fields"]))
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def read(path: Path) -> list[dict[str, Any]]:
    """The records of an NDJSON file: lines end at `\n` only (JSON text may hold U+2028 and
    other characters `str.splitlines` would break at)."""
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def write(path: Path, records: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def follow(client: Client, folder: Path, state: dict[str, Any]) -> dict[str, Any]:
    """Apply every change after the state's cursor to the files; the new state."""
    types = {entry["type"] for entry in state["files"]}
    ids, cursor, count = changed(client, state["cursor"], types)
    for entry in state["files"]:
        path, how = folder / entry["path"], entry["graphql"]
        if "parent" not in how:
            touched = ids.get(entry["type"], set())
            if not touched:
                continue
            now = fetch_nodes(client, entry["type"], sorted(touched), entry)
            kept = [r for r in read(path) if r["id"] not in touched]
            write(path, kept + [r for r in now.values() if r is not None])
        else:
            parent = how["parent"]
            touched = ids.get(parent["type"], set())
            if not touched:
                continue
            kept = [r for r in read(path) if r[parent["field"]] not in touched]
            for parent_id in sorted(touched):
                kept.extend(fetch_children(client, parent_id, entry) or [])
            write(path, kept)
    print(
        f"applied {count} changes to {sum(len(v) for v in ids.values())} records",
        file=sys.stderr,
    )
    return {**state, "cursor": cursor}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the copy lives")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the server (default {DEFAULT_URL})")
    parser.add_argument("--key", default=os.environ.get("REDRESS_API_KEY"), help="an API key")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    client = Client(args.url, args.key)
    state_file = args.folder / STATE
    try:
        if state_file.exists():
            state = follow(client, args.folder, json.loads(state_file.read_text()))
        else:
            state = export(client, args.folder)
    except (ApiError, httpx.HTTPError) as error:
        print(f"mirror: {error}", file=sys.stderr)
        return 1
    partial = state_file.with_name(f".{STATE}.partial")
    partial.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(partial, state_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
