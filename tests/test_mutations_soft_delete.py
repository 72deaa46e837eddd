"""A soft-deleted record disappears from every read: root lists and their counts, lookups,
`node(id:)`, `nodes(ids:)`, nested connections and their counts, and filters that name it.
Restoring it brings it all back."""

from tests.editors import (
    ARTICLE,
    GOOD_KEY,
    GUARDIAN,
    MARKEY_KEY,
    MILLER_KEY,
    TOPIC,
    editing_api,
    errors_of,
)

MILLER_QUOTE = "To all ICE officers: You have federal immunity in the conduct of your duties."


def _delete(type_name: str) -> str:
    field = type_name[0].lower() + type_name[1:]
    return (
        f"mutation($input: DeleteInput!) {{ delete{type_name}(input: $input)"
        f" {{ {field} {{ id }} }} }}"
    )


def _restore(type_name: str) -> str:
    field = type_name[0].lower() + type_name[1:]
    return (
        f"mutation($id: ID!, $r: String!) {{ restore{type_name}(id: $id, reason: $r)"
        f" {{ {field} {{ id }} }} }}"
    )


async def _link(api, owner: str, owner_id: str, version: int, target: str) -> None:
    await api.ok(
        f"mutation($input: LinkInput!) {{ link{owner}(input: $input) {{ __typename }} }}",
        {"input": {"id": owner_id, "expectedVersion": version, "target": target}},
    )


STATEMENT_VIEWS = """query($k: String!, $t: String!, $u: String!) {
  all: statements(first: 100) { totalCount nodes { quote } }
  byTopic: statements(filter: {topic: $t}) { totalCount }
  bySearch: statements(filter: {search: "\\"federal immunity\\""}) { totalCount }
  person(slug: "stephen-miller") { statements { totalCount nodes { quote } } }
  topic(slug: $t) { statements { totalCount nodes { quote } } }
  source(url: $u) { statements { totalCount } }
  incident(externalKey: $k) { statements { totalCount nodes { quote } } }
  bill(billId: "hr1470-117") { statements { totalCount } }
}"""


async def _statement_views(api) -> dict:
    data = await api.ok(STATEMENT_VIEWS, {"k": GOOD_KEY, "t": TOPIC, "u": GUARDIAN})
    data["all"]["has_miller"] = any(n["quote"] == MILLER_QUOTE for n in data["all"]["nodes"])
    del data["all"]["nodes"]
    return data


async def test_a_deleted_statement_disappears_everywhere_and_comes_back(fresh_url):
    async with editing_api(fresh_url) as api:
        miller = (
            await api.ok(
                "query($k: String!) { statement(externalKey: $k) { id } }", {"k": MILLER_KEY}
            )
        )["statement"]["id"]
        bill = await api.id_of("bill", "billId", "hr1470-117")
        guardian = (await api.ok("query($u: String!) { source(url: $u) { id } }", {"u": GUARDIAN}))[
            "source"
        ]["id"]
        await _link(api, "Statement", miller, 1, bill)
        await _link(api, "Statement", miller, 2, guardian)
        before = await _statement_views(api)
        assert before["all"]["has_miller"]
        assert before["person"]["statements"]["totalCount"] == 1
        assert before["incident"]["statements"]["totalCount"] == 1
        assert before["topic"]["statements"]["totalCount"] == 4
        assert before["bill"]["statements"]["totalCount"] == 1
        assert before["source"]["statements"]["totalCount"] == 1
        assert before["bySearch"]["totalCount"] >= 1

        await api.ok(
            _delete("Statement"), {"input": {"id": miller, "expectedVersion": 3, "reason": "x"}}
        )
        after = await _statement_views(api)
        assert after == {
            "all": {"totalCount": before["all"]["totalCount"] - 1, "has_miller": False},
            "byTopic": {"totalCount": 3},
            "bySearch": {"totalCount": before["bySearch"]["totalCount"] - 1},
            "person": {"statements": {"totalCount": 0, "nodes": []}},
            "topic": {
                "statements": {
                    "totalCount": 3,
                    "nodes": [
                        n
                        for n in before["topic"]["statements"]["nodes"]
                        if n["quote"] != MILLER_QUOTE
                    ],
                }
            },
            "source": {"statements": {"totalCount": 0}},
            "incident": {"statements": {"totalCount": 0, "nodes": []}},
            "bill": {"statements": {"totalCount": 0}},
        }
        lookup = await api.post(
            "query($k: String!) { statement(externalKey: $k) { id } }", {"k": MILLER_KEY}
        )
        assert errors_of(lookup) == [("NOT_FOUND", None)]
        assert errors_of(await api.node(miller)) == [("NOT_FOUND", None)]
        many = await api.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [miller]})
        assert errors_of(many) == [("NOT_FOUND", None)]

        await api.ok(_restore("Statement"), {"id": miller, "r": "x"}, as_="admin")
        assert await _statement_views(api) == before


