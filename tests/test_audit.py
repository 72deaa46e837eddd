"""The audit log: one entry per write, with who, when and the record before and after, in
the write's own transaction (all or nothing); readable by admins only."""

from tests.editors import GUARDIAN, MARKEY_KEY, TOPIC, editing_api, errors_of

ENTRY = """sequence at action entityType entityId keyId keyName requestId reason linkedId
  before after"""
LOG = f"""query($f: AuditFilter, $first: Int, $after: String, $o: AuditOrder) {{
  auditLog(filter: $f, first: $first, after: $after, orderBy: $o) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENTRY} }} }} }}"""
MARKEY_QUOTE = "We have the power to end this."


async def _markey(api) -> dict:
    return (
        await api.ok(
            "query($k: String!) { statement(externalKey: $k) { id version } }", {"k": MARKEY_KEY}
        )
    )["statement"]


async def test_every_write_is_audited_with_before_and_after(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _markey(api)
        bill = await api.id_of("bill", "billId", "hr1470-117")
        sid = markey["id"]
        request = {"X-Request-Id": "audit-test-1"}
        await api.post(
            """mutation($input: UpdateStatementInput!) { updateStatement(input: $input) {
              statement { id } } }""",
            {"input": {"id": sid, "expectedVersion": 1, "quote": "Changed."}},
            headers=request,
        )
        link = {"input": {"id": sid, "expectedVersion": 2, "target": bill}}
        await api.ok(
            "mutation($input: LinkInput!) { linkStatement(input: $input) { __typename } }", link
        )
        link["input"]["expectedVersion"] = 3
        await api.ok(
            "mutation($input: LinkInput!) { unlinkStatement(input: $input) { __typename } }", link
        )
        await api.ok(
            """mutation($input: DeleteInput!) { deleteStatement(input: $input) {
              __typename } }""",
            {"input": {"id": sid, "expectedVersion": 4, "reason": "Misattributed."}},
        )
        await api.ok(
            """mutation($id: ID!) { restoreStatement(id: $id, reason: "Checked again.") {
              __typename } }""",
            {"id": sid},
            as_="admin",
        )
        log = (await api.ok(LOG, {"f": {"entityId": sid}}, as_="admin"))["auditLog"]
        assert log["totalCount"] == 5
        entries = log["nodes"]
        assert [e["action"] for e in entries] == ["RESTORE", "DELETE", "UNLINK", "LINK", "UPDATE"]
        assert {e["entityType"] for e in entries} == {"STATEMENT"}
        assert {e["entityId"] for e in entries} == {sid}
        assert [e["keyName"] for e in entries] == ["test admin"] + ["test editor"] * 4
        assert entries[0]["keyId"] == api.key_ids["admin"]
        assert entries[1]["keyId"] == api.key_ids["editor"]
        assert entries[-1]["requestId"] == "audit-test-1"
        assert [e["before"]["version"] for e in entries] == [5, 4, 3, 2, 1]
        assert [e["after"]["version"] for e in entries] == [6, 5, 4, 3, 2]
        update = entries[-1]
        assert (update["before"]["quote"], update["after"]["quote"]) == (MARKEY_QUOTE, "Changed.")
        assert "search" not in update["after"]
        assert entries[3]["linkedId"] == bill
        assert entries[2]["linkedId"] == bill
        delete = entries[1]
        assert delete["reason"] == "Misattributed."
        assert delete["before"]["deleted_at"] is None
        assert delete["after"]["deleted_reason"] == "Misattributed."
        assert delete["after"]["deleted_by_key_id"] == api.key_ids["editor"]
        restore = entries[0]
        assert restore["reason"] == "Checked again."
        assert restore["before"]["deleted_at"] is not None
        assert restore["after"]["deleted_at"] is None
        assert [e["sequence"] for e in entries] == sorted(
            (e["sequence"] for e in entries), reverse=True
        )


async def test_a_create_lists_its_new_sources_and_each_new_source_is_audited(fresh_url):
    async with editing_api(fresh_url) as api:
        made = await api.ok(
            """mutation($input: StatementInput!) { createStatement(input: $input) {
              statement { id sources { nodes { id } } } } }""",
            {
                "input": {
                    "speaker": "M000133",
                    "said": {"precision": "UNKNOWN"},
                    "quote": "New words.",
                    "newSources": [{"url": "https://example.org/new-words"}],
                }
            },
        )
        statement = made["createStatement"]["statement"]
        source = statement["sources"]["nodes"][0]["id"]
        log = (await api.ok(LOG, {"o": "OLDEST"}, as_="admin"))["auditLog"]
        assert [(e["action"], e["entityType"], e["entityId"]) for e in log["nodes"]] == [
            ("CREATE", "SOURCE", source),
            ("CREATE", "STATEMENT", statement["id"]),
        ]
        created = log["nodes"][1]
        assert created["before"] is None
        assert created["after"]["quote"] == "New words."
        assert created["after"]["speaker_bioguide_id"] == "M000133"
        assert created["after"]["said_on_precision"] == "unknown"
        assert created["after"]["version"] == 1
        assert len(created["after"]["source_ids"]) == 1
        assert log["nodes"][0]["after"]["url"] == "https://example.org/new-words"


async def test_only_admins_read_the_audit_log(fresh_url):
    async with editing_api(fresh_url) as api:
        assert errors_of(await api.post(LOG, as_=None)) == [("UNAUTHENTICATED", None)]
        assert errors_of(await api.post(LOG, as_="reader")) == [("FORBIDDEN", None)]
        assert errors_of(await api.post(LOG, as_="editor")) == [("FORBIDDEN", None)]
        assert (await api.ok(LOG, as_="admin"))["auditLog"]["totalCount"] == 0


async def test_filters_and_pages(fresh_url):
    async with editing_api(fresh_url) as api:
        topic = (await api.ok("query($s: String!) { topic(slug: $s) { id } }", {"s": TOPIC}))[
            "topic"
        ]["id"]
        for version, name in ((1, "One"), (2, "Two"), (3, "Three")):
            await api.ok(
                """mutation($input: UpdateTopicInput!) { updateTopic(input: $input) {
                  __typename } }""",
                {"input": {"id": topic, "expectedVersion": version, "name": name}},
                as_="admin" if name == "Three" else "editor",
            )
        markey = await _markey(api)
        await api.ok(
            """mutation($input: DeleteInput!) { deleteStatement(input: $input) {
              __typename } }""",
            {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "x"}},
        )

        async def count(f: dict) -> int:
            return (await api.ok(LOG, {"f": f}, as_="admin"))["auditLog"]["totalCount"]

        assert await count({}) == 4
        assert await count({"entityType": "TOPIC"}) == 3
        assert await count({"entityId": topic}) == 3
        assert await count({"entityType": "TOPIC", "entityId": topic}) == 3
        assert await count({"keyName": "test admin"}) == 1
        assert await count({"action": "DELETE"}) == 1
        assert await count({"entityId": markey["id"]}) == 1
        first = (await api.ok(LOG, {"first": 2, "o": "OLDEST"}, as_="admin"))["auditLog"]
        assert [e["after"]["name"] for e in first["nodes"]] == ["One", "Two"]
        assert first["pageInfo"]["hasNextPage"] is True
        rest = (
            await api.ok(
                LOG,
                {"first": 2, "o": "OLDEST", "after": first["pageInfo"]["endCursor"]},
                as_="admin",
            )
        )["auditLog"]
        assert [e["action"] for e in rest["nodes"]] == ["UPDATE", "DELETE"]
        assert await count({"since": first["nodes"][0]["at"]}) == 3
        bad = await api.post(LOG, {"f": {"entityId": "nonsense"}}, as_="admin")
        assert errors_of(bad) == [("BAD_USER_INPUT", "entityId")]
        huge = "VG9waWM6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"  # Topic:999999999999999999999
        bad = await api.post(LOG, {"f": {"entityId": huge}}, as_="admin")
        assert errors_of(bad) == [("BAD_USER_INPUT", "entityId")]
        bill = await api.id_of("bill", "billId", "hr1470-117")
        bad = await api.post(LOG, {"f": {"entityId": bill}}, as_="admin")
        assert errors_of(bad) == [("BAD_USER_INPUT", "entityId")]
        bad = await api.post(LOG, {"f": {"entityType": "PERSON", "entityId": topic}}, as_="admin")
        assert errors_of(bad) == [("BAD_USER_INPUT", "entityId")]


