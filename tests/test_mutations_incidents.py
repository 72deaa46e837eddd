"""Incident mutations over HTTP with real keys: create, update, delete, restore, link and
unlink, and each failure's code and field."""

import pytest

from tests.editors import GOOD_KEY, TOPIC, editing_api, errors_of

FIELDS = """id version kind occurred { precision text } outcome description
  location { city county state facility latitude longitude }
  sources { totalCount } bills { totalCount } topics { totalCount }"""
CREATE = f"""mutation($input: IncidentInput!) {{ createIncident(input: $input) {{
  incident {{ {FIELDS} }} }} }}"""
UPDATE = f"""mutation($input: UpdateIncidentInput!) {{ updateIncident(input: $input) {{
  incident {{ {FIELDS} }} }} }}"""
DELETE = """mutation($input: DeleteInput!) { deleteIncident(input: $input) {
  incident { id version } } }"""
RESTORE = """mutation($id: ID!, $reason: String!) { restoreIncident(id: $id, reason: $reason) {
  incident { id version } } }"""
LINK = f"""mutation($input: LinkInput!) {{ linkIncident(input: $input) {{
  incident {{ {FIELDS} }} }} }}"""
UNLINK = LINK.replace("linkIncident", "unlinkIncident")


async def _good(api) -> dict:
    data = await api.ok(
        "query($k: String!) { incident(externalKey: $k) { id version } }", {"k": GOOD_KEY}
    )
    return data["incident"]


def _new(**extra) -> dict:
    return {
        "kind": "RAID",
        "occurred": {"precision": "DAY", "date": "2026-01-09"},
        "location": {"city": "Minneapolis", "state": "mn", "latitude": 44.98, "longitude": -93.27},
        "outcome": "arrests",
        "newSources": [{"url": "https://example.org/raid-report", "publisher": "Example"}],
        **extra,
    }


async def test_create_with_location_and_a_new_source(fresh_url):
    async with editing_api(fresh_url) as api:
        made = (await api.ok(CREATE, {"input": _new()}))["createIncident"]["incident"]
        assert made["version"] == 1
        assert made["kind"] == "RAID"
        assert made["occurred"] == {"precision": "DAY", "text": "2026-01-09"}
        assert made["location"] == {
            "city": "Minneapolis",
            "county": None,
            "state": "MN",
            "facility": None,
            "latitude": 44.98,
            "longitude": -93.27,
        }
        assert made["sources"]["totalCount"] == 1
        found = await api.ok("{ incidents(filter: {kind: RAID}) { nodes { id } } }")
        assert found["incidents"]["nodes"] == [{"id": made["id"]}]


