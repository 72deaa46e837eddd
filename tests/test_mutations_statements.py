"""Statement mutations over HTTP with real keys: create, update, delete, restore, link and
unlink, each failure's code and field, and who may do what."""

import pytest

from tests.editors import ARTICLE, GUARDIAN, MARKEY_KEY, MILLER_KEY, TOPIC, editing_api, errors_of

CREATE = """mutation($input: StatementInput!) { createStatement(input: $input) { statement {
  id version quote context medium said { precision text } speakerBioguideId
  speaker { __typename ... on Legislator { bioguideId } ... on Person { slug } }
  sources { totalCount nodes { url title } } } } }"""
UPDATE = """mutation($input: UpdateStatementInput!) { updateStatement(input: $input) {
  statement { id version quote context medium said { precision text } } } }"""
DELETE = """mutation($input: DeleteInput!) { deleteStatement(input: $input) {
  statement { id version } } }"""
RESTORE = """mutation($id: ID!, $reason: String!) { restoreStatement(id: $id, reason: $reason) {
  statement { id version quote } } }"""
LINK = """mutation($input: LinkInput!) { linkStatement(input: $input) { statement { id version
  bills { totalCount } votes { totalCount } incidents { totalCount } topics { totalCount }
  sources { totalCount } } } }"""
UNLINK = LINK.replace("linkStatement", "unlinkStatement")
MARKEY_QUOTE = "We have the power to end this."


async def _statement(api, key: str) -> dict:
    data = await api.ok(
        "query($k: String!) { statement(externalKey: $k) { id version quote } }", {"k": key}
    )
    return data["statement"]


async def _article_id(api) -> str:
    data = await api.ok(
        "{ sources(first: 100) { nodes { id title } } }",
    )
    return next(n["id"] for n in data["sources"]["nodes"] if n["title"] == ARTICLE)


def _new(speaker: str, **extra) -> dict:
    return {
        "speaker": speaker,
        "said": {"precision": "DAY", "date": "2026-01-20"},
        "quote": "Immunity must end.",
        "newSources": [{"url": "https://example.org/immunity-hearing", "title": "Hearing"}],
        **extra,
    }


async def test_create_with_a_new_source_by_bioguide_id(fresh_url):
    async with editing_api(fresh_url) as api:
        before = (await api.ok("{ statements { totalCount } }"))["statements"]["totalCount"]
        made = (await api.ok(CREATE, {"input": _new("m000133", medium="HEARING")}))[
            "createStatement"
        ]["statement"]
        assert made["version"] == 1
        assert made["speaker"] == {"__typename": "Legislator", "bioguideId": "M000133"}
        assert made["speakerBioguideId"] == "M000133"
        assert made["said"] == {"precision": "DAY", "text": "2026-01-20"}
        assert made["medium"] == "HEARING"
        assert made["sources"] == {
            "totalCount": 1,
            "nodes": [{"url": "https://example.org/immunity-hearing", "title": "Hearing"}],
        }
        after = (await api.ok("{ statements { totalCount } }"))["statements"]["totalCount"]
        assert after == before + 1
        markey = await api.ok('{ legislator(bioguideId: "M000133") { statements { totalCount } } }')
        assert markey["legislator"]["statements"]["totalCount"] == 2


async def test_create_citing_an_existing_source_by_person_id(fresh_url):
    async with editing_api(fresh_url) as api:
        miller = await api.id_of("person", "slug", "stephen-miller")
        article = await _article_id(api)
        made = (
            await api.ok(
                CREATE,
                {
                    "input": {
                        "speaker": miller,
                        "said": {"precision": "MONTH", "date": "2026-01-31"},
                        "quote": "  Words.  ",
                        "sources": [article],
                    }
                },
            )
        )["createStatement"]["statement"]
        assert made["speaker"] == {"__typename": "Person", "slug": "stephen-miller"}
        assert made["said"] == {"precision": "MONTH", "text": "2026-01"}
        assert made["quote"] == "Words."
        assert made["sources"]["nodes"] == [{"url": None, "title": ARTICLE}]
        stored = await api.db.fetchrow(
            "SELECT said_on, said_on_precision FROM statements WHERE quote = 'Words.'"
        )
        assert str(stored["said_on"]) == "2026-01-01"
        assert stored["said_on_precision"] == "month"
        person = await api.ok('{ person(slug: "stephen-miller") { statements { totalCount } } }')
        assert person["person"]["statements"]["totalCount"] == 2


