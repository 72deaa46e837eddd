"""Loading files into the database: format detection, one transaction per file."""

from pathlib import Path
from typing import Any

import asyncpg
import yaml

from db.importers import congress_legislators, curated
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure

# The shipped files, in the order their cross references need.
SHIPPED = (
    "legislators/legislators-current.yaml",
    "legislators/committees-current.yaml",
    "legislators/committee-membership-current.yaml",
    "legislators/legislators-social-media.yaml",
)


def read_yaml(path: Path) -> Any:
    """The parsed YAML document in `path`, or ImportFailure naming the line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except UnicodeDecodeError as exc:
        raise ImportFailure(path, f"byte {exc.start}", "not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ImportFailure(path, where, f"invalid YAML: {exc}") from exc


def read_file(path: Path) -> Any:
    """The parsed contents of `path`, or ImportFailure saying why it cannot be read."""
    if path.is_dir():
        raise ImportFailure(path, None, "is a directory, not a file")
    if not path.exists():
        raise ImportFailure(path, None, "does not exist")
    if path.suffix not in (".yaml", ".yml"):
        raise ImportFailure(path, None, "unsupported file type")
    data = read_yaml(path)
    if data is None:
        raise ImportFailure(path, None, "the file is empty")
    return data


async def import_data(conn: asyncpg.Connection, path: Path, data: Any) -> Summary:
    """Import the parsed contents of one file inside the caller's transaction."""
    if curated.is_curated(data):
        return await curated.import_curated(conn, path, data)
    kind = congress_legislators.kind_of(data)
    if kind is None:
        raise ImportFailure(path, None, "not a format this importer knows")
    return await congress_legislators.IMPORTERS[kind](conn, path, data)


async def load_files(url: str, paths: list[Path]) -> Summary:
    """Import each file in its own transaction; a failing file writes nothing."""
    summary = Summary()
    conn = await asyncpg.connect(url)
    try:
        for path in paths:
            data = read_file(path)
            async with conn.transaction():
                summary.merge(await import_data(conn, path, data))
    finally:
        await conn.close()
    return summary


async def load_shipped(url: str, data_dir: Path) -> Summary:
    """Import everything the project ships in `data_dir`."""
    return await load_files(url, [data_dir / name for name in SHIPPED])
