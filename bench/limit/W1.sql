-- W1 as one statement: a legislator by bioguide id, with current term and committees.
-- Variables (pgbench -D): bioguideId. See bench/README.md, "The limit row".
SELECT json_build_object('legislator', (
  SELECT json_build_object(
    'id', encode(convert_to('Legislator:' || l.id, 'UTF8'), 'base64'),
    'bioguideId', l.bioguide_id,
    'name', json_build_object(
      'first', l.first_name,
      'middle', l.middle_name,
      'last', l.last_name,
      'suffix', l.suffix,
      'officialFull', l.official_full_name
    ),
    'birthday', l.birthday,
    'gender', CASE l.gender WHEN 'F' THEN 'FEMALE' WHEN 'M' THEN 'MALE' END,
    'currentTerm', (
      SELECT json_build_object(
        'chamber', upper(t.chamber),
        'state', t.state,
        'district', t.district,
        'senateClass', t.senate_class,
        'party', t.party,
        'start', t.start_date,
        'end', t.end_date,
        'url', t.url,
        'phone', t.phone,
        'office', t.office
      )
      FROM legislator_terms t
      WHERE t.legislator_id = l.id
        AND t.end_date >= current_date AND t.start_date <= current_date
      ORDER BY t.start_date DESC
      LIMIT 1
    ),
    'committees', json_build_object(
      'totalCount', (
        SELECT count(*)
        FROM committee_memberships m JOIN committees c ON c.id = m.committee_id
        WHERE m.legislator_id = l.id
      ),
      'nodes', (
        SELECT coalesce(json_agg(json_build_object(
          'rank', page.rank,
          'side', upper(page.side),
          'title', page.title,
          'committee', json_build_object(
            'thomasId', page.thomas_id,
            'name', page.name,
            'chamber', upper(page.chamber),
            'url', page.url
          )
        ) ORDER BY page.name, page.id), '[]')
        FROM (
          SELECT m.id, m.rank, m.side, m.title, c.thomas_id, c.name, c.chamber, c.url
          FROM committee_memberships m JOIN committees c ON c.id = m.committee_id
          WHERE m.legislator_id = l.id
          ORDER BY c.name, m.id
          LIMIT 50
        ) page
      )
    )
  )
  FROM legislators l
  WHERE l.bioguide_id = :bioguideId
));
