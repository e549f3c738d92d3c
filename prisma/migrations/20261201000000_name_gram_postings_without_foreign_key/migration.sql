-- The name-gram postings (about 29 per enterprise) are kept by the enterprise's own triggers alone,
-- so they need neither a foreign key nor an index by USCC: each posting's insert paid a foreign-key
-- check (a row trigger that looks the enterprise up and locks it) and a second B-tree entry.
-- Measured on 100,000 enterprises, inserting the postings of 1,000 new enterprises took 315–405 ms
-- with them and 175–245 ms without; the index by USCC alone was 147 MB.
--
-- What the foreign key did, the triggers now do: postings of a deleted enterprise are deleted (by
-- their primary key: the deleted row's grams say which), a USCC or name change moves them, and
-- TRUNCATE of the enterprises empties them. Postings are inserted in key order, so consecutive
-- inserts land on the same index pages.
ALTER TABLE "enterprise_name_gram" DROP CONSTRAINT "enterprise_name_gram_uscc_fkey";
DROP INDEX "enterprise_name_gram_uscc_idx";

CREATE OR REPLACE FUNCTION "enterprise_name_gram_insert"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_name_gram" ("gram", "uscc")
  SELECT DISTINCT g, n."uscc" FROM inserted n, unnest(n."name_grams") AS g
  ORDER BY 1, 2;
  RETURN NULL;
END $$;

-- An update leaves the postings alone unless it changed a name or a USCC. Rows of old_rows whose
-- (USCC, name) pair is gone from new_rows lose their postings; rows of new_rows whose pair is new
-- gain theirs (one statement updates each row once, so the pairs match exactly the rows that kept
-- both).
CREATE OR REPLACE FUNCTION "enterprise_name_gram_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "enterprise_name_gram" p
  USING (
    SELECT DISTINCT o."uscc", g FROM old_rows o, unnest(o."name_grams") AS g
    WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n."uscc" = o."uscc" AND n."name" = o."name")
  ) d
  WHERE p."gram" = d.g AND p."uscc" = d."uscc";
  INSERT INTO "enterprise_name_gram" ("gram", "uscc")
  SELECT DISTINCT g, n."uscc" FROM new_rows n, unnest(n."name_grams") AS g
  WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o."uscc" = n."uscc" AND o."name" = n."name")
  ORDER BY 1, 2
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION "enterprise_name_gram_delete"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "enterprise_name_gram" p
  USING (SELECT DISTINCT o."uscc", g FROM old_rows o, unnest(o."name_grams") AS g) d
  WHERE p."gram" = d.g AND p."uscc" = d."uscc";
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_name_gram_delete" AFTER DELETE ON "enterprise"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_name_gram_delete"();

CREATE FUNCTION "enterprise_name_gram_truncate"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "enterprise_name_gram";
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_name_gram_truncate" AFTER TRUNCATE ON "enterprise"
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_name_gram_truncate"();
