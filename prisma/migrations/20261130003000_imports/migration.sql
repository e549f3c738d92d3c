-- Spreadsheet imports as jobs any instance can run. The uploaded file is kept in the job until it
-- has been read; its rows are staged in chunks, and each chunk is written in one transaction with
-- the job's counters, so a resumed job never writes a chunk twice. Rejected rows are kept as sent
-- for the error report.

CREATE TABLE "import_job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "file_name" TEXT,
    "file_sha256" CHAR(64) NOT NULL,
    "file" BYTEA,
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "header" JSONB,
    "total_rows" INTEGER,
    "rows_done" INTEGER NOT NULL DEFAULT 0,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "problem" JSONB,
    "worker" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "rate_since" TIMESTAMPTZ(3),
    "rate_rows" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_job_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "import_job_kind_check" CHECK ("kind" IN ('enterprises', 'qualifications')),
    CONSTRAINT "import_job_mode_check" CHECK ("mode" IN ('atomic', 'per-row')),
    CONSTRAINT "import_job_format_check" CHECK ("format" IN ('xlsx', 'csv')),
    CONSTRAINT "import_job_state_check" CHECK ("state" IN ('queued', 'reading', 'writing', 'succeeded', 'failed')),
    CONSTRAINT "import_job_counts_check" CHECK ("rows_done" >= 0 AND "accepted" >= 0 AND "rejected" >= 0 AND "accepted" + "rejected" <= "rows_done")
);

-- The workers' queue: unfinished jobs, oldest first.
CREATE INDEX "import_job_unfinished_idx" ON "import_job"("created_at") WHERE "state" IN ('queued', 'reading', 'writing');

CREATE TABLE "import_chunk" (
    "job_id" UUID NOT NULL,
    "chunk_no" INTEGER NOT NULL,
    "rows" JSONB NOT NULL,
    "done" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "import_chunk_pkey" PRIMARY KEY ("job_id", "chunk_no")
);

ALTER TABLE "import_chunk" ADD CONSTRAINT "import_chunk_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "import_rejection" (
    "job_id" UUID NOT NULL,
    "row_no" INTEGER NOT NULL,
    "cells" JSONB NOT NULL,
    "errors" JSONB NOT NULL,

    CONSTRAINT "import_rejection_pkey" PRIMARY KEY ("job_id", "row_no")
);

ALTER TABLE "import_rejection" ADD CONSTRAINT "import_rejection_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
