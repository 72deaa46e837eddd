-- Indexes for the bills and votes API: the default bill order, and the people filters.

-- bills(orderBy: INTRODUCED_*) sorts on this expression (undated bills as the oldest).
CREATE INDEX bills_introduced_order_idx
    ON bills ((coalesce(introduced_date, '-infinity'::date)), id);

-- bills(filter: {sponsor}) and bills(filter: {cosponsor}) match by bioguide id.
CREATE INDEX bills_sponsor_bioguide_idx ON bills (sponsor_bioguide_id);
CREATE INDEX bill_cosponsors_bioguide_bill_idx ON bill_cosponsors (bioguide_id, bill_id);
