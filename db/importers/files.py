"""How an imported file is named in the provenance of the records it writes."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

# The project's data folder; `load.import_paths` sets the one it was given.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"
_data_dir: ContextVar[Path] = ContextVar("data_dir", default=DEFAULT_DATA_DIR)
# Files extracted from an archive, by their path on disk, mapped to the name they import as.
_members: ContextVar[dict[Path, str] | None] = ContextVar("archive_members", default=None)


@contextmanager
def data_folder(path: Path | None) -> Iterator[None]:
    """Name imported files relative to `path` (the default data folder when None)."""
    token = _data_dir.set((path or DEFAULT_DATA_DIR).resolve())
    try:
        yield
    finally:
        _data_dir.reset(token)


def member_name(archive: Path, member: str) -> str:
    """How a file inside a zip archive is named: `archive.zip/inner/path.xml`.

    The archive part is relative to the data folder when the archive is under it, else it is
    the archive's file name (as `source_file` names a plain file).
    """
    return f"{source_file(archive)}/{member}"


@contextmanager
def extracted_as(path: Path, name: str) -> Iterator[None]:
    """While inside, `source_file(path)` is `name`: a member extracted to a temporary file."""
    members = dict(_members.get() or {})
    members[path.resolve()] = name
    token = _members.set(members)
    try:
        yield
    finally:
        _members.reset(token)


def source_file(path: Path | str) -> str:
    """`path` relative to the data folder when it is under it, else the file's name.

    A file extracted from an archive (see `extracted_as`) is named `archive.zip/inner/path`.
    """
    resolved = Path(path).resolve()
    members = _members.get()
    if members and resolved in members:
        return members[resolved]
    root = _data_dir.get().resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    return resolved.name
