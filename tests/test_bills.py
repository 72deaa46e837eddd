"""The bills root field, lookups by bill id, nested lists, and the loaders other types use.

Expected values come from the shipped BILLSTATUS files in data/bills: nine bills, of which
hr1470-117 (Ending Qualified Immunity Act, sponsor P000617) has 41 cosponsors.
"""

import pytest

from db.model import ENTITIES
from db.pagination import Window
from db.pool import log_statements
from loaders.request import Loaders
from tests.conftest import error_codes, graphql

ALL_BILLS = [  # by congress, type, number
    "hr5278-114",
    "s1300-114",
    "hr5053-116",
    "hr1280-117",
    "hr1470-117",
    "hr6658-117",
    "s35-117",
    "s492-117",
    "sconres7-117",
]

BILLS = """query($filter: BillFilter, $order: BillOrder, $first: Int, $after: String,
                 $last: Int, $before: String) {
  bills(filter: $filter, orderBy: $order, first: $first, after: $after, last: $last,
        before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { billId introducedDate }
  } }"""


async def bills(client, **variables):
    """The `bills` connection for these variables; fails on any error."""
    body = await graphql(client, BILLS, variables)
    assert "errors" not in body, body
    return body["data"]["bills"]


def ids(connection):
    return [node["billId"] for node in connection["nodes"]]


async def test_lookup_by_bill_id(client):
    body = await graphql(
        client,
        """{ bill(billId: "hr1470-117") {
              billId congress billType number shortTitle introducedDate originChamber
              policyArea status statusDate sponsorBioguideId sponsor { bioguideId name { last } }
              titles { type title } subjects latestAction { date text }
              committees { nodes { thomasId } }
              relatedBills { nodes { billId relationship bill { billId sponsorBioguideId } } }
            } }""",
    )
    assert "errors" not in body, body
    bill = body["data"]["bill"]
    assert bill["billId"] == "hr1470-117"
    assert (bill["congress"], bill["billType"], bill["number"]) == (117, "HR", 1470)
    assert bill["shortTitle"] == "Ending Qualified Immunity Act"
    assert bill["introducedDate"] == "2021-03-01"
    assert bill["originChamber"] == "HOUSE"
    assert bill["policyArea"] == "Civil Rights and Liberties, Minority Issues"
    assert (bill["status"], bill["statusDate"]) == ("REFERRED", "2021-03-01")
    assert bill["sponsorBioguideId"] == "P000617"
    assert bill["sponsor"] == {"bioguideId": "P000617", "name": {"last": "Pressley"}}
    assert "Ending Qualified Immunity Act" in {t["title"] for t in bill["titles"]}
    assert "Law enforcement officers" in bill["subjects"]
    assert bill["subjects"] == sorted(bill["subjects"])
    assert bill["latestAction"]["date"] == "2021-04-28"
    # The full committee and its subcommittee, by name.
    assert [c["thomasId"] for c in bill["committees"]["nodes"]] == ["HSJU", "HSJU10"]
    related = bill["relatedBills"]["nodes"]
    assert [r["billId"] for r in related] == ["s492-117"]
    assert related[0]["relationship"] == "Identical bill"
    assert related[0]["bill"] == {"billId": "s492-117", "sponsorBioguideId": "M000133"}


async def test_bill_id_is_case_insensitive(client):
    body = await graphql(client, '{ bill(billId: " HR1470-117 ") { billId } }')
    assert body["data"]["bill"]["billId"] == "hr1470-117"


async def test_hr1470_has_41_cosponsors_paged_in_signing_order(client):
    query = """query($after: String, $withdrawn: Boolean!) { bill(billId: "hr1470-117") {
      cosponsors(first: 20, after: $after, includeWithdrawn: $withdrawn) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { bioguideId sponsoredOn isOriginal withdrawnOn legislator { bioguideId } }
      } } }"""
    seen, after, pages = [], None, 0
    while True:
        body = await graphql(client, query, {"after": after, "withdrawn": True})
        page = body["data"]["bill"]["cosponsors"]
        assert page["totalCount"] == 41
        seen += page["nodes"]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert len({c["bioguideId"] for c in seen}) == 41
    dates = [c["sponsoredOn"] for c in seen]
    assert dates == sorted(dates)
    linked = [c for c in seen if c["legislator"] is not None]
    assert all(c["legislator"]["bioguideId"] == c["bioguideId"] for c in linked)
    beatty = next(c for c in seen if c["bioguideId"] == "B001281")
    assert beatty["isOriginal"] is True and beatty["sponsoredOn"] == "2021-03-01"
    # No cosponsor of hr1470-117 withdrew, so leaving out withdrawals changes nothing.
    current = await graphql(client, query, {"after": None, "withdrawn": False})
    assert current["data"]["bill"]["cosponsors"]["totalCount"] == 41
    assert all(c["withdrawnOn"] is None for c in seen)


