-- W2 as one statement: a page of bills, newest first, each with sponsor, cosponsor count and
-- latest action, and the page's end cursor. Variables (pgbench -D): first.
-- See bench/README.md, "The limit row".
SELECT json_build_object('bills', json_build_object(
  'nodes', coalesce(json_agg(json_build_object(
    'id', encode(convert_to('Bill:' || b.id, 'UTF8'), 'base64'),
    'billId', b.bill_id,
    'officialTitle', b.official_title,
    'shortTitle', b.short_title,
    'introducedDate', b.introduced_date,
    'status', b.status,
    'latestAction', CASE
      WHEN b.latest_action_date IS NOT NULL OR b.latest_action_text <> ''
      THEN json_build_object('date', b.latest_action_date, 'text', b.latest_action_text)
    END,
    'sponsor', CASE WHEN s.id IS NOT NULL THEN json_build_object(
      'bioguideId', s.bioguide_id,
      'name', json_build_object('first', s.first_name, 'last', s.last_name)
    ) END,
    'cosponsors', json_build_object('totalCount', (
      SELECT count(*) FROM bill_cosponsors bc WHERE bc.bill_id = b.id
    ))
  ) ORDER BY b.n) FILTER (WHERE b.n <= :first), '[]'),
  'pageInfo', json_build_object(
    -- the cursor of the last item: unpadded base64url of ["b.introduced_desc","<date>",<id>]
    'endCursor', (
      SELECT rtrim(translate(replace(encode(convert_to(
        '["b.introduced_desc","'
        || CASE WHEN last.k0 = '-infinity' THEN '0001-01-01' ELSE to_char(last.k0, 'YYYY-MM-DD') END
        || '",' || last.id || ']', 'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=')
      FROM (
        SELECT (array_agg(b.k0 ORDER BY b.n DESC) FILTER (WHERE b.n <= :first))[1] AS k0,
               (array_agg(b.id ORDER BY b.n DESC) FILTER (WHERE b.n <= :first))[1] AS id
      ) last
      WHERE last.id IS NOT NULL
    ),
    'hasNextPage', count(*) > :first
  )
))
FROM (
  SELECT b.*, row_number() OVER (ORDER BY b.k0 DESC, b.id DESC) AS n
  FROM (
    SELECT b.id, b.bill_id, b.official_title, b.short_title, b.introduced_date, b.status,
           b.latest_action_date, b.latest_action_text, b.sponsor_id,
           coalesce(b.introduced_date, '-infinity'::date) AS k0
    FROM bills b
    ORDER BY coalesce(b.introduced_date, '-infinity'::date) DESC, b.id DESC
    LIMIT :first + 1
  ) b
) b
LEFT JOIN legislators s ON s.id = b.sponsor_id;
