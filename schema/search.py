"""The search box: `search(query:, types:)`, one ranked list over seven kinds of record.

A Relay connection whose edges carry the matched record (the union `SearchResult`), its rank
and an HTML snippet with the matched words in `<b>`. One SQL statement reads a page
(db/search.py); the records load through each type's own by-id loader, one statement per
type on the page. See docs/search.md, "One search box".
"""

import asyncio
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from db import search as search_sql
from db.pagination import Page
from schema.arguments import After, First
from schema.bills import Bill
from schema.context import Info
from schema.errors import BadUserInput
from schema.incidents import Incident
from schema.legislators import Legislator
from schema.nodes import LOADERS
from schema.organizations import Organization
from schema.people import Person
from schema.relay import PageInfo, window
from schema.statements import Statement
from schema.topics import Topic
from schema.validation import MAX_SEARCH_CHARS, MAX_SEARCH_TERMS

SearchResult: TypeAlias = Annotated[
    Bill | Legislator | Statement | Incident | Person | Organization | Topic,
    strawberry.union("SearchResult", description="A record the search box can find."),
]


@strawberry.enum(description="A kind of record the search box looks in.")
class SearchType(Enum):
    BILL = strawberry.enum_value("Bill", description="Bills, by their titles (prose).")
    LEGISLATOR = strawberry.enum_value("Legislator", description="Legislators, by name.")
    STATEMENT = strawberry.enum_value(
        "Statement", description="Statements, by their quote and context (prose)."
    )
    INCIDENT = strawberry.enum_value(
        "Incident",
        description="Incidents, by description, place and outcome (prose) or the names of "
        "the people in them.",
    )
    PERSON = strawberry.enum_value("Person", description="People, by name.")
    ORGANIZATION = strawberry.enum_value(
        "Organization", description="Organizations, by name or abbreviation."
    )
    TOPIC = strawberry.enum_value("Topic", description="Topics, by name.")


@strawberry.type(description="One search result: the record, its rank and a snippet.")
class SearchEdge:
    node: SearchResult = strawberry.field(description="The record found.")
    cursor: str = strawberry.field(description="Pass as `after` to page from here.")
    rank: float = strawberry.field(
        description="How well the record matches, higher is better (to 6 decimal places). "
        "Only relative: it orders one search's results and means nothing across searches."
    )
    snippet: str = strawberry.field(
        description="HTML, safe to put in a page as is: up to 35 words of the text the record "
        "is matched on (a bill's titles, a statement's quote and context, an incident's "
        "description, place, outcome and people, a name), its matched words in `<b>…</b>`, "
        "everything else HTML-escaped, and `…` where text was cut off."
    )


@strawberry.type(description="A page of search results, best first (Relay connection).")
class SearchConnection:
    load_page: strawberry.Private[Callable[[], Awaitable[Page]]]
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]
    loading: strawberry.Private[asyncio.Future[Page] | None] = None
    loaded: strawberry.Private[asyncio.Future[list[SearchEdge]] | None] = None

    async def page(self) -> Page:
        """The page of rows, read once however many fields ask for it."""
        if self.loading is None:
            self.loading = asyncio.ensure_future(self.load_page())
        return await self.loading

    async def _edges(self, info: Info) -> list[SearchEdge]:
        page = await self.page()
        nodes = await asyncio.gather(*(LOADERS[row["type"]](info, row["id"]) for row in page.rows))
        # A record deleted between the search and its load is left out.
        return [
            SearchEdge(
                node=node,
                cursor=page.cursor(index),
                rank=row["rank"],
                snippet=search_sql.snippet_html(row["snippet_text"] or "", row["headline"] or ""),
            )
            for index, (row, node) in enumerate(zip(page.rows, nodes, strict=True))
            if node is not None
        ]

    async def edge_list(self, info: Info) -> list[SearchEdge]:
        """The page's edges with their nodes, built once (every node loaded in one batch)."""
        if self.loaded is None:
            self.loaded = asyncio.ensure_future(self._edges(info))
        return await self.loaded

    @strawberry.field(description="The results of this page with rank, snippet and cursor.")
    async def edges(self, info: Info) -> list[SearchEdge]:
        return await self.edge_list(info)

    @strawberry.field(description="The records of this page, without rank, snippet or cursor.")
    async def nodes(self, info: Info) -> list[SearchResult]:
        return [edge.node for edge in await self.edge_list(info)]

    @strawberry.field(description="Where this page sits in the whole list.")
    async def page_info(self) -> PageInfo:
        page = await self.page()
        return PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor(0) if page.rows else None,
            end_cursor=page.cursor(len(page.rows) - 1) if page.rows else None,
        )

    @strawberry.field(description="How many records the whole search finds. Costs one more query.")
    async def total_count(self) -> int:
        return await self.count_total()


def checked_query(text: str) -> str:
    """The search text, or BAD_USER_INPUT when it is longer than MAX_SEARCH_CHARS characters
    or has more than MAX_SEARCH_TERMS words (the cost of a match grows with both,
    docs/limits.md). Text with no word to look for is allowed: it finds nothing."""
    if len(text) > MAX_SEARCH_CHARS:
        raise BadUserInput(
            f"`query` is {len(text)} characters long; the limit is {MAX_SEARCH_CHARS}",
            argument="query",
        )
    terms = len(text.split())
    if terms > MAX_SEARCH_TERMS:
        raise BadUserInput(
            f"`query` has {terms} words; the limit is {MAX_SEARCH_TERMS}", argument="query"
        )
    return text


def search_kinds(types: list[SearchType] | None) -> tuple[str, ...]:
    """The SEARCH_TYPES names `types` chooses, in SEARCH_TYPES order (None: all of them)."""
    if types is None:
        return search_sql.SEARCH_TYPES
    chosen = {str(SearchType(kind).value) for kind in types}
    return tuple(name for name in search_sql.SEARCH_TYPES if name in chosen)


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description=(
            "One search box over bills, legislators, statements, incidents, people,"
            " organizations and topics, best match first. Prose (bill titles, statements,"
            ' incidents) is matched as web search with English stemming (`"quoted phrases"`,'
            " `or`, `-word`); names as prefix words (`ste mil` finds Stephen Miller); both"
            " ignore case and accents. An empty or stop-words-only query finds nothing."
            " See docs/search.md."
        )
    )
    def search(
        self,
        info: Info,
        query: Annotated[
            str, strawberry.argument(description="What to look for (at most 200 characters).")
        ],
        types: Annotated[
            list[SearchType] | None,
            strawberry.argument(description="Only these kinds of record (default: all)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> SearchConnection:
        text = checked_query(query)
        kinds = search_kinds(types)
        page_window = window(first, after, None, None)
        loaders = info.context.loaders.search
        return SearchConnection(
            load_page=lambda: loaders.page(text, kinds, page_window),
            count_total=lambda: loaders.total(text, kinds),
        )
