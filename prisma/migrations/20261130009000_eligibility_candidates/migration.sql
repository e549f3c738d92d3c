-- The eligible list of a program whose rules need a listing (or one qualification type) reads the
-- holders of that type in USCC order, with their recording time, from this index: its first page
-- evaluates about one page of candidates instead of every enterprise up to the page's last USCC.
CREATE INDEX "qualification_type_code_uscc_recorded_at_idx" ON "qualification"("type_code", "uscc", "recorded_at");
