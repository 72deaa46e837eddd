"""Ids and cursors have one canonical form: the one the API issues.

`Statement:1` names a statement; `Statement:+1`, `Statement:01`, ` 1`, `1_0` and Arabic-Indic
digits name nothing and are BAD_USER_INPUT, as are cursors re-encoded with padding tricks,
other whitespace, or key values in another spelling.
"""

import base64
import json

import httpx
import pytest

from db.pagination import CursorError, Ordering, read_cursor
from schema.errors import BadUserInput
from schema.relay import from_global_id, to_global_id
from tests.conftest import error_codes, graphql

NODE = "query($id: ID!) { node(id: $id) { id } }"


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_the_issued_form_round_trips() -> None:
    assert from_global_id(to_global_id("Statement", 1)) == ("Statement", 1)
    assert from_global_id(to_global_id("Bill", 2**63 - 1)) == ("Bill", 2**63 - 1)


@pytest.mark.parametrize(
    "text",
    [
        "Statement:+1",
        "Statement:01",
        "Statement: 1",
        "Statement:1 ",
        "Statement:1_0",
        "Statement:\u0661",  # ARABIC-INDIC DIGIT ONE
        "Statement:\uff11",  # FULLWIDTH DIGIT ONE
        "Statement:0",
        "Statement:-1",
        f"Statement:{2**63}",
        "statement:1",
        "Statement:1:2",
    ],
)
def test_other_spellings_are_refused(text: str) -> None:
    with pytest.raises(BadUserInput):
        from_global_id(encoded(text))


def test_unpadded_or_url_safe_base64_of_an_id_is_refused() -> None:
    issued = to_global_id("Legislator", 12)  # "TGVnaXNsYXRvcjoxMg=="
    for variant in (issued.rstrip("="), issued.replace("+", "-").replace("/", "_") + " "):
        if variant != issued:
            with pytest.raises(BadUserInput):
                from_global_id(variant)


async def test_only_the_canonical_id_resolves(client: httpx.AsyncClient) -> None:
    page = await graphql(client, "{ statements(first: 1) { nodes { id } } }")
    issued = page["data"]["statements"]["nodes"][0]["id"]
    type_name, pk = base64.b64decode(issued).decode().split(":")
    found = await graphql(client, NODE, {"id": issued})
    assert found["data"]["node"]["id"] == issued
    for text in (f"{type_name}:+{pk}", f"{type_name}:0{pk}"):
        body = await graphql(client, NODE, {"id": encoded(text)})
        assert error_codes(body) == ["BAD_USER_INPUT"], body


ORDERING = Ordering("newest", (("s.said_on", "date"), ("s.id", "bigint")), descending=True)


def cursor_of(content: object, *, pad: bool = False) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(content, separators=(",", ":")).encode()).decode()
    return raw if pad else raw.rstrip("=")


def test_an_issued_cursor_decodes_padded_or_not() -> None:
    issued = cursor_of(["s.newest", "2005-07-20", 7])
    assert ORDERING.decode(issued) == ORDERING.decode(
        cursor_of(["s.newest", "2005-07-20", 7], pad=True)
    )
    assert read_cursor(issued) == ["s.newest", "2005-07-20", 7]


@pytest.mark.parametrize(
    "cursor",
    [
        cursor_of(["s.newest", "2005-07-20", 99999999999999999999999]),  # beyond bigint
        cursor_of(["s.newest", "2005-07-20", -(2**63) - 1]),
        cursor_of(["s.newest", "2005-07-20", 7.0]),
        cursor_of(["s.newest", "2005-07-20", True]),
        cursor_of(["s.newest", "2005-07-20", "7"]),
        cursor_of(["s.newest", "20050720", 7]),  # another ISO 8601 spelling of the same day
        cursor_of(["s.newest", "0000-01-01", 7]),
        cursor_of(["s.newest", "10000-01-01", 7]),
        base64.urlsafe_b64encode(b'["s.newest", "2005-07-20", 7]').decode(),  # other spacing
        base64.urlsafe_b64encode(b'["s.newest","2005-07-20",07]').decode(),
    ],
)
def test_cursors_in_another_form_or_out_of_range_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        ORDERING.decode(cursor)


def test_text_keys_the_database_cannot_take_are_refused() -> None:
    by_name = Ordering("name", (("l.last_name", "text"), ("l.id", "bigint")))
    assert by_name.decode(cursor_of(["l.name", "Ocasio-Cortez", 3])) == ("Ocasio-Cortez", 3)
    for value in ("a\u0000b", "\ud800"):
        with pytest.raises(CursorError):
            by_name.decode(cursor_of(["l.name", value, 3]))
