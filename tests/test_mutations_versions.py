"""No lost updates: versions, CONFLICT on a stale one, concurrent edits where exactly one
wins, and `updatedAt` moving with every write so that `updatedSince` sync sees it."""

import asyncio

from tests.editors import MARKEY_KEY, MILLER_KEY, TOPIC, editing_api, errors_of

UPDATE = """mutation($input: UpdateStatementInput!) { updateStatement(input: $input) {
  statement { version quote updatedAt } } }"""
DELETE = """mutation($input: DeleteInput!) { deleteStatement(input: $input) {
  statement { version } } }"""
LINK = """mutation($input: LinkInput!) { linkStatement(input: $input) {
  statement { version updatedAt bills { totalCount } } } }"""
READ = """query($k: String!) { statement(externalKey: $k) { id version quote updatedAt
  bills { totalCount } } }"""
MARKEY_QUOTE = "We have the power to end this."


async def _read(api, key: str = MARKEY_KEY) -> dict:
    return (await api.ok(READ, {"k": key}))["statement"]


async def test_a_stale_version_is_a_conflict_and_changes_nothing(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _read(api)
        await api.ok(UPDATE, {"input": {"id": markey["id"], "expectedVersion": 1, "quote": "A"}})
        stale = await api.post(
            UPDATE, {"input": {"id": markey["id"], "expectedVersion": 1, "quote": "B"}}
        )
        assert errors_of(stale) == [("CONFLICT", "expectedVersion")]
        assert stale["errors"][0]["extensions"]["currentVersion"] == 2
        after = await _read(api)
        assert (after["version"], after["quote"]) == (2, "A")
        assert await api.db.fetchval("SELECT count(*) FROM audit_log") == 1
        bill = await api.id_of("bill", "billId", "hr1470-117")
        body = await api.post(
            LINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": bill}}
        )
        assert errors_of(body) == [("CONFLICT", "expectedVersion")]
        body = await api.post(
            DELETE, {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "x"}}
        )
        assert errors_of(body) == [("CONFLICT", "expectedVersion")]
        assert await _read(api) == after
        assert await api.db.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_two_concurrent_edits_from_the_same_version_one_wins(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _read(api)
        edits = [
            {"input": {"id": markey["id"], "expectedVersion": 1, "quote": quote}}
            for quote in ("First edit.", "Second edit.")
        ]
        bodies = await asyncio.gather(*(api.post(UPDATE, edit) for edit in edits))
        outcomes = sorted("errors" in body for body in bodies)
        assert outcomes == [False, True]
        winner = next(b for b in bodies if "errors" not in b)["data"]["updateStatement"]
        loser = next(b for b in bodies if "errors" in b)
        assert errors_of(loser) == [("CONFLICT", "expectedVersion")]
        after = await _read(api)
        assert (after["version"], after["quote"]) == (2, winner["statement"]["quote"])
        rows = await api.db.fetch("SELECT action, after->>'quote' AS quote FROM audit_log")
        assert [(r["action"], r["quote"]) for r in rows] == [("update", after["quote"])]


async def test_a_concurrent_delete_and_link_from_the_same_version_one_wins(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _read(api)
        bill = await api.id_of("bill", "billId", "hr1470-117")
        delete = {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "x"}}
        link = {"input": {"id": markey["id"], "expectedVersion": 1, "target": bill}}
        bodies = await asyncio.gather(api.post(DELETE, delete), api.post(LINK, link))
        assert sorted("errors" in body for body in bodies) == [False, True]
        failed = next(b for b in bodies if "errors" in b)
        # The link loses with CONFLICT, or finds the statement already deleted.
        assert errors_of(failed)[0] in (("CONFLICT", "expectedVersion"), ("NOT_FOUND", "id"))
        assert await api.db.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_writes_move_updated_at_for_incremental_sync(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _read(api)
        latest = await api.ok(
            "{ statements(orderBy: UPDATED_AT, last: 1) { nodes { updatedAt } } }"
        )
        since = latest["statements"]["nodes"][0]["updatedAt"]
        query = """query($t: DateTime!) { statements(filter: {updatedSince: $t}) {
          nodes { id } } }"""
        assert (await api.ok(query, {"t": since}))["statements"]["nodes"] == []
        bill = await api.id_of("bill", "billId", "hr1470-117")
        linked = (
            await api.ok(
                LINK, {"input": {"id": markey["id"], "expectedVersion": 1, "target": bill}}
            )
        )["linkStatement"]["statement"]
        assert linked["updatedAt"] > since
        assert (await api.ok(query, {"t": since}))["statements"]["nodes"] == [{"id": markey["id"]}]
        topics = (
            """query($t: DateTime!) { topics(filter: {updatedSince: $t}) { nodes { slug } } }"""
        )
        topic = await api.ok(
            "query($s: String!) { topic(slug: $s) { id version updatedAt } }", {"s": TOPIC}
        )
        assert (await api.ok(topics, {"t": topic["topic"]["updatedAt"]}))["topics"]["nodes"] == []
        await api.ok(
            """mutation($input: UpdateTopicInput!) { updateTopic(input: $input) {
              topic { version } } }""",
            {"input": {"id": topic["topic"]["id"], "expectedVersion": 1, "name": "Renamed"}},
        )
        assert (await api.ok(topics, {"t": since}))["topics"]["nodes"] == [{"slug": TOPIC}]


async def test_other_writers_move_the_version_too(fresh_url):
    """An importer's UPDATE bumps the version (by trigger), so an editor's stale edit fails."""
    async with editing_api(fresh_url) as api:
        miller = await _read(api, MILLER_KEY)
        await api.db.execute(
            "UPDATE statements SET context = context WHERE external_key = $1", MILLER_KEY
        )
        assert (await _read(api, MILLER_KEY))["version"] == 1
        await api.db.execute(
            "UPDATE statements SET context = 'Re-imported.' WHERE external_key = $1", MILLER_KEY
        )
        assert (await _read(api, MILLER_KEY))["version"] == 2
        body = await api.post(
            UPDATE, {"input": {"id": miller["id"], "expectedVersion": 1, "quote": "Lost?"}}
        )
        assert errors_of(body) == [("CONFLICT", "expectedVersion")]


async def test_bad_versions_and_missing_records(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _read(api)
        zero = await api.post(
            UPDATE, {"input": {"id": markey["id"], "expectedVersion": 0, "quote": "x"}}
        )
        assert errors_of(zero) == [("BAD_USER_INPUT", "expectedVersion")]
        missing = "U3RhdGVtZW50Ojk5OTk5OQ=="  # Statement:999999
        body = await api.post(
            UPDATE, {"input": {"id": missing, "expectedVersion": 1, "quote": "x"}}
        )
        assert errors_of(body) == [("NOT_FOUND", "id")]
        huge = "U3RhdGVtZW50Ojk5OTk5OTk5OTk5OTk5OTk5OTk5"  # Statement:99999999999999999999
        body = await api.post(UPDATE, {"input": {"id": huge, "expectedVersion": 1, "quote": "x"}})
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        person = await api.id_of("person", "slug", "stephen-miller")
        body = await api.post(UPDATE, {"input": {"id": person, "expectedVersion": 1, "quote": "x"}})
        assert errors_of(body) == [("BAD_USER_INPUT", "id")]
        await api.ok(DELETE, {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "x"}})
        body = await api.post(
            UPDATE, {"input": {"id": markey["id"], "expectedVersion": 2, "quote": "x"}}
        )
        assert errors_of(body) == [("NOT_FOUND", "id")]
        assert (
            await api.db.fetchval(
                "SELECT quote FROM statements WHERE external_key = $1", MARKEY_KEY
            )
        ) == MARKEY_QUOTE
