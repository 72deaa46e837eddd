"""Synthetic data at real scale for the benchmark, labelled as synthetic everywhere.

The real shipped legislators and committees are loaded first; every other row is made up
from a seed: bills with sponsors, cosponsors, actions, subjects and titles, roll calls with a
position for every member of the chamber, statements, incidents with sources, people and
agencies, and a few topics linking them. Titles, quotes and descriptions start with
`[SYNTHETIC]`, sources live under https://example.invalid/, bill and roll-call numbers are far
above any real one, and every record belongs to the `synthetic-benchmark` dataset.

All rows go in with COPY, in one transaction; `generate` is deterministic for a seed.
"""

import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg

DATASET_KEY = "synthetic-benchmark"
LABEL = "[SYNTHETIC]"
SOURCE_ROOT = "https://example.invalid"
BILL_NUMBER_BASE = 90_000
VOTE_NUMBER_BASE = 9_000
LEGISLATOR_FILES = (
    "legislators/legislators-current.yaml",
    "legislators/committees-current.yaml",
    "legislators/committee-membership-current.yaml",
    "legislators/legislators-social-media.yaml",
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Two Congresses: number, first day, last day covered, and each session's year.
CONGRESSES = (
    (118, date(2023, 1, 3), date(2024, 12, 31)),
    (119, date(2025, 1, 3), date(2026, 10, 31)),
)
# Territories' delegates sit in the House but cast no roll-call vote on passage.
NON_VOTING = {"AS", "DC", "GU", "MP", "PR", "VI"}

BILL_TYPES = (
    ("hr", 0.52),
    ("s", 0.30),
    ("hres", 0.07),
    ("sres", 0.05),
    ("hjres", 0.02),
    ("sjres", 0.015),
    ("hconres", 0.01),
    ("sconres", 0.015),
)
POLICY_AREAS = (
    "Agriculture and Food",
    "Armed Forces and National Security",
    "Crime and Law Enforcement",
    "Economics and Public Finance",
    "Education",
    "Energy",
    "Environmental Protection",
    "Finance and Financial Sector",
    "Government Operations and Politics",
    "Health",
    "Housing and Community Development",
    "Immigration",
    "International Affairs",
    "Labor and Employment",
    "Public Lands and Natural Resources",
    "Science, Technology, Communications",
    "Social Welfare",
    "Taxation",
    "Transportation and Public Works",
)
STATUSES = ("introduced", "referred", "reported", "passed_house", "passed_senate", "enacted")
MEDIUMS = ("floor_speech", "press_release", "social_post", "tv", "interview", "hearing")
INCIDENT_KINDS = ("death_in_custody", "shooting", "use_of_force", "raid", "other")
ROLES = ("victim", "agent", "witness")
STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
WORDS = (
    "accountability act agency appropriations audit border budget care citizens civil "
    "community compliance congress constitution court custody data defense deportation "
    "detention district due economy education enforcement evidence families federal funding "
    "guidance health hearing housing immigration inspector investigation jobs justice law "
    "liberty local medical military oversight pay police policy privacy process program "
    "protection public reform report response rights safety schools security senate "
    "service standards state students support taxpayers testimony training transparency "
    "treatment trust veterans violence wages water welfare workers"
).split()
SUBJECTS = tuple(
    w.capitalize() + " " + x
    for w in ("federal", "state", "public", "civil", "community")
    for x in ("programs", "oversight", "funding", "standards", "records", "services")
)
TOPICS = (
    "Detention oversight",
    "Police accountability",
    "Border enforcement",
    "Veterans care",
    "Public health funding",
    "Civil rights enforcement",
    "Election security",
    "Housing assistance",
)


@dataclass(frozen=True)
class Scale:
    """How many of each made-up record to write."""

    bills: int = 25_000
    roll_calls: int = 1_500
    senate_share: float = 0.12
    statements: int = 50_000
    incidents: int = 5_000
    people: int = 3_000
    agencies: int = 40
    topics: int = len(TOPICS)

    def times(self, factor: float) -> "Scale":
        """This scale with every count multiplied by `factor` (at least one of each)."""
        return replace(
            self,
            bills=max(1, round(self.bills * factor)),
            roll_calls=max(2, round(self.roll_calls * factor)),
            statements=max(1, round(self.statements * factor)),
            incidents=max(1, round(self.incidents * factor)),
            people=max(2, round(self.people * factor)),
            agencies=max(1, min(self.agencies, round(self.agencies * factor * 10))),
        )


@dataclass(frozen=True)
class Member:
    """A real legislator's latest term, as the synthetic records use it."""

    id: int
    bioguide_id: str
    member_id: str
    chamber: str
    state: str
    party: str


# --- databases ------------------------------------------------------------------------------


def checked_name(name: str) -> str:
    """`name` if it is a plain lower-case database name, else ValueError."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


async def database_exists(server_url: str, name: str) -> bool:
    """Whether the server at `server_url` has a database called `name`."""
    conn = await asyncpg.connect(server_url)
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    return found is not None


async def is_generated(url: str) -> bool:
    """Whether the database at `url` holds a complete synthetic data set."""
    conn = await asyncpg.connect(url)
    try:
        has_table = await conn.fetchval("SELECT to_regclass('datasets') IS NOT NULL")
        if not has_table:
            return False
        found = await conn.fetchval("SELECT 1 FROM datasets WHERE key = $1", DATASET_KEY)
    finally:
        await conn.close()
    return found is not None


async def recreate_database(server_url: str, name: str) -> None:
    """Drop the database `name` if it exists, then create it empty."""
    checked_name(name)
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    """Drop the database `name` if it exists."""
    checked_name(name)
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def legislator_files(data_dir: Path) -> list[Path]:
    """The shipped legislator and committee files, in the order their references need."""
    return [data_dir / name for name in LEGISLATOR_FILES]


# --- the made-up records --------------------------------------------------------------------


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(12), UTC) + timedelta(seconds=seconds)


def _party(name: str | None) -> str:
    return (name or "I")[:1].upper()


class Generator:
    """Makes the synthetic rows and writes them on one connection, in one transaction."""

    def __init__(self, conn: asyncpg.Connection, seed: int, scale: Scale) -> None:
        self.conn = conn
        self.seed = seed
        self.scale = scale
        self.dataset_id = 0
        self.members: dict[str, list[Member]] = {}
        self.committees: dict[str, list[int]] = {}
        self.bills: list[tuple[int, int, str, date]] = []  # id, congress, chamber, introduced
        self.votes: list[int] = []
        self.people: list[int] = []
        self.agencies: list[int] = []
        self.topics: list[int] = []
        self.sources = 0

    def rng(self, part: str) -> random.Random:
        """An independent random stream for one part, so parts do not shift each other."""
        return random.Random(f"{self.seed}:{part}")

    async def copy(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """COPY `rows` into `table`."""
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def ids(self, table: str, key: str) -> dict[Any, int]:
        """The ids of this data set's rows of `table`, by the natural key column `key`."""
        rows = await self.conn.fetch(
            f"SELECT id, {key} AS key FROM {table} WHERE dataset_id = $1", self.dataset_id
        )
        return {r["key"]: r["id"] for r in rows}

    async def run(self) -> None:
        """Write every part in dependency order."""
        self.dataset_id = await self.conn.fetchval(
            "INSERT INTO datasets (key, name, url, license, attribution)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            DATASET_KEY,
            f"{LABEL} Benchmark data (seed {self.seed})",
            f"{SOURCE_ROOT}/",
            "synthetic, not real data",
            "Made up by bench/generate.py; only legislators and committees are real.",
        )
        await self._load_members()
        await self._topics()
        await self._people_and_agencies()
        await self._bills()
        await self._votes()
        await self._statements()
        await self._incidents()

    async def _load_members(self) -> None:
        rows = await self.conn.fetch(
            "SELECT DISTINCT ON (l.id) l.id, l.bioguide_id, l.lis_id, t.chamber, t.state,"
            " t.party FROM legislators l JOIN legislator_terms t ON t.legislator_id = l.id"
            " ORDER BY l.id, t.start_date DESC"
        )
        for r in sorted(rows, key=lambda r: r["bioguide_id"]):
            member_id = r["lis_id"] if r["chamber"] == "senate" and r["lis_id"] else None
            member = Member(
                r["id"],
                r["bioguide_id"],
                member_id or r["bioguide_id"],
                r["chamber"],
                r["state"],
                _party(r["party"]),
            )
            self.members.setdefault(member.chamber, []).append(member)
        if not self.members.get("house") or not self.members.get("senate"):
            raise RuntimeError("load the shipped legislators before generating")
        for r in await self.conn.fetch(
            "SELECT id, chamber FROM committees WHERE parent_id IS NULL ORDER BY thomas_id"
        ):
            self.committees.setdefault(r["chamber"], []).append(r["id"])

    async def _topics(self) -> None:
        names = [TOPICS[i % len(TOPICS)] for i in range(self.scale.topics)]
        await self.copy(
            "topics",
            ("slug", "name", "description"),
            (
                (
                    f"synthetic-topic-{i + 1}",
                    f"{LABEL} {name}",
                    f"{LABEL} A made-up topic for the benchmark.",
                )
                for i, name in enumerate(names)
            ),
        )
        rows = await self.conn.fetch(
            "SELECT id FROM topics WHERE slug LIKE 'synthetic-topic-%' ORDER BY id"
        )
        self.topics = [r["id"] for r in rows]

    async def _people_and_agencies(self) -> None:
        await self.copy(
            "people",
            ("slug", "name", "description", "dataset_id"),
            (
                (
                    f"synthetic-person-{i + 1}",
                    f"Synthetic Person {i + 1:05d}",
                    f"{LABEL} A made-up person.",
                    self.dataset_id,
                )
                for i in range(self.scale.people)
            ),
        )
        self.people = sorted((await self.ids("people", "slug")).values())
        await self.copy(
            "organizations",
            ("slug", "name", "abbreviation", "kind", "url", "dataset_id"),
            (
                (
                    f"synthetic-agency-{i + 1}",
                    f"Synthetic Agency {i + 1:02d}",
                    f"SA{i + 1}",
                    "agency",
                    f"{SOURCE_ROOT}/agencies/{i + 1}",
                    self.dataset_id,
                )
                for i in range(self.scale.agencies)
            ),
        )
        self.agencies = sorted((await self.ids("organizations", "slug")).values())

    async def _bills(self) -> None:
        rng = self.rng("bills")
        types = [t for t, _ in BILL_TYPES]
        weights = [w for _, w in BILL_TYPES]
        numbers: dict[tuple[int, str], int] = {}
        bills, plan = [], []
        for i in range(self.scale.bills):
            congress, first, last = CONGRESSES[i * len(CONGRESSES) // self.scale.bills]
            bill_type = rng.choices(types, weights)[0]
            key = (congress, bill_type)
            numbers[key] = numbers.get(key, BILL_NUMBER_BASE) + 1
            chamber = "senate" if bill_type.startswith("s") else "house"
            sponsor = rng.choice(self.members[chamber])
            introduced = _day(rng, first, last - timedelta(days=30))
            steps = sorted(rng.sample(range(1, 200), rng.randint(0, 7)))
            acted = [introduced, *(min(introduced + timedelta(days=d), last) for d in steps)]
            texts = [f"{LABEL} Introduced in the {chamber.capitalize()}."]
            committee = rng.choice(self.committees[chamber])
            for step in range(1, len(acted)):
                texts.append(f"{LABEL} Action {step + 1}: {_words(rng, 3, 8)}.")
            status = STATUSES[min(len(acted) - 1, len(STATUSES) - 1)]
            topic = rng.choice(self.topics) if rng.random() < 0.05 else None
            number = numbers[key]
            title = f"{LABEL} To {_words(rng, 6, 16)}."
            short = f"{LABEL} {_words(rng, 2, 4).title()} Act" if rng.random() < 0.6 else None
            bills.append(
                (
                    congress,
                    bill_type,
                    number,
                    title,
                    short,
                    introduced,
                    chamber,
                    rng.choice(POLICY_AREAS),
                    status,
                    acted[-1],
                    acted[-1],
                    texts[-1],
                    sponsor.id,
                    sponsor.bioguide_id,
                    f"{SOURCE_ROOT}/bills/{congress}/{bill_type}{number}",
                    self.dataset_id,
                    _at(introduced, i % 3600),
                    _at(acted[-1], 6 * 3600 + i % 3600),
                )
            )
            plan.append(
                (f"{bill_type}{number}-{congress}", chamber, acted, texts, committee, topic)
            )
        await self.copy(
            "bills",
            (
                "congress",
                "bill_type",
                "number",
                "official_title",
                "short_title",
                "introduced_date",
                "origin_chamber",
                "policy_area",
                "status",
                "status_date",
                "latest_action_date",
                "latest_action_text",
                "sponsor_id",
                "sponsor_bioguide_id",
                "url",
                "dataset_id",
                "created_at",
                "updated_at",
            ),
            bills,
        )
        ids = await self.ids("bills", "bill_id")
        actions, cosponsors, subjects, titles, topics = [], [], [], [], []
        for (bill_key, chamber, acted, texts, committee, topic), row in zip(
            plan, bills, strict=True
        ):
            bill = ids[bill_key]
            self.bills.append((bill, row[0], chamber, row[5]))
            for position, (day, text) in enumerate(zip(acted, texts, strict=True), 1):
                actions.append(
                    (
                        bill,
                        position,
                        day,
                        text,
                        "IntroReferral" if position == 1 else "Floor",
                        chamber,
                        committee if position == 1 else None,
                    )
                )
            count = min(int(rng.expovariate(1 / 6)), 60)
            chosen = {m.bioguide_id: m for m in rng.sample(self.members[chamber], count)}
            chosen.pop(row[13], None)
            for bioguide, member in sorted(chosen.items()):
                signed = min(row[5] + timedelta(days=rng.choice((0, 0, 0, 7, 30, 90))), acted[-1])
                withdrawn = signed + timedelta(days=14) if rng.random() < 0.02 else None
                cosponsors.append((bill, member.id, bioguide, signed, signed == row[5], withdrawn))
            for subject in sorted(set(rng.sample(SUBJECTS, rng.randint(0, 5)))):
                subjects.append((bill, subject))
            titles.append((bill, "official", row[3], "introduced"))
            if row[4] is not None:
                titles.append((bill, "short", row[4], "introduced"))
            if topic is not None:
                topics.append((bill, topic))
        await self.copy(
            "bill_actions",
            ("bill_id", "position", "acted_on", "text", "action_type", "chamber", "committee_id"),
            actions,
        )
        await self.copy(
            "bill_cosponsors",
            (
                "bill_id",
                "legislator_id",
                "bioguide_id",
                "sponsored_on",
                "is_original",
                "withdrawn_on",
            ),
            cosponsors,
        )
        await self.copy("bill_subjects", ("bill_id", "subject"), subjects)
        await self.copy("bill_titles", ("bill_id", "title_type", "title", "as_of"), titles)
        await self.copy("bill_topics", ("bill_id", "topic_id"), topics)

    async def _votes(self) -> None:
        rng = self.rng("votes")
        senate = max(1, round(self.scale.roll_calls * self.scale.senate_share))
        chambers = ["senate"] * senate + ["house"] * (self.scale.roll_calls - senate)
        numbers: dict[tuple[str, int, str], int] = {}
        votes, plan, topics = [], [], []
        bills_by: dict[tuple[int, str], list[int]] = {}
        for bill_pk, bill_congress, bill_chamber, _ in self.bills:
            bills_by.setdefault((bill_congress, bill_chamber), []).append(bill_pk)
        keys = {bill: key for key, bill in (await self.ids("bills", "bill_id")).items()}
        for i, chamber in enumerate(chambers):
            share = i if chamber == "senate" else i - senate
            total = senate if chamber == "senate" else len(chambers) - senate
            congress, first, last = CONGRESSES[share * len(CONGRESSES) // total]
            day = _day(rng, first, last)
            session = str(day.year)
            key = (chamber, congress, session)
            numbers[key] = numbers.get(key, VOTE_NUMBER_BASE) + 1
            number = numbers[key]
            vote_id = f"{chamber[0]}{number}-{congress}.{session}"
            candidates = bills_by.get((congress, chamber), [])
            bill = rng.choice(candidates) if candidates and rng.random() < 0.6 else None
            yea_share = rng.uniform(0.2, 0.95)
            plan.append((vote_id, chamber, yea_share))
            voted_at = _at(day, 2 * 3600 + rng.randint(0, 6 * 3600))
            passed = "Passed" if yea_share > 0.5 else "Failed"
            votes.append(
                (
                    vote_id,
                    chamber,
                    congress,
                    session,
                    number,
                    voted_at,
                    f"{LABEL} On Passage: {_words(rng, 3, 8)}",
                    "On Passage",
                    "passage",
                    passed,
                    "1/2",
                    bill,
                    keys.get(bill) if bill else None,
                    f"{SOURCE_ROOT}/votes/{vote_id}",
                    self.dataset_id,
                    voted_at,
                    voted_at + timedelta(hours=1),
                )
            )
            if rng.random() < 0.05:
                topics.append((vote_id, rng.choice(self.topics)))
        await self.copy(
            "votes",
            (
                "vote_id",
                "chamber",
                "congress",
                "session",
                "number",
                "voted_at",
                "question",
                "vote_type",
                "category",
                "result",
                "requires",
                "bill_id",
                "bill_key",
                "source_url",
                "dataset_id",
                "created_at",
                "updated_at",
            ),
            votes,
        )
        ids = await self.ids("votes", "vote_id")
        self.votes = [ids[vote_id] for vote_id, _, _ in plan]
        voters = {
            chamber: [m for m in members if chamber == "senate" or m.state not in NON_VOTING]
            for chamber, members in self.members.items()
        }

        def positions() -> Iterator[tuple[Any, ...]]:
            for vote_id, chamber, yea_share in plan:
                vote = ids[vote_id]
                for m in voters[chamber]:
                    draw = rng.random()
                    if draw < 0.03:
                        position = "not_voting"
                    elif draw < 0.035:
                        position = "present"
                    else:
                        leaning = yea_share if m.party == "D" else 1 - yea_share * 0.8
                        position = "yea" if rng.random() < leaning else "nay"
                    yield (vote, m.id, m.member_id, position, m.party, m.state)

        await self.copy(
            "vote_positions",
            ("vote_id", "legislator_id", "member_id", "position", "party", "state"),
            positions(),
        )
        await self.copy(
            "vote_topics", ("vote_id", "topic_id"), ((ids[v], t) for v, t in sorted(set(topics)))
        )

    async def _sources(self, rng: random.Random, kind: str, days: Sequence[date]) -> list[int]:
        """One source per entry of `days`; their ids, in order."""
        first = self.sources
        self.sources += len(days)
        rows = [
            (
                f"{SOURCE_ROOT}/{kind}/{first + i + 1}",
                f"{LABEL} {_words(rng, 3, 9).capitalize()}",
                "Example Invalid News",
                day,
                "day",
                self.dataset_id,
            )
            for i, day in enumerate(days)
        ]
        await self.copy(
            "sources",
            ("url", "title", "publisher", "published_on", "published_precision", "dataset_id"),
            rows,
        )
        ids = await self.conn.fetch(
            "SELECT id, url FROM sources WHERE url LIKE $1", f"{SOURCE_ROOT}/{kind}/%"
        )
        by_url = {r["url"]: r["id"] for r in ids}
        return [by_url[row[0]] for row in rows]

    async def _statements(self) -> None:
        rng = self.rng("statements")
        members = [m for chamber in sorted(self.members) for m in self.members[chamber]]
        first, last = CONGRESSES[0][1], CONGRESSES[-1][2]
        rows, links = [], []
        for i in range(self.scale.statements):
            draw = rng.random()
            legislator = person = organization = bioguide = None
            if draw < 0.85:
                member = rng.choice(members)
                legislator, bioguide = member.id, member.bioguide_id
            elif draw < 0.95:
                person = rng.choice(self.people)
            else:
                organization = rng.choice(self.agencies)
            said = _day(rng, first, last)
            rows.append(
                (
                    legislator,
                    person,
                    organization,
                    bioguide,
                    said,
                    "day",
                    f"{LABEL} {_words(rng, 12, 40).capitalize()}.",
                    f"{LABEL} {_words(rng, 3, 8)}" if rng.random() < 0.3 else None,
                    rng.choice(MEDIUMS),
                    self.dataset_id,
                    f"synthetic-statement-{i + 1}",
                    _at(said, 0),
                    _at(said, 3600),
                )
            )
            bill = rng.choice(self.bills)[0] if rng.random() < 0.2 else None
            topic = rng.choice(self.topics) if rng.random() < 0.05 else None
            links.append((bill, topic))
        await self.copy(
            "statements",
            (
                "speaker_legislator_id",
                "speaker_person_id",
                "speaker_organization_id",
                "speaker_bioguide_id",
                "said_on",
                "said_on_precision",
                "quote",
                "context",
                "medium",
                "dataset_id",
                "external_key",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        ids = await self.ids("statements", "external_key")
        statements = [ids[f"synthetic-statement-{i + 1}"] for i in range(len(rows))]
        sources = await self._sources(rng, "statements", [row[4] for row in rows])
        await self.copy(
            "statement_sources",
            ("statement_id", "source_id"),
            zip(statements, sources, strict=True),
        )
        bills = [(s, b) for s, (b, _) in zip(statements, links, strict=True) if b is not None]
        topics = [(s, t) for s, (_, t) in zip(statements, links, strict=True) if t is not None]
        await self.copy("statement_bills", ("statement_id", "bill_id"), bills)
        await self.copy("statement_topics", ("statement_id", "topic_id"), topics)

    async def _incidents(self) -> None:
        rng = self.rng("incidents")
        first, last = CONGRESSES[0][1], CONGRESSES[-1][2]
        rows, plan = [], []
        for i in range(self.scale.incidents):
            day = _day(rng, first, last)
            rows.append(
                (
                    rng.choice(INCIDENT_KINDS),
                    day,
                    "day",
                    f"Synthetic City {rng.randint(1, 200)}",
                    rng.choice(STATES),
                    f"Synthetic Facility {rng.randint(1, 150)}",
                    round(rng.uniform(25, 49), 4),
                    round(rng.uniform(-124, -67), 4),
                    f"{LABEL} {_words(rng, 2, 5)}",
                    f"{LABEL} {_words(rng, 15, 45).capitalize()}.",
                    self.dataset_id,
                    f"synthetic-incident-{i + 1}",
                    _at(day, 0),
                    _at(day, 7200),
                )
            )
            victims = rng.sample(self.people, rng.randint(1, 3))
            involved = rng.sample(self.agencies, rng.randint(1, min(2, len(self.agencies))))
            topic = rng.choice(self.topics) if rng.random() < 0.2 else None
            plan.append((rng.randint(1, 3), victims, involved, topic))
        await self.copy(
            "incidents",
            (
                "kind",
                "occurred_on",
                "occurred_precision",
                "city",
                "state",
                "facility",
                "latitude",
                "longitude",
                "outcome",
                "description",
                "dataset_id",
                "external_key",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        ids = await self.ids("incidents", "external_key")
        incidents = [ids[f"synthetic-incident-{i + 1}"] for i in range(len(rows))]
        days = [row[1] for row, (n, *_) in zip(rows, plan, strict=True) for _ in range(n)]
        sources = iter(await self._sources(rng, "incidents", days))
        links: list[tuple[int, int]] = []
        people: list[tuple[int, int, str, int | None]] = []
        agencies: list[tuple[int, int]] = []
        topics: list[tuple[int, int]] = []
        for incident, (n, persons, orgs, topic) in zip(incidents, plan, strict=True):
            links.extend((incident, next(sources)) for _ in range(n))
            for role, person in zip(ROLES, persons, strict=False):
                age = rng.randint(18, 80) if role == "victim" else None
                people.append((incident, person, role, age))
            agencies.extend((incident, org) for org in orgs)
            if topic is not None:
                topics.append((incident, topic))
        await self.copy("incident_sources", ("incident_id", "source_id"), links)
        await self.copy("incident_people", ("incident_id", "person_id", "role", "age"), people)
        await self.copy("incident_agencies", ("incident_id", "organization_id"), agencies)
        await self.copy("incident_topics", ("incident_id", "topic_id"), topics)


async def generate(url: str, seed: int, scale: Scale) -> None:
    """Write the synthetic data set into the migrated database at `url`, in one transaction.

    The database must hold the shipped legislators and committees and no synthetic data.
    """
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await Generator(conn, seed, scale).run()
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


COUNTED = (
    "legislators",
    "committees",
    "committee_memberships",
    "bills",
    "bill_actions",
    "bill_cosponsors",
    "bill_subjects",
    "bill_titles",
    "votes",
    "vote_positions",
    "statements",
    "sources",
    "incidents",
    "incident_people",
    "incident_agencies",
    "people",
    "organizations",
    "topics",
    "bill_topics",
    "statement_topics",
    "incident_topics",
    "vote_topics",
)


async def row_counts(url: str) -> dict[str, int]:
    """The number of rows in each table the benchmark reads."""
    conn = await asyncpg.connect(url)
    try:
        return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in COUNTED}
    finally:
        await conn.close()


# The peer (PostGraphile) has no text search and only equality conditions: these functions
# give it the API's W5 and W6 filters and orders; PostGraphile serves each as a root field.
PEER_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION bench_statement_search(q text) RETURNS SETOF statements"
    " LANGUAGE sql STABLE AS $$ SELECT * FROM statements s"
    " WHERE s.search @@ websearch_to_tsquery('english', q)"
    " ORDER BY coalesce(s.said_on, '-infinity'::date) DESC, s.id DESC $$",
    "CREATE OR REPLACE FUNCTION bench_bills_updated_since(since timestamptz)"
    " RETURNS SETOF bills LANGUAGE sql STABLE AS $$ SELECT * FROM bills b"
    " WHERE b.updated_at > since ORDER BY b.updated_at, b.id $$",
)


async def install_peer_functions(url: str) -> None:
    """Create (or replace) the peer's search and sync functions in the database at `url`."""
    conn = await asyncpg.connect(url)
    try:
        for sql in PEER_FUNCTIONS:
            await conn.execute(sql)
    finally:
        await conn.close()
