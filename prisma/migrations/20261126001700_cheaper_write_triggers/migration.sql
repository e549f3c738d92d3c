-- Two trigger costs every write paid, measured under the benchmark's write mix (perf, and
-- pg_stat_statements with nested statements), with after-statement triggers taking a third of
-- PostgreSQL's CPU:
--
-- 1. enterprise_document_stale was a SQL-language function. PostgreSQL plans the body of a SQL
--    function called from PL/pgSQL on every call (7.7 % of all CPU on the machine, in
--    fmgr_sql); a PL/pgSQL body keeps its plan for the session. Same statement, same rule.
--
-- 2. qualification_event_set_current rewrote the qualification row after every event, also when
--    the writer had already put the same current status on it (a grant inserts its row with the
--    status its first event gives; a status change sets it with the version it bumps). Each
--    rewrite was one more row version with its index entries, and one more run of the
--    qualification's update trigger. It now updates only the rows whose current status differs,
--    and runs no UPDATE at all when none does. The rule is unchanged: after every insert of
--    events, each qualification's current status is that of its last event.

CREATE OR REPLACE FUNCTION "enterprise_document_stale"("usccs" CHAR(18)[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "enterprise_document" SET "mark" = "mark" + 1, "fresh_until" = '-infinity'
  WHERE "uscc" = ANY ("usccs") AND "xmin" <> pg_current_xact_id()::xid;
END $$;

CREATE OR REPLACE FUNCTION "qualification_event_set_current"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM "inserted" n JOIN "qualification" q ON q."id" = n."qualification_id"
    WHERE (q."status", q."status_effective_at", q."status_recorded_at") IS DISTINCT FROM (n."to_status", n."effective_at", n."recorded_at")
  ) THEN
    UPDATE "qualification" q
    SET "status" = last."to_status", "status_effective_at" = last."effective_at", "status_recorded_at" = last."recorded_at"
    FROM (
      SELECT DISTINCT ON ("qualification_id") "qualification_id", "seq", "to_status", "effective_at", "recorded_at"
      FROM inserted ORDER BY "qualification_id", "seq" DESC
    ) last
    WHERE q."id" = last."qualification_id"
      AND (q."status", q."status_effective_at", q."status_recorded_at") IS DISTINCT FROM (last."to_status", last."effective_at", last."recorded_at")
      AND NOT EXISTS (SELECT 1 FROM "qualification_event" later
                      WHERE later."qualification_id" = last."qualification_id" AND later."seq" > last."seq");
  END IF;
  RETURN NULL;
END $$;