async def test_a_deleted_record_is_still_readable_in_the_audit_log(fresh_url):
    async with editing_api(fresh_url) as api:
        markey = await _markey(api)
        await api.ok(
            """mutation($input: DeleteInput!) { deleteStatement(input: $input) {
              __typename } }""",
            {"input": {"id": markey["id"], "expectedVersion": 1, "reason": "Duplicate."}},
        )
        assert errors_of(await api.node(markey["id"])) == [("NOT_FOUND", None)]
        entry = (await api.ok(LOG, {"f": {"entityId": markey["id"]}}, as_="admin"))["auditLog"][
            "nodes"
        ][0]
        assert entry["after"]["quote"] == MARKEY_QUOTE
        assert entry["after"]["deleted_reason"] == "Duplicate."


CREATE = """mutation($input: StatementInput!) { createStatement(input: $input) {
  statement { id } } }"""


async def _traces(api) -> tuple[int, int, int, int]:
    row = await api.db.fetchrow(
        "SELECT (SELECT count(*) FROM statements) AS s, (SELECT count(*) FROM sources) AS src,"
        " (SELECT count(*) FROM statement_sources) AS links, (SELECT count(*) FROM audit_log) AS a"
    )
    return row["s"], row["src"], row["links"], row["a"]


async def test_a_failure_part_way_leaves_no_trace(fresh_url):
    """The statement and the first new source are written, then the second new source hits
    the unique URL of an existing one: nothing of the three writes remains."""
    async with editing_api(fresh_url) as api:
        before = await _traces(api)
        body = await api.post(
            CREATE,
            {
                "input": {
                    "speaker": "M000133",
                    "said": {"precision": "UNKNOWN"},
                    "quote": "Half a write.",
                    "newSources": [{"url": "https://example.org/first"}, {"url": GUARDIAN}],
                }
            },
        )
        assert errors_of(body) == [("BAD_USER_INPUT", "newSources[1].url")]
        assert await _traces(api) == before
        assert (
            await api.db.fetchval(
                "SELECT count(*) FROM sources WHERE url = 'https://example.org/first'"
            )
            == 0
        )