async def test_update_changes_only_the_fields_given_and_bumps_the_version(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _statement(api, MARKEY_KEY)
        changed = (
            await api.ok(
                UPDATE,
                {
                    "input": {
                        "id": markey["id"],
                        "expectedVersion": markey["version"],
                        "said": {"precision": "YEAR", "date": "2026-02-03"},
                        "medium": "INTERVIEW",
                    }
                },
            )
        )["updateStatement"]["statement"]
        assert changed["version"] == markey["version"] + 1
        assert changed["quote"] == MARKEY_QUOTE
        assert changed["said"] == {"precision": "YEAR", "text": "2026"}
        assert changed["medium"] == "INTERVIEW"
        assert changed["context"].startswith("Sen. Ed Markey (D-MA)")
        cleared = (
            await api.ok(
                UPDATE,
                {"input": {"id": markey["id"], "expectedVersion": 2, "context": None}},
            )
        )["updateStatement"]["statement"]
        assert cleared["context"] is None
        assert cleared["version"] == 3


async def test_delete_then_restore(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _statement(api, MARKEY_KEY)
        gone = await api.ok(
            DELETE,
            {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "duplicate"}},
        )
        assert gone["deleteStatement"]["statement"]["version"] == 2
        body = await api.post(
            "query($k: String!) { statement(externalKey: $k) { id } }", {"k": MARKEY_KEY}
        )
        assert errors_of(body) == [("NOT_FOUND", None)]
        back = await api.ok(RESTORE, {"id": markey["id"], "reason": "not a duplicate"}, as_="admin")
        assert back["restoreStatement"]["statement"] == {
            "id": markey["id"],
            "version": 3,
            "quote": MARKEY_QUOTE,
        }
        assert (await _statement(api, MARKEY_KEY))["version"] == 3


async def test_link_and_unlink_every_kind_of_target(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _statement(api, MARKEY_KEY)
        bill = await api.id_of("bill", "billId", "hr1470-117")
        vote = (await api.ok("{ votes(first: 1) { nodes { id } } }"))["votes"]["nodes"][0]["id"]
        incident = (await api.ok("{ incidents(first: 1) { nodes { id } } }"))["incidents"]["nodes"][
            0
        ]["id"]
        source = (await api.ok("query($u: String!) { source(url: $u) { id } }", {"u": GUARDIAN}))[
            "source"
        ]["id"]
        version = markey["version"]
        for target in (bill, vote, incident, source):
            data = await api.ok(
                LINK, {"input": {"id": markey["id"], "expectedVersion": version, "target": target}}
            )
            version += 1
            assert data["linkStatement"]["statement"]["version"] == version
        counts = data["linkStatement"]["statement"]
        assert {k: v["totalCount"] for k, v in counts.items() if isinstance(v, dict)} == {
            "bills": 1,
            "votes": 1,
            "incidents": 1,
            "topics": 1,
            "sources": 2,
        }
        bill_side = await api.ok(
            '{ bill(billId: "hr1470-117") { statements { nodes { quote } } } }'
        )
        assert bill_side["bill"]["statements"]["nodes"] == [{"quote": MARKEY_QUOTE}]
        topic = await api.id_of("topic", "slug", TOPIC)
        for target in (bill, vote, incident, topic):
            data = await api.ok(
                UNLINK,
                {"input": {"id": markey["id"], "expectedVersion": version, "target": target}},
            )
            version += 1
        counts = data["unlinkStatement"]["statement"]
        assert {k: v["totalCount"] for k, v in counts.items() if isinstance(v, dict)} == {
            "bills": 0,
            "votes": 0,
            "incidents": 0,
            "topics": 0,
            "sources": 2,
        }


async def test_linking_twice_or_unlinking_what_is_not_linked_names_the_target(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _statement(api, MARKEY_KEY)
        topic = await api.id_of("topic", "slug", TOPIC)
        bill = await api.id_of("bill", "billId", "hr1470-117")
        again = await api.post(
            LINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": topic}}
        )
        assert errors_of(again) == [("BAD_USER_INPUT", "target")]
        absent = await api.post(
            UNLINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": bill}}
        )
        assert errors_of(absent) == [("BAD_USER_INPUT", "target")]
        person = await api.id_of("person", "slug", "stephen-miller")
        wrong = await api.post(
            LINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": person}}
        )
        assert errors_of(wrong) == [("BAD_USER_INPUT", "target")]
        assert (await _statement(api, MARKEY_KEY))["version"] == 1


async def test_unlinking_the_last_source_is_bad_user_input_not_a_database_error(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _statement(api, MARKEY_KEY)
        article = await _article_id(api)
        body = await api.post(
            UNLINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": article}}
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "target")]
        assert "at least one source" in body["errors"][0]["message"]
        data = await api.ok(
            "query($k: String!) { statement(externalKey: $k) { version sources { totalCount } } }",
            {"k": MARKEY_KEY},
        )
        assert data["statement"] == {"version": 1, "sources": {"totalCount": 1}}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quote": ""}, "quote"),
        ({"quote": "x" * 10_001}, "quote"),
        ({"context": "x" * 5_001}, "context"),
        ({"said": {"precision": "DAY", "date": "2999-01-01"}}, "said.date"),
        ({"said": {"precision": "DAY"}}, "said.date"),
        ({"said": {"precision": "UNKNOWN", "date": "2020-01-01"}}, "said.date"),
        ({"speaker": "X1"}, "speaker"),
        ({"speaker": "UGVyc29uOjk5OTk5"}, "speaker"),  # Person:99999
        ({"newSources": [], "sources": []}, "sources"),
        ({"newSources": [{"url": "ftp://example.org/a"}]}, "newSources[0].url"),
        ({"newSources": [{"url": "javascript:alert(1)"}]}, "newSources[0].url"),
        ({"newSources": [{"publisher": "Nobody"}]}, "newSources[0].url"),
        ({"newSources": [{"title": "t" * 1_001}]}, "newSources[0].title"),
        (
            {"newSources": [{"title": "T", "published": {"precision": "MONTH"}}]},
            "newSources[0].published.date",
        ),
        ({"newSources": [{"url": GUARDIAN}]}, "newSources[0].url"),
        ({"sources": ["not-an-id"], "newSources": None}, "sources[0]"),
    ],
)
async def test_each_invalid_input_names_its_field_and_writes_nothing(fresh_url, change, field):
    async with editing_api(fresh_url) as api:
        body = await api.post(CREATE, {"input": {**_new("M000133"), **change}})
        assert [code for code, _ in errors_of(body)] in (["BAD_USER_INPUT"], ["NOT_FOUND"])
        assert errors_of(body)[0][1] == field, body
        assert await api.db.fetchval("SELECT count(*) FROM audit_log") == 0
        assert (
            await api.db.fetchval(
                "SELECT count(*) FROM sources WHERE url = 'https://example.org/immunity-hearing'"
            )
            == 0
        )


async def test_an_unknown_enum_value_is_refused_by_graphql(fresh_url):
    async with editing_api(fresh_url) as api:
        body = await api.post(CREATE, {"input": {**_new("M000133"), "medium": "CARRIER_PIGEON"}})
        assert [code for code, _ in errors_of(body)] == ["BAD_USER_INPUT"]
        assert "CARRIER_PIGEON" in body["errors"][0]["message"]


async def test_who_may_write(fresh_url):
    async with editing_api(fresh_url) as api:
        variables = {"input": _new("M000133")}
        assert errors_of(await api.post(CREATE, variables, as_=None)) == [("UNAUTHENTICATED", None)]
        assert errors_of(await api.post(CREATE, variables, as_="reader")) == [("FORBIDDEN", None)]
        markey = await _statement(api, MARKEY_KEY)
        await api.ok(
            DELETE, {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "test"}}
        )
        restore = {"id": markey["id"], "reason": "test"}
        assert errors_of(await api.post(RESTORE, restore, as_="editor")) == [("FORBIDDEN", None)]
        assert errors_of(await api.post(RESTORE, restore, as_=None)) == [("UNAUTHENTICATED", None)]
        await api.ok(CREATE, variables, as_="admin")
        await api.ok(RESTORE, restore, as_="admin")


async def test_restore_of_a_live_record_or_without_a_reason_is_refused(fresh_url):
    async with editing_api(fresh_url) as api:
        miller = await _statement(api, MILLER_KEY)
        live = await api.post(RESTORE, {"id": miller["id"], "reason": "why"}, as_="admin")
        assert errors_of(live) == [("BAD_USER_INPUT", "id")]
        await api.ok(DELETE, {"input": {"id": miller["id"], "expectedVersion": 1, "reason": "x"}})
        blank = await api.post(RESTORE, {"id": miller["id"], "reason": "  "}, as_="admin")
        assert errors_of(blank) == [("BAD_USER_INPUT", "reason")]
        no_reason = await api.post(
            DELETE, {"input": {"id": miller["id"], "expectedVersion": 2, "reason": ""}}
        )
        assert errors_of(no_reason) == [("BAD_USER_INPUT", "reason")]
