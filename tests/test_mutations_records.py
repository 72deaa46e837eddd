"""People, organization, source and topic mutations over HTTP with real keys; topics' links
to bills and votes; and the deletes that would orphan a statement or incident."""

import pytest

from tests.editors import ARTICLE, GOOD_KEY, TOPIC, editing_api, errors_of

PERSON = "id version slug name description"
ORGANIZATION = "id version slug name abbreviation kind url"
SOURCE = "id version url title publisher archivedUrl published { precision text }"
TOPIC_FIELDS = "id version slug name description bills { totalCount } votes { totalCount }"

# (type, fields, create input, update changes, lookup field and argument)
CASES = [
    (
        "Person",
        PERSON,
        {"slug": "jane-roe", "name": "Jane Roe", "description": "A witness."},
        {"name": "Jane Q. Roe", "description": None},
        ("person", "slug"),
    ),
    (
        "Organization",
        ORGANIZATION,
        {"slug": "example-watch", "name": "Example Watch", "kind": "ADVOCACY"},
        {"abbreviation": "EW", "url": "HTTPS://example.org/watch", "kind": "NEWS"},
        ("organization", "slug"),
    ),
    (
        "Source",
        SOURCE,
        {"url": "https://example.org/report", "publisher": "Example"},
        {"title": "The report", "published": {"precision": "DAY", "date": "2026-01-02"}},
        ("source", "url"),
    ),
    (
        "Topic",
        TOPIC_FIELDS,
        {"slug": "detention-deaths", "name": "Deaths in detention"},
        {"description": "Deaths in ICE custody."},
        ("topic", "slug"),
    ),
]


def _mutation(verb: str, type_name: str, fields: str) -> str:
    field = type_name[0].lower() + type_name[1:]
    if verb == "restore":
        return (
            f"mutation($id: ID!, $reason: String!) {{ restore{type_name}(id: $id, reason: $reason)"
            f" {{ {field} {{ {fields} }} }} }}"
        )
    kind = {"create": f"{type_name}Input", "update": f"Update{type_name}Input"}.get(
        verb, "DeleteInput"
    )
    return (
        f"mutation($input: {kind}!) {{ {verb}{type_name}(input: $input)"
        f" {{ {field} {{ {fields} }} }} }}"
    )


@pytest.mark.parametrize(("type_name", "fields", "new", "changes", "lookup"), CASES)
async def test_create_update_delete_restore(fresh_url, type_name, fields, new, changes, lookup):
    field = type_name[0].lower() + type_name[1:]
    root, argument = lookup
    async with editing_api(fresh_url) as api:
        made = (await api.ok(_mutation("create", type_name, fields), {"input": new}))[
            f"create{type_name}"
        ][field]
        assert made["version"] == 1
        key = made[argument]
        assert await api.id_of(root, argument, key) == made["id"]

        update = {"id": made["id"], "expectedVersion": 1, **changes}
        changed = (await api.ok(_mutation("update", type_name, fields), {"input": update}))[
            f"update{type_name}"
        ][field]
        assert changed["version"] == 2
        assert changed[argument] == key

        delete = {"id": made["id"], "expectedVersion": 2, "reason": "test"}
        await api.ok(_mutation("delete", type_name, fields), {"input": delete})
        lookup_query = f"query($v: String!) {{ {root}({argument}: $v) {{ id }} }}"
        assert errors_of(await api.post(lookup_query, {"v": key})) == [("NOT_FOUND", None)]
        assert errors_of(await api.node(made["id"])) == [("NOT_FOUND", None)]

        restore = {"id": made["id"], "reason": "test"}
        back = (await api.ok(_mutation("restore", type_name, fields), restore, as_="admin"))[
            f"restore{type_name}"
        ][field]
        assert back["version"] == 4
        assert (await api.node(made["id"]))["data"]["node"]["id"] == made["id"]
        return_values = {k: v for k, v in changed.items() if k != "version"}
        assert {k: back[k] for k in return_values} == return_values


