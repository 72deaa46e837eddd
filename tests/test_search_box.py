"""The search box, `search(query:, types:, first:, after:)`, on the shipped data (and on fresh
clones for soft deletion and synthetic rows): what it finds, ranks, pages and highlights."""

import html
import json
import logging
import re
from typing import Any

import asyncpg
import pytest

from db.pool import log_statements
from schema import compiled
from tests.conftest import error_codes, graphql
from tests.editors import GOOD_KEY, MILLER_KEY, editing_api
from tests.test_hostile_input import failures, forged

MILLER_QUOTE = "To all ICE officers: You have federal immunity in the conduct of your duties."

SEARCH = """
query($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor rank snippet
      node {
        __typename
        ... on Bill { billId }
        ... on Legislator { bioguideId fullName: name { officialFull } }
        ... on Statement { externalKey quote }
        ... on Incident { externalKey }
        ... on Person { slug name }
        ... on Organization { slug }
        ... on Topic { slug }
      }
    }
  }
}"""


async def _search(http: Any, q: str, **variables: Any) -> dict[str, Any]:
    body = await graphql(http, SEARCH, {"q": q, **variables})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["search"]
    return result


def _key(node: dict[str, Any]) -> tuple[str, str]:
    """A readable identity of a result node: its type and natural key."""
    natural = next(value for name, value in node.items() if name != "__typename" and value)
    return node["__typename"], natural if isinstance(natural, str) else str(natural)


