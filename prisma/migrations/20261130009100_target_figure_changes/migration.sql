-- Which enterprises' counted facts changed, and in which transaction, so that the progress answer
-- recounts only what a write touched (src/modules/targets/figures.ts). A computed target figure is
-- a sum over enterprises (every rule of a metric looks at one enterprise's qualifications and its
-- county), so a count kept per range of USCCs stays exact as long as the ranges a write touched are
-- counted again. Every table the metrics read writes a row here in the writing transaction; the
-- reader finds the rows committed since its last snapshot with pg_visible_in_snapshot, so a write
-- that took its id early and committed late is never missed. type_code null: every type; uscc null:
-- every enterprise (the catalog changed).
CREATE TABLE "target_figure_change" (
  "id" BIGSERIAL NOT NULL,
  "xid" BIGINT NOT NULL DEFAULT (pg_current_xact_id()::TEXT::BIGINT),
  "uscc" CHAR(18),
  "type_code" TEXT,
  "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "target_figure_change_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "target_figure_change_xid_idx" ON "target_figure_change"("xid");
CREATE INDEX "target_figure_change_recorded_at_idx" ON "target_figure_change"("recorded_at");

-- One insert per statement, so set-based writes stay set-based.
CREATE FUNCTION "target_figure_changed_qualification"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- Old and new rows: a qualification moved to another enterprise or type changes both.
    INSERT INTO "target_figure_change" ("uscc", "type_code")
    SELECT "uscc", "type_code" FROM changed UNION SELECT "uscc", "type_code" FROM old_rows;
  ELSE
    INSERT INTO "target_figure_change" ("uscc", "type_code") SELECT DISTINCT "uscc", "type_code" FROM changed;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "target_figure_change_insert" AFTER INSERT ON "qualification"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_qualification"();
CREATE TRIGGER "target_figure_change_update" AFTER UPDATE ON "qualification"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_qualification"();
CREATE TRIGGER "target_figure_change_delete" AFTER DELETE ON "qualification"
  REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_qualification"();

-- A status change: its qualification's enterprise and type.
CREATE FUNCTION "target_figure_changed_event"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "target_figure_change" ("uscc", "type_code")
  SELECT DISTINCT q."uscc", q."type_code" FROM changed e JOIN "qualification" q ON q."id" = e."qualification_id";
  RETURN NULL;
END $$;

CREATE TRIGGER "target_figure_change_insert" AFTER INSERT ON "qualification_event"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_event"();

-- An enterprise's recorded attributes (its county): every type of that enterprise.
CREATE FUNCTION "target_figure_changed_enterprise"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "target_figure_change" ("uscc", "type_code") SELECT DISTINCT "uscc", NULL FROM changed;
  RETURN NULL;
END $$;

CREATE TRIGGER "target_figure_change_insert" AFTER INSERT ON "enterprise_version"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_enterprise"();

-- The catalog (which types count as listings): everything.
CREATE FUNCTION "target_figure_changed_all"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "target_figure_change" ("uscc", "type_code") VALUES (NULL, NULL);
  RETURN NULL;
END $$;

CREATE TRIGGER "target_figure_change_any" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "qualification_type"
  FOR EACH STATEMENT EXECUTE FUNCTION "target_figure_changed_all"();
