-- W5 as one statement: a full-text search over statements, newest first, with each
-- speaker, the total count and the page's end cursor. Variables (pgbench -D): q, first.
-- See bench/README.md, "The limit row".
SELECT json_build_object('statements', json_build_object(
  'totalCount', (
    SELECT count(*) FROM statements s
    WHERE s.deleted_at IS NULL
      AND s.search @@ websearch_to_tsquery('english', fold_text(:q))
  ),
  'nodes', coalesce(json_agg(json_build_object(
      'quote', s.quote,
      'said', json_build_object('text', CASE
        WHEN s.said_on IS NULL OR s.said_on_precision = 'unknown' THEN NULL
        WHEN s.said_on_precision = 'year' THEN to_char(s.said_on, 'YYYY')
        WHEN s.said_on_precision = 'month' THEN to_char(s.said_on, 'YYYY-MM')
        ELSE to_char(s.said_on, 'YYYY-MM-DD')
      END),
      'medium', upper(s.medium),
      -- the first of its speaker columns that is set, as Statement.speaker resolves it
      'speaker', CASE
        WHEN s.speaker_legislator_id IS NOT NULL THEN (
          SELECT json_build_object('__typename', 'Legislator', 'bioguideId', l.bioguide_id,
            'fullName', json_build_object('first', l.first_name, 'last', l.last_name))
          FROM legislators l WHERE l.id = s.speaker_legislator_id)
        WHEN s.speaker_person_id IS NOT NULL THEN (
          SELECT json_build_object('__typename', 'Person', 'slug', pe.slug, 'name', pe.name)
          FROM people pe WHERE pe.id = s.speaker_person_id AND pe.deleted_at IS NULL)
        WHEN s.speaker_organization_id IS NOT NULL THEN (
          SELECT json_build_object('__typename', 'Organization', 'slug', o.slug,
            'name', o.name)
          FROM organizations o
          WHERE o.id = s.speaker_organization_id AND o.deleted_at IS NULL)
        WHEN s.speaker_bioguide_id IS NOT NULL THEN (
          SELECT json_build_object('__typename', 'Legislator', 'bioguideId', l.bioguide_id,
            'fullName', json_build_object('first', l.first_name, 'last', l.last_name))
          FROM legislators l WHERE l.bioguide_id = s.speaker_bioguide_id)
      END
  ) ORDER BY s.n) FILTER (WHERE s.n <= :first), '[]'),
  'pageInfo', json_build_object(
    -- the cursor of the last item: unpadded base64url of ["s.newest","<date>",<id>]
    'endCursor', (
      SELECT rtrim(translate(replace(encode(convert_to(
        '["s.newest","'
        || CASE WHEN last.k0 = '-infinity' THEN '0001-01-01' ELSE to_char(last.k0, 'YYYY-MM-DD') END
        || '",' || last.id || ']', 'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=')
      FROM (
        SELECT (array_agg(s.k0 ORDER BY s.n DESC) FILTER (WHERE s.n <= :first))[1] AS k0,
               (array_agg(s.id ORDER BY s.n DESC) FILTER (WHERE s.n <= :first))[1] AS id
      ) last
      WHERE last.id IS NOT NULL
    ),
    'hasNextPage', count(*) > :first
  )
))
FROM (
  SELECT s.*, row_number() OVER (ORDER BY s.k0 DESC, s.id DESC) AS n
  FROM (
    SELECT s.id, s.quote, s.said_on, s.said_on_precision, s.medium,
           s.speaker_legislator_id, s.speaker_person_id, s.speaker_organization_id,
           s.speaker_bioguide_id, coalesce(s.said_on, '-infinity'::date) AS k0
    FROM statements s
    WHERE s.deleted_at IS NULL
      AND s.search @@ websearch_to_tsquery('english', fold_text(:q))
    ORDER BY coalesce(s.said_on, '-infinity'::date) DESC, s.id DESC
    LIMIT :first + 1
  ) s
) s;
