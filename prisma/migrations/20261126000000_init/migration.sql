-- CreateEnum
CREATE TYPE "CountyKind" AS ENUM ('district', 'county', 'county_city', 'functional_zone');

-- CreateEnum
CREATE TYPE "QualificationLevel" AS ENUM ('national', 'provincial', 'municipal');

-- CreateEnum
CREATE TYPE "QualificationDomain" AS ENUM ('product', 'engineering', 'service', 'enterprise');

-- CreateEnum
CREATE TYPE "CultivationStage" AS ENUM ('planned', 'cultivating', 'established');

-- CreateEnum
CREATE TYPE "BusinessStatus" AS ENUM ('operating', 'abnormal', 'revoked', 'deregistered');

-- CreateEnum
CREATE TYPE "QualificationStatus" AS ENUM ('active', 'suspended', 'revoked', 'annulled', 'withdrawn');

-- CreateEnum
CREATE TYPE "AuthorityLevel" AS ENUM ('county', 'city', 'province', 'national');

-- CreateTable
CREATE TABLE "county" (
    "code" CHAR(6) NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "CountyKind" NOT NULL,
    "valid_from" DATE NOT NULL,
    "valid_until" DATE,
    "successor_code" CHAR(6),

    CONSTRAINT "county_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "department" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "department_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "qualification_type" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "QualificationLevel" NOT NULL,
    "domain" "QualificationDomain" NOT NULL,
    "lead_department_code" TEXT NOT NULL,
    "certificate_based" BOOLEAN NOT NULL,
    "default_validity_months" INTEGER,
    "counts_as_listing" BOOLEAN NOT NULL DEFAULT false,
    "is_standard" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "qualification_type_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "enterprise" (
    "uscc" CHAR(18) NOT NULL,
    "name" TEXT NOT NULL,
    "name_grams" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "county_code" CHAR(6) NOT NULL,
    "industry_code" TEXT,
    "address" TEXT,
    "legal_representative" TEXT,
    "contact_name" TEXT,
    "contact_phone" TEXT,
    "contact_email" TEXT,
    "cultivation_stage" "CultivationStage",
    "business_status" "BusinessStatus" NOT NULL DEFAULT 'operating',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enterprise_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "cultivation_listing" (
    "uscc" CHAR(18) NOT NULL,
    "list" TEXT NOT NULL,
    "year" INTEGER NOT NULL,

    CONSTRAINT "cultivation_listing_pkey" PRIMARY KEY ("uscc","list","year")
);

-- CreateTable
CREATE TABLE "qualification" (
    "id" UUID NOT NULL,
    "uscc" CHAR(18) NOT NULL,
    "type_code" TEXT NOT NULL,
    "certificate_no" TEXT,
    "title" TEXT,
    "scope" TEXT,
    "issuer" TEXT,
    "issuer_level" "AuthorityLevel",
    "granted_at" TIMESTAMPTZ(3) NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3),
    "batch" TEXT,
    "renews_id" UUID,
    "documents" JSONB NOT NULL DEFAULT '[]',
    "status" "QualificationStatus" NOT NULL DEFAULT 'active',
    "version" INTEGER NOT NULL DEFAULT 1,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "qualification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qualification_event" (
    "id" BIGSERIAL NOT NULL,
    "qualification_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "from_status" "QualificationStatus",
    "to_status" "QualificationStatus" NOT NULL,
    "reason_code" TEXT,
    "reason" TEXT,
    "occurred_at" TIMESTAMPTZ(3),
    "effective_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decision_authority" TEXT,
    "decision_level" "AuthorityLevel",
    "decision_document_no" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,

    CONSTRAINT "qualification_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,
    "operation" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "prev_hash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "sub" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "response_status" INTEGER,
    "response_body" TEXT,
    "response_headers" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "locked_until" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("sub","key")
);

-- CreateIndex
CREATE INDEX "enterprise_county_code_uscc_idx" ON "enterprise"("county_code", "uscc");

-- CreateIndex
CREATE INDEX "enterprise_updated_at_uscc_idx" ON "enterprise"("updated_at", "uscc");

-- CreateIndex
CREATE INDEX "enterprise_name_grams_idx" ON "enterprise" USING GIN ("name_grams");

-- CreateIndex
CREATE INDEX "cultivation_listing_list_year_idx" ON "cultivation_listing"("list", "year");

-- CreateIndex
CREATE UNIQUE INDEX "qualification_renews_id_key" ON "qualification"("renews_id");

-- CreateIndex
CREATE INDEX "qualification_uscc_type_code_idx" ON "qualification"("uscc", "type_code");

-- CreateIndex
CREATE INDEX "qualification_type_code_granted_at_idx" ON "qualification"("type_code", "granted_at");

-- CreateIndex
CREATE INDEX "qualification_granted_at_id_idx" ON "qualification"("granted_at", "id");

-- CreateIndex
CREATE INDEX "qualification_valid_until_idx" ON "qualification"("valid_until");

-- CreateIndex
CREATE INDEX "qualification_event_qualification_id_effective_at_seq_idx" ON "qualification_event"("qualification_id", "effective_at", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "qualification_event_qualification_id_seq_key" ON "qualification_event"("qualification_id", "seq");

-- CreateIndex
CREATE INDEX "audit_event_entity_type_entity_id_id_idx" ON "audit_event"("entity_type", "entity_id", "id");

-- CreateIndex
CREATE INDEX "audit_event_actor_sub_id_idx" ON "audit_event"("actor_sub", "id");

-- CreateIndex
CREATE INDEX "audit_event_at_id_idx" ON "audit_event"("at", "id");

-- CreateIndex
CREATE INDEX "idempotency_key_expires_at_idx" ON "idempotency_key"("expires_at");

-- AddForeignKey
ALTER TABLE "qualification_type" ADD CONSTRAINT "qualification_type_lead_department_code_fkey" FOREIGN KEY ("lead_department_code") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enterprise" ADD CONSTRAINT "enterprise_county_code_fkey" FOREIGN KEY ("county_code") REFERENCES "county"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cultivation_listing" ADD CONSTRAINT "cultivation_listing_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qualification" ADD CONSTRAINT "qualification_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qualification" ADD CONSTRAINT "qualification_type_code_fkey" FOREIGN KEY ("type_code") REFERENCES "qualification_type"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qualification" ADD CONSTRAINT "qualification_renews_id_fkey" FOREIGN KEY ("renews_id") REFERENCES "qualification"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qualification_event" ADD CONSTRAINT "qualification_event_qualification_id_fkey" FOREIGN KEY ("qualification_id") REFERENCES "qualification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
