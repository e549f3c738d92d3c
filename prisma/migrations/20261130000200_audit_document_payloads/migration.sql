-- One payload convention for every audit entry from now on: `before` and `after` are the
-- entity's public document (or null), with the change's occurred/effective times where the
-- entity has them. Entries written before (`legacy`) hold what each operation chose then (changed
-- fields, or {status, version, change}); they stay as they are and keep their hashes: the digest
-- of a legacy entry is computed exactly as before, and a `document` entry's digest appends its two
-- times and the word 'document', so neither kind can be passed off as the other.

ALTER TABLE "audit_event" ADD COLUMN "payload_format" TEXT NOT NULL DEFAULT 'legacy'
  CONSTRAINT "audit_event_payload_format_check" CHECK ("payload_format" IN ('legacy', 'document'));
ALTER TABLE "audit_event" ALTER COLUMN "payload_format" SET DEFAULT 'document';

CREATE FUNCTION "audit_event_digest"(
  prev_hash TEXT, id BIGINT, at TIMESTAMPTZ, actor_sub TEXT, actor_county TEXT, actor_dept TEXT,
  request_id TEXT, operation TEXT, entity_type TEXT, entity_id TEXT, before JSONB, after JSONB,
  occurred_at TIMESTAMPTZ, effective_at TIMESTAMPTZ, payload_format TEXT
) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(prev_hash || '|' || (jsonb_build_array(
    id, floor(extract(epoch FROM at) * 1000)::BIGINT, actor_sub, actor_county, actor_dept,
    request_id, operation, entity_type, entity_id, before, after)
    || CASE WHEN payload_format = 'document'
            THEN jsonb_build_array(floor(extract(epoch FROM occurred_at) * 1000)::BIGINT,
                                   floor(extract(epoch FROM effective_at) * 1000)::BIGINT, 'document')
            WHEN occurred_at IS NULL AND effective_at IS NULL THEN '[]'::jsonb
            ELSE jsonb_build_array(floor(extract(epoch FROM occurred_at) * 1000)::BIGINT,
                                   floor(extract(epoch FROM effective_at) * 1000)::BIGINT) END)::TEXT, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION "audit_seal"(max_entries INT, wait BOOLEAN) RETURNS INT
LANGUAGE plpgsql AS $$
DECLARE
  head_seq BIGINT;
  head_hash TEXT;
  entry RECORD;
  sealed INT := 0;
  seqs BIGINT[] := '{}';
  ids BIGINT[] := '{}';
  prevs TEXT[] := '{}';
  hashes TEXT[] := '{}';
BEGIN
  IF wait THEN
    PERFORM pg_advisory_xact_lock(7304140001);
  ELSIF NOT pg_try_advisory_xact_lock(7304140001) THEN
    RETURN -1;
  END IF;
  SELECT c."seq", c."hash" INTO head_seq, head_hash FROM "audit_chain" c ORDER BY c."seq" DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, repeat('0', 64));
  FOR entry IN
    SELECT e.* FROM "audit_pending" p JOIN "audit_event" e ON e."id" = p."event_id"
    ORDER BY p."event_id" LIMIT max_entries
  LOOP
    head_seq := head_seq + 1;
    seqs := seqs || head_seq;
    ids := ids || entry."id";
    prevs := prevs || head_hash;
    head_hash := "audit_event_digest"(head_hash, head_seq, entry."at", entry."actor_sub", entry."actor_county",
      entry."actor_dept", entry."request_id", entry."operation", entry."entity_type", entry."entity_id",
      entry."before", entry."after", entry."occurred_at", entry."effective_at", entry."payload_format");
    hashes := hashes || head_hash;
    sealed := sealed + 1;
  END LOOP;
  IF sealed > 0 THEN
    INSERT INTO "audit_chain" ("seq", "event_id", "prev_hash", "hash")
    SELECT * FROM unnest(seqs, ids, prevs, hashes);
    DELETE FROM "audit_pending" WHERE "event_id" = ANY (ids);
  END IF;
  RETURN sealed;
END $$;

DROP FUNCTION "audit_event_digest"(TEXT, BIGINT, TIMESTAMPTZ, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB, TIMESTAMPTZ, TIMESTAMPTZ);