async def test_a_failing_audit_write_undoes_the_write_it_records(fresh_url):
    """A trigger (installed by this test) makes the audit insert for the new source fail,
    after the statement and the source are written: the mutation fails as INTERNAL and
    leaves nothing behind. A write is never kept without its audit entry."""
    async with editing_api(fresh_url) as api:
        await api.db.execute(
            """CREATE FUNCTION fail_source_audit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.entity_type = 'Source' THEN
                    RAISE EXCEPTION 'audit refused';
                END IF;
                RETURN NEW;
            END $$"""
        )
        await api.db.execute(
            "CREATE TRIGGER fail_source_audit BEFORE INSERT ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION fail_source_audit()"
        )
        before = await _traces(api)
        body = await api.post(
            CREATE,
            {
                "input": {
                    "speaker": "M000133",
                    "said": {"precision": "UNKNOWN"},
                    "quote": "Unaudited words.",
                    "newSources": [{"url": "https://example.org/unaudited"}],
                }
            },
        )
        assert errors_of(body) == [("INTERNAL", None)]
        assert "audit refused" not in str(body)
        assert await _traces(api) == before
        # Writes that audit nothing about sources still go through, audited.
        markey = await _markey(api)
        await api.ok(
            """mutation($input: UpdateStatementInput!) { updateStatement(input: $input) {
              __typename } }""",
            {"input": {"id": markey["id"], "expectedVersion": 1, "quote": "Audited."}},
        )
        assert (await _traces(api))[3] == before[3] + 1
