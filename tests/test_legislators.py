"""The legislators root field, lookups by bioguide id, and nested terms and committees."""

import pytest

from tests.conftest import error_codes, graphql


async def test_lookup_by_bioguide_id(client):
    body = await graphql(
        client,
        """{ legislator(bioguideId: "P000617") {
              bioguideId name { first last officialFull }
              currentTerm { chamber state party }
              terms(first: 1) { edges { node { chamber } } totalCount }
            } }""",
    )
    assert "errors" not in body, body
    legislator = body["data"]["legislator"]
    assert legislator["name"]["last"] == "Pressley"
    assert legislator["currentTerm"] == {"chamber": "HOUSE", "state": "MA", "party": "Democrat"}
    assert legislator["terms"]["totalCount"] >= 3


async def test_unknown_bioguide_id_is_not_found(client):
    body = await graphql(client, '{ legislator(bioguideId: "X999999") { bioguideId } }')
    assert error_codes(body) == ["NOT_FOUND"]


async def test_filter_by_state_and_chamber_pages_in_sql(client):
    query = """query($after: String) {
      legislators(filter: {state: "MA", chamber: SENATE, current: true}, first: 1, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { bioguideId }
      } }"""
    first = (await graphql(client, query))["data"]["legislators"]
    assert first["totalCount"] == 2
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await graphql(client, query, {"after": first["pageInfo"]["endCursor"]}))["data"]
    page = second["legislators"]
    assert page["pageInfo"]["hasNextPage"] is False
    found = {first["nodes"][0]["bioguideId"], page["nodes"][0]["bioguideId"]}
    assert found == {"M000133", "W000817"}  # Markey and Warren


async def test_name_search_matches_prefixes(client):
    body = await graphql(
        client, '{ legislators(filter: {name: "ayan press"}) { nodes { bioguideId } } }'
    )
    assert [n["bioguideId"] for n in body["data"]["legislators"]["nodes"]] == ["P000617"]


async def test_every_shipped_legislator_is_listed(client):
    # The 537 people of legislators-current.yaml and the former members that the shipped
    # roll calls, Voteview members file and speeches name (tests/test_former_members.py).
    body = await graphql(
        client,
        """{ all: legislators { totalCount }
             published: legislators(filter: {updatedSince: "2000-01-01T00:00:00Z"}) {
               totalCount } }""",
    )
    assert body["data"]["all"]["totalCount"] > 537
    assert body["data"]["all"]["totalCount"] == body["data"]["published"]["totalCount"]


async def test_every_order_pages_through_records_without_a_name_or_bioguide_id(client):
    # Former members may lack a last name (a speech gives `Mr. OTTER`) or a bioguide id
    # (a Senate roll call gives a LIS id): each order still pages through every record once.
    query = """query($order: LegislatorOrder!, $after: String) {
        legislators(orderBy: $order, first: 100, after: $after) { totalCount
          pageInfo { hasNextPage endCursor } nodes { id } } }"""
    for order in ("NAME", "BIOGUIDE_ID", "UPDATED_AT"):
        seen: list[str] = []
        after = None
        while True:
            body = await graphql(client, query, {"order": order, "after": after})
            assert "errors" not in body, body
            page = body["data"]["legislators"]
            seen += [n["id"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)) == page["totalCount"], order


async def test_committee_memberships(client):
    body = await graphql(
        client,
        """{ legislator(bioguideId: "M000133") {
              committees(first: 100) { totalCount nodes { committee { thomasId } side } } } }""",
    )
    seats = body["data"]["legislator"]["committees"]
    assert seats["totalCount"] == len(seats["nodes"]) > 0
    assert all(seat["side"] in ("MAJORITY", "MINORITY") for seat in seats["nodes"])


LEADERSHIP = """{ legislator(bioguideId: "K000367") {
  leadershipRoles(first: 3) { totalCount
    edges { cursor node { title chamber start end } } pageInfo { hasNextPage endCursor } } } }"""


@pytest.mark.parametrize("path", ["on", "off"])
async def test_leadership_roles_newest_first_on_both_paths(client, monkeypatch, path):
    # data/legislators/legislators-current.yaml, record 2 (Amy Klobuchar): four terms as
    # Senate Democratic Steering Committee Chair, the last still held.
    monkeypatch.setenv("REDRESS_COMPILED", path)
    body = await graphql(client, LEADERSHIP)
    roles = body["data"]["legislator"]["leadershipRoles"]
    steering = "Senate Democratic Steering Committee Chair"
    assert roles["totalCount"] == 4
    assert [edge["node"] for edge in roles["edges"]] == [
        {"title": steering, "chamber": "SENATE", "start": "2025-01-03", "end": None},
        {"title": steering, "chamber": "SENATE", "start": "2023-01-03", "end": "2025-01-03"},
        {"title": steering, "chamber": "SENATE", "start": "2021-01-03", "end": "2023-01-03"},
    ]
    assert roles["pageInfo"] == {
        "hasNextPage": True,
        "endCursor": roles["edges"][-1]["cursor"],
    }
    after = await graphql(
        client,
        """query($after: String) { legislator(bioguideId: "K000367") {
             leadershipRoles(after: $after) { nodes { start end } } } }""",
        {"after": roles["pageInfo"]["endCursor"]},
    )
    assert after["data"]["legislator"]["leadershipRoles"]["nodes"] == [
        {"start": "2019-01-03", "end": "2021-01-03"}
    ]
