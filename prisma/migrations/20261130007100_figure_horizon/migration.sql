-- The next moment at which time alone changes any computed figure, found from indexes: a grant,
-- an expiry (existing indexes on granted_at and valid_until), a validity that starts after its grant,
-- and a change recorded ahead of its effective time. Both are partial: they hold only those rare rows.
-- Figures computed "as of now" are reused until that moment, while nothing new is committed.
CREATE INDEX "qualification_late_validity_idx" ON "qualification"("valid_from") WHERE "valid_from" > "granted_at";
CREATE INDEX "qualification_event_future_effect_idx" ON "qualification_event"("effective_at") WHERE "effective_at" > "recorded_at";