async def test_update_replaces_the_location_and_keeps_the_rest(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        changed = (
            await api.ok(
                UPDATE,
                {
                    "input": {
                        "id": good["id"],
                        "expectedVersion": good["version"],
                        "location": {"city": "Minneapolis", "county": "Hennepin", "state": "MN"},
                        "occurred": {"precision": "MONTH", "date": "2026-01-07"},
                    }
                },
            )
        )["updateIncident"]["incident"]
        assert changed["version"] == good["version"] + 1
        assert changed["kind"] == "SHOOTING"
        assert changed["outcome"] == "killed"
        assert changed["occurred"] == {"precision": "MONTH", "text": "2026-01"}
        assert changed["location"]["county"] == "Hennepin"
        assert changed["sources"]["totalCount"] == 3


async def test_link_bill_and_topic_then_unlink_them(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        bill = await api.id_of("bill", "billId", "s492-117")
        topic = await api.id_of("topic", "slug", TOPIC)
        linked = (
            await api.ok(LINK, {"input": {"id": good["id"], "expectedVersion": 1, "target": bill}})
        )["linkIncident"]["incident"]
        assert (linked["version"], linked["bills"]["totalCount"]) == (2, 1)
        on_bill = await api.ok('{ bill(billId: "s492-117") { incidents { nodes { id } } } }')
        assert on_bill["bill"]["incidents"]["nodes"] == [{"id": good["id"]}]
        unlinked = (
            await api.ok(
                UNLINK, {"input": {"id": good["id"], "expectedVersion": 2, "target": topic}}
            )
        )["unlinkIncident"]["incident"]
        assert (unlinked["version"], unlinked["topics"]["totalCount"]) == (3, 0)


async def test_sources_can_be_unlinked_down_to_one_but_not_to_none(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        data = await api.ok(
            "query($k: String!) { incident(externalKey: $k) { sources { nodes { id } } } }",
            {"k": GOOD_KEY},
        )
        sources = [n["id"] for n in data["incident"]["sources"]["nodes"]]
        assert len(sources) == 3
        version = good["version"]
        for source in sources[:2]:
            await api.ok(
                UNLINK, {"input": {"id": good["id"], "expectedVersion": version, "target": source}}
            )
            version += 1
        body = await api.post(
            UNLINK, {"input": {"id": good["id"], "expectedVersion": version, "target": sources[2]}}
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "target")]
        assert (await _good(api))["version"] == version


async def test_delete_and_restore(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        await api.ok(DELETE, {"input": {"id": good["id"], "expectedVersion": 1, "reason": "test"}})
        gone = await api.post(
            "query($k: String!) { incident(externalKey: $k) { id } }", {"k": GOOD_KEY}
        )
        assert errors_of(gone) == [("NOT_FOUND", None)]
        back = await api.ok(RESTORE, {"id": good["id"], "reason": "test"}, as_="admin")
        assert back["restoreIncident"]["incident"] == {"id": good["id"], "version": 3}


async def test_restoring_an_incident_whose_sources_are_all_deleted_is_refused(fresh_url):
    async with editing_api(fresh_url) as api:
        made = (await api.ok(CREATE, {"input": _new()}))["createIncident"]["incident"]
        source = (
            await api.ok(
                "query($u: String!) { source(url: $u) { id } }",
                {"u": "https://example.org/raid-report"},
            )
        )["source"]["id"]
        delete_source = """mutation($input: DeleteInput!) { deleteSource(input: $input) {
          source { id } } }"""
        sole = {"input": {"id": source, "expectedVersion": 1, "reason": "retracted"}}
        assert errors_of(await api.post(delete_source, sole)) == [("BAD_USER_INPUT", "id")]
        await api.ok(DELETE, {"input": {"id": made["id"], "expectedVersion": 1, "reason": "x"}})
        await api.ok(delete_source, sole)
        body = await api.post(RESTORE, {"id": made["id"], "reason": "x"}, as_="admin")
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        assert "restore one of them first" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"state": "Minnesota"}}, "location.state"),
        ({"location": {"latitude": 91}}, "location.latitude"),
        ({"location": {"longitude": -180.5}}, "location.longitude"),
        ({"location": {"city": "c" * 301}}, "location.city"),
        ({"outcome": "o" * 301}, "outcome"),
        ({"description": "d" * 20_001}, "description"),
        ({"occurred": {"precision": "YEAR", "date": "2999-06-01"}}, "occurred.date"),
        ({"occurred": {"precision": "YEAR"}}, "occurred.date"),
        ({"newSources": None}, "sources"),
        (
            {"newSources": [{"url": "https://example.org/a", "archivedUrl": "web.archive.org"}]},
            "newSources[0].archivedUrl",
        ),
    ],
)
async def test_each_invalid_input_names_its_field(fresh_url, change, field):
    async with editing_api(fresh_url) as api:
        before = (await api.ok("{ incidents { totalCount } }"))["incidents"]["totalCount"]
        body = await api.post(CREATE, {"input": _new(**change)})
        assert errors_of(body) == [("BAD_USER_INPUT", field)], body
        after = (await api.ok("{ incidents { totalCount } }"))["incidents"]["totalCount"]
        assert after == before


async def test_update_refuses_a_null_kind_and_a_null_date(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        for change, field in (({"kind": None}, "kind"), ({"occurred": None}, "occurred")):
            body = await api.post(
                UPDATE, {"input": {"id": good["id"], "expectedVersion": 1, **change}}
            )
            assert errors_of(body) == [("BAD_USER_INPUT", field)]
        assert (await _good(api))["version"] == 1


async def test_readers_and_anonymous_callers_cannot_write(fresh_url):
    async with editing_api(fresh_url) as api:
        good = await _good(api)
        delete = {"input": {"id": good["id"], "expectedVersion": 1, "reason": "x"}}
        assert errors_of(await api.post(DELETE, delete, as_=None)) == [("UNAUTHENTICATED", None)]
        assert errors_of(await api.post(DELETE, delete, as_="reader")) == [("FORBIDDEN", None)]
        assert (await _good(api))["version"] == 1
