"""The compiled path (docs/compiled.md): covered queries are answered by one SQL statement,
with the resolver path's answer; everything else takes the resolver path unchanged."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from api.settings import ROOT
from db.pagination import unindexed
from db.pool import log_statements
from schema import compiled
from tests.conftest import graphql
from tests.editors import editing_api

WORKLOADS = ROOT / "bench" / "workloads"


def _workload(name: str) -> tuple[str, dict[str, Any]]:
    text = (WORKLOADS / f"{name}.graphql").read_text()
    found = re.search(r"^# variables: (.*)$", text, re.MULTILINE)
    query = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return query, json.loads(found.group(1)) if found else {}


@pytest.fixture
def paths() -> Iterator[list[str]]:
    """The paths taken by the queries executed in a test."""
    taken: list[str] = []
    compiled.PATH_LISTENERS.append(taken.append)
    yield taken
    compiled.PATH_LISTENERS.remove(taken.append)


async def _both(
    client: Any, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The compiled answer and the resolver answer."""
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    fast = await graphql(client, query, variables)
    monkeypatch.setenv("REDRESS_COMPILED", "off")
    slow = await graphql(client, query, variables)
    return fast, slow


# Queries the compiled path covers, each with variables.
COVERED = {
    "W1": _workload("W1"),
    "W1 for Pressley": (_workload("W1")[0], {"bioguideId": "P000617"}),
    "W2": _workload("W2"),
    "an ordering with text keys, without cursors": (
        "{ bills(first: 5, orderBy: BILL_ID) { nodes { billId } pageInfo { hasNextPage } } }",
        {},
    ),
    "nested pages": (
        """{ legislators: legislator(bioguideId: "P000617") {
             a: committees(first: 2) { totalCount nodes { side title
                  committee { id chamber name } legislator { bioguideId } } }
             b: committees(last: 1) { pageInfo { hasNextPage hasPreviousPage } nodes { rank } }
             c: committees(first: 0) { nodes { rank } pageInfo { hasNextPage } }
             currentTerm { chamber state district senateClass stateRank party caucus start end
                           url phone address office contactForm } } }""",
        {},
    ),
    "W3": _workload("W3"),
    "W3, a page of 3": (_workload("W3")[0], {"first": 3, "positions": 5}),
    "W4 on the shipped data": (_workload("W4")[0], {"slug": "qualified-immunity-ice"}),
    "a topic, every field": (
        """{ topic(slug: "qualified-immunity-ice") { id slug name description version createdAt
               updatedAt
               bills(last: 2) { totalCount pageInfo { hasPreviousPage startCursor }
                 nodes { billId } }
               statements(first: 3) { edges { cursor node { quote } } }
               incidents { totalCount nodes { id kind occurred { precision text year month day }
                 location { city county state facility } outcome description externalKey
                 version createdAt updatedAt
                 sources { totalCount nodes { id url title publisher
                   published { precision text } archivedUrl retrievedAt version createdAt
                   updatedAt } } } } } }""",
        {},
    ),
    "W5": _workload("W5"),
    "W5 on the shipped data": (_workload("W5")[0], {"q": "immunity", "first": 100}),
    "statements, every field": (
        """{ statements(last: 100, orderBy: OLDEST) { totalCount nodes { id speakerBioguideId
               said { __typename precision year month day text } quote context medium
               externalKey version createdAt updatedAt
               speaker { __typename ... on Node { id }
                 ... on Legislator { fullName: name { last } currentTerm { party } }
                 ... on Person { slug name description version createdAt updatedAt }
                 ... on Organization { slug name abbreviation kind url version } } } } }""",
        {},
    ),
    "statements, filtered": (
        """{ a: statements(filter: {medium: SOCIAL_POST}) { totalCount nodes { quote } }
             b: statements(filter: {said: {start: "2025-01-01"}}, orderBy: UPDATED_AT) {
               totalCount edges { cursor node { said { text } } } }
             c: statements(filter: {speaker: "P000617"}) { totalCount nodes { quote } } }""",
        {},
    ),
    "W6": _workload("W6"),
    "votes": (
        """{ votes(last: 2, filter: {chamber: HOUSE}) { totalCount
               pageInfo { startCursor endCursor hasPreviousPage hasNextPage }
               nodes { id voteId chamber congress session number votedAt question type category
                 result resultText subject target requires sourceUrl billId createdAt updatedAt
                 positions(last: 3) { totalCount nodes { position option candidate party state
                   memberId legislator { bioguideId } } } } } }""",
        {},
    ),
    "a vote": (
        """{ vote(voteId: "h60-117.2021") { voteId question
               positions(first: 100) { totalCount
                 nodes { position state legislator { id } } } } }""",
        {},
    ),
    "W6 from the start": (_workload("W6")[0], {"since": "1900-01-01T00:00:00Z", "first": 100}),
    "every bill field": (
        """{ bills(first: 100, orderBy: INTRODUCED_ASC) { totalCount nodes {
             __typename id billId congress billType number officialTitle shortTitle
             popularTitle introducedDate originChamber policyArea status statusDate
             latestAction { __typename date text } sponsorBioguideId url createdAt updatedAt
             sponsor { __typename id bioguideId lisId icpsrId govtrackId thomasId fecIds
               name { first middle last published suffix nickname officialFull }
               birthday gender createdAt updatedAt namedBy }
             cosponsors { __typename totalCount } } } }""",
        {},
    ),
    "edges, pageInfo and aliases": (
        """{ __typename newest: bills(first: 3) { __typename
               edges { __typename cursor node { billId } }
               pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } }
             oldest: bills(last: 2, orderBy: INTRODUCED_DESC) {
               edges { c: cursor node { b: billId } }
               pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }""",
        {},
    ),
    "fragments, merged fields and directives": (
        """query($yes: Boolean!, $no: Boolean!) {
             bills(first: 5, filter: {congress: 117}, orderBy: UPDATED_AT) {
               nodes { ...Basic billId sponsor { bioguideId }
                       ... on Bill { sponsor { name { last } } }
                       url @skip(if: $yes) status @include(if: $yes) number @include(if: $no) }
               totalCount @skip(if: $no) } }
           fragment Basic on Bill { id billId introducedDate ... on Node { id } }""",
        {"yes": True, "no": False},
    ),
    "filters": (
        """query($since: DateTime) {
             a: bills(filter: {type: HR, status: "introduced"}, first: 4) {
               totalCount nodes { billId } }
             b: bills(filter: {introduced: {start: "2021-01-01", end: "2021-12-31"}}) {
               totalCount nodes { billId introducedDate } }
             c: bills(filter: {sponsor: "p000617", search: "immunity"}) {
               totalCount nodes { billId } }
             d: bills(filter: {cosponsor: "P000617", updatedSince: $since}) { totalCount }
             e: bills(filter: {subject: "Immigration"}, first: 0) {
               nodes { billId } pageInfo { hasNextPage endCursor } } }""",
        {"since": "2001-02-03T04:05:06.789+02:00"},
    ),
    "only a count": ("{ bills { totalCount } }", {}),
    "a legislator's lists": (
        """{ legislator(bioguideId: "P000617") {
             terms(first: 2) { totalCount nodes { chamber state start end party } }
             sponsoredBills(last: 3) { totalCount pageInfo { hasPreviousPage startCursor }
               nodes { billId cosponsors(first: 2, includeWithdrawn: true) { totalCount
                 nodes { bioguideId sponsoredOn isOriginal withdrawnOn legislator { id }
                   bill { billId } } } } }
             cosponsoredBills(first: 5) { totalCount edges { cursor node { billId } } } } }""",
        {},
    ),
    "lookups": (
        """query($id: String!) { bill(billId: " HR1470-117 ") { billId sponsor { bioguideId } }
             legislator(bioguideId: $id) { id bioguideId name { officialFull } gender } }""",
        {"id": "P000617"},
    ),
    "only pageInfo": ("{ bills(first: 1) { pageInfo { hasPreviousPage } } }", {}),
    # Relations declared in db/model.py for both paths at once (docs/model.md).
    "a bill's votes, statements, topics and incidents": (
        """{ bill(billId: "hr1280-117") {
             votes(last: 2) { totalCount edges { cursor node { voteId votedAt } } }
             statements { totalCount nodes { quote said { text } } }
             topics { totalCount nodes { slug } }
             incidents { totalCount nodes { id occurred { text } } }
             committees(first: 3) { totalCount nodes { thomasId name } } } }""",
        {},
    ),
    "a legislator's positions and statements": (
        """{ legislator(bioguideId: "P000617") {
             votePositions(first: 3) { totalCount edges { cursor node { position option } } }
             statements(first: 2) { totalCount nodes { quote } } } }""",
        {},
    ),
    "statements' bills, votes, sources, incidents and topics": (
        """{ statements(first: 5) { nodes { quote
             bills { totalCount nodes { billId } } votes { totalCount nodes { voteId } }
             sources { totalCount nodes { url } } incidents { nodes { id } }
             topics { nodes { slug } } } } }""",
        {},
    ),
    # A connection that reads no rows binds none of its filters' values.
    "connections asked only for __typename, with filters": (
        """{ bills(filter: {congress: 117}) { __typename }
             search(query: "immunity", types: [BILL]) { __typename }
             legislator(bioguideId: "P000617") {
               record(topic: "qualified-immunity-ice") { __typename } }
             topic(slug: "qualified-immunity-ice") {
               scorecard { members(party: "r", state: "MA") { __typename } } } }""",
        {},
    ),
    "a connection whose every field is skipped": (
        """{ search(query: "immunity", first: 2) { ... @include(if: false) { __typename } } }""",
        {},
    ),
    "nodes whose every field is skipped are empty objects": (
        """{ topic(slug: "qualified-immunity-ice") {
               timeline(first: 2) { nodes { kind @include(if: false) } } }
             bills(first: 2) { nodes { ... @include(if: false) { __typename } } } }""",
        {},
    ),
}