async def test_what_the_updates_wrote(fresh_url):
    async with editing_api(fresh_url) as api:
        made = await api.ok(
            _mutation("create", "Organization", ORGANIZATION),
            {"input": {"slug": "example-watch", "name": " Example Watch ", "kind": "ADVOCACY"}},
        )
        org = made["createOrganization"]["organization"]
        assert org["name"] == "Example Watch"
        changed = await api.ok(
            _mutation("update", "Organization", ORGANIZATION),
            {"input": {"id": org["id"], "expectedVersion": 1, "url": "HTTPS://example.org/w"}},
        )
        assert changed["updateOrganization"]["organization"]["url"] == "https://example.org/w"
        source = await api.ok(
            _mutation("create", "Source", SOURCE),
            {"input": {"title": "Undated", "published": {"precision": "UNKNOWN"}}},
        )
        assert source["createSource"]["source"]["published"] == {
            "precision": "UNKNOWN",
            "text": None,
        }


async def test_duplicate_slugs_and_urls_name_the_field(fresh_url):
    async with editing_api(fresh_url) as api:
        for type_name, fields, value, field in (
            ("Person", PERSON, {"slug": "stephen-miller", "name": "Another"}, "slug"),
            ("Topic", TOPIC_FIELDS, {"slug": TOPIC, "name": "Again"}, "slug"),
            (
                "Source",
                SOURCE,
                {"url": "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"},
                "url",
            ),
        ):
            body = await api.post(_mutation("create", type_name, fields), {"input": value})
            assert errors_of(body) == [("BAD_USER_INPUT", field)], body


@pytest.mark.parametrize(
    ("type_name", "fields", "value", "field"),
    [
        ("Person", PERSON, {"slug": "Jane Roe", "name": "Jane"}, "slug"),
        ("Person", PERSON, {"slug": "jane", "name": "n" * 301}, "name"),
        ("Person", PERSON, {"slug": "jane", "name": "  "}, "name"),
        (
            "Person",
            PERSON,
            {"slug": "jane", "name": "J", "description": "d" * 20_001},
            "description",
        ),
        (
            "Organization",
            ORGANIZATION,
            {"slug": "o", "name": "O", "kind": "NEWS", "url": "example.org"},
            "url",
        ),
        (
            "Organization",
            ORGANIZATION,
            {"slug": "o", "name": "O", "kind": "NEWS", "abbreviation": "a" * 51},
            "abbreviation",
        ),
        ("Source", SOURCE, {"publisher": "Only a publisher"}, "url"),
        ("Source", SOURCE, {"url": "https://example.org/" + "a" * 2_000}, "url"),
        (
            "Source",
            SOURCE,
            {"title": "T", "published": {"precision": "DAY", "date": "2999-12-31"}},
            "published.date",
        ),
        ("Topic", TOPIC_FIELDS, {"slug": "s" * 101, "name": "T"}, "slug"),
        ("Topic", TOPIC_FIELDS, {"slug": "-bad-", "name": "T"}, "slug"),
    ],
)
async def test_each_invalid_input_names_its_field(fresh_url, type_name, fields, value, field):
    async with editing_api(fresh_url) as api:
        body = await api.post(_mutation("create", type_name, fields), {"input": value})
        assert errors_of(body) == [("BAD_USER_INPUT", field)], body


async def test_a_source_needs_a_url_or_a_title_after_an_update_too(fresh_url):
    async with editing_api(fresh_url) as api:
        made = await api.ok(
            _mutation("create", "Source", SOURCE), {"input": {"url": "https://example.org/x"}}
        )
        source = made["createSource"]["source"]
        body = await api.post(
            _mutation("update", "Source", SOURCE),
            {"input": {"id": source["id"], "expectedVersion": 1, "url": None}},
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "url")]