async def test_a_legislators_deleted_statement_leaves_their_list(fresh_url):
    async with editing_api(fresh_url) as api:
        query = '{ legislator(bioguideId: "M000133") { statements { totalCount } } }'
        count = (await api.ok(query))["legislator"]["statements"]["totalCount"]
        markey = (
            await api.ok(
                "query($k: String!) { statement(externalKey: $k) { id } }", {"k": MARKEY_KEY}
            )
        )["statement"]["id"]
        vote = (await api.ok("{ votes(first: 1) { nodes { id voteId } } }"))["votes"]["nodes"][0]
        await _link(api, "Statement", markey, 1, vote["id"])
        on_vote = "query($v: ID!) { node(id: $v) { ... on Vote { statements { totalCount } } } }"
        assert (await api.ok(on_vote, {"v": vote["id"]}))["node"]["statements"]["totalCount"] == 1
        await api.ok(
            _delete("Statement"), {"input": {"id": markey, "expectedVersion": 2, "reason": "x"}}
        )
        assert (await api.ok(query))["legislator"]["statements"]["totalCount"] == count - 1
        assert (await api.ok(on_vote, {"v": vote["id"]}))["node"]["statements"]["totalCount"] == 0


INCIDENT_VIEWS = """query($k: String!, $t: String!, $u: String!) {
  all: incidents(first: 100, filter: {state: "MN"}) { totalCount }
  byTopic: incidents(filter: {topic: $t}) { totalCount }
  topic(slug: $t) { incidents { totalCount } }
  person(slug: "renee-nicole-good") { incidents { totalCount } }
  source(url: $u) { incidents { totalCount } }
  statement(externalKey: $k) { incidents { totalCount } }
  bill(billId: "s492-117") { incidents { totalCount } }
}"""


async def test_a_deleted_incident_disappears_everywhere_and_comes_back(fresh_url):
    async with editing_api(fresh_url) as api:
        good = (
            await api.ok("query($k: String!) { incident(externalKey: $k) { id } }", {"k": GOOD_KEY})
        )["incident"]["id"]
        await _link(api, "Incident", good, 1, await api.id_of("bill", "billId", "s492-117"))
        variables = {"k": MILLER_KEY, "t": TOPIC, "u": GUARDIAN}
        before = await api.ok(INCIDENT_VIEWS, variables)
        assert before["topic"]["incidents"]["totalCount"] == 1
        assert before["person"]["incidents"]["totalCount"] == 1
        assert before["statement"]["incidents"]["totalCount"] == 1
        assert before["bill"]["incidents"]["totalCount"] == 1
        ice = '{ organization(slug: "ice") { incidents { totalCount } } }'
        agency_before = (await api.ok(ice))["organization"]["incidents"]["totalCount"]

        await api.ok(
            _delete("Incident"), {"input": {"id": good, "expectedVersion": 2, "reason": "x"}}
        )
        after = await api.ok(INCIDENT_VIEWS, variables)
        assert after == {
            "all": {"totalCount": before["all"]["totalCount"] - 1},
            "byTopic": {"totalCount": 0},
            "topic": {"incidents": {"totalCount": 0}},
            "person": {"incidents": {"totalCount": 0}},
            "source": {
                "incidents": {"totalCount": before["source"]["incidents"]["totalCount"] - 1}
            },
            "statement": {"incidents": {"totalCount": 0}},
            "bill": {"incidents": {"totalCount": 0}},
        }
        assert (await api.ok(ice))["organization"]["incidents"]["totalCount"] == agency_before - 1
        assert errors_of(await api.node(good)) == [("NOT_FOUND", None)]
        statements_about = await api.ok(
            "query($i: ID!) { statements(filter: {incident: $i}) { totalCount } }", {"i": good}
        )
        assert statements_about["statements"]["totalCount"] == 0

        await api.ok(_restore("Incident"), {"id": good, "r": "x"}, as_="admin")
        assert await api.ok(INCIDENT_VIEWS, variables) == before


TOPIC_VIEWS = """query($t: String!, $k: String!) {
  topics { totalCount }
  statements(filter: {topic: $t}) { totalCount }
  incidents(filter: {topic: $t}) { totalCount }
  bill(billId: "hr1470-117") { topics { totalCount } }
  statement(externalKey: $k) { topics { totalCount } }
}"""


