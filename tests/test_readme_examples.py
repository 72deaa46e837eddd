"""Every GraphQL example in the README runs, without errors, on the shipped data."""

import re

from api.settings import ROOT
from tests.conftest import graphql

EXAMPLES = re.findall(r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


def test_the_readme_has_ten_examples():
    assert len(EXAMPLES) == 10


async def test_legislator_example(client):
    data = (await graphql(client, EXAMPLES[0]))["data"]["legislator"]
    assert data["name"]["officialFull"] == "Ayanna Pressley"
    assert data["currentTerm"]["state"] == "MA"
    assert "hr1470-117" in [b["billId"] for b in data["sponsoredBills"]["nodes"]]


async def test_bill_example(client):
    data = (await graphql(client, EXAMPLES[1]))["data"]["bill"]
    assert data["sponsor"]["name"]["officialFull"] == "Ayanna Pressley"
    assert data["cosponsors"]["totalCount"] == 41
    assert len(data["cosponsors"]["nodes"]) == 3


async def test_vote_example(client):
    data = (await graphql(client, EXAMPLES[2]))["data"]["vote"]
    assert data["bill"]["billId"] == "hr1280-117"
    assert (data["totals"]["yea"], data["totals"]["nay"]) == (220, 212)
    assert len(data["positions"]["nodes"]) == 9  # Massachusetts' nine House members


async def test_topic_example(client):
    data = (await graphql(client, EXAMPLES[3]))["data"]["topic"]
    assert {b["billId"] for b in data["bills"]["nodes"]} == {"hr1470-117", "s492-117", "hr1280-117"}
    quotes = [s["quote"] for s in data["statements"]["nodes"]]
    assert "To all ICE officers: You have federal immunity in the conduct of your duties." in quotes
    miller = next(s for s in data["statements"]["nodes"] if s["quote"].startswith("To all ICE"))
    assert miller["said"] == {"text": "2026-01", "precision": "MONTH"}
    (incident,) = data["incidents"]["nodes"]
    assert incident["occurred"] == {"text": "2026-01-07", "precision": "DAY"}
    assert incident["location"] == {"city": "Minneapolis", "state": "MN"}
    assert incident["people"]["nodes"][0]["person"]["name"] == "Renee Nicole Good"


async def test_search_and_sync_example(client):
    body = await graphql(client, EXAMPLES[4])
    assert "errors" not in body, body
    quotes = [s["quote"] for s in body["data"]["statements"]["nodes"]]
    assert any("federal immunity" in quote for quote in quotes)
    assert len(body["data"]["bills"]["nodes"]) == 9


async def test_speaker_election_example(client):
    body = await graphql(client, EXAMPLES[5])
    assert "errors" not in body, body
    vote = body["data"]["vote"]
    assert (vote["question"], vote["result"], vote["target"]) == (
        "Election of the Speaker",
        "Johnson (LA)",
        "ELECTION",
    )
    totals = {t["option"]: (t["position"], t["count"]) for t in vote["optionTotals"]}
    assert totals["Johnson (LA)"] == ("CANDIDATE", 218)
    assert totals["Jeffries"] == ("CANDIDATE", 215)
    assert totals["Emmer"] == ("CANDIDATE", 1)
    (massie,) = vote["positions"]["nodes"]
    assert (massie["option"], massie["candidate"]) == ("Emmer", "Emmer")
    assert massie["legislator"]["bioguideId"] == "M001184"


async def test_amendment_vote_example(client):
    body = await graphql(client, EXAMPLES[6])
    assert "errors" not in body, body
    vote = body["data"]["vote"]
    assert vote["target"] == "AMENDMENT"
    assert vote["amendment"]["type"] == "s"
    assert vote["amendment"]["billId"] == "s5-119"
    assert vote["amendment"]["number"] == 14
    assert vote["amendment"]["purpose"].startswith("To expand the list of criminal offenses")
    # As published (data/votes/uscongress/119/votes/2025/s3/data.json): 99 senators listed.
    totals = {t["option"]: t["count"] for t in vote["optionTotals"]}
    assert totals == {"Yea": 70, "Nay": 25, "Not Voting": 4}


async def test_party_over_time_example(client):
    body = await graphql(client, EXAMPLES[7])
    assert "errors" not in body, body
    terms = body["data"]["legislator"]["terms"]["nodes"]
    first = next(t for t in terms if t["start"] == "2019-01-03")
    assert first["party"] == "Republican"
    assert (first["role"], first["hasFloorVote"]) == ("REPRESENTATIVE", True)
    assert [(a["party"], a["start"], a["end"]) for a in first["partyAffiliations"]] == [
        ("Democrat", "2019-01-03", "2019-12-18"),
        ("Republican", "2019-12-19", "2021-01-03"),
    ]
    democrats = [n["bioguideId"] for n in body["data"]["legislators"]["nodes"]]
    assert "V000133" in democrats


async def test_said_versus_did_timeline_and_scorecard_example(client):
    body = await graphql(client, EXAMPLES[8])
    assert "errors" not in body, body
    record = body["data"]["legislator"]["record"]["nodes"]
    assert [(r["kind"], r["bill"]["billId"]) for r in record] == [
        ("SPONSORSHIP", "hr1470-117"),
        ("VOTE_POSITION", "hr1280-117"),
    ]
    assert record[1]["vote"]["voteId"] == "h60-117.2021"
    assert record[1]["position"] == {"position": "YEA"}  # the shipped roll call lists her Yea
    timeline = body["data"]["topic"]["timeline"]["nodes"]
    assert [(t["kind"], t["date"]["text"]) for t in timeline[:3]] == [
        ("VOTE", "2021-03-03"),
        ("INCIDENT", "2026-01-07"),
        ("STATEMENT", "2026-01"),
    ]
    assert timeline[2]["date"]["precision"] == "MONTH"
    scorecard = body["data"]["topic"]["scorecard"]
    assert "does not measure" in scorecard["method"]
    assert scorecard["formula"].startswith("score = 100 * sum(weight of pro items)")
    member = scorecard["member"]
    # Every figure traced in the answer: one pro vote and one pro sponsorship make 100.
    assert member["score"] == 100.0 and member["partial"] is False
    assert [(v["vote"]["voteId"], v["position"], v["outcome"]) for v in member["votes"]] == [
        ("h60-117.2021", "YEA", "PRO")
    ]
    assert [(b["bill"]["billId"], b["role"]) for b in member["sponsorships"]] == [
        ("hr1470-117", "SPONSOR")
    ]


async def test_search_box_example(client):
    body = await graphql(client, EXAMPLES[9])
    assert "errors" not in body, body
    first = body["data"]["quote"]["edges"][0]
    assert first["node"]["quote"] == (
        "To all ICE officers: You have federal immunity in the conduct of your duties."
    )
    assert "<b>federal</b> <b>immunity</b>" in first["snippet"]
    (incident,) = body["data"]["incident"]["edges"]
    assert incident["node"]["occurred"] == {"text": "2026-01-07"}
    assert incident["node"]["location"] == {"city": "Minneapolis", "state": "MN"}
    assert "<b>Renee</b>" in incident["snippet"]
