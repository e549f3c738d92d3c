-- The last change of each qualification, kept on the qualification row by the database, so that
-- "status now" (the common question) is read from the row instead of the history table.
-- qualification_status_at() stays the definition; status.sql.ts uses these columns only where
-- they give the same answer: when the last change is effective and recorded by the asked moments.

ALTER TABLE "qualification" ADD COLUMN "status_effective_at" TIMESTAMPTZ(3);
ALTER TABLE "qualification" ADD COLUMN "status_recorded_at" TIMESTAMPTZ(3);

UPDATE "qualification" q
SET "status" = last."to_status", "status_effective_at" = last."effective_at", "status_recorded_at" = last."recorded_at"
FROM (
  SELECT DISTINCT ON ("qualification_id") "qualification_id", "to_status", "effective_at", "recorded_at"
  FROM "qualification_event" ORDER BY "qualification_id", "seq" DESC
) last
WHERE q."id" = last."qualification_id";

-- Changes are appended in effective-time order, so the change with the highest seq is the one in
-- effect from its effective time on. The service answers such an attempt with a 409 first;
-- this keeps any other writer to the same rule.
CREATE FUNCTION "qualification_event_in_order"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "qualification_event" e
             WHERE e."qualification_id" = NEW."qualification_id" AND e."seq" < NEW."seq" AND e."effective_at" > NEW."effective_at") THEN
    RAISE EXCEPTION 'qualification % : change % takes effect before an earlier change', NEW."qualification_id", NEW."seq"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "qualification_event_in_order" BEFORE INSERT ON "qualification_event"
  FOR EACH ROW EXECUTE FUNCTION "qualification_event_in_order"();

-- One statement-level update per insert statement, so set-based loads stay set-based.
CREATE FUNCTION "qualification_event_set_current"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "qualification" q
  SET "status" = last."to_status", "status_effective_at" = last."effective_at", "status_recorded_at" = last."recorded_at"
  FROM (
    SELECT DISTINCT ON ("qualification_id") "qualification_id", "seq", "to_status", "effective_at", "recorded_at"
    FROM inserted ORDER BY "qualification_id", "seq" DESC
  ) last
  WHERE q."id" = last."qualification_id"
    AND NOT EXISTS (SELECT 1 FROM "qualification_event" later
                    WHERE later."qualification_id" = last."qualification_id" AND later."seq" > last."seq");
  RETURN NULL;
END $$;

CREATE TRIGGER "qualification_event_set_current" AFTER INSERT ON "qualification_event"
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION "qualification_event_set_current"();
