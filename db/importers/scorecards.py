"""The `scorecards:` section of a curated file (`redress-curated/1`, docs/curated-format.md).

A scorecard belongs to a topic (one per topic) and lists the roll-call votes that count, with
the position that counts as pro (`Yea` or `Nay`, the normalised positions the API serves as
`VotePosition.position`) and a weight, and the bills whose sponsorship and cosponsorship
count, saying whether sponsoring counts as pro or against, with a weight. docs/scorecards.md
gives the arithmetic. Re-importing replaces a scorecard's votes and bills with those the file
lists; scorecards the file does not list are left alone.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import values
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.errors import ImportFailure

FIELDS = ({"topic", "name", "method"}, {"votes", "bills"})
VOTE_FIELDS = ({"vote", "pro", "weight"}, {"reason"})
BILL_FIELDS = ({"bill", "sponsorship", "weight"}, {"reason"})
POSITIONS = {"yea": "yea", "nay": "nay"}
SIDES = {"pro": True, "against": False}
# numeric(8, 2): weights from 0.01 to 999999.99.
MAX_WEIGHT = Decimal("999999.99")


class _Card:
    """One scorecard's fields, checked, naming the file and the record in every refusal."""

    def __init__(self, path: Path, record: str) -> None:
        self.path = path
        self.record = record

    def fail(self, problem: str, item: str = "") -> ImportFailure:
        return ImportFailure(self.path, f"{self.record}{item}", problem)

    def fields(self, entry: Any, allowed: tuple[set[str], set[str]], item: str = "") -> None:
        required, optional = allowed
        if not isinstance(entry, dict):
            raise self.fail("must be a mapping", item)
        if missing := sorted(required - entry.keys()):
            raise self.fail(f"missing {', '.join(missing)}", item)
        if unknown := sorted(entry.keys() - required - optional):
            raise self.fail(f"unknown field {', '.join(unknown)}", item)

    def text(self, entry: dict[str, Any], field: str, item: str = "") -> str | None:
        value = entry.get(field)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{field} must be text", item)
        return values.text(value)

    def weight(self, value: Any, item: str) -> Decimal:
        """A positive weight with at most two decimals."""
        try:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidOperation
            weight = Decimal(str(value))
        except InvalidOperation:
            weight = Decimal("NaN")
        if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
            raise self.fail(f"weight {value!r} must be above 0 and at most {MAX_WEIGHT}", item)
        if weight != weight.quantize(Decimal("0.01")):
            raise self.fail(f"weight {value!r} has more than two decimals", item)
        return weight

    def choice(self, value: Any, allowed: dict[str, Any], field: str, item: str) -> Any:
        key = value.lower() if isinstance(value, str) else None
        if key not in allowed:
            names = ", ".join(k.capitalize() for k in allowed)
            raise self.fail(f"{field} {value!r} must be one of {names}", item)
        return allowed[key]

    def items(self, entry: dict[str, Any], field: str) -> list[Any]:
        found = entry.get(field) or []
        if not isinstance(found, list):
            raise self.fail(f"{field} must be a list")
        return found


def _keys(cards: list[tuple[_Card, dict[str, Any]]], section: str, field: str) -> set[str]:
    """The ids the cards' `section` items name in `field`."""
    return {
        item[field]
        for card, entry in cards
        for item in card.items(entry, section)
        if isinstance(item, dict) and isinstance(item.get(field), str)
    }


async def _ids(conn: asyncpg.Connection, table: str, column: str, keys: set[str]) -> dict[str, int]:
    rows = await conn.fetch(f"SELECT {column}, id FROM {table} WHERE {column} = ANY($1)", keys)
    return {r[0]: r[1] for r in rows}


