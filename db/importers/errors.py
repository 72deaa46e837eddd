"""The error every importer raises for bad input: it names the file and the record."""

from pathlib import Path


class ImportFailure(Exception):
    """A file that cannot be imported; nothing from it was written."""

    def __init__(self, path: Path | str, record: str | None, problem: str) -> None:
        where = f"{path}" + (f", {record}" if record else "")
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.record = record
        self.problem = problem