async def test_a_deleted_topic_disappears_from_what_is_filed_under_it(fresh_url):
    async with editing_api(fresh_url) as api:
        topic = await api.id_of("topic", "slug", TOPIC)
        vote = (await api.ok("{ votes(first: 1) { nodes { id } } }"))["votes"]["nodes"][0]["id"]
        await _link(api, "Topic", topic, 1, vote)
        on_vote = "query($v: ID!) { node(id: $v) { ... on Vote { topics { totalCount } } } }"
        variables = {"t": TOPIC, "k": MILLER_KEY}
        before = await api.ok(TOPIC_VIEWS, variables)
        assert before["statements"]["totalCount"] == 4
        assert before["bill"]["topics"]["totalCount"] == 1
        await api.ok(
            _delete("Topic"), {"input": {"id": topic, "expectedVersion": 2, "reason": "x"}}
        )
        assert await api.ok(TOPIC_VIEWS, variables) == {
            "topics": {"totalCount": before["topics"]["totalCount"] - 1},
            "statements": {"totalCount": 0},
            "incidents": {"totalCount": 0},
            "bill": {"topics": {"totalCount": 0}},
            "statement": {"topics": {"totalCount": 0}},
        }
        assert (await api.ok(on_vote, {"v": vote}))["node"]["topics"]["totalCount"] == 0
        await api.ok(_restore("Topic"), {"id": topic, "r": "x"}, as_="admin")
        assert await api.ok(TOPIC_VIEWS, variables) == before
        assert (await api.ok(on_vote, {"v": vote}))["node"]["topics"]["totalCount"] == 1


async def test_deleted_sources_people_and_organizations_disappear(fresh_url):
    async with editing_api(fresh_url) as api:
        views = """query($k: String!) {
          sources { totalCount } people { totalCount } organizations { totalCount }
          incident(externalKey: $k) { sources { totalCount } people { totalCount } }
          fox: organizations(filter: {name: "fox"}) { totalCount }
        }"""
        made = await api.ok(
            """mutation($input: SourceInput!) { createSource(input: $input) {
              source { id } } }""",
            {"input": {"url": "https://example.org/good-follow-up", "publisher": "Example"}},
        )
        follow_up = made["createSource"]["source"]["id"]
        good = (
            await api.ok("query($k: String!) { incident(externalKey: $k) { id } }", {"k": GOOD_KEY})
        )["incident"]["id"]
        await _link(api, "Incident", good, 1, follow_up)
        before = await api.ok(views, {"k": GOOD_KEY})
        renee = await api.id_of("person", "slug", "renee-nicole-good")
        fox = await api.id_of("organization", "slug", "fox-news")
        for type_name, record in (("Source", follow_up), ("Person", renee), ("Organization", fox)):
            await api.ok(
                _delete(type_name), {"input": {"id": record, "expectedVersion": 1, "reason": "x"}}
            )
        after = await api.ok(views, {"k": GOOD_KEY})
        assert after == {
            "sources": {"totalCount": before["sources"]["totalCount"] - 1},
            "people": {"totalCount": before["people"]["totalCount"] - 1},
            "organizations": {"totalCount": before["organizations"]["totalCount"] - 1},
            "incident": {
                "sources": {"totalCount": before["incident"]["sources"]["totalCount"] - 1},
                "people": {"totalCount": before["incident"]["people"]["totalCount"] - 1},
            },
            "fox": {"totalCount": 0},
        }
        gone = await api.post(
            "query($u: String!) { source(url: $u) { id } }",
            {"u": "https://example.org/good-follow-up"},
        )
        assert errors_of(gone) == [("NOT_FOUND", None)]
        for type_name, record in (("Source", follow_up), ("Person", renee), ("Organization", fox)):
            await api.ok(_restore(type_name), {"id": record, "r": "x"}, as_="admin")
        assert await api.ok(views, {"k": GOOD_KEY}) == before


async def test_a_statement_whose_speaker_was_deleted_cannot_be_restored_until_they_are(
    fresh_url,
):
    async with editing_api(fresh_url) as api:
        miller = (
            await api.ok(
                "query($k: String!) { statement(externalKey: $k) { id } }", {"k": MILLER_KEY}
            )
        )["statement"]["id"]
        person = await api.id_of("person", "slug", "stephen-miller")
        await api.ok(
            _delete("Statement"), {"input": {"id": miller, "expectedVersion": 1, "reason": "x"}}
        )
        await api.ok(
            _delete("Person"), {"input": {"id": person, "expectedVersion": 1, "reason": "x"}}
        )
        body = await api.post(_restore("Statement"), {"id": miller, "r": "x"}, as_="admin")
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        await api.ok(_restore("Person"), {"id": person, "r": "x"}, as_="admin")
        await api.ok(_restore("Statement"), {"id": miller, "r": "x"}, as_="admin")
        sources = await api.ok(
            "query($k: String!) { statement(externalKey: $k) { sources { nodes { title } } } }",
            {"k": MILLER_KEY},
        )
        assert sources["statement"]["sources"]["nodes"] == [{"title": ARTICLE}]
