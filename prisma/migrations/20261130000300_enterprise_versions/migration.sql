-- The enterprise's attributes as recorded over time, so that "the county (stage, business status,
-- industry, name, cultivation lists) at the time" is answerable. These take effect when recorded:
-- the version in force at (asOf, knownAt) is the last one recorded by least(asOf, knownAt); an
-- enterprise's first version stands for the time before it was recorded.
--
-- A version is written when a transaction that inserted or updated an enterprise commits (a
-- deferred constraint trigger: by then the enterprise's cultivation lists, replaced in the same
-- transaction, are final), and only when one of these attributes differs from the last version.
-- Writers hold the enterprise row until they commit, so an enterprise's versions are written one
-- after the other; recorded_at never runs backwards within an enterprise. Append-only.

CREATE TABLE "enterprise_version" (
    "uscc" CHAR(18) NOT NULL,
    "version" INTEGER NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "name" TEXT NOT NULL,
    "county_code" CHAR(6) NOT NULL,
    "cultivation_stage" "CultivationStage",
    "business_status" "BusinessStatus" NOT NULL,
    "industry_code" TEXT,
    "cultivation_lists" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "enterprise_version_pkey" PRIMARY KEY ("uscc", "version")
);
ALTER TABLE "enterprise_version" ADD CONSTRAINT "enterprise_version_uscc_fkey"
  FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "enterprise_version" ADD CONSTRAINT "enterprise_version_county_code_fkey"
  FOREIGN KEY ("county_code") REFERENCES "county"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "enterprise_version_uscc_recorded_at_idx" ON "enterprise_version"("uscc", "recorded_at" DESC);
CREATE INDEX "enterprise_version_county_code_recorded_at_idx" ON "enterprise_version"("county_code", "recorded_at");

CREATE TRIGGER "enterprise_version_append_only" BEFORE UPDATE OR DELETE ON "enterprise_version"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "enterprise_version_no_truncate" BEFORE TRUNCATE ON "enterprise_version"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- The enterprise's tracked attributes now, as a version row would hold them.
CREATE FUNCTION "enterprise_version_record"(target CHAR(18)) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  last "enterprise_version"%ROWTYPE;
  cur RECORD;
BEGIN
  SELECT e."uscc", e."name", e."county_code", e."cultivation_stage", e."business_status", e."industry_code",
         coalesce((SELECT jsonb_agg(jsonb_build_object('list', l."list", 'year', l."year") ORDER BY l."year", l."list")
                   FROM "cultivation_listing" l WHERE l."uscc" = e."uscc"), '[]'::jsonb) AS lists
    INTO cur FROM "enterprise" e WHERE e."uscc" = target;
  IF NOT FOUND THEN RETURN; END IF;
  SELECT * INTO last FROM "enterprise_version" v WHERE v."uscc" = target ORDER BY v."version" DESC LIMIT 1;
  IF FOUND AND (last."name", last."county_code", last."cultivation_stage", last."business_status", last."industry_code", last."cultivation_lists")
       IS NOT DISTINCT FROM (cur."name", cur."county_code", cur."cultivation_stage", cur."business_status", cur."industry_code", cur.lists) THEN
    RETURN;
  END IF;
  INSERT INTO "enterprise_version" ("uscc", "version", "recorded_at", "name", "county_code", "cultivation_stage", "business_status",
                                    "industry_code", "cultivation_lists")
  VALUES (target, coalesce(last."version", 0) + 1, greatest(statement_timestamp(), last."recorded_at"), cur."name", cur."county_code",
          cur."cultivation_stage", cur."business_status", cur."industry_code", cur.lists);
END $$;

CREATE FUNCTION "enterprise_version_at_commit"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_version_record"(NEW."uscc");
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "enterprise_version_at_commit" AFTER INSERT OR UPDATE ON "enterprise"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "enterprise_version_at_commit"();

-- Cultivation lists changed without touching the enterprise row (the registry always touches it;
-- this keeps direct changes honest too).
CREATE FUNCTION "enterprise_version_lists_at_commit"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_version_record"(CASE WHEN TG_OP = 'DELETE' THEN OLD."uscc" ELSE NEW."uscc" END);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "enterprise_version_lists_at_commit" AFTER INSERT OR UPDATE OR DELETE ON "cultivation_listing"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "enterprise_version_lists_at_commit"();

-- Every enterprise registered so far: one version, at its registration, with today's values (the
-- registry kept no earlier values of these attributes).
INSERT INTO "enterprise_version" ("uscc", "version", "recorded_at", "name", "county_code", "cultivation_stage", "business_status",
                                  "industry_code", "cultivation_lists")
SELECT e."uscc", 1, e."created_at", e."name", e."county_code", e."cultivation_stage", e."business_status", e."industry_code",
       coalesce((SELECT jsonb_agg(jsonb_build_object('list', l."list", 'year', l."year") ORDER BY l."year", l."list")
                 FROM "cultivation_listing" l WHERE l."uscc" = e."uscc"), '[]'::jsonb)
FROM "enterprise" e;
