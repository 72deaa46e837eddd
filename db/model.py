"""The data model, declared once as data: what the compiled path (docs/compiled.md) may read.

Per entity: its table and alias, primary key, global-id type name, columns (GraphQL field
name -> SQL expression and kind), relations (to-one by a foreign key, counts of a to-many
list), and the root connection it is listed by (the same `Listing` and `Ordering` the resolver path
uses, so filters, orders and cursors are identical).

SQL expressions name the entity's row as `{t}`; the compiler substitutes the alias of each
use. Kinds: `value` (text, integers, booleans: JSON as PostgreSQL gives it), `date`,
`datetime` (both formatted as Python's `isoformat`), `enum` (the stored value, mapped to the
GraphQL enum's name), `id` (the Relay global id of the row), `array` (a text array),
`object` (a nested object of columns, null when its `null_when` condition holds),
`float` (a number as Python's `float` writes it: `100.0`, not `100`; for magnitudes from
1e-4 to 1e15, where PostgreSQL and Python both write no exponent) and `constant` (the same
text for every row: `sql` is the text, bound as a parameter).

Anything not declared here is answered by the resolver path.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from db import bills as bill_sql
from db import committees as committee_sql
from db import incidents as incident_sql
from db import legislators as legislator_sql
from db import organizations as organization_sql
from db import people as person_sql
from db import record as record_sql
from db import representatives as representative_sql
from db import scorecards as scorecard_sql
from db import search as search_sql
from db import sources as source_sql
from db import statements as statement_sql
from db import timeline as timeline_sql
from db import topics as topic_sql
from db import votes as vote_sql
from db.pagination import Listing, Ordering


@dataclass(frozen=True)
class Column:
    """A GraphQL field read from the row: its SQL expression and kind."""

    sql: str
    kind: str = "value"
    fields: dict[str, "Column"] = field(default_factory=dict)
    null_when: str | None = None


@dataclass(frozen=True)
class ToOne:
    """A field holding one row of `entity` joined by `join` (`{t}` the parent, `{r}` the
    related row); null when no row joins."""

    entity: str
    join: str
    order: str = ""  # ` ORDER BY ...` over `{r}`: which row when several join


@dataclass(frozen=True)
class Branch:
    """One member type of a union field: taken when `when` holds (`{t}` the parent), the
    row of `entity` joined by `join` (`{r}` the related row), or null when none joins."""

    entity: str
    when: str
    join: str


@dataclass(frozen=True)
class Count:
    """A to-many list of which only `totalCount` is covered (with no arguments): rows of
    `from_` (alias `{r}`) that satisfy `where` (`{t}` the parent)."""

    from_: str
    where: str


@dataclass(frozen=True)
class NestedConnection:
    """A relation to many: a page of `entity` rows per parent row, the one declaration both
    paths read (db/relations.py for the resolvers, db/compiled.py for the compiled statement).

    `listing` gives the rows, `parent_key` the SQL expression holding a row's parent primary
    key (bigint), `ordering` their order and cursors. A field with an argument that narrows
    the rows (a filter) has `narrowed(value)`, the listing for a value of it; `fixed` names
    the arguments the compiled path covers, each with the one value it may have (its default).
    """

    entity: str
    listing: Listing
    parent_key: str
    ordering: Ordering
    fixed: tuple[tuple[str, Any], ...] = ()
    narrowed: Callable[[Any], Listing] | None = None

    @property
    def parent(self) -> str:
        """The condition tying a row of the listing to the parent row `{t}`."""
        return f"{self.parent_key} = {{t}}.id"

    def rows(self, narrowing: Any = None) -> Listing:
        """The listing for the value of the narrowing argument (None: the plain listing)."""
        if self.narrowed is None or narrowing is None:
            return self.listing
        return self.narrowed(narrowing)


def through(select: str, link: str, related: str, join: str, *where: str) -> Listing:
    """Rows of the table `related` (with its alias) reached through the link table `link`
    (with its alias) by `join`, meeting `where`: a many-to-many relation's listing."""
    return Listing(select, f"{link} JOIN {related} ON {join}", where)


def _subquery(listing: Listing, alias: str) -> str:
    """The parenthesised subquery a listing reads its rows from (`(...) alias`), as the
    `table` of an entity whose rows are no table's (its conditions are left out)."""
    assert listing.from_.endswith(f") {alias}"), listing
    return listing.from_.removesuffix(f" {alias}")


@dataclass(frozen=True)
class RootConnection:
    """A root list field: its entity, the listing of its conditions (db/*.py's own function)
    and its orderings by name (the same, so cursors are identical)."""

    entity: str
    listing: Callable[[Any], Listing]
    orderings: dict[str, Ordering]


