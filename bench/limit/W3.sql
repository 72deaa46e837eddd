-- W3 as one statement: the newest votes, each with its first positions (by member id), each
-- with the legislator's name, party and state. Variables (pgbench -D): first, positions.
-- See bench/README.md, "The limit row".
SELECT json_build_object('votes', json_build_object(
  'nodes', coalesce(json_agg(json_build_object(
    'voteId', v.vote_id,
    'chamber', upper(v.chamber),
    -- Python's isoformat in UTC: seconds, microseconds only when not zero, then +00 00
    'votedAt', (to_json(date_trunc('second', v.voted_at AT TIME ZONE 'UTC')) #>> '{}')
      || CASE WHEN extract(microseconds FROM v.voted_at)::bigint % 1000000 <> 0
         THEN to_char(v.voted_at AT TIME ZONE 'UTC', '.US') ELSE '' END
      || '+00' || chr(58) || '00',
    'question', v.question,
    'result', v.result,
    'positions', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object(
        'position', upper(p.position),
        'party', p.party,
        'state', p.state,
        'legislator', CASE WHEN l.id IS NOT NULL THEN json_build_object(
          'bioguideId', l.bioguide_id,
          'name', json_build_object('first', l.first_name, 'last', l.last_name)
        ) END
      ) ORDER BY p.member_id, p.id), '[]')
      FROM (
        SELECT vp.id, vp.member_id, vp.position, vp.party, vp.legislator_id,
          -- the published state, else that of the member's term covering the vote's date
          coalesce(vp.state, (
            SELECT t.state FROM legislator_terms t
            WHERE t.legislator_id = vp.legislator_id AND t.chamber = v.chamber
              AND (v.voted_at AT TIME ZONE 'America/New_York')::date
                  BETWEEN t.start_date AND t.end_date
            ORDER BY t.start_date DESC LIMIT 1
          )) AS state
        FROM vote_positions vp
        WHERE vp.vote_id = v.id
        ORDER BY vp.member_id, vp.id
        LIMIT :positions
      ) p
      LEFT JOIN legislators l ON l.id = p.legislator_id
    ))
  ) ORDER BY v.voted_at DESC, v.id DESC), '[]')
))
FROM (
  SELECT v.id, v.vote_id, v.chamber, v.voted_at, v.question, v.result
  FROM votes v
  ORDER BY v.voted_at DESC, v.id DESC
  LIMIT :first
) v;
