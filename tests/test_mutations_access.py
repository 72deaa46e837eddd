"""Who may call each mutation: no key is UNAUTHENTICATED, a reader key FORBIDDEN, an editor
key may do all but restore (FORBIDDEN), which needs an admin key. Refused calls write
nothing. The check comes before any other, so even an invalid input is refused the same."""

from graphql import GraphQLNonNull

from schema.root import schema
from tests.editors import editing_api, errors_of

ANY_ID = "U3RhdGVtZW50OjE="  # Statement:1
INPUTS = {
    "StatementInput": {"speaker": "M000133", "said": {"precision": "UNKNOWN"}, "quote": "q"},
    "IncidentInput": {"kind": "OTHER", "occurred": {"precision": "UNKNOWN"}},
    "PersonInput": {"slug": "p", "name": "P"},
    "OrganizationInput": {"slug": "o", "name": "O", "kind": "OTHER"},
    "SourceInput": {"title": "T"},
    "TopicInput": {"slug": "t", "name": "T"},
    "DeleteInput": {"id": ANY_ID, "expectedVersion": 1, "reason": "r"},
    "LinkInput": {"id": ANY_ID, "expectedVersion": 1, "target": ANY_ID},
}


# A partner's own webhooks (docs/webhooks.md): any key may call these; tests/test_webhooks.py.
PARTNER_MUTATIONS = {"registerWebhook", "deleteWebhook"}


def _calls() -> list[tuple[str, str, dict]]:
    """(mutation name, document, variables) for every editors' mutation of the schema."""
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    calls = []
    for name, field in mutation_type.fields.items():
        if name in PARTNER_MUTATIONS:
            continue
        if "input" in field.args:
            kind = field.args["input"].type
            assert isinstance(kind, GraphQLNonNull)
            type_name = kind.of_type.name
            variables = {"input": INPUTS.get(type_name, {"id": ANY_ID, "expectedVersion": 1})}
            document = (
                f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ __typename }} }}"
            )
        else:
            variables = {"id": ANY_ID, "reason": "r"}
            document = (
                f"mutation($id: ID!, $reason: String!) {{ {name}(id: $id, reason: $reason)"
                " { __typename } }"
            )
        calls.append((name, document, variables))
    return calls


def test_there_are_thirty_editors_mutations_and_the_partners_webhooks():
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert PARTNER_MUTATIONS <= set(mutation_type.fields)
    names = [name for name, _, _ in _calls()]
    assert len(names) == 30
    for verb in ("create", "update", "delete", "restore"):
        for type_name in ("Statement", "Incident", "Person", "Organization", "Source", "Topic"):
            assert f"{verb}{type_name}" in names
    for type_name in ("Statement", "Incident", "Topic"):
        assert f"link{type_name}" in names
        assert f"unlink{type_name}" in names


async def test_every_mutation_checks_the_callers_role_first(fresh_url):
    async with editing_api(fresh_url) as api:
        for name, document, variables in _calls():
            anonymous = await api.post(document, variables, as_=None)
            assert errors_of(anonymous) == [("UNAUTHENTICATED", None)], name
            reader = await api.post(document, variables, as_="reader")
            assert errors_of(reader) == [("FORBIDDEN", None)], name
            if name.startswith("restore"):
                editor = await api.post(document, variables, as_="editor")
                assert errors_of(editor) == [("FORBIDDEN", None)], name
            # An invalid input from a reader is still FORBIDDEN, not BAD_USER_INPUT.
            if "input" in variables and "expectedVersion" in variables["input"]:
                broken = {"input": {**variables["input"], "expectedVersion": 0}}
                assert errors_of(await api.post(document, broken, as_="reader")) == [
                    ("FORBIDDEN", None)
                ], name
        assert await api.db.fetchval("SELECT count(*) FROM audit_log") == 0