@dataclass(frozen=True)
class Entity:
    """One GraphQL object type backed by one table."""

    type_name: str
    table: str
    alias: str
    primary_key: str
    natural_key: str
    global_id: str
    columns: dict[str, Column]
    to_one: dict[str, ToOne] = field(default_factory=dict)
    counts: dict[str, Count] = field(default_factory=dict)
    connections: dict[str, NestedConnection] = field(default_factory=dict)
    # The condition a row must meet to be found by a lookup (soft deletion), over `{t}`.
    live: str | None = None
    # Union fields: the first branch whose condition holds decides (no falling through).
    unions: dict[str, tuple[Branch, ...]] = field(default_factory=dict)


# congress-legislators `leadership_roles` (migration 0013): newest start first, roles with no
# start last.
LEADERSHIP_ROLE = Entity(
    type_name="LeadershipRole",
    table="legislator_leadership_roles",
    alias="lr",
    primary_key="id",
    natural_key="id",
    global_id="LeadershipRole",
    columns={
        "title": Column("{t}.title"),
        "chamber": Column("{t}.chamber", "enum"),
        "start": Column("{t}.start_date", "date"),
        "end": Column("{t}.end_date", "date"),
    },
)
LEADERSHIP_ROLES = Listing(
    "lr.id, lr.legislator_id, lr.title, lr.chamber, lr.start_date, lr.end_date",
    "legislator_leadership_roles lr",
)
BY_ROLE_START = Ordering(
    "role_start",
    (("coalesce(lr.start_date, '-infinity'::date)", "date"), ("lr.id", "bigint")),
    descending=True,
)

_NEWEST_BILLS = bill_sql.ORDERINGS["introduced_desc"]


def _statements(link: str, statement_key: str) -> Listing:
    """Live statements reached through the link table `link` by its column `statement_key`."""
    return through(
        statement_sql.COLUMNS, link, "statements s", f"s.id = {statement_key}", statement_sql.LIVE
    )


def _incidents(link: str, incident_key: str) -> Listing:
    """Live incidents reached through the link table `link` by its column `incident_key`."""
    return through(
        incident_sql.COLUMNS, link, "incidents i", f"i.id = {incident_key}", incident_sql.LIVE
    )


def _topics(link: str, topic_key: str) -> Listing:
    """Live topics reached through the link table `link` by its column `topic_key`."""
    return through(topic_sql.COLUMNS, link, "topics tp", f"tp.id = {topic_key}", topic_sql.LIVE)


