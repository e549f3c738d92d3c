-- A change no longer rewrites the stored document's row to mark it stale: it records the
-- enterprise in enterprise_document_change, a narrow table, and the row is stale while its
-- enterprise is there (or its fresh_until has passed). The mark was an UPDATE of a 2.7 kB row
-- (documents are kept inline) that moved fresh_until, an indexed column: never a HOT update, so
-- each grant and status change wrote a whole new row version and an entry in each of the four
-- indexes, and the refresh that followed wrote another. Measured on the 100,000-enterprise
-- benchmark database, 3,000 marks one by one: 59-126 us each as an UPDATE, 7-13 us as an upsert
-- here; under the benchmark's write mix the mark was the costliest trigger (259 us per call).
--
-- The rule, for every reader (src/modules/enterprises/document-cache/freshness.ts): a stored row
-- answers for a moment `at` only when fresh_until > at and its enterprise has no row here.
--
-- A refresh (store.ts) builds documents in its statement's snapshot and, in the same statement,
-- stores each one whose row no other refresh stored meanwhile (refresh_no, bumped by every store)
-- and removes the change rows it read, by their seq: a change committed after its snapshot
-- either inserted a row it did not read or gave the row a new seq (the upsert below), so it
-- stays, and the document stays stale until a later refresh includes it.

CREATE TABLE "enterprise_document_change" (
  "uscc" CHAR(18) NOT NULL,
  "seq" BIGSERIAL NOT NULL,
  CONSTRAINT "enterprise_document_change_pkey" PRIMARY KEY ("uscc")
);

-- No foreign key: its check would lock the document's row (FOR KEY SHARE) on every mark, and
-- concurrent marks of one enterprise would share that lock through a MultiXact. The marks are
-- made only for rows that exist (the function below), and go with the row (these triggers).
CREATE FUNCTION "enterprise_document_change_delete"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "enterprise_document_change" c USING old_rows o WHERE c."uscc" = o."uscc";
  RETURN NULL;
END $$;
CREATE TRIGGER "enterprise_document_change_delete" AFTER DELETE ON "enterprise_document"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_change_delete"();

CREATE FUNCTION "enterprise_document_change_truncate"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "enterprise_document_change";
  RETURN NULL;
END $$;
CREATE TRIGGER "enterprise_document_change_truncate" AFTER TRUNCATE ON "enterprise_document"
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_document_change_truncate"();

-- Bumped by every refresh that stores the row (it was bumped by every change).
ALTER TABLE "enterprise_document" RENAME COLUMN "mark" TO "refresh_no";

-- In USCC order, so that two transactions marking the same enterprises take their row locks in
-- the same order. A row this transaction already wrote is left as it is (a second mark adds nothing).
CREATE OR REPLACE FUNCTION "enterprise_document_stale"("usccs" CHAR(18)[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_document_change" AS c ("uscc")
  SELECT DISTINCT u FROM unnest("usccs") u JOIN "enterprise_document" d ON d."uscc" = u ORDER BY 1
  ON CONFLICT ("uscc") DO UPDATE SET "seq" = EXCLUDED."seq"
  WHERE c."xmin" <> pg_current_xact_id()::xid;
END $$;

-- The two triggers that fire on every write (a qualification inserted or updated, a listing, an
-- enterprise) record their rows' enterprises themselves rather than through the function: one
-- statement less per write. In a loop of 3,000 on the benchmark database, calling the function
-- took 57-72 us a call against 14-17 us for its statement run in place.
CREATE OR REPLACE FUNCTION "enterprise_document_stale_new"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_document_change" AS c ("uscc")
  SELECT DISTINCT n."uscc" FROM changed n JOIN "enterprise_document" d ON d."uscc" = n."uscc" ORDER BY 1
  ON CONFLICT ("uscc") DO UPDATE SET "seq" = EXCLUDED."seq"
  WHERE c."xmin" <> pg_current_xact_id()::xid;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "enterprise_document_stale_moved"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_document_change" AS c ("uscc")
  SELECT m."uscc" FROM (SELECT "uscc" FROM changed UNION SELECT "uscc" FROM old_rows) m
  JOIN "enterprise_document" d ON d."uscc" = m."uscc" ORDER BY 1
  ON CONFLICT ("uscc") DO UPDATE SET "seq" = EXCLUDED."seq"
  WHERE c."xmin" <> pg_current_xact_id()::xid;
  RETURN NULL;
END $$;

-- Rows marked stale by the old rule are stale by the time rule (fresh_until = -infinity) and are
-- refreshed as before: nothing to carry over.