@pytest.mark.parametrize("name", list(COVERED))
async def test_covered_queries_are_compiled_with_the_resolver_answer(
    client, monkeypatch, paths, name
):
    query, variables = COVERED[name]
    fast, slow = await _both(client, monkeypatch, query, variables)
    assert "errors" not in slow, slow
    assert paths[0] == "compiled"
    assert json.dumps(fast) == json.dumps(slow)  # the same keys in the same order


async def test_pages_by_cursor_match_both_ways(client, monkeypatch, paths):
    for order in ("INTRODUCED_DESC", "INTRODUCED_ASC", "UPDATED_AT"):
        first = await graphql(
            client, f"{{ bills(first: 3, orderBy: {order}) {{ pageInfo {{ endCursor }} }} }}"
        )
        cursor = first["data"]["bills"]["pageInfo"]["endCursor"]
        for window in (f'first: 4, after: "{cursor}"', f'last: 2, before: "{cursor}"'):
            query = f"""{{ bills({window}, orderBy: {order}) {{ edges {{ cursor node {{ billId }} }}
                         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"""
            paths.clear()
            fast, slow = await _both(client, monkeypatch, query, {})
            assert paths[0] == "compiled"
            assert fast == slow
            assert fast["data"]["bills"]["edges"], fast


async def test_a_covered_query_is_one_statement(client, monkeypatch):
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    query, variables = _workload("W2")
    async with log_statements() as log:
        body = await graphql(client, query, variables)
    assert "errors" not in body
    assert len(log.statements) == 1
    monkeypatch.setenv("REDRESS_COMPILED", "off")
    async with log_statements() as log:
        await graphql(client, query, variables)
    assert len(log.statements) > 1


