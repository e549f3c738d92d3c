-- A supervision case's derived facts (state, severity, deadline, referral, decision...) after each
-- event, stored with the event by the service from the pure lifecycle (src/modules/supervision/
-- case-lifecycle.ts). Events are appended in occurred and recorded order, so the case as of
-- (asOf, knownAt) is the facts of the last event with occurred_at <= asOf and recorded_at <= knownAt.
ALTER TABLE "supervision_event" ADD COLUMN "facts" JSONB NOT NULL DEFAULT '{}';
-- "updated since" and "last recorded" of a case.
CREATE INDEX "supervision_event_case_id_recorded_at_idx" ON "supervision_event"("case_id", "recorded_at");