async def test_hr1280_cosponsors_and_vote(client):
    body = await graphql(
        client,
        """{ bill(billId: "hr1280-117") {
              cosponsors { totalCount }
              votes { totalCount nodes { voteId bill { billId } } } } }""",
    )
    bill = body["data"]["bill"]
    assert bill["cosponsors"]["totalCount"] == 199
    assert bill["votes"]["totalCount"] == 1
    assert bill["votes"]["nodes"] == [{"voteId": "h60-117.2021", "bill": {"billId": "hr1280-117"}}]


async def test_topics_statements_and_incidents(client):
    # data/curated/qualified-immunity-ice.yaml files three bills under one topic and links
    # no statement or incident to a bill.
    query = """query($id: String!) { bill(billId: $id) {
      topics { totalCount nodes { slug name } }
      statements { totalCount nodes { id } } incidents { totalCount nodes { id } } } }"""
    for bill_id in ("hr1470-117", "s492-117", "hr1280-117"):
        bill = (await graphql(client, query, {"id": bill_id}))["data"]["bill"]
        assert bill["topics"] == {
            "totalCount": 1,
            "nodes": [
                {"slug": "qualified-immunity-ice", "name": "Qualified immunity for ICE agents"}
            ],
        }
        assert bill["statements"] == {"totalCount": 0, "nodes": []}
        assert bill["incidents"] == {"totalCount": 0, "nodes": []}
    other = (await graphql(client, query, {"id": "s35-117"}))["data"]["bill"]
    assert other["topics"]["totalCount"] == 0


async def test_actions_are_chronological(client):
    body = await graphql(
        client,
        """{ bill(billId: "hr1470-117") {
              actions(first: 100) { totalCount nodes { date text committee { thomasId } } } } }""",
    )
    actions = body["data"]["bill"]["actions"]
    assert actions["totalCount"] == len(actions["nodes"]) > 0
    dates = [a["date"] for a in actions["nodes"]]
    assert dates == sorted(dates)
    assert dates[0] == "2021-03-01" and dates[-1] == "2021-04-28"
    texts = [a["text"] for a in actions["nodes"]]
    assert "Referred to the House Committee on the Judiciary." in texts


async def test_every_shipped_bill_is_listed_by_bill_id(client):
    page = await bills(client, order="BILL_ID", first=100)
    assert page["totalCount"] == 9
    assert ids(page) == ALL_BILLS
    assert page["pageInfo"]["hasNextPage"] is False


async def test_paging_forward_and_backward(client):
    forward, after, has_next = [], None, True
    while has_next:
        page = await bills(client, order="BILL_ID", first=4, after=after)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        forward += ids(page)
        has_next = page["pageInfo"]["hasNextPage"]
        after = page["pageInfo"]["endCursor"]
    assert forward == ALL_BILLS

    backward, before, has_previous = [], None, True
    while has_previous:
        page = await bills(client, order="BILL_ID", last=4, before=before)
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        backward = ids(page) + backward
        has_previous = page["pageInfo"]["hasPreviousPage"]
        before = page["pageInfo"]["startCursor"]
    assert backward == ALL_BILLS


async def test_introduced_orders(client):
    newest = await bills(client, first=100)
    dates = [n["introducedDate"] for n in newest["nodes"]]
    assert dates == sorted(dates, reverse=True)
    assert ids(newest)[0] == "hr6658-117" and ids(newest)[-1] == "s1300-114"
    oldest = await bills(client, order="INTRODUCED_ASC", first=100)
    assert ids(oldest) == list(reversed(ids(newest)))


async def test_updated_at_order_pages_through_every_bill(client):
    first = await bills(client, order="UPDATED_AT", first=5)
    rest = await bills(client, order="UPDATED_AT", first=5, after=first["pageInfo"]["endCursor"])
    assert rest["pageInfo"]["hasNextPage"] is False
    assert sorted(ids(first) + ids(rest)) == sorted(ALL_BILLS)


