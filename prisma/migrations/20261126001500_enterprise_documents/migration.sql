-- Each enterprise's response documents as of their last refresh, so that the hottest reads (get
-- by USCC, public verification, the items of a list page, the brand-status filter) read one row
-- instead of aggregating the enterprise's qualifications on every request.
--
-- The registry's code (src/modules/enterprises/documents.repository.ts) builds the documents;
-- the database only guarantees that a stored document is never trusted after its data changed:
--   * every change to an enterprise, its cultivation lists or its qualifications (including the
--     status columns kept from qualification_event) marks the row stale, in the same statement,
--     by setting fresh_until to -infinity and incrementing mark;
--   * a refresh stores what it built only when mark is still the value it read, so a document
--     built from a snapshot that a concurrent change has since overtaken is discarded;
--   * fresh_until is the first moment at which the documents would read differently by time
--     alone (a qualification starting, expiring, or a change taking effect), so reads use a row
--     only while fresh_until > now and compute the answer live otherwise.
-- A row exists for every enterprise from its insertion on (trigger below).

CREATE TABLE "enterprise_document" (
    "uscc" CHAR(18) NOT NULL,
    "mark" BIGINT NOT NULL DEFAULT 0,
    "fresh_until" TIMESTAMPTZ(3) NOT NULL DEFAULT '-infinity',
    "county_code" CHAR(6),
    "brand_status" TEXT,
    "doc" TEXT,
    "etag" TEXT,
    "summary" TEXT,
    "public_doc" TEXT,
    "refreshed_at" TIMESTAMPTZ(3),

    CONSTRAINT "enterprise_document_pkey" PRIMARY KEY ("uscc")
);

-- A row (about 3 kB) stays inline and uncompressed: reads return it as stored, without
-- decompressing it or fetching it from the TOAST table.
ALTER TABLE "enterprise_document" SET (toast_tuple_target = 8160);

CREATE INDEX "enterprise_document_county_code_brand_status_uscc_idx" ON "enterprise_document"("county_code", "brand_status", "uscc");
CREATE INDEX "enterprise_document_brand_status_uscc_idx" ON "enterprise_document"("brand_status", "uscc");
CREATE INDEX "enterprise_document_fresh_until_idx" ON "enterprise_document"("fresh_until");

ALTER TABLE "enterprise_document" ADD CONSTRAINT "enterprise_document_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "enterprise_document" ("uscc") SELECT "uscc" FROM "enterprise";

-- Marks the given enterprises' documents stale. A row this transaction has already marked (its
-- xmin is this transaction) is left alone: one mark per transaction is enough for a concurrent
-- refresh to see that it was overtaken.
CREATE FUNCTION "enterprise_document_stale"("usccs" CHAR(18)[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE "enterprise_document" SET "mark" = "mark" + 1, "fresh_until" = '-infinity'
  WHERE "uscc" = ANY ("usccs") AND "xmin" <> pg_current_xact_id()::xid;
$$;

CREATE FUNCTION "enterprise_document_insert"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_document" ("uscc") SELECT "uscc" FROM inserted ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_document_insert" AFTER INSERT ON "enterprise"
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_insert"();

-- One function for every table whose rows carry a "uscc": the transition table names the rows.
CREATE FUNCTION "enterprise_document_stale_new"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_document_stale"(ARRAY(SELECT DISTINCT "uscc" FROM changed ORDER BY 1));
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_document_stale_update" AFTER UPDATE ON "enterprise"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();

CREATE TRIGGER "enterprise_document_stale_insert" AFTER INSERT ON "cultivation_listing"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();
CREATE TRIGGER "enterprise_document_stale_update" AFTER UPDATE ON "cultivation_listing"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();
CREATE TRIGGER "enterprise_document_stale_delete" AFTER DELETE ON "cultivation_listing"
  REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();

CREATE TRIGGER "enterprise_document_stale_insert" AFTER INSERT ON "qualification"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();
-- Old and new rows: a qualification moved to another enterprise (never done by the registry)
-- changes both.
CREATE FUNCTION "enterprise_document_stale_moved"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_document_stale"(ARRAY(SELECT "uscc" FROM changed UNION SELECT "uscc" FROM old_rows ORDER BY 1));
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_document_stale_update" AFTER UPDATE ON "qualification"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_moved"();
CREATE TRIGGER "enterprise_document_stale_delete" AFTER DELETE ON "qualification"
  REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_new"();

-- A change is recorded as an event (qualification_event) and copied onto the qualification row by
-- the trigger qualification_event_set_current, whose UPDATE marks the documents stale above: no
-- trigger of its own is needed on qualification_event (measured: it cost 0.16 ms per write).

-- Catalog and county names appear in the documents; renames are rare (admin, migrations).
CREATE FUNCTION "enterprise_document_stale_type"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_document_stale"(ARRAY(
    SELECT DISTINCT q."uscc" FROM "qualification" q
    WHERE q."type_code" IN (SELECT n."code" FROM changed n JOIN old_rows o ON o."code" = n."code"
                            WHERE (o."name", o."counts_as_listing") IS DISTINCT FROM (n."name", n."counts_as_listing"))
    ORDER BY 1));
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_document_stale_type" AFTER UPDATE ON "qualification_type"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_type"();

CREATE FUNCTION "enterprise_document_stale_county"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "enterprise_document_stale"(ARRAY(
    SELECT e."uscc" FROM "enterprise" e
    WHERE e."county_code" IN (SELECT n."code" FROM changed n JOIN old_rows o ON o."code" = n."code" WHERE o."name" IS DISTINCT FROM n."name")
    ORDER BY 1));
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_document_stale_county" AFTER UPDATE ON "county"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_stale_county"();
