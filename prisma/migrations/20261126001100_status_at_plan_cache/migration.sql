-- qualification_status_at, same signature and the same rule as in 20261126000300_as_of_status,
-- now in PL/pgSQL. A SQL function with a subquery is never inlined, and PostgreSQL parses and
-- plans its body again in every statement that calls it (about 0.1 ms per call site, several
-- per public verification); PL/pgSQL keeps the plan of its query for the session instead.
CREATE OR REPLACE FUNCTION "qualification_status_at"(
  q_id UUID, valid_from TIMESTAMPTZ, valid_until TIMESTAMPTZ, recorded_at TIMESTAMPTZ, as_of TIMESTAMPTZ, known_at TIMESTAMPTZ
) RETURNS TEXT
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  last_status TEXT;
BEGIN
  IF recorded_at > known_at THEN
    RETURN NULL;
  END IF;
  SELECT e."to_status"::TEXT INTO last_status FROM "qualification_event" e
  WHERE e."qualification_id" = q_id AND e."effective_at" <= as_of AND e."recorded_at" <= known_at
  ORDER BY e."effective_at" DESC, e."seq" DESC LIMIT 1;
  RETURN CASE
    WHEN last_status IS NULL THEN 'pending'
    WHEN last_status IN ('active', 'suspended') AND valid_until IS NOT NULL AND valid_until <= as_of THEN 'expired'
    WHEN last_status = 'active' AND valid_from > as_of THEN 'pending'
    ELSE last_status
  END;
END $$;
