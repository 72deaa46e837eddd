"""schema.execution's short paths answer exactly what graphql-core's own execution answers.

A small schema of plain fields (and one resolver) runs each query twice, with Strawberry's
execution context and with PlainFieldExecution, and the results must be equal, errors
included. The property test does the same for 2,000 generated queries on the real schema.
"""

from enum import Enum

import pytest
import strawberry
from graphql import FieldNode, OperationDefinitionNode, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldExecution, compile_plan, plain_leaf


@strawberry.enum
class Side(Enum):
    MAJORITY = "majority"
    MINORITY = "minority"


@strawberry.type
class Name:
    first: str
    last: str | None


@strawberry.type
class Member:
    code: str
    rank: int | None
    side: Side
    name: Name
    aliases: list[str]
    friend: "Member | None" = None

    @strawberry.field
    def shout(self) -> str:
        return self.code.upper()


GOOD = Member(
    code="a1", rank=1, side=Side.MAJORITY, name=Name(first="Ada", last=None), aliases=["x", "y"]
)
GOOD.friend = Member(
    code="b2", rank=None, side=Side.MINORITY, name=Name(first="Bo", last="B"), aliases=[]
)
# Values a plain path must not take at face value: a null in a non-null field, an int where
# a String goes (coerced to "7"), a string where an enum member goes (refused).
NULL_CODE = Member(
    code=None, rank=2, side=Side.MINORITY, name=Name(first="C", last=None), aliases=[]
)  # type: ignore[arg-type]
ODD = Member(code=7, rank=True, side="majority", name=Name(first="D", last=None), aliases=[1])  # type: ignore[arg-type]


@strawberry.type
class Query:
    @strawberry.field
    def members(self) -> list[Member]:
        return [GOOD, ODD]

    @strawberry.field
    def broken(self) -> list[Member]:
        return [GOOD, NULL_CODE]


def _schema(context: type) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=context)


FAST = _schema(PlainFieldExecution)
REFERENCE = _schema(StrawberryGraphQLCoreExecutionContext)

QUERIES = [
    "{ members { code rank side name { first last } aliases } }",
    "{ members { __typename c: code n: name { __typename first } } }",
    "{ members { code friend { code side name { last } friend { code } } } }",
    "{ members { code shout } }",
    "{ members { ...M } } fragment M on Member { code name { first } }",
    "{ members { code @include(if: false) rank } }",
    "{ broken { code rank } }",
    "{ broken { name { first } code } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_same_answer_as_graphql_core(query):
    fast = await FAST.execute(query)
    reference = await REFERENCE.execute(query)
    assert fast.data == reference.data
    assert [(e.message, e.path) for e in fast.errors or []] == [
        (e.message, e.path) for e in reference.errors or []
    ]


def _selection(query: str) -> tuple[FieldNode, object]:
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return field, FAST._schema.query_type.fields[field.name.value].type


def test_plain_selections_get_a_plan_and_others_do_not():
    plain, kind = _selection("{ members { code side name { first } } }")
    assert compile_plan(kind, [plain.selection_set]) is not None
    for query in (
        "{ members { code shout } }",
        "{ members { ...M } } fragment M on Member { code }",
        "{ members { code @skip(if: true) } }",
    ):
        field, kind = _selection(query)
        assert compile_plan(kind, [field.selection_set]) is None, query


def test_plain_leaves_are_known_by_their_resolver():
    member = FAST._schema.get_type("Member")
    assert plain_leaf(member, "code") is not None
    assert plain_leaf(member, "shout") is None  # has a resolver
    assert plain_leaf(member, "name") is None  # an object, not a leaf
