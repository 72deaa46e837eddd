"""What a published document carried that an importer does not read.

Importers declare what they read as a set of paths and report the rest with
`Summary.note_unread`, so that nothing is dropped without a trace. Paths are written the same
way for every format:

- JSON and YAML: dotted keys, with `[]` for the items of a list: `bill.title`,
  `terms[].party_affiliations[].party` (the items of a document that is itself a list are
  its records, so their keys are top-level). A path that is read covers everything below it only
  when it is listed in `whole` (a value kept as a blob, or read by code of its own).
- XML: element paths from the root's children, with `/`, and attributes after `@`:
  `bill/latestAction/text`, `voter@VP`. The root's own attributes are `@name`.
- CSV: the column names of the header.
"""

from collections.abc import Collection, Iterator
from typing import Any
from xml.etree.ElementTree import Element


def json_paths(
    value: Any, read: Collection[str], whole: Collection[str] = (), prefix: str = ""
) -> Iterator[str]:
    """The dotted paths under `value` (a parsed JSON or YAML document) not in `read`.

    A path in `read` is descended into; one in `whole` is taken as read with everything below
    it. An unread path is yielded once per occurrence (so a key unread in 40 list items is
    yielded 40 times) and not descended into.
    """
    if isinstance(value, list):
        # The items of a top-level list are the file's records: their keys are top-level.
        for item in value:
            yield from json_paths(item, read, whole, f"{prefix}[]" if prefix else "")
        return
    if not isinstance(value, dict):
        return
    for key, child in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in whole:
            continue
        if path not in read:
            yield path
            continue
        if isinstance(child, dict | list):
            yield from json_paths(child, read, whole, path)


def xml_paths(root: Element, read: Collection[str], whole: Collection[str] = ()) -> Iterator[str]:
    """The element and attribute paths under `root` not in `read` (see the module docstring).

    Namespaces are dropped from tags (`{uri}name` → `name`). An unread element is yielded
    once per occurrence and not descended into; a path in `whole` is skipped with its subtree.
    """
    yield from (f"@{a}" for a in root.attrib if f"@{a}" not in read and f"@{a}" not in whole)
    yield from _xml_children(root, "", read, whole)


def _xml_children(
    element: Element, prefix: str, read: Collection[str], whole: Collection[str]
) -> Iterator[str]:
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        tag = child.tag.rsplit("}", 1)[-1]
        path = f"{prefix}/{tag}" if prefix else tag
        if path in whole:
            continue
        if path not in read:
            yield path
            continue
        for name in child.attrib:
            attribute = f"{path}@{name.rsplit('}', 1)[-1]}"
            if attribute not in read and attribute not in whole:
                yield attribute
        yield from _xml_children(child, path, read, whole)


def csv_columns(header: Collection[str], read: Collection[str]) -> list[str]:
    """The columns of a CSV `header` that are not in `read`, in header order."""
    return [column for column in header if column not in read]
