-- W6 as one statement: a partner sync page, the bills changed since a moment, oldest change
-- first, with the page's end cursor. Variables (pgbench -D): since, first.
-- See bench/README.md, "The limit row".
SELECT json_build_object('bills', json_build_object(
  'nodes', coalesce(json_agg(json_build_object(
    'id', encode(convert_to('Bill:' || b.id, 'UTF8'), 'base64'),
    'billId', b.bill_id,
    'congress', b.congress,
    'billType', upper(b.bill_type),
    'number', b.number,
    'officialTitle', b.official_title,
    'shortTitle', b.short_title,
    'popularTitle', b.popular_title,
    'introducedDate', b.introduced_date,
    'originChamber', upper(b.origin_chamber),
    'policyArea', b.policy_area,
    'status', b.status,
    'statusDate', b.status_date,
    'latestAction', CASE
      WHEN b.latest_action_date IS NOT NULL OR b.latest_action_text <> ''
      THEN json_build_object('date', b.latest_action_date, 'text', b.latest_action_text)
    END,
    'sponsorBioguideId', b.sponsor_bioguide_id,
    'url', b.url,
    'createdAt', b.created_iso,
    'updatedAt', b.updated_iso
  ) ORDER BY b.n) FILTER (WHERE b.n <= :first), '[]'),
  'pageInfo', json_build_object(
    -- the cursor of the last item: unpadded base64url of ["b.updated","<isoformat>",<id>]
    'endCursor', (
      SELECT rtrim(translate(replace(encode(convert_to(
        '["b.updated","' || last.updated_iso || '",' || last.id || ']', 'UTF8'), 'base64'),
        E'\n', ''), '+/', '-_'), '=')
      FROM (
        SELECT (array_agg(b.updated_iso ORDER BY b.n DESC) FILTER (WHERE b.n <= :first))[1]
                 AS updated_iso,
               (array_agg(b.id ORDER BY b.n DESC) FILTER (WHERE b.n <= :first))[1] AS id
      ) last
      WHERE last.id IS NOT NULL
    ),
    'hasNextPage', count(*) > :first
  )
))
FROM (
  SELECT b.*,
    -- DateTime as Python's isoformat in UTC: microseconds only when not zero, then +00 00
    (to_json(date_trunc('second', b.created_at AT TIME ZONE 'UTC')) #>> '{}')
    || CASE WHEN extract(microseconds FROM b.created_at)::bigint % 1000000 <> 0
       THEN to_char(b.created_at AT TIME ZONE 'UTC', '.US') ELSE '' END
    || '+00' || chr(58) || '00' AS created_iso,
    (to_json(date_trunc('second', b.updated_at AT TIME ZONE 'UTC')) #>> '{}')
    || CASE WHEN extract(microseconds FROM b.updated_at)::bigint % 1000000 <> 0
       THEN to_char(b.updated_at AT TIME ZONE 'UTC', '.US') ELSE '' END
    || '+00' || chr(58) || '00' AS updated_iso,
    row_number() OVER (ORDER BY b.updated_at, b.id) AS n
  FROM (
    SELECT b.id, b.bill_id, b.congress, b.bill_type, b.number, b.official_title,
           b.short_title, b.popular_title, b.introduced_date, b.origin_chamber, b.policy_area,
           b.status, b.status_date, b.latest_action_date, b.latest_action_text,
           b.sponsor_bioguide_id, b.url, b.created_at, b.updated_at
    FROM bills b
    WHERE b.updated_at > :since::timestamptz
    ORDER BY b.updated_at, b.id
    LIMIT :first + 1
  ) b
) b;
