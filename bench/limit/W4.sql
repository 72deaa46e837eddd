-- W4 as one statement: a topic page with its newest bills, statements (with speakers) and
-- incidents (with sources), each list with its total count. Variables (pgbench -D): slug.
-- See bench/README.md, "The limit row".
-- The `+ 0` on the id in each page's ORDER BY keeps the planner from walking the whole
-- newest-first index of bills (statements, incidents) until it has met ten of the topic's: it
-- joins from the link table and sorts the topic's few hundred rows, about a third faster here.
-- The items and their order are the same.
SELECT json_build_object('topic', (
  SELECT json_build_object(
    'slug', tp.slug,
    'name', tp.name,
    'description', tp.description,
    'bills', json_build_object(
      'totalCount', (
        SELECT count(*) FROM bill_topics bt JOIN bills b ON b.id = bt.bill_id
        WHERE bt.topic_id = tp.id
      ),
      'nodes', (
        SELECT coalesce(json_agg(json_build_object(
          'billId', b.bill_id,
          'officialTitle', b.official_title,
          'introducedDate', b.introduced_date,
          'latestAction', CASE
            WHEN b.latest_action_date IS NOT NULL OR b.latest_action_text <> ''
            THEN json_build_object('date', b.latest_action_date, 'text', b.latest_action_text)
          END
        ) ORDER BY b.k0 DESC, b.id DESC), '[]')
        FROM (
          SELECT b.id, b.bill_id, b.official_title, b.introduced_date, b.latest_action_date,
                 b.latest_action_text, coalesce(b.introduced_date, '-infinity'::date) AS k0
          FROM bill_topics bt JOIN bills b ON b.id = bt.bill_id
          WHERE bt.topic_id = tp.id
          ORDER BY coalesce(b.introduced_date, '-infinity'::date) DESC, b.id + 0 DESC
          LIMIT 10
        ) b
      )
    ),
    'statements', json_build_object(
      'totalCount', (
        SELECT count(*) FROM statement_topics st JOIN statements s ON s.id = st.statement_id
        WHERE st.topic_id = tp.id AND s.deleted_at IS NULL
      ),
      'nodes', (
        SELECT coalesce(json_agg(json_build_object(
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
        ) ORDER BY s.k0 DESC, s.id DESC), '[]')
        FROM (
          SELECT s.id, s.quote, s.said_on, s.said_on_precision, s.medium,
                 s.speaker_legislator_id, s.speaker_person_id, s.speaker_organization_id,
                 s.speaker_bioguide_id, coalesce(s.said_on, '-infinity'::date) AS k0
          FROM statement_topics st JOIN statements s ON s.id = st.statement_id
          WHERE st.topic_id = tp.id AND s.deleted_at IS NULL
          ORDER BY coalesce(s.said_on, '-infinity'::date) DESC, s.id + 0 DESC
          LIMIT 10
        ) s
      )
    ),
    'incidents', json_build_object(
      'totalCount', (
        SELECT count(*) FROM incident_topics it JOIN incidents i ON i.id = it.incident_id
        WHERE it.topic_id = tp.id AND i.deleted_at IS NULL
      ),
      'nodes', (
        SELECT coalesce(json_agg(json_build_object(
          'kind', upper(i.kind),
          'occurred', json_build_object('text', CASE
            WHEN i.occurred_on IS NULL OR i.occurred_precision = 'unknown' THEN NULL
            WHEN i.occurred_precision = 'year' THEN to_char(i.occurred_on, 'YYYY')
            WHEN i.occurred_precision = 'month' THEN to_char(i.occurred_on, 'YYYY-MM')
            ELSE to_char(i.occurred_on, 'YYYY-MM-DD')
          END),
          'description', i.description,
          'location', json_build_object('city', i.city, 'state', i.state),
          'sources', json_build_object('nodes', (
            SELECT coalesce(json_agg(json_build_object(
              'url', src.url, 'title', src.title, 'publisher', src.publisher
            ) ORDER BY src.k0 DESC, src.id DESC), '[]')
            FROM (
              SELECT src.id, src.url, src.title, src.publisher,
                     coalesce(src.published_on, '-infinity'::date) AS k0
              FROM incident_sources isrc JOIN sources src ON src.id = isrc.source_id
              WHERE isrc.incident_id = i.id AND src.deleted_at IS NULL
              ORDER BY coalesce(src.published_on, '-infinity'::date) DESC, src.id DESC
              LIMIT 5
            ) src
          ))
        ) ORDER BY i.k0 DESC, i.id DESC), '[]')
        FROM (
          SELECT i.id, i.kind, i.occurred_on, i.occurred_precision, i.description, i.city,
                 i.state, coalesce(i.occurred_on, '-infinity'::date) AS k0
          FROM incident_topics it JOIN incidents i ON i.id = it.incident_id
          WHERE it.topic_id = tp.id AND i.deleted_at IS NULL
          ORDER BY coalesce(i.occurred_on, '-infinity'::date) DESC, i.id + 0 DESC
          LIMIT 10
        ) i
      )
    )
  )
  FROM topics tp
  WHERE tp.slug = :slug AND tp.deleted_at IS NULL
));