def _found(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [_key(edge["node"]) for edge in result["edges"]]


def _text_of(snippet: str) -> str:
    """The snippet's text: markup and ellipses removed, entities decoded."""
    return html.unescape(re.sub(r"</?b>", "", snippet)).strip("… ")


def _assert_safe(snippet: str) -> None:
    """Only `<b>` and `</b>` are markup; every other `<`, `>`, `&`, quote is escaped."""
    outside = re.sub(r"</?b>", "", snippet)
    assert "<" not in outside and ">" not in outside and '"' not in outside, snippet
    assert "'" not in outside, snippet
    assert all(
        re.match(r"&(amp|lt|gt|quot|#x27);", outside[i:]) for i, c in enumerate(outside) if c == "&"
    ), snippet
    assert snippet.count("<b>") == snippet.count("</b>"), snippet


async def test_the_seed_quote_is_found_from_a_few_of_its_words(client):
    result = await _search(client, "federal immunity conduct")
    first = result["edges"][0]
    assert first["node"] == {
        "__typename": "Statement",
        "externalKey": MILLER_KEY,
        "quote": MILLER_QUOTE,
    }
    snippet = first["snippet"]
    assert "<b>federal</b> <b>immunity</b> in the <b>conduct</b> of your duties. — " in snippet
    # Cut from the quote as stored (its capitals kept), then the context after " — ".
    quoted = _text_of(snippet).split(" — ", 1)[0]
    assert len(quoted) > 20 and MILLER_QUOTE.endswith(quoted), snippet
    assert first["rank"] > 0
    ranks = [edge["rank"] for edge in result["edges"]]
    assert ranks == sorted(ranks, reverse=True)


async def test_renee_good_typed_in_lower_case_finds_her_incident_and_her(client):
    result = await _search(client, "renee good")
    found = _found(result)
    assert ("Incident", GOOD_KEY) in found
    assert ("Person", "renee-nicole-good") in found
    incident = next(e for e in result["edges"] if e["node"]["__typename"] == "Incident")
    # The incident matched on the name of the person in it: the snippet shows it highlighted.
    assert "<b>Renee</b> Nicole <b>Good</b>" in incident["snippet"]
    person = next(e for e in result["edges"] if e["node"]["__typename"] == "Person")
    assert person["snippet"] == "<b>Renee</b> Nicole <b>Good</b>"


@pytest.mark.parametrize("typed", ["velazquez", "VELAZQUEZ", "Velázquez", "nydia vel"])
async def test_a_name_is_found_whatever_its_accents_and_capitals(client, typed):
    result = await _search(client, typed, types=["LEGISLATOR"])
    assert [edge["node"]["fullName"]["officialFull"] for edge in result["edges"]] == [
        "Nydia M. Velázquez"
    ]
    # The snippet keeps the stored spelling and highlights the accented word.
    assert "<b>Velázquez</b>" in result["edges"][0]["snippet"]


async def test_an_accent_typed_finds_a_name_stored_without_it(client):
    result = await _search(client, "raúl ruiz", types=["LEGISLATOR"])
    assert [edge["node"]["bioguideId"] for edge in result["edges"]] == ["R000599"]
    assert "<b>Raul</b>" in result["edges"][0]["snippet"]


async def test_a_quoted_phrase_needs_its_words_together(client):
    words = _found(await _search(client, "federal immunity", types=["STATEMENT"]))
    phrase = _found(await _search(client, '"federal immunity"', types=["STATEMENT"]))
    assert phrase == [("Statement", MILLER_KEY)]
    # Reuters: "federal officers are immune ... qualified immunity": both words, apart.
    assert len(words) > len(phrase) and ("Statement", MILLER_KEY) in words


async def test_names_match_by_prefix_words(client):
    result = await _search(client, "ste mil")
    assert _found(result) == [("Person", "stephen-miller")]
    assert result["edges"][0]["snippet"] == "<b>Stephen</b> <b>Miller</b>"


async def test_an_excluded_word_excludes_names_too(client):
    found = _found(await _search(client, "miller -stephen", first=100))
    assert found and ("Person", "stephen-miller") not in found


async def test_an_excluded_word_in_its_text_excludes_an_incident_found_by_a_name(client):
    assert ("Incident", GOOD_KEY) in _found(await _search(client, "renee -nowhere", first=100))
    for query in ("renee -minneapolis", 'renee -"traffic stop"'):
        assert ("Incident", GOOD_KEY) not in _found(await _search(client, query, first=100))


async def test_the_types_filter(client):
    everything = _found(await _search(client, "renee good", first=100))
    for types, names in (
        (["PERSON"], {"Person"}),
        (["STATEMENT", "INCIDENT"], {"Statement", "Incident"}),
    ):
        found = _found(await _search(client, "renee good", types=types, first=100))
        assert {kind for kind, _ in found} == names
        assert found == [item for item in everything if item[0] in names]
    nothing = await _search(client, "renee good", types=[])
    assert nothing["edges"] == [] and nothing["totalCount"] == 0


async def test_paging_to_the_end_has_no_gaps_and_no_duplicates(client):
    whole = await _search(client, "ice", first=100)
    assert whole["pageInfo"]["hasNextPage"] is False
    assert len(whole["edges"]) == whole["totalCount"] > 10
    paged: list[dict[str, Any]] = []
    after = None
    while True:
        page = await _search(client, "ice", first=4, after=after)
        paged += page["edges"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert [e["node"] for e in paged] == [e["node"] for e in whole["edges"]]
    assert [(e["rank"], e["cursor"]) for e in paged] == [
        (e["rank"], e["cursor"]) for e in whole["edges"]
    ]
    # Best first, then by type name and id.
    order = [(-e["rank"], e["node"]["__typename"]) for e in paged]
    assert order == sorted(order)


async def test_snippets_are_html_safe_and_keep_the_stored_text(client):
    result = await _search(client, "qualified immunity", first=100)
    assert result["edges"]
    for edge in result["edges"]:
        _assert_safe(edge["snippet"])
        assert "<b>" in edge["snippet"], edge
    markey = next(e for e in result["edges"] if "Senate Democrats" in e["snippet"])
    assert "Democrats&#x27; leverage" in markey["snippet"]


async def test_synthetic_markup_in_a_name_is_escaped(fresh_url):
    conn = await asyncpg.connect(fresh_url)
    try:
        await conn.execute(
            "INSERT INTO people (slug, name) VALUES ($1, $2), ($3, $4)",
            "synthetic-zebulon-tester",
            'Zébulon "Zeb" O\'Tester <3 & Co',
            "synthetic-zebulon-tagged",
            "Zebulon <i>Tagged</i> <img src=x onerror=alert(1)>",
        )
    finally:
        await conn.close()
    async with editing_api(fresh_url) as api:
        body = await api.post(SEARCH, {"q": "zebulon", "types": ["PERSON"]}, as_=None)
    assert "errors" not in body, body
    snippets = {e["node"]["slug"]: e["snippet"] for e in body["data"]["search"]["edges"]}
    assert snippets["synthetic-zebulon-tester"] == (
        "<b>Zébulon</b> &quot;Zeb&quot; O&#x27;Tester &lt;3 &amp; Co"
    )
    # ts_headline turns a tag into a space, so this one comes folded; still escaped.
    tagged = snippets["synthetic-zebulon-tagged"]
    _assert_safe(tagged)
    assert tagged.startswith("<b>zebulon</b>") and "&lt;img" in tagged, tagged


async def test_soft_deleted_records_never_appear(fresh_url):
    query = "renee good"
    async with editing_api(fresh_url) as api:
        before = await api.post(SEARCH, {"q": query, "first": 100}, as_=None)
        found = _found(before["data"]["search"])
        assert ("Person", "renee-nicole-good") in found
        assert ("Statement", "qualified-immunity-ice:stephen-miller:federal-immunity") in found
        conn = await asyncpg.connect(fresh_url)
        try:
            await conn.execute(
                "UPDATE people SET deleted_at = now(), deleted_reason = 'test'"
                " WHERE slug = 'renee-nicole-good'"
            )
            await conn.execute(
                "UPDATE statements SET deleted_at = now(), deleted_reason = 'test'"
                " WHERE external_key = $1",
                MILLER_KEY,
            )
        finally:
            await conn.close()
        after = await api.post(SEARCH, {"q": query, "first": 100}, as_=None)
    assert "errors" not in after, after
    # The incident matched only through her name: with her deleted it no longer matches.
    assert _found(after["data"]["search"]) == [
        item
        for item in found
        if item not in {("Person", "renee-nicole-good"), ("Statement", MILLER_KEY)}
        and item[0] != "Incident"
    ]
    assert after["data"]["search"]["totalCount"] == len(found) - 3


@pytest.mark.parametrize("q", ["", "   ", "the of", "!!! ???", "-police", "or"])
async def test_a_query_with_nothing_to_look_for_finds_nothing(client, q):
    result = await _search(client, q)
    assert result["edges"] == [] and result["totalCount"] == 0
    assert result["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"q": "x" * 201}, "query"),
        ({"q": " ".join(["word"] * 17)}, "query"),
        ({"q": "ice", "first": 101}, "first"),
    ],
)
async def test_too_much_is_refused(client, variables, argument):
    body = await graphql(client, SEARCH, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"].get("argument") == argument


async def test_a_cursor_of_another_list_is_refused(client):
    other = await graphql(client, "{ statements(first: 1) { pageInfo { endCursor } } }")
    cursor = other["data"]["statements"]["pageInfo"]["endCursor"]
    for after in (cursor, "not a cursor"):
        body = await graphql(client, SEARCH, {"q": "ice", "after": after})
        assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] is None


async def test_a_page_costs_a_fixed_number_of_statements(client):
    """One statement for the page and one per type on it (the types' by-id loaders), whatever
    the page size; `totalCount` one more."""
    query = """query($n: Int) { search(query: "ice", types: [STATEMENT, INCIDENT], first: $n) {
                 edges { rank snippet node { __typename
                   ... on Statement { quote } ... on Incident { description } } } } }"""
    counts = {}
    for size in (5, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        edges = body["data"]["search"]["edges"]
        assert {e["node"]["__typename"] for e in edges} == {"Statement", "Incident"}
        counts[size] = log.count
    assert counts == {5: 3, 100: 3}
    async with log_statements() as log:
        body = await graphql(client, SEARCH, {"q": "ice", "first": 100})
    kinds = {e["node"]["__typename"] for e in body["data"]["search"]["edges"]}
    assert log.count == 1 + len(kinds) + 1  # page, one per type, totalCount


async def test_search_takes_the_resolver_path_with_the_same_answer(client, monkeypatch, caplog):
    """A result's rank, snippet (made in Python) and cursor (a text key) are not covered by
    the compiled path: it refuses the whole document (Uncovered) and the resolver path
    answers it, the same in every mode."""
    caplog.set_level(logging.DEBUG, logger="redress.compiled")
    taken: list[str] = []
    compiled.PATH_LISTENERS.append(taken.append)
    try:
        query = SEARCH.replace("search(", "bills(first: 2) { nodes { billId } }\n  search(", 1)
        answers = []
        for mode in ("on", "off", "verify"):
            monkeypatch.setenv("REDRESS_COMPILED", mode)
            answers.append(await graphql(client, query, {"q": "qualified immunity"}))
    finally:
        compiled.PATH_LISTENERS.remove(taken.append)
    assert "errors" not in answers[0], answers[0]
    assert answers[0]["data"]["search"]["edges"]
    assert answers[0] == answers[1] == answers[2]
    assert taken == ["resolver", "resolver"]  # `off` does not consult the compiled path
    assert "resolver path: edge field rank" in caplog.text


COMPILED_SEARCH = """
query($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage }
    edges { node {
        __typename
        ... on Bill { billId sponsor { bioguideId } }
        ... on Legislator { bioguideId fullName: name { officialFull } }
        ... on Statement { externalKey quote said { text } }
        ... on Incident { externalKey }
        ... on Person { slug name }
        ... on Organization { slug }
        ... on Topic { slug } } } } }"""


async def test_search_without_rank_snippet_or_cursors_is_one_compiled_statement(
    client, monkeypatch
):
    """The records found, their page and count (docs/compiled.md): one statement on the
    compiled path, with the resolver path's answer."""
    cursor = (await _search(client, "ice", first=2))["pageInfo"]["endCursor"]
    for variables in (
        {"q": "ice"},
        {"q": "qualified immunity", "first": 3},
        {"q": "ice", "first": 4, "after": cursor},
        {"q": "renee good"},
        {"q": "miller -stephen"},
        {"q": "ice", "types": ["STATEMENT", "INCIDENT", "STATEMENT"]},
        {"q": "the of"},
        {"q": ""},
    ):
        taken: list[str] = []
        compiled.PATH_LISTENERS.append(taken.append)
        try:
            monkeypatch.setenv("REDRESS_COMPILED", "on")
            async with log_statements() as log:
                fast = await graphql(client, COMPILED_SEARCH, variables)
        finally:
            compiled.PATH_LISTENERS.remove(taken.append)
        assert taken == ["compiled"] and log.count == 1, (variables, taken)
        monkeypatch.setenv("REDRESS_COMPILED", "off")
        slow = await graphql(client, COMPILED_SEARCH, variables)
        assert "errors" not in slow, slow
        assert json.dumps(fast) == json.dumps(slow), variables  # same keys, same order
    # No type chosen, or too much text: the resolver path answers, as always.
    monkeypatch.setenv("REDRESS_COMPILED", "verify")
    empty = await graphql(client, COMPILED_SEARCH, {"q": "ice", "types": []})
    assert empty["data"]["search"]["edges"] == [] and "errors" not in empty
    body = await graphql(client, COMPILED_SEARCH, {"q": "x" * 201})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_hostile_arguments_and_forged_cursors_are_client_errors(client):
    """The checks tests/test_hostile_input.py makes of every root list, for `search`: each
    argument at its boundaries, and cursors forged from a real one, never give a 5xx or an
    INTERNAL error."""
    document = """query($q: String!, $t: [SearchType!], $n: Int, $c: String) {
      search(query: $q, types: $t, first: $n, after: $c) {
        totalCount edges { cursor rank snippet node { __typename } } } }"""
    real = (await _search(client, "ice", first=1))["edges"][0]["cursor"]
    requests = [(document, {"q": "ice", "c": cursor}) for cursor in forged(real)]
    for value in ["", "x" * 200, "x" * 201, "\u0000", "é" * 200, ":* & | ! ( ) <->", "\\"]:
        requests.append((document, {"q": value}))
    for value in (-1, 0, 100, 101, 2**31 - 1):
        requests.append((document, {"q": "ice", "n": value}))
    requests.append((document, {"q": "ice", "t": ["BILL"] * 101}))
    assert len(requests) > 30
    assert await failures(client, requests) == []