async def test_verify_mode_runs_the_shadow_statement_outside_the_count(client, monkeypatch):
    monkeypatch.setenv("REDRESS_COMPILED", "verify")
    async with log_statements() as verified:
        await graphql(client, "{ bills(first: 2) { totalCount nodes { billId } } }")
    monkeypatch.setenv("REDRESS_COMPILED", "off")
    async with log_statements() as resolved:
        await graphql(client, "{ bills(first: 2) { totalCount nodes { billId } } }")
    assert len(verified.statements) == len(resolved.statements)


async def test_a_repeated_query_is_planned_once(client, monkeypatch):
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    monkeypatch.setattr(compiled, "_PLANS", compiled.OrderedDict())
    planned: list[Any] = []
    real = compiled.plan

    def counting(*args: Any) -> Any:
        planned.append(args[3])
        return real(*args)

    monkeypatch.setattr(compiled, "plan", counting)
    query, variables = _workload("W2")
    first = await graphql(client, query, variables)
    again = await graphql(client, query, variables)
    assert first == again and "errors" not in first
    assert len(planned) == 1
    other = await graphql(client, query, {"first": 3})
    assert len(planned) == 2
    assert len(other["data"]["bills"]["nodes"]) == 3
    # An uncovered document is remembered as uncovered, and still answered.
    uncovered = FALLBACK["an uncovered field"]
    for _ in range(2):
        body = await graphql(client, uncovered)
        assert body["data"]["bills"]["nodes"][0]["titles"]
    assert len(planned) == 3


