-- The revocation register walks the status changes by time (issue 13): its first page for a county
-- and a date range, and its exports, in keyset batches. The partial indexes it walks now carry what
-- the walk filters and joins on (the status, the other time, the qualification), so the walk is an
-- index-only scan: qualification_event is append-only, so its pages are all-visible once vacuumed,
-- and the history's rows are read only for the page that is kept, not for every candidate passed
-- over (another status, another county, recorded after knownAt).
DROP INDEX "qualification_event_change_recorded_idx";
CREATE INDEX "qualification_event_change_recorded_idx" ON "qualification_event"("recorded_at", "id")
  INCLUDE ("to_status", "effective_at", "qualification_id") WHERE "to_status" <> 'active';
DROP INDEX "qualification_event_change_effective_idx";
CREATE INDEX "qualification_event_change_effective_idx" ON "qualification_event"("effective_at", "id")
  INCLUDE ("to_status", "recorded_at", "qualification_id") WHERE "to_status" <> 'active';