async def import_scorecards(
    conn: asyncpg.Connection,
    path: Path,
    section: Any,
    topics: dict[str, int],
    summary: Summary,
    dataset_id: int,
    origin: str,
) -> None:
    """Write the file's `scorecards:` section (a list, or None) in the caller's transaction.

    `topics` maps the slugs the file wrote to their ids; other topics are looked up. Raises
    ImportFailure naming the file and the record for a malformed scorecard, a topic given
    twice, an unknown topic, vote or bill id, a `pro` other than Yea or Nay, a `sponsorship`
    other than pro or against, or a weight that is not above 0.
    """
    if section is None:
        return
    if not isinstance(section, list):
        raise ImportFailure(path, "scorecards", "must be a list")
    cards: list[tuple[_Card, dict[str, Any]]] = []
    for index, entry in enumerate(section):
        name = entry.get("topic") if isinstance(entry, dict) else None
        card = _Card(path, f"scorecards[{index}]" + (f" ({name})" if name else ""))
        card.fields(entry, FIELDS)
        cards.append((card, entry))
    wanted_topics = {e["topic"] for _, e in cards if isinstance(e["topic"], str)} - topics.keys()
    topic_ids = {**topics, **await _ids(conn, "topics", "slug", wanted_topics)}
    vote_ids = await _ids(conn, "votes", "vote_id", _keys(cards, "votes", "vote"))
    # A roll call with no Yea or Nay (a Speaker election, a quorum call) has nothing to count.
    yea_or_nay = {
        r[0]
        for r in await conn.fetch(
            "SELECT v.vote_id FROM votes v WHERE v.vote_id = ANY($1) AND EXISTS"
            " (SELECT 1 FROM vote_positions p WHERE p.vote_id = v.id"
            " AND p.position IN ('yea', 'nay'))",
            list(vote_ids),
        )
    }
    bill_ids = await _ids(conn, "bills", "bill_id", _keys(cards, "bills", "bill"))

    rows, vote_rows, bill_rows, seen = [], [], [], set()
    for card, entry in cards:
        topic = entry["topic"]
        if not isinstance(topic, str) or topic not in topic_ids:
            raise card.fail(f"no topic {topic!r} in this file or the database")
        if topic in seen:
            raise card.fail(f"topic {topic!r} has a scorecard already in this file")
        seen.add(topic)
        name, method = card.text(entry, "name"), card.text(entry, "method")
        if name is None or method is None:
            raise card.fail("name and method must not be empty")
        rows.append((topic_ids[topic], name, method, dataset_id, origin))
        votes, bills = card.items(entry, "votes"), card.items(entry, "bills")
        if not votes and not bills:
            raise card.fail("needs at least one vote or bill")
        for j, vote in enumerate(votes):
            item = f" votes[{j}]"
            card.fields(vote, VOTE_FIELDS, item)
            if not isinstance(vote["vote"], str) or vote["vote"] not in vote_ids:
                raise card.fail(f"no vote {vote['vote']!r} in the database", item)
            if vote["vote"] not in yea_or_nay:
                raise card.fail(f"vote {vote['vote']!r} has no Yea or Nay position to count", item)
            vote_rows.append(
                (
                    topic,
                    vote_ids[vote["vote"]],
                    card.choice(vote["pro"], POSITIONS, "pro", item),
                    card.weight(vote["weight"], item),
                    card.text(vote, "reason", item),
                    card,
                    item,
                )
            )
        for j, bill in enumerate(bills):
            item = f" bills[{j}]"
            card.fields(bill, BILL_FIELDS, item)
            if not isinstance(bill["bill"], str) or bill["bill"] not in bill_ids:
                raise card.fail(f"no bill {bill['bill']!r} in the database", item)
            bill_rows.append(
                (
                    topic,
                    bill_ids[bill["bill"]],
                    card.choice(bill["sponsorship"], SIDES, "sponsorship", item),
                    card.weight(bill["weight"], item),
                    card.text(bill, "reason", item),
                    card,
                    item,
                )
            )

    columns = ["topic_id", "name", "method", "dataset_id", "source_file"]
    counts, written = await upsert(conn, "scorecards", columns, rows, ["topic_id"])
    summary["scorecards"].add(counts)
    scorecard_of = {slug: written[(topic_ids[slug],)] for slug in seen}
    parents = list(scorecard_of.values())
    for table, target, found in (
        ("scorecard_votes", "vote_id", vote_rows),
        ("scorecard_bills", "bill_id", bill_rows),
    ):
        side = "pro" if table == "scorecard_votes" else "sponsorship_pro"
        keyed: dict[tuple[int, int], tuple[Any, ...]] = {}
        for topic, target_id, value, weight, reason, card, item in found:
            key = (scorecard_of[topic], target_id)
            if key in keyed:
                raise card.fail(f"{target.removesuffix('_id')} listed twice", item)
            keyed[key] = (*key, value, weight, reason)
        item_columns = ["scorecard_id", target, side, "weight", "reason"]
        key_columns = ["scorecard_id", target]
        counts, _ = await upsert(conn, table, item_columns, list(keyed.values()), key_columns)
        counts.removed = await remove_missing(
            conn, table, "scorecard_id", parents, key_columns, list(keyed)
        )
        summary[table].add(counts)