@pytest.mark.parametrize(
    ("bill_filter", "expected"),
    [
        ({"congress": 114}, {"hr5278-114", "s1300-114"}),
        ({"type": "S"}, {"s1300-114", "s35-117", "s492-117"}),
        ({"type": "SCONRES", "congress": 117}, {"sconres7-117"}),
        ({"sponsor": "P000617"}, {"hr1470-117"}),
        ({"sponsor": "m000133"}, {"s492-117"}),
        ({"cosponsor": "B001281"}, {"hr1470-117", "hr1280-117"}),
        (
            {"subject": "Law enforcement officers"},
            {"hr1470-117", "s492-117", "hr1280-117", "s35-117"},
        ),
        (
            {"introduced": {"start": "2021-03-01", "end": "2021-03-01"}},
            {"hr1470-117", "s492-117", "sconres7-117"},
        ),
        ({"introduced": {"start": "2022-01-01"}}, {"hr6658-117"}),
        ({"introduced": {"end": "2015-12-31"}}, {"s1300-114"}),
        ({"search": '"qualified immunity"'}, {"hr1470-117", "s492-117"}),
        (
            {"status": "REFERRED"},
            {"hr5053-116", "hr1470-117", "hr6658-117", "s492-117", "sconres7-117"},
        ),
        ({"status": "ENACTED:SIGNED"}, {"s1300-114"}),
        ({"status": "REFERRED", "congress": 116}, {"hr5053-116"}),
        ({"updatedSince": "2000-01-01T00:00:00Z"}, set(ALL_BILLS)),
        ({"updatedSince": "2999-01-01T00:00:00Z"}, set()),
    ],
)
async def test_filters(client, bill_filter, expected):
    page = await bills(client, filter=bill_filter, first=100)
    assert set(ids(page)) == expected
    assert page["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ bill(billId: "hr1470") { billId } }', "BAD_USER_INPUT"),
        ('{ bill(billId: "xx1-117") { billId } }', "BAD_USER_INPUT"),
        ('{ bill(billId: "hr99999-117") { billId } }', "NOT_FOUND"),
        ('{ bills(after: "garbage") { totalCount } }', "BAD_USER_INPUT"),
        ("{ bills(first: 101) { totalCount } }", "BAD_USER_INPUT"),
        ("{ bills(first: 1, last: 1) { totalCount } }", "BAD_USER_INPUT"),
        ("{ bills(filter: {type: XR}) { totalCount } }", "BAD_USER_INPUT"),
        ("{ bills(orderBy: NEWEST) { totalCount } }", "BAD_USER_INPUT"),
        ('{ bills(filter: {introduced: {start: "2021-02-30"}}) { totalCount } }', "BAD_USER_INPUT"),
        (
            '{ bills(filter: {introduced: {start: "2021-03-02", end: "2021-03-01"}}) '
            "{ totalCount } }",
            "BAD_USER_INPUT",
        ),
        ('{ bills(filter: {sponsor: "Pressley"}) { totalCount } }', "BAD_USER_INPUT"),
        ('{ bills(filter: {search: "?!"}) { totalCount } }', "BAD_USER_INPUT"),
        (
            '{ bill(billId: "hr1470-117") { cosponsors(first: 101) { totalCount } } }',
            "BAD_USER_INPUT",
        ),
        (
            '{ bill(billId: "hr1470-117") { cosponsors(after: "nope") { totalCount } } }',
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_input_and_unknown_ids(client, query, code):
    body = await graphql(client, query)
    assert error_codes(body) == [code], body


async def test_cursor_of_another_ordering_is_refused(client):
    page = await bills(client, first=1)
    body = await graphql(
        client,
        BILLS,
        {"order": "INTRODUCED_ASC", "after": page["pageInfo"]["endCursor"]},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_bill_is_a_node(client):
    body = await graphql(client, '{ bill(billId: "s492-117") { id } }')
    global_id = body["data"]["bill"]["id"]
    node = await graphql(
        client, "query($id: ID!) { node(id: $id) { ... on Bill { billId } } }", {"id": global_id}
    )
    assert node["data"]["node"] == {"billId": "s492-117"}


async def test_cosponsor_legislator_terms_take_four_statements(client):
    query = """query($n: Int) { bills(first: $n) { nodes {
      cosponsors { nodes { legislator { terms { nodes { state } } } } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # bills, cosponsors, legislators, terms: one statement each whatever the page size
    assert counts == {1: 4, 100: 4}


async def test_every_bill_relation_is_one_statement(client):
    query = """query($n: Int) { bills(first: $n) { totalCount nodes {
      sponsor { bioguideId } titles { title } subjects summaries { text }
      textVersions { type } latestAction { text }
      cosponsors(first: $n) { totalCount nodes { bioguideId } }
      actions(first: $n) { totalCount nodes { committee { thomasId } } }
      committees(first: $n) { totalCount nodes { name } }
      relatedBills(first: $n) { totalCount nodes { bill { billId } } }
      votes(first: $n) { totalCount nodes { totals { yea } } }
      statements(first: $n) { totalCount } topics(first: $n) { totalCount }
      incidents(first: $n) { totalCount }
    } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # 2 for bills; 5 lists (sponsor, titles, subjects, summaries, text versions); a page and a
    # count for each of 5 connections, a count only for the 3 that ask for nothing else; and
    # the action committees, related bills, vote totals.
    assert counts[100] == 2 + 5 + 5 * 2 + 3 + 3
    # The first bill alone has no votes and no stored related bills, so fewer lookups run.
    assert counts[1] <= counts[100]


def _pages(loaders, parent, name):
    """The request's page loader of the relation `parent.name` declared in db/model.py."""
    return loaders.relations.pages(ENTITIES[parent].connections[name])


def _counts(loaders, parent, name):
    """The request's count loader of the relation `parent.name`."""
    return loaders.relations.counts(ENTITIES[parent].connections[name])


async def _legislator_pk(loaders, bioguide_id):
    row = await loaders.legislators.by_bioguide_id.load(bioguide_id)
    assert row is not None
    return row["id"]


async def test_sponsored_and_cosponsored_loaders(database):
    loaders = Loaders(database)
    pressley = await _legislator_pk(loaders, "P000617")
    beatty = await _legislator_pk(loaders, "B001281")
    window = Window(first=10)
    sponsored = await _pages(loaders, "Legislator", "sponsoredBills").load(
        (pressley, (window, None))
    )
    assert [row["bill_id"] for row in sponsored.rows] == ["hr1470-117"]
    assert await _counts(loaders, "Legislator", "sponsoredBills").load((pressley, None)) == 1
    cosponsored = await _pages(loaders, "Legislator", "cosponsoredBills").load(
        (beatty, (window, None))
    )
    # Newest introduction first: hr1470-117 (2021-03-01), then hr1280-117 (2021-02-24).
    assert [row["bill_id"] for row in cosponsored.rows] == ["hr1470-117", "hr1280-117"]
    assert await _counts(loaders, "Legislator", "cosponsoredBills").load((beatty, None)) == 2


async def test_committee_bills_loader(database):
    loaders = Loaders(database)
    judiciary = await loaders.committees.by_thomas_id.load("HSJU")
    assert judiciary is not None
    page = await _pages(loaders, "Committee", "bills").load(
        (judiciary["id"], (Window(first=100), None))
    )
    referred = [row["bill_id"] for row in page.rows]
    assert {"hr1470-117", "hr1280-117"} <= set(referred)
    assert await _counts(loaders, "Committee", "bills").load((judiciary["id"], None)) == len(
        referred
    )


async def test_sponsors_loaded_with_the_page_match_those_loaded_one_by_one(client):
    by_nodes = await graphql(
        client, "{ bills(first: 9) { nodes { billId sponsor { bioguideId name { last } } } } }"
    )
    by_edges = await graphql(
        client,
        """{ bills(first: 9) { edges { node { billId ...S } } } }
           fragment S on Bill { sponsor { bioguideId name { last } } }""",
    )
    nodes = by_nodes["data"]["bills"]["nodes"]
    assert [edge["node"] for edge in by_edges["data"]["bills"]["edges"]] == nodes
    assert any(bill["sponsor"] for bill in nodes)
    for bill in nodes:  # `bill(billId:)` is no page: its sponsor comes through the loader
        one = await graphql(
            client,
            "query($b: String!) { bill(billId: $b) { sponsor { bioguideId name { last } } } }",
            {"b": bill["billId"]},
        )
        assert one["data"]["bill"]["sponsor"] == bill["sponsor"]


async def test_a_page_of_bills_loads_its_sponsors_in_one_statement(client):
    query = "query($n: Int) { bills(first: $n) { nodes { sponsor { bioguideId } } } }"
    counts = {}
    for size in (3, 9):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        assert any(bill["sponsor"] for bill in body["data"]["bills"]["nodes"])
        counts[size] = log.count
    assert counts == {3: 2, 9: 2}  # the page, and its sponsors