LEGISLATOR = Entity(
    type_name="Legislator",
    table="legislators",
    alias="l",
    primary_key="id",
    natural_key="bioguide_id",
    global_id="Legislator",
    columns={
        "id": Column("{t}.id", "id"),
        "bioguideId": Column("{t}.bioguide_id"),
        "lisId": Column("{t}.lis_id"),
        "icpsrId": Column("{t}.icpsr_id"),
        "govtrackId": Column("{t}.govtrack_id"),
        "thomasId": Column("{t}.thomas_id"),
        "fecIds": Column("{t}.fec_ids", "array"),
        "name": Column(
            "",
            "object",
            {
                "first": Column("{t}.first_name"),
                "middle": Column("{t}.middle_name"),
                "last": Column("{t}.last_name"),
                "published": Column("{t}.published_name"),
                "suffix": Column("{t}.suffix"),
                "nickname": Column("{t}.nickname"),
                "officialFull": Column("{t}.official_full_name"),
            },
        ),
        "birthday": Column("{t}.birthday", "date"),
        "gender": Column("{t}.gender", "enum"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
        "namedBy": Column("{t}.named_by", "enum"),
    },
    # db.legislators.current_terms: the latest-starting term being served today.
    to_one={
        "currentTerm": ToOne(
            "Term",
            "{r}.legislator_id = {t}.id AND {r}.end_date >= current_date"
            " AND {r}.start_date <= current_date",
            " ORDER BY {r}.start_date DESC",
        )
    },
    connections={
        "terms": NestedConnection(
            "Term", legislator_sql.terms_listing(), "t.legislator_id", legislator_sql.TERM_ORDERING
        ),
        "sponsoredBills": NestedConnection(
            "Bill", Listing(bill_sql.COLUMNS, "bills b"), "b.sponsor_id", _NEWEST_BILLS
        ),
        "cosponsoredBills": NestedConnection(
            "Bill",
            through(bill_sql.COLUMNS, "bill_cosponsors bc", "bills b", "b.id = bc.bill_id"),
            "bc.legislator_id",
            _NEWEST_BILLS,
        ),
        "committees": NestedConnection(
            "CommitteeMembership",
            committee_sql.MEMBERSHIPS,
            "m.legislator_id",
            committee_sql.BY_COMMITTEE_NAME,
        ),
        "votePositions": NestedConnection(
            "VotePosition",
            vote_sql.LEGISLATOR_POSITIONS,
            "vp.legislator_id",
            vote_sql.NEWEST_VOTE_FIRST,
        ),
        "leadershipRoles": NestedConnection(
            "LeadershipRole", LEADERSHIP_ROLES, "lr.legislator_id", BY_ROLE_START
        ),
        # A statement names its speaker by row id, or by bioguide id alone.
        "statements": NestedConnection(
            "Statement",
            statement_sql.BY_LEGISLATOR,
            "coalesce(s.speaker_legislator_id, sl.id)",
            statement_sql.NEWEST,
        ),
        # Said and done on one topic, narrowed by the topic's slug (docs/record-and-timeline.md);
        # its items are RECORD_ITEM rows.
        "record": NestedConnection(
            "RecordItem",
            record_sql.listing(None),
            "rec.legislator_id",
            record_sql.CHRONOLOGICAL,
            narrowed=record_sql.listing,
        ),
    },
)

# schema/legislators.py Term, without `role`, `hasFloorVote` and `partyAffiliations`
# (computed in Python, or another list): those fall back.
TERM = Entity(
    type_name="Term",
    table="legislator_terms",
    alias="t",
    primary_key="id",
    natural_key="id",
    global_id="Term",
    columns={
        "chamber": Column("{t}.chamber", "enum"),
        "state": Column("{t}.state"),
        "district": Column("{t}.district"),
        "senateClass": Column("{t}.senate_class"),
        "stateRank": Column("{t}.state_rank"),
        "party": Column("{t}.party"),
        "caucus": Column("{t}.caucus"),
        "start": Column("{t}.start_date", "date"),
        "end": Column("{t}.end_date", "date"),
        "url": Column("{t}.url"),
        "phone": Column("{t}.phone"),
        "address": Column("{t}.address"),
        "office": Column("{t}.office"),
        "contactForm": Column("{t}.contact_form"),
    },
)

COMMITTEE = Entity(
    type_name="Committee",
    table="committees",
    alias="c",
    primary_key="id",
    natural_key="thomas_id",
    global_id="Committee",
    columns={
        "id": Column("{t}.id", "id"),
        "thomasId": Column("{t}.thomas_id"),
        "chamber": Column("{t}.chamber", "enum"),
        "name": Column("{t}.name"),
        "url": Column("{t}.url"),
        "jurisdiction": Column("{t}.jurisdiction"),
        "address": Column("{t}.address"),
        "phone": Column("{t}.phone"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        "subcommittees": NestedConnection(
            "Committee",
            Listing(committee_sql.COLUMNS, "committees c"),
            "c.parent_id",
            committee_sql.ORDERINGS["name"],
        ),
        "members": NestedConnection(
            "CommitteeMembership",
            committee_sql.MEMBERSHIPS,
            "m.committee_id",
            committee_sql.BY_RANK,
        ),
        "bills": NestedConnection(
            "Bill",
            through(bill_sql.COLUMNS, "bill_committees bcm", "bills b", "b.id = bcm.bill_id"),
            "bcm.committee_id",
            _NEWEST_BILLS,
        ),
    },
)

# A seat: the listing's alias is `m` (db.committees.MEMBERSHIPS).
COMMITTEE_MEMBERSHIP = Entity(
    type_name="CommitteeMembership",
    table="committee_memberships",
    alias="m",
    primary_key="id",
    natural_key="id",
    global_id="CommitteeMembership",
    columns={
        "rank": Column("{t}.rank"),
        "side": Column("{t}.side", "enum"),
        "title": Column("{t}.title"),
    },
    to_one={
        "committee": ToOne("Committee", "{r}.id = {t}.committee_id"),
        "legislator": ToOne("Legislator", "{r}.id = {t}.legislator_id"),
    },
)

BILL = Entity(
    type_name="Bill",
    table="bills",
    alias="b",
    primary_key="id",
    natural_key="bill_id",
    global_id="Bill",
    columns={
        "id": Column("{t}.id", "id"),
        "billId": Column("{t}.bill_id"),
        "congress": Column("{t}.congress"),
        "billType": Column("{t}.bill_type", "enum"),
        "number": Column("{t}.number"),
        "officialTitle": Column("{t}.official_title"),
        "shortTitle": Column("{t}.short_title"),
        "popularTitle": Column("{t}.popular_title"),
        "introducedDate": Column("{t}.introduced_date", "date"),
        "originChamber": Column("{t}.origin_chamber", "enum"),
        "policyArea": Column("{t}.policy_area"),
        # Schema: null unless a date or a non-empty text is recorded.
        "latestAction": Column(
            "",
            "object",
            {
                "date": Column("{t}.latest_action_date", "date"),
                "text": Column("{t}.latest_action_text"),
            },
            null_when="{t}.latest_action_date IS NULL"
            " AND coalesce({t}.latest_action_text, '') = ''",
        ),
        "status": Column("{t}.status"),
        "statusDate": Column("{t}.status_date", "date"),
        "sponsorBioguideId": Column("{t}.sponsor_bioguide_id"),
        "url": Column("{t}.url"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    to_one={"sponsor": ToOne("Legislator", "{r}.id = {t}.sponsor_id")},
    connections={
        # `includeWithdrawn: false` narrows the listing; the compiled path covers the default.
        "cosponsors": NestedConnection(
            "Cosponsorship",
            bill_sql.cosponsors_listing(True),
            "bc.bill_id",
            bill_sql.BY_SIGNING,
            (("includeWithdrawn", True),),
            bill_sql.cosponsors_listing,
        ),
        "actions": NestedConnection(
            "BillAction", bill_sql.ACTIONS, "ba.bill_id", bill_sql.CHRONOLOGICAL
        ),
        "votes": NestedConnection(
            "Vote",
            Listing(vote_sql.COLUMNS, "votes v"),
            "v.bill_id",
            vote_sql.ORDERINGS["date_asc"],
        ),
        "committees": NestedConnection(
            "Committee",
            through(
                committee_sql.COLUMNS,
                "bill_committees bcm",
                "committees c",
                "c.id = bcm.committee_id",
            ),
            "bcm.bill_id",
            bill_sql.BY_COMMITTEE_NAME,
        ),
        "relatedBills": NestedConnection(
            "RelatedBill", bill_sql.RELATED, "rb.bill_id", bill_sql.BY_RELATED_KEY
        ),
        "statements": NestedConnection(
            "Statement",
            _statements("statement_bills sb", "sb.statement_id"),
            "sb.bill_id",
            statement_sql.NEWEST,
        ),
        "topics": NestedConnection(
            "Topic", _topics("bill_topics bt", "bt.topic_id"), "bt.bill_id", topic_sql.BY_NAME
        ),
        "incidents": NestedConnection(
            "Incident",
            _incidents("incident_bills ib", "ib.incident_id"),
            "ib.bill_id",
            incident_sql.NEWEST,
        ),
    },
)

COSPONSORSHIP = Entity(
    type_name="Cosponsorship",
    table="bill_cosponsors",
    alias="bc",
    primary_key="id",
    natural_key="id",
    global_id="Cosponsorship",
    columns={
        "bioguideId": Column("{t}.bioguide_id"),
        "sponsoredOn": Column("{t}.sponsored_on", "date"),
        "isOriginal": Column("{t}.is_original"),
        "withdrawnOn": Column("{t}.withdrawn_on", "date"),
    },
    to_one={
        "legislator": ToOne("Legislator", "{r}.id = {t}.legislator_id"),
        "bill": ToOne("Bill", "{r}.id = {t}.bill_id"),
    },
)

VOTE = Entity(
    type_name="Vote",
    table="votes",
    alias="v",
    primary_key="id",
    natural_key="vote_id",
    global_id="Vote",
    columns={
        "id": Column("{t}.id", "id"),
        "voteId": Column("{t}.vote_id"),
        "chamber": Column("{t}.chamber", "enum"),
        "congress": Column("{t}.congress"),
        "session": Column("{t}.session"),
        "number": Column("{t}.number"),
        "votedAt": Column("{t}.voted_at", "datetime"),
        "question": Column("{t}.question"),
        "type": Column("{t}.vote_type"),
        "category": Column("{t}.category"),
        "result": Column("{t}.result"),
        "resultText": Column("{t}.result_text"),
        "subject": Column("{t}.subject"),
        "target": Column("{t}.target", "enum"),
        "requires": Column("{t}.requires"),
        "sourceUrl": Column("{t}.source_url"),
        "billId": Column("{t}.bill_key"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    to_one={"bill": ToOne("Bill", "{r}.id = {t}.bill_id")},
    connections={
        # A filter narrows the listing; the compiled path covers none.
        "positions": NestedConnection(
            "VotePosition",
            vote_sql.positions_listing(vote_sql.PositionFilter()),
            "vp.vote_id",
            vote_sql.BY_MEMBER,
            narrowed=vote_sql.positions_listing,
        ),
        "statements": NestedConnection(
            "Statement",
            _statements("statement_votes sv", "sv.statement_id"),
            "sv.vote_id",
            statement_sql.NEWEST,
        ),
        "topics": NestedConnection(
            "Topic", _topics("vote_topics vt", "vt.topic_id"), "vt.vote_id", topic_sql.BY_NAME
        ),
    },
)

# A member's position: the listing's alias is `vp`; `option` and `state` are db.votes'
# own expressions (the published label or the standard one; the state of the term).
VOTE_POSITION = Entity(
    type_name="VotePosition",
    table="vote_positions",
    alias="vp",
    primary_key="id",
    natural_key="id",
    global_id="VotePosition",
    columns={
        "position": Column("{t}.position", "enum"),
        "option": Column(vote_sql.OPTION.replace("vp.", "{t}.")),
        "candidate": Column(
            "CASE WHEN {t}.position = 'candidate' THEN "
            + vote_sql.OPTION.replace("vp.", "{t}.")
            + " END"
        ),
        "party": Column("{t}.party"),
        "state": Column(vote_sql.STATE.replace("vp.", "{t}.")),
        "memberId": Column("{t}.member_id"),
    },
    to_one={"legislator": ToOne("Legislator", "{r}.id = {t}.legislator_id")},
)


def fuzzy_date(value: str, precision: str) -> Column:
    """schema/dates.py `fuzzy_date` of a stored date and its precision."""
    known = f"({value} IS NOT NULL AND {precision} <> 'unknown')"
    return Column(
        "",
        "object",
        {
            "precision": Column(
                f"CASE WHEN {value} IS NULL THEN 'unknown' ELSE {precision} END", "enum"
            ),
            "year": Column(f"CASE WHEN {known} THEN extract(year FROM {value})::int END"),
            "month": Column(
                f"CASE WHEN {known} AND {precision} IN ('month', 'day')"
                f" THEN extract(month FROM {value})::int END"
            ),
            "day": Column(
                f"CASE WHEN {known} AND {precision} = 'day' THEN extract(day FROM {value})::int END"
            ),
            "text": Column(
                f"CASE WHEN NOT {known} THEN NULL"
                f" WHEN {precision} = 'year' THEN to_char({value}, 'YYYY')"
                f" WHEN {precision} = 'month' THEN to_char({value}, 'YYYY-MM')"
                f" WHEN {precision} = 'day' THEN to_char({value}, 'YYYY-MM-DD') END"
            ),
        },
    )


PERSON = Entity(
    type_name="Person",
    table="people",
    alias="pe",
    primary_key="id",
    natural_key="slug",
    global_id="Person",
    columns={
        "id": Column("{t}.id", "id"),
        "slug": Column("{t}.slug"),
        "name": Column("{t}.name"),
        "description": Column("{t}.description"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        "statements": NestedConnection(
            "Statement",
            Listing(statement_sql.COLUMNS, "statements s", (statement_sql.LIVE,)),
            "s.speaker_person_id",
            statement_sql.NEWEST,
        ),
        # The person's part in each incident (IncidentPerson), the incident newest first.
        "incidents": NestedConnection(
            "IncidentPerson",
            through(
                incident_sql.PERSON_COLUMNS,
                "incident_people ip",
                "incidents i",
                "i.id = ip.incident_id",
                incident_sql.LIVE,
            ),
            "ip.person_id",
            person_sql.BY_INCIDENT_DATE,
        ),
    },
)

ORGANIZATION = Entity(
    type_name="Organization",
    table="organizations",
    alias="o",
    primary_key="id",
    natural_key="slug",
    global_id="Organization",
    columns={
        "id": Column("{t}.id", "id"),
        "slug": Column("{t}.slug"),
        "name": Column("{t}.name"),
        "abbreviation": Column("{t}.abbreviation"),
        "kind": Column("{t}.kind", "enum"),
        "url": Column("{t}.url"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        "statements": NestedConnection(
            "Statement",
            Listing(statement_sql.COLUMNS, "statements s", (statement_sql.LIVE,)),
            "s.speaker_organization_id",
            statement_sql.NEWEST,
        ),
        "incidents": NestedConnection(
            "Incident",
            _incidents("incident_agencies ia", "ia.incident_id"),
            "ia.organization_id",
            incident_sql.NEWEST,
        ),
    },
)

# Soft-deleted statements are in no listing (db.statements.LIVE is in `listing`).
STATEMENT = Entity(
    type_name="Statement",
    table="statements",
    alias="s",
    primary_key="id",
    natural_key="id",
    global_id="Statement",
    columns={
        "id": Column("{t}.id", "id"),
        "speakerBioguideId": Column("{t}.speaker_bioguide_id"),
        "said": fuzzy_date("{t}.said_on", "{t}.said_on_precision"),
        "quote": Column("{t}.quote"),
        "context": Column("{t}.context"),
        "medium": Column("{t}.medium", "enum"),
        "externalKey": Column("{t}.external_key"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    # schema/statements.py Statement.speaker: by the first id recorded; a soft-deleted person
    # or organization is none (db.people.by_ids, db.organizations.by_ids); a bioguide id
    # alone names the legislator with it, once loaded.
    unions={
        "speaker": (
            Branch(
                "Legislator",
                "{t}.speaker_legislator_id IS NOT NULL",
                "{r}.id = {t}.speaker_legislator_id",
            ),
            Branch(
                "Person",
                "{t}.speaker_person_id IS NOT NULL",
                "{r}.id = {t}.speaker_person_id AND {r}.deleted_at IS NULL",
            ),
            Branch(
                "Organization",
                "{t}.speaker_organization_id IS NOT NULL",
                "{r}.id = {t}.speaker_organization_id AND {r}.deleted_at IS NULL",
            ),
            Branch(
                "Legislator",
                "{t}.speaker_bioguide_id IS NOT NULL",
                "{r}.bioguide_id = {t}.speaker_bioguide_id",
            ),
        )
    },
    connections={
        "sources": NestedConnection(
            "Source",
            through(
                source_sql.COLUMNS,
                "statement_sources ss",
                "sources src",
                "src.id = ss.source_id",
                source_sql.LIVE,
            ),
            "ss.statement_id",
            source_sql.NEWEST,
        ),
        "incidents": NestedConnection(
            "Incident",
            _incidents("statement_incidents si", "si.incident_id"),
            "si.statement_id",
            incident_sql.NEWEST,
        ),
        "topics": NestedConnection(
            "Topic",
            _topics("statement_topics st", "st.topic_id"),
            "st.statement_id",
            topic_sql.BY_NAME,
        ),
        "bills": NestedConnection(
            "Bill",
            through(bill_sql.COLUMNS, "statement_bills sb", "bills b", "b.id = sb.bill_id"),
            "sb.statement_id",
            _NEWEST_BILLS,
        ),
        "votes": NestedConnection(
            "Vote",
            through(vote_sql.COLUMNS, "statement_votes sv", "votes v", "v.id = sv.vote_id"),
            "sv.statement_id",
            vote_sql.ORDERINGS["date_desc"],
        ),
    },
)

SOURCE = Entity(
    type_name="Source",
    table="sources",
    alias="src",
    primary_key="id",
    natural_key="url",
    global_id="Source",
    columns={
        "id": Column("{t}.id", "id"),
        "url": Column("{t}.url"),
        "title": Column("{t}.title"),
        "publisher": Column("{t}.publisher"),
        "published": fuzzy_date("{t}.published_on", "{t}.published_precision"),
        "archivedUrl": Column("{t}.archived_url"),
        "retrievedAt": Column("{t}.retrieved_at", "datetime"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        "statements": NestedConnection(
            "Statement",
            _statements("statement_sources ss", "ss.statement_id"),
            "ss.source_id",
            statement_sql.NEWEST,
        ),
        "incidents": NestedConnection(
            "Incident",
            _incidents("incident_sources isrc", "isrc.incident_id"),
            "isrc.source_id",
            incident_sql.NEWEST,
        ),
    },
)

# Latitude and longitude are left to the resolver path: a float with no fraction is `45.0`
# there and `45` in PostgreSQL's JSON.
INCIDENT = Entity(
    type_name="Incident",
    table="incidents",
    alias="i",
    primary_key="id",
    natural_key="id",
    global_id="Incident",
    columns={
        "id": Column("{t}.id", "id"),
        "kind": Column("{t}.kind", "enum"),
        "occurred": fuzzy_date("{t}.occurred_on", "{t}.occurred_precision"),
        "location": Column(
            "",
            "object",
            {
                "city": Column("{t}.city"),
                "county": Column("{t}.county"),
                "state": Column("{t}.state"),
                "facility": Column("{t}.facility"),
            },
        ),
        "outcome": Column("{t}.outcome"),
        "description": Column("{t}.description"),
        "externalKey": Column("{t}.external_key"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        "agencies": NestedConnection(
            "Organization",
            through(
                organization_sql.COLUMNS,
                "incident_agencies ia",
                "organizations o",
                "o.id = ia.organization_id",
                organization_sql.LIVE,
            ),
            "ia.incident_id",
            organization_sql.BY_NAME,
        ),
        "people": NestedConnection(
            "IncidentPerson", incident_sql.PEOPLE, "ip.incident_id", incident_sql.BY_ROLE
        ),
        "sources": NestedConnection(
            "Source",
            through(
                source_sql.COLUMNS,
                "incident_sources isrc",
                "sources src",
                "src.id = isrc.source_id",
                source_sql.LIVE,
            ),
            "isrc.incident_id",
            source_sql.NEWEST,
        ),
        "statements": NestedConnection(
            "Statement",
            _statements("statement_incidents si", "si.statement_id"),
            "si.incident_id",
            statement_sql.NEWEST,
        ),
        "topics": NestedConnection(
            "Topic",
            _topics("incident_topics it", "it.topic_id"),
            "it.incident_id",
            topic_sql.BY_NAME,
        ),
        "bills": NestedConnection(
            "Bill",
            through(bill_sql.COLUMNS, "incident_bills ib", "bills b", "b.id = ib.bill_id"),
            "ib.incident_id",
            _NEWEST_BILLS,
        ),
        # The state's senators and at-large House member then (db/representatives.py).
        "representatives": NestedConnection(
            "Legislator",
            Listing(legislator_sql.COLUMNS, representative_sql.FROM),
            representative_sql.PARENT_KEY,
            representative_sql.SENATE_FIRST,
        ),
    },
)

# A member's score on a scorecard (schema/scorecards.py ScorecardMember), a row of
# db.scorecards' per-member sums (alias `sm`); the lists of its parts, `votes` and
# `sponsorships`, fall back.
SCORECARD_MEMBER = Entity(
    type_name="ScorecardMember",
    table=_subquery(scorecard_sql.members_listing(scorecard_sql.MemberFilter()), "sm"),
    alias="sm",
    primary_key="legislator_id",
    natural_key="legislator_id",
    global_id="ScorecardMember",
    columns={
        "score": Column("{t}.score", "float"),
        "proWeight": Column("{t}.pro_weight", "float"),
        "countedWeight": Column("{t}.counted_weight", "float"),
        "partial": Column("{t}.votes_absent > 0"),
        "votesTotal": Column("{t}.votes_total"),
        "votesEligible": Column("{t}.votes_eligible"),
        "votesCounted": Column("{t}.votes_counted"),
        "votesMissed": Column("{t}.votes_missed"),
        "votesAbsent": Column("{t}.votes_absent"),
        "sponsorshipsCounted": Column("{t}.sponsorships_counted"),
    },
    to_one={"legislator": ToOne("Legislator", "{r}.id = {t}.legislator_id")},
)

# A topic's scorecard (schema/scorecards.py), without the lists `votes` and `bills` and the
# lookup `member`: those fall back.
SCORECARD = Entity(
    type_name="Scorecard",
    table="scorecards",
    alias="sc",
    primary_key="id",
    natural_key="id",
    global_id="Scorecard",
    columns={
        "name": Column("{t}.name"),
        "method": Column("{t}.method"),
        "formula": Column(scorecard_sql.FORMULA, "constant"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    connections={
        # Ranked by score, narrowed by chamber, party and state (db.scorecards.MemberFilter).
        "members": NestedConnection(
            "ScorecardMember",
            scorecard_sql.members_listing(scorecard_sql.MemberFilter()),
            "sm.scorecard_id",
            scorecard_sql.BY_SCORE,
            narrowed=scorecard_sql.members_listing,
        )
    },
)

# db.topics: a live topic by slug; its bills, statements and incidents through link tables.
TOPIC = Entity(
    type_name="Topic",
    table="topics",
    alias="tp",
    primary_key="id",
    natural_key="slug",
    global_id="Topic",
    live="{t}.deleted_at IS NULL",
    columns={
        "id": Column("{t}.id", "id"),
        "slug": Column("{t}.slug"),
        "name": Column("{t}.name"),
        "description": Column("{t}.description"),
        "version": Column("{t}.version"),
        "createdAt": Column("{t}.created_at", "datetime"),
        "updatedAt": Column("{t}.updated_at", "datetime"),
    },
    to_one={"scorecard": ToOne("Scorecard", "{r}.topic_id = {t}.id")},
    connections={
        "bills": NestedConnection(
            "Bill",
            through(bill_sql.COLUMNS, "bill_topics bt", "bills b", "b.id = bt.bill_id"),
            "bt.topic_id",
            _NEWEST_BILLS,
        ),
        "votes": NestedConnection(
            "Vote",
            through(vote_sql.COLUMNS, "vote_topics vt", "votes v", "v.id = vt.vote_id"),
            "vt.topic_id",
            vote_sql.ORDERINGS["date_desc"],
        ),
        "statements": NestedConnection(
            "Statement",
            _statements("statement_topics st", "st.statement_id"),
            "st.topic_id",
            statement_sql.NEWEST,
        ),
        "incidents": NestedConnection(
            "Incident",
            _incidents("incident_topics it", "it.incident_id"),
            "it.topic_id",
            incident_sql.NEWEST,
        ),
        # Bill actions, votes, statements and incidents in one order, narrowed by kinds
        # (docs/record-and-timeline.md); its items are TIMELINE_ITEM rows.
        "timeline": NestedConnection(
            "TimelineItem",
            timeline_sql.listing(None),
            "tl.topic_id",
            timeline_sql.CHRONOLOGICAL,
            narrowed=timeline_sql.listing,
        ),
    },
)

# schema/bills.py BillAction: the listing's alias is `ba` (db.bills.ACTIONS).
BILL_ACTION = Entity(
    type_name="BillAction",
    table="bill_actions",
    alias="ba",
    primary_key="id",
    natural_key="id",
    global_id="BillAction",
    columns={
        "date": Column("{t}.acted_on", "date"),
        "text": Column("{t}.text"),
        "type": Column("{t}.action_type"),
        "actionCode": Column("{t}.action_code"),
        "chamber": Column("{t}.chamber", "enum"),
    },
    to_one={"committee": ToOne("Committee", "{r}.id = {t}.committee_id")},
)


# An item of a topic's timeline (schema/timeline.py), a row of db.timeline's union (alias
# `tl`): `kind` says which of the to-one parts joins; the others are null.
TIMELINE_ITEM = Entity(
    type_name="TimelineItem",
    table=_subquery(timeline_sql.listing(None), "tl"),
    alias="tl",
    primary_key="id",
    natural_key="id",
    global_id="TimelineItem",
    columns={
        "kind": Column("{t}.kind", "enum"),
        "date": fuzzy_date("{t}.on_date", "{t}.precision"),
    },
    to_one={
        "action": ToOne("BillAction", "{t}.kind = 'bill_action' AND {r}.id = {t}.id"),
        "bill": ToOne("Bill", "{r}.id = {t}.bill_id"),
        "vote": ToOne("Vote", "{t}.kind = 'vote' AND {r}.id = {t}.id"),
        "statement": ToOne("Statement", "{t}.kind = 'statement' AND {r}.id = {t}.id"),
        "incident": ToOne("Incident", "{t}.kind = 'incident' AND {r}.id = {t}.id"),
    },
)

# An item of a member's record on a topic (schema/record.py), a row of db.record's union
# (alias `rec`). Its `sources`, `provenance` and `stances` are left to the resolver path.
RECORD_ITEM = Entity(
    type_name="RecordItem",
    table=_subquery(record_sql.listing(None), "rec"),
    alias="rec",
    primary_key="id",
    natural_key="id",
    global_id="RecordItem",
    columns={
        "kind": Column("{t}.kind", "enum"),
        "date": fuzzy_date("{t}.on_date", "{t}.precision"),
    },
    to_one={
        "statement": ToOne("Statement", "{t}.kind = 'statement' AND {r}.id = {t}.id"),
        "bill": ToOne("Bill", "{r}.id = {t}.bill_id"),
        "cosponsorship": ToOne("Cosponsorship", "{t}.kind = 'cosponsorship' AND {r}.id = {t}.id"),
        "vote": ToOne("Vote", "{r}.id = {t}.vote_id"),
        "position": ToOne("VotePosition", "{t}.kind = 'vote_position' AND {r}.id = {t}.id"),
    },
)

# A row of the search box's ranked union (db.search, alias `r`): the record it found, a
# member of the union `SearchResult` chosen by `type`. Its `rank` and `snippet` (made in
# Python) and its cursors (a text key) are left to the resolver path.
SEARCH_RESULT = Entity(
    type_name="SearchResult",
    table=_subquery(search_sql.listing(("", search_sql.SEARCH_TYPES)), "r"),
    alias="r",
    primary_key="id",
    natural_key="id",
    global_id="SearchResult",
    columns={},
    unions={
        "node": tuple(
            Branch(name, f"{{t}}.type = '{name}'", "{r}.id = {t}.id")
            for name in search_sql.SEARCH_TYPES
        )
    },
)

ENTITIES: dict[str, Entity] = {
    entity.type_name: entity
    for entity in (
        LEGISLATOR,
        BILL,
        TERM,
        LEADERSHIP_ROLE,
        COMMITTEE,
        COMMITTEE_MEMBERSHIP,
        VOTE,
        VOTE_POSITION,
        PERSON,
        ORGANIZATION,
        STATEMENT,
        SOURCE,
        INCIDENT,
        TOPIC,
        COSPONSORSHIP,
        BILL_ACTION,
        TIMELINE_ITEM,
        RECORD_ITEM,
        SEARCH_RESULT,
        SCORECARD,
        SCORECARD_MEMBER,
    )
}

# Root list fields: the same listings and orderings as db/*.py.
ROOT_CONNECTIONS: dict[str, RootConnection] = {
    "bills": RootConnection("Bill", bill_sql.listing, bill_sql.ORDERINGS),
    "votes": RootConnection("Vote", vote_sql.listing, vote_sql.ORDERINGS),
    "statements": RootConnection("Statement", statement_sql.listing, statement_sql.ORDERINGS),
    # Its node is the union of the entity's `node` branches.
    "search": RootConnection(
        "SearchResult", search_sql.listing, {"relevance": search_sql.RELEVANCE}
    ),
}
