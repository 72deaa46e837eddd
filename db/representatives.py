"""SQL for who represents the place an incident happened (docs/scorecards.md, "Who represents
it"): the state's senators and, where the state elects its House member at large, that member.

A term counts when it is a Senate term for the incident's state, or a House term for it with
district 0 (congress-legislators' number for an at-large seat, delegates' included), and it
overlaps the day, month or year the incident's date stands for; with no known date, today.
No public-domain district boundaries are shipped, so no other House member is given.
Only the terms stored are known: the shipped congress-legislators file holds current members,
so for past dates members who have since left are missing.
"""

from db.pagination import Ordering

_KNOWN = "ri.occurred_on IS NOT NULL AND ri.occurred_precision <> 'unknown'"
# The first and last day the incident's date stands for (today when it is unknown).
_FIRST_DAY = (
    f"CASE WHEN {_KNOWN} THEN date_trunc(ri.occurred_precision::text,"
    " ri.occurred_on::timestamp)::date ELSE current_date END"
)
_LAST_DAY = (
    f"CASE WHEN {_KNOWN} THEN (date_trunc(ri.occurred_precision::text,"
    " ri.occurred_on::timestamp) + ('1 ' || ri.occurred_precision::text)::interval"
    " - interval '1 day')::date ELSE current_date END"
)

# Legislators `l` serving the incident `ri`'s state then, each once, in the seat (`rr.chamber`)
# of their latest term in that time: a member who moved from the at-large House seat to the
# Senate within it (terms end and begin on the same 3 January) is listed once, as a senator.
FROM = (
    "incidents ri CROSS JOIN LATERAL (SELECT DISTINCT ON (rt.legislator_id) rt.legislator_id,"
    " rt.chamber FROM legislator_terms rt WHERE rt.state = ri.state"
    " AND (rt.chamber = 'senate' OR rt.district = 0)"
    f" AND rt.start_date <= {_LAST_DAY} AND rt.end_date >= {_FIRST_DAY}"
    " ORDER BY rt.legislator_id, rt.start_date DESC) rr"
    " JOIN legislators l ON l.id = rr.legislator_id"
)
PARENT_KEY = "ri.id"

# Senators first, then the House member; by record within each.
SENATE_FIRST = Ordering(
    "represents",
    (("CASE rr.chamber WHEN 'senate' THEN 0 ELSE 1 END", "integer"), ("l.id", "bigint")),
)