async def test_a_speaker_or_the_only_source_cannot_be_deleted_while_it_is_cited(fresh_url):
    async with editing_api(fresh_url) as api:
        miller = await api.ok('{ person(slug: "stephen-miller") { id version } }')
        body = await api.post(
            _mutation("delete", "Person", PERSON),
            {"input": {"id": miller["person"]["id"], "expectedVersion": 1, "reason": "x"}},
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        assert "speaker of 1 statement" in body["errors"][0]["message"]

        reuters = await api.ok('{ organization(slug: "reuters") { id } }')
        body = await api.post(
            _mutation("delete", "Organization", ORGANIZATION),
            {"input": {"id": reuters["organization"]["id"], "expectedVersion": 1, "reason": "x"}},
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]

        sources = await api.ok("{ sources(first: 100) { nodes { id title } } }")
        article = next(n["id"] for n in sources["sources"]["nodes"] if n["title"] == ARTICLE)
        body = await api.post(
            _mutation("delete", "Source", SOURCE),
            {"input": {"id": article, "expectedVersion": 1, "reason": "x"}},
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        assert "only source of 4 statement(s) and 0 incident(s)" in body["errors"][0]["message"]

        # An agency in incidents is not a speaker: it can go, and leaves its incidents.
        ice = await api.ok('{ organization(slug: "ice") { id } }')
        await api.ok(
            _mutation("delete", "Organization", ORGANIZATION),
            {"input": {"id": ice["organization"]["id"], "expectedVersion": 1, "reason": "x"}},
        )
        good = await api.ok(
            "query($k: String!) { incident(externalKey: $k) { agencies { totalCount } } }",
            {"k": GOOD_KEY},
        )
        assert good["incident"]["agencies"]["totalCount"] == 0
        by_agency = await api.ok('{ incidents(filter: {agency: "ice"}) { totalCount } }')
        assert by_agency["incidents"]["totalCount"] == 0


async def test_topic_links_bills_and_votes(fresh_url):
    async with editing_api(fresh_url) as api:
        topic = await api.ok(
            "query($s: String!) { topic(slug: $s) { id version bills { totalCount } } }",
            {"s": TOPIC},
        )
        assert topic["topic"]["bills"]["totalCount"] == 3
        link = f"""mutation($input: LinkInput!) {{ linkTopic(input: $input) {{
          topic {{ {TOPIC_FIELDS} }} }} }}"""
        unlink = link.replace("linkTopic", "unlinkTopic")
        vote = (await api.ok("{ votes(first: 1) { nodes { id } } }"))["votes"]["nodes"][0]["id"]
        s35 = await api.id_of("bill", "billId", "s35-117")
        hr1470 = await api.id_of("bill", "billId", "hr1470-117")
        tid = topic["topic"]["id"]
        v = topic["topic"]["version"]
        data = await api.ok(link, {"input": {"id": tid, "expectedVersion": v, "target": vote}})
        data = await api.ok(link, {"input": {"id": tid, "expectedVersion": v + 1, "target": s35}})
        data = await api.ok(
            unlink, {"input": {"id": tid, "expectedVersion": v + 2, "target": hr1470}}
        )
        written = data["unlinkTopic"]["topic"]
        assert written["version"] == v + 3
        assert (written["bills"]["totalCount"], written["votes"]["totalCount"]) == (3, 1)
        bill_side = await api.ok('{ bill(billId: "s35-117") { topics { nodes { slug } } } }')
        assert bill_side["bill"]["topics"]["nodes"] == [{"slug": TOPIC}]
        statement = (await api.ok("{ statements(first: 1) { nodes { id } } }"))["statements"]
        body = await api.post(
            link,
            {
                "input": {
                    "id": tid,
                    "expectedVersion": v + 3,
                    "target": statement["nodes"][0]["id"],
                }
            },
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "target")]
        missing_bill = "QmlsbDo5OTk5OTk="  # Bill:999999
        body = await api.post(
            link, {"input": {"id": tid, "expectedVersion": v + 3, "target": missing_bill}}
        )
        assert errors_of(body) == [("NOT_FOUND", "target")]