async def test_the_plan_cache_is_bounded(client, monkeypatch):
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    monkeypatch.setattr(compiled, "_PLANS", compiled.OrderedDict())
    monkeypatch.setattr(compiled, "PLAN_CACHE_SIZE", 2)
    query, _ = _workload("W2")
    for size in (1, 2, 3):
        await graphql(client, query, {"first": size})
    assert len(compiled._PLANS) == 2


# Not covered: the resolver path answers, and the answer is what it always was.
FALLBACK = {
    "a term's role": '{ legislator(bioguideId: "P000617") { terms { nodes { role } } } }',
    "introspection": "{ __schema { queryType { name } } }",
    "an uncovered field": "{ bills(first: 2) { nodes { billId titles { title } } } }",
    "an uncovered argument": """{ bills { nodes {
        cosponsors(includeWithdrawn: false) { totalCount } } } }""",
    "cursors with text keys": "{ bills(first: 2, orderBy: BILL_ID) { edges { cursor } } }",
    "nested cursors with text keys": """{ legislator(bioguideId: "P000617") {
        committees { pageInfo { endCursor } } } }""",
    "another root field": "{ bills { totalCount } legislators { totalCount } }",
}


@pytest.mark.parametrize("name", list(FALLBACK))
async def test_uncovered_queries_take_the_resolver_path(client, monkeypatch, paths, name):
    fast, slow = await _both(client, monkeypatch, FALLBACK[name], {})
    assert paths[0] == "resolver"
    assert fast == slow


