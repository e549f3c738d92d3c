-- Postings of each 1- and 2-character gram of enterprise names, ordered by USCC. A first page of
-- a 1- or 2-character search is then a range scan of the primary key in the list's own order,
-- however common the term is and wherever its matches cluster (the GIN array index answered
-- common terms fast but walked ~90k rows for 宁津, whose USCCs sort last). Longer queries keep
-- using the GIN index on name_grams, whose conjunction of bigrams is selective.

CREATE TABLE "enterprise_name_gram" (
    "gram" TEXT NOT NULL,
    "uscc" CHAR(18) NOT NULL,

    CONSTRAINT "enterprise_name_gram_pkey" PRIMARY KEY ("gram","uscc")
);

CREATE INDEX "enterprise_name_gram_uscc_idx" ON "enterprise_name_gram"("uscc");

ALTER TABLE "enterprise_name_gram" ADD CONSTRAINT "enterprise_name_gram_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "enterprise_name_gram" ("gram", "uscc")
SELECT DISTINCT g, e."uscc" FROM "enterprise" e, unnest(e."name_grams") AS g;

CREATE FUNCTION "enterprise_name_gram_insert"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "enterprise_name_gram" ("gram", "uscc")
  SELECT DISTINCT g, n."uscc" FROM inserted n, unnest(n."name_grams") AS g
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION "enterprise_name_gram_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "enterprise_name_gram" p
  USING old_rows o JOIN new_rows n ON n."uscc" = o."uscc"
  WHERE p."uscc" = n."uscc" AND o."name" IS DISTINCT FROM n."name" AND NOT (p."gram" = ANY (n."name_grams"));
  INSERT INTO "enterprise_name_gram" ("gram", "uscc")
  SELECT DISTINCT g, n."uscc" FROM new_rows n JOIN old_rows o ON o."uscc" = n."uscc", unnest(n."name_grams") AS g
  WHERE o."name" IS DISTINCT FROM n."name"
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER "enterprise_name_gram_insert" AFTER INSERT ON "enterprise"
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_name_gram_insert"();

CREATE TRIGGER "enterprise_name_gram_update" AFTER UPDATE ON "enterprise"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_name_gram_update"();
