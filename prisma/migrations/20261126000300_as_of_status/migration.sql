-- Shared SQL for answers "as of" a time. Used by every read path so that the status of a
-- qualification and the brand status of an enterprise mean the same thing everywhere.

-- Timestamps in API form (UTC, millisecond precision, Z), whatever the session time zone.
CREATE FUNCTION "iso_utc"(ts TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Status of a qualification in effect at as_of, as the registry knew it at known_at:
-- NULL when the registry had not recorded the qualification by known_at; 'pending' before it
-- takes effect; 'expired' once valid_until has passed for a non-final status; otherwise the
-- status set by the last change effective at as_of and recorded by known_at.
CREATE FUNCTION "qualification_status_at"(
  q_id UUID, valid_from TIMESTAMPTZ, valid_until TIMESTAMPTZ, recorded_at TIMESTAMPTZ, as_of TIMESTAMPTZ, known_at TIMESTAMPTZ
) RETURNS TEXT
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN recorded_at > known_at THEN NULL
    WHEN last_status IS NULL THEN 'pending'
    WHEN last_status IN ('active', 'suspended') AND valid_until IS NOT NULL AND valid_until <= as_of THEN 'expired'
    WHEN last_status = 'active' AND valid_from > as_of THEN 'pending'
    ELSE last_status::TEXT
  END
  FROM (
    SELECT (SELECT e."to_status" FROM "qualification_event" e
            WHERE e."qualification_id" = q_id AND e."effective_at" <= as_of AND e."recorded_at" <= known_at
            ORDER BY e."effective_at" DESC, e."seq" DESC LIMIT 1) AS last_status
  ) AS last
$$;
