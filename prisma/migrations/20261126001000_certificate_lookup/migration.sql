-- Public verification looks a certificate up by type and number, annulled ones included; the
-- partial unique index "qualification_type_certificate_no_key" covers only the others.
CREATE INDEX "qualification_type_code_certificate_no_idx" ON "qualification"("type_code", "certificate_no");
