"""What `redress import` reads: files named on the command line, folders walked recursively,
and zip archives (govinfo's bulk format, such as a BILLSTATUS zip of XML files).

A `Source` is one file to import. A member of an archive is extracted, one at a time, to a
temporary file that `files.source_file` names `archive.zip/inner/path.xml`, so provenance
and errors name the member, never the temporary file.
"""

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from db.importers.errors import ImportFailure
from db.importers.files import extracted_as, member_name

# Suffixes of the files the importers read; a folder's other files are skipped and listed.
READABLE = (".yaml", ".yml", ".json", ".xml", ".csv")
ARCHIVES = (".zip",)
# The most an archive may hold uncompressed, in bytes, in all its members together: a zip
# bomb is refused before anything is extracted.
MAX_ARCHIVE_BYTES = 4 * 1024**3
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One file to import.

    `name` is how errors name it: the path as given or found, or `archive.zip/inner/path.xml`
    for a member of an archive. `path` is the file on disk, or the archive holding `member`.
    `listed` says whether it was named on the command line (so an unknown format is refused)
    rather than found in a folder or an archive (so an unknown format is skipped).
    """

    name: str
    path: Path
    member: str | None = None
    listed: bool = False

    @property
    def suffix(self) -> str:
        """The lower-case suffix of the file (of the member, inside an archive)."""
        return PurePosixPath(self.member or self.path.name).suffix.lower()


class Archives:
    """The zip archives a run reads from, each opened once, and their members extracted on
    demand. Use as a context manager; it closes the archives on exit."""

    def __init__(self) -> None:
        self._open: dict[Path, zipfile.ZipFile] = {}

    def __enter__(self) -> "Archives":
        return self

    def __exit__(self, *_: object) -> None:
        for opened in self._open.values():
            opened.close()
        self._open.clear()

    def _archive(self, path: Path) -> zipfile.ZipFile:
        if path not in self._open:
            self._open[path] = zipfile.ZipFile(path)
        return self._open[path]

    @contextmanager
    def opened(self, source: Source) -> Iterator[Path]:
        """A path on disk holding `source`: the file itself, or the member extracted to a
        temporary file (deleted on exit) that provenance names as the member.

        Raises ImportFailure naming the archive and member if it cannot be extracted.
        """
        if source.member is None:
            yield source.path
            return
        with tempfile.TemporaryDirectory(prefix="redress-import-") as folder:
            target = self.extract(source, Path(folder))
            with named_as_member(source, target):
                yield target

    def extract(self, source: Source, folder: Path) -> Path:
        """Extract the member `source` into `folder`; returns the file's path there."""
        target = folder / PurePosixPath(source.member or "member").name
        self._extract(source, target)
        return target

    def _extract(self, source: Source, target: Path) -> None:
        """Copy one member to `target`, never writing more than the archive declares."""
        member = source.member or ""
        try:
            info = self._archive(source.path).getinfo(member)
            with self._archive(source.path).open(info) as reader, target.open("wb") as writer:
                written = 0
                while chunk := reader.read(_CHUNK):
                    written += len(chunk)
                    if written > info.file_size:
                        raise ImportFailure(source.name, None, "larger than the archive declares")
                    writer.write(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, KeyError) as exc:
            raise ImportFailure(source.name, None, f"cannot be extracted: {exc}") from exc


@contextmanager
def named_as_member(source: Source, on_disk: Path) -> Iterator[None]:
    """While inside, provenance names `on_disk` as the archive member `source` (if it is one)."""
    if source.member is None:
        yield
        return
    with extracted_as(on_disk, member_name(source.path, source.member)):
        yield


def _unsafe(member: str) -> bool:
    """Whether a member's name is absolute or climbs out of the archive (`..`)."""
    posix, windows = PurePosixPath(member), PureWindowsPath(member)
    return (
        posix.is_absolute()
        or windows.is_absolute()
        or bool(windows.drive)
        or member.startswith(("/", "\\"))
        or ".." in posix.parts
        or ".." in windows.parts
    )


def archive_members(archive: Path, name: str | None = None) -> list[Source]:
    """The files in a zip archive, by member name.

    Raises ImportFailure (naming the archive and member) for a file that is not a zip, a
    member with an absolute or `..` path, or more than `MAX_ARCHIVE_BYTES` uncompressed.
    """
    shown = name or str(archive)
    try:
        with zipfile.ZipFile(archive) as opened:
            infos = opened.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise ImportFailure(shown, None, f"not a readable zip archive: {exc}") from exc
    total = 0
    members = []
    for info in infos:
        if _unsafe(info.filename):
            raise ImportFailure(
                shown, info.filename, "an absolute or '..' path in an archive is refused"
            )
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise ImportFailure(
                shown,
                None,
                f"holds more than {MAX_ARCHIVE_BYTES:,} bytes uncompressed; refused as a"
                " possible zip bomb",
            )
        members.append(Source(f"{shown}/{info.filename}", archive, info.filename))
    return sorted(members, key=lambda s: s.member or "")


def _walk(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, recursively, sorted; hidden files and folders are left out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


@dataclass
class Expanded:
    """What a list of paths holds: the files to read, the files found in folders or archives
    that no importer reads (by suffix), and the paths refused outright (a missing path, an
    unsafe or unreadable archive)."""

    found: list[Source] = field(default_factory=list)
    unread: list[Source] = field(default_factory=list)
    refused: list[ImportFailure] = field(default_factory=list)

    def add(self, source: Source) -> None:
        """Add one file; an archive adds its members, or is refused as a whole."""
        if source.suffix in ARCHIVES and source.member is None:
            try:
                members = archive_members(source.path, source.name)
            except ImportFailure as failure:
                self.refused.append(failure)
                return
            for member in members:
                self.add(member)
        elif source.suffix in READABLE or source.listed:
            self.found.append(source)
        else:
            self.unread.append(source)


def expand(paths: list[Path]) -> Expanded:
    """The files to read from `paths`, in the order given (a folder's files sorted by path).

    A folder is walked recursively; a zip archive (named or found) gives its members. A file
    named in `paths` is always read (an unknown format is then refused); a file found in a
    folder or archive with a suffix no importer reads is listed in `unread`.
    """
    expanded = Expanded()
    for path in paths:
        if path.is_dir():
            for file in _walk(path):
                expanded.add(Source(str(file), file))
        elif path.exists():
            expanded.add(Source(str(path), path, listed=True))
        else:
            expanded.refused.append(ImportFailure(path, None, "does not exist"))
    return expanded
