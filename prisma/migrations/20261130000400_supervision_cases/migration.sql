-- Dynamic supervision (动态监管, policy 三(二)): a supervision case concerns one enterprise and
-- optionally named qualifications; its history is an append-only list of events (supervision_event),
-- and its state is derived from them and kept on the case row in the same transaction as each event.
-- A revocation referred to the province holds the named qualifications (in_referral) until the
-- province's decision or the referral's withdrawal: one pending referral per qualification,
-- enforced by a partial unique index. Design: shared/docs/design-supervision-incentives-targets.md §3.

CREATE TYPE "CaseSource" AS ENUM ('inspection', 'complaint', 'report', 'self_report', 'transfer', 'public_opinion', 'other');
CREATE TYPE "CaseTopic" AS ENUM ('quality_below_standard', 'technology_below_standard', 'mark_misuse', 'false_claim', 'other');
CREATE TYPE "CaseSeverity" AS ENUM ('minor', 'serious');
CREATE TYPE "CaseState" AS ENUM ('open', 'interview_scheduled', 'interviewed', 'rectifying', 'rectification_submitted',
  'rectification_rejected', 'rectified', 'referred', 'decided', 'closed');
CREATE TYPE "CaseEventType" AS ENUM ('opened', 'interview_scheduled', 'interview_cancelled', 'interview_held',
  'rectification_submitted', 'rectification_accepted', 'rectification_rejected', 'deadline_extended', 'severity_changed',
  'referral_proposed', 'revocation_referred', 'referral_withdrawn', 'province_decision', 'legal_referral', 'note', 'closed');
CREATE TYPE "CaseOutcome" AS ENUM ('unfounded', 'no_further_action', 'rectified', 'revoked', 'retained');

CREATE TABLE "supervision_case" (
    "id" UUID NOT NULL,
    "case_no" TEXT NOT NULL,
    "external_ref" TEXT,
    "uscc" CHAR(18) NOT NULL,
    "county_code" CHAR(6) NOT NULL,
    "source" "CaseSource" NOT NULL,
    "topic" "CaseTopic" NOT NULL,
    "severity" "CaseSeverity" NOT NULL,
    "title" TEXT NOT NULL,
    "problem_occurred_at" TIMESTAMPTZ(3),
    "lead_department_code" TEXT NOT NULL DEFAULT 'MARKET_REGULATION',
    "related_case_id" UUID,
    "state" "CaseState" NOT NULL,
    "state_since" TIMESTAMPTZ(3) NOT NULL,
    "rectification_deadline" TIMESTAMPTZ(3),
    "referral_pending" BOOLEAN NOT NULL DEFAULT false,
    "legal_referral" BOOLEAN NOT NULL DEFAULT false,
    "referral_proposed" BOOLEAN NOT NULL DEFAULT false,
    "outcome" "CaseOutcome",
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "supervision_case_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "supervision_case_case_no_key" ON "supervision_case"("case_no");
CREATE UNIQUE INDEX "supervision_case_external_ref_key" ON "supervision_case"("external_ref");
CREATE INDEX "supervision_case_county_code_opened_at_id_idx" ON "supervision_case"("county_code", "opened_at", "id");
CREATE INDEX "supervision_case_opened_at_id_idx" ON "supervision_case"("opened_at", "id");
CREATE INDEX "supervision_case_uscc_idx" ON "supervision_case"("uscc");
CREATE INDEX "supervision_case_updated_at_idx" ON "supervision_case"("updated_at");
ALTER TABLE "supervision_case" ADD CONSTRAINT "supervision_case_uscc_fkey"
  FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "supervision_case" ADD CONSTRAINT "supervision_case_county_code_fkey"
  FOREIGN KEY ("county_code") REFERENCES "county"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "supervision_case" ADD CONSTRAINT "supervision_case_lead_department_code_fkey"
  FOREIGN KEY ("lead_department_code") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "supervision_case" ADD CONSTRAINT "supervision_case_related_case_id_fkey"
  FOREIGN KEY ("related_case_id") REFERENCES "supervision_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Case numbers HPJG-{county}-{year}-{nnnn}: the next number per county and year, taken with
-- UPDATE ... RETURNING in the transaction that opens the case.
CREATE TABLE "supervision_case_counter" (
    "county_code" CHAR(6) NOT NULL,
    "year" INTEGER NOT NULL,
    "next" INTEGER NOT NULL,

    CONSTRAINT "supervision_case_counter_pkey" PRIMARY KEY ("county_code", "year")
);

CREATE TABLE "supervision_case_qualification" (
    "case_id" UUID NOT NULL,
    "qualification_id" UUID NOT NULL,
    "added_by_seq" INTEGER NOT NULL,
    "in_referral" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "supervision_case_qualification_pkey" PRIMARY KEY ("case_id", "qualification_id")
);
CREATE INDEX "supervision_case_qualification_qualification_id_idx" ON "supervision_case_qualification"("qualification_id");
-- One pending referral per qualification, whatever the case.
CREATE UNIQUE INDEX "supervision_case_qualification_one_referral" ON "supervision_case_qualification"("qualification_id") WHERE "in_referral";
ALTER TABLE "supervision_case_qualification" ADD CONSTRAINT "supervision_case_qualification_case_id_fkey"
  FOREIGN KEY ("case_id") REFERENCES "supervision_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "supervision_case_qualification" ADD CONSTRAINT "supervision_case_qualification_qualification_id_fkey"
  FOREIGN KEY ("qualification_id") REFERENCES "qualification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "supervision_event" (
    "id" BIGSERIAL NOT NULL,
    "case_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" "CaseEventType" NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "effective_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "from_state" "CaseState",
    "to_state" "CaseState" NOT NULL,
    "authority" TEXT,
    "authority_level" "AuthorityLevel",
    "document_no" TEXT,
    "documents" JSONB NOT NULL DEFAULT '[]',
    "note" TEXT,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,

    CONSTRAINT "supervision_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "supervision_event_case_id_seq_key" ON "supervision_event"("case_id", "seq");
CREATE INDEX "supervision_event_type_occurred_at_idx" ON "supervision_event"("type", "occurred_at");
ALTER TABLE "supervision_event" ADD CONSTRAINT "supervision_event_case_id_fkey"
  FOREIGN KEY ("case_id") REFERENCES "supervision_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE TRIGGER "supervision_event_append_only" BEFORE UPDATE OR DELETE ON "supervision_event"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "supervision_event_no_truncate" BEFORE TRUNCATE ON "supervision_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- A status change made by a case event (a provincial decision) names the case and the event.
ALTER TABLE "qualification_event" ADD COLUMN "case_id" UUID, ADD COLUMN "case_event_seq" INTEGER;
ALTER TABLE "qualification_event" ADD CONSTRAINT "qualification_event_case_id_fkey"
  FOREIGN KEY ("case_id") REFERENCES "supervision_case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "qualification_event" ADD CONSTRAINT "qualification_event_case_link_check"
  CHECK (("case_id" IS NULL) = ("case_event_seq" IS NULL));
CREATE INDEX "qualification_event_case_id_idx" ON "qualification_event"("case_id");

-- The revocation register (design §3.8): status changes that end or hold a qualification, by
-- recording and by effective time, and by decision document.
CREATE INDEX "qualification_event_change_recorded_idx" ON "qualification_event"("recorded_at", "id") WHERE "to_status" <> 'active';
CREATE INDEX "qualification_event_change_effective_idx" ON "qualification_event"("effective_at", "id") WHERE "to_status" <> 'active';
CREATE INDEX "qualification_event_decision_document_no_idx" ON "qualification_event"("decision_document_no");
