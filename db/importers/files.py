"""How an imported file is named in the provenance of the records it writes."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

# The project's data folder; `load.import_paths` sets the one it was given.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"
_data_dir: ContextVar[Path] = ContextVar("data_dir", default=DEFAULT_DATA_DIR)


@contextmanager
def data_folder(path: Path | None) -> Iterator[None]:
    """Name imported files relative to `path` (the default data folder when None)."""
    token = _data_dir.set((path or DEFAULT_DATA_DIR).resolve())
    try:
        yield
    finally:
        _data_dir.reset(token)


def source_file(path: Path | str) -> str:
    """`path` relative to the data folder when it is under it, else the file's name."""
    resolved = Path(path).resolve()
    root = _data_dir.get().resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    return resolved.name
