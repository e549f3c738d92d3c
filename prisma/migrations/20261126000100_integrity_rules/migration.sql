-- Rules the database enforces itself, beyond what schema.prisma can express.

-- USCC shape (GB 32100-2015 character set); the check character is verified by the API.
ALTER TABLE "enterprise" ADD CONSTRAINT "enterprise_uscc_format_check"
  CHECK ("uscc" ~ '^[0-9A-HJ-NPQRTUWXY]{18}$');
ALTER TABLE "cultivation_listing" ADD CONSTRAINT "cultivation_listing_year_check"
  CHECK ("year" BETWEEN 1990 AND 2200);
ALTER TABLE "qualification" ADD CONSTRAINT "qualification_validity_check"
  CHECK ("valid_until" IS NULL OR "valid_until" > "valid_from");

-- Substring search on Chinese names: every 1- and 2-character gram of the lower-cased name,
-- so that a GIN index answers even two-character queries such as 德州 (trigrams cannot).
CREATE FUNCTION "name_grams"(n TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), ARRAY[]::TEXT[]) FROM (
    SELECT substr(lower(n), i, 1) AS g FROM generate_series(1, char_length(n)) AS i
    UNION ALL
    SELECT substr(lower(n), i, 2) FROM generate_series(1, char_length(n) - 1) AS i
  ) AS grams
$$;

CREATE FUNCTION "enterprise_set_name_grams"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW."name_grams" := "name_grams"(NEW."name");
  RETURN NEW;
END $$;

CREATE TRIGGER "enterprise_name_grams" BEFORE INSERT OR UPDATE OF "name", "name_grams" ON "enterprise"
  FOR EACH ROW EXECUTE FUNCTION "enterprise_set_name_grams"();

-- A certificate number is unique per type among qualifications that were not annulled.
CREATE UNIQUE INDEX "qualification_type_certificate_no_key" ON "qualification"("type_code", "certificate_no")
  WHERE "certificate_no" IS NOT NULL AND "status" <> 'annulled';

-- History tables are append-only, whoever the writer is.
CREATE FUNCTION "reject_history_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER "qualification_event_append_only" BEFORE UPDATE OR DELETE ON "qualification_event"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "qualification_event_no_truncate" BEFORE TRUNCATE ON "qualification_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "audit_event_append_only" BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- The audit hash chain. hash = sha256(prev_hash || '|' || jsonb array of the entry's content),
-- the array's text form being PostgreSQL's canonical jsonb output. Documented in README.md so
-- that an auditor can recompute it independently.
CREATE FUNCTION "audit_event_digest"(
  prev_hash TEXT, id BIGINT, at TIMESTAMPTZ, actor_sub TEXT, actor_county TEXT, actor_dept TEXT,
  request_id TEXT, operation TEXT, entity_type TEXT, entity_id TEXT, before JSONB, after JSONB
) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(prev_hash || '|' || jsonb_build_array(
    id, floor(extract(epoch FROM at) * 1000)::BIGINT, actor_sub, actor_county, actor_dept,
    request_id, operation, entity_type, entity_id, before, after)::TEXT, 'UTF8')), 'hex')
$$;

-- Appends are serialised by a transaction-scoped advisory lock, so ids follow chain order
-- across concurrent transactions and API instances.
CREATE FUNCTION "audit_event_chain"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  previous TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(7304140001);
  NEW."id" := nextval(pg_get_serial_sequence('audit_event', 'id'));
  SELECT "hash" INTO previous FROM "audit_event" ORDER BY "id" DESC LIMIT 1;
  NEW."prev_hash" := coalesce(previous, repeat('0', 64));
  NEW."hash" := "audit_event_digest"(NEW."prev_hash", NEW."id", NEW."at", NEW."actor_sub", NEW."actor_county",
    NEW."actor_dept", NEW."request_id", NEW."operation", NEW."entity_type", NEW."entity_id", NEW."before", NEW."after");
  RETURN NEW;
END $$;

CREATE TRIGGER "audit_event_chain" BEFORE INSERT ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION "audit_event_chain"();