async def test_a_mutation_takes_the_resolver_path(client, monkeypatch, paths):
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    body = await graphql(
        client, 'mutation { restoreStatement(id: "U3RhdGVtZW50OjE=", reason: "x") { __typename } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert paths == ["resolver"]


# Arguments the resolver path refuses: the same error, because they take that path.
REFUSED = [
    "{ bills(first: 101) { nodes { billId } } }",
    "{ bills(first: -1) { totalCount } }",
    "{ bills(first: 1, last: 1) { nodes { billId } } }",
    '{ bills(after: "nonsense") { nodes { billId } } }',
    '{ bills(after: "WyJ1cGRhdGVkIiwiMjAyNi0wMS0wMVQwMDowMDowMCswMDowMCIsMV0") { nodes { id } } }',
    '{ bills(filter: {sponsor: "nobody"}) { nodes { billId } } }',
    '{ bills(filter: {introduced: {start: "2022-01-01", end: "2021-01-01"}}) { totalCount } }',
    '{ bills(filter: {search: "   "}) { totalCount } }',
    '{ bill(billId: "hr-1470") { billId } }',
]


@pytest.mark.parametrize("query", REFUSED)
async def test_refused_arguments_give_the_resolver_errors(client, monkeypatch, paths, query):
    fast, slow = await _both(client, monkeypatch, query, {})
    assert fast == slow
    assert fast["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert paths[0] == "resolver"


NOT_FOUND = {
    "a bill": '{ __typename bill(billId: "hr99999-117") { billId } }',
    "a legislator": '{ l: legislator(bioguideId: "Z999999") { name { first } } }',
    "one of two": """{ bill(billId: "hr1470-117") { billId }
                       legislator(bioguideId: "nobody's") { bioguideId } }""",
    "both": """{ bill(billId: "s1-1") { billId } legislator(bioguideId: "x") { bioguideId } }""",
    "a vote": '{ vote(voteId: "h999-117.2021") { voteId } }',
    "a topic": '{ topic(slug: "no-such-topic") { slug bills { totalCount } } }',
}


@pytest.mark.parametrize("name", list(NOT_FOUND))
async def test_lookups_that_find_nothing_give_null_and_not_found(client, monkeypatch, paths, name):
    fast, slow = await _both(client, monkeypatch, NOT_FOUND[name], {})
    assert paths[0] == "compiled"
    assert fast["data"] == slow["data"]
    # Sibling lookups fail concurrently on the resolver path: their errors come in any order.
    assert sorted(map(str, fast["errors"])) == sorted(map(str, slow["errors"]))
    assert "NOT_FOUND" in [error["extensions"]["code"] for error in fast["errors"]]


README = re.findall(r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


@pytest.mark.parametrize("index", range(len(README)))
async def test_readme_examples_answer_the_same_both_ways(client, monkeypatch, paths, index):
    fast, slow = await _both(client, monkeypatch, README[index], {})
    assert json.dumps(fast) == json.dumps(slow)
    assert paths[0] == ("compiled" if index in COMPILED_README_EXAMPLES else "resolver")


# The README examples the compiled path covers (the others select fields it does not know yet:
# vote totals, a statement's sources, a term's role...).
COMPILED_README_EXAMPLES = {0, 1, 4}


def test_first_difference_names_the_path():
    assert (
        compiled.first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == ".a[1].b (2 != 3)"
    )
    assert compiled.first_difference({"a": 1, "b": 2}, {"b": 2, "a": 1}) is not None
    assert compiled.first_difference({"a": 1}, {"a": 1.0}) is not None
    assert compiled.first_difference([1], [1]) is None


async def test_the_paths_are_counted_in_the_metrics(client, monkeypatch):
    from api.metrics import EXECUTION_PATHS

    monkeypatch.setenv("REDRESS_COMPILED", "on")
    before = EXECUTION_PATHS.labels("compiled")._value.get()
    await graphql(client, "{ bills(first: 1) { totalCount } }")
    assert EXECUTION_PATHS.labels("compiled")._value.get() == before + 1


def test_the_setting_defaults_to_on(monkeypatch):
    monkeypatch.delenv("REDRESS_COMPILED", raising=False)
    assert compiled.mode() == "on"
    monkeypatch.setenv("REDRESS_COMPILED", "VERIFY")
    assert compiled.mode() == "verify"


async def test_the_response_cache_and_etags_work_on_the_compiled_path(
    fresh_url, monkeypatch, paths
):
    monkeypatch.setenv("REDRESS_COMPILED", "on")
    query = '{ legislator(bioguideId: "P000617") { bioguideId name { first last } } }'
    async with editing_api(fresh_url) as api:
        async with log_statements() as log:
            first = await api.ok(query, as_=None)
        assert paths == ["compiled"]
        assert log.statements[0] == "SELECT version FROM data_version"
        assert len(log.statements) == 2  # the data version, then the one compiled statement
        async with log_statements() as log:
            again = await api.ok(query, as_=None)
        assert (
            again
            == first
            == {
                "legislator": {
                    "bioguideId": "P000617",
                    "name": {"first": "Ayanna", "last": "Pressley"},
                }
            }
        )
        assert log.statements == ["SELECT version FROM data_version"]
        response = await api.http.get("/graphql", params={"query": query})
        assert response.status_code == 200 and response.json()["data"] == first
        etag = response.headers["etag"]
        unchanged = await api.http.get(
            "/graphql", params={"query": query}, headers={"If-None-Match": etag}
        )
        assert unchanged.status_code == 304


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("bigint", "(1::bigint), (9223372036854775807::bigint)"),
        ("integer", "(-5), (2147483647)"),
        ("date", "('-infinity'::date), ('2026-01-07'::date), ('infinity'::date)"),
        ("timestamptz", "('2026-01-07 10:00:00.5+00'::timestamptz), ('-infinity'::timestamptz)"),
        ("text", "('Ramírez'), (''), ('Z')"),
    ],
)
async def test_unindexed_keys_keep_their_values_and_types(database, kind, values):
    rewritten = unindexed("v", kind)
    assert rewritten != "v"
    rows = await database.fetch(
        f"SELECT v IS NOT DISTINCT FROM {rewritten} AS same,"
        f" pg_typeof(v) = pg_typeof({rewritten}) AS typed FROM (VALUES {values}) t(v)"
    )
    assert rows and all(row["same"] and row["typed"] for row in rows)
