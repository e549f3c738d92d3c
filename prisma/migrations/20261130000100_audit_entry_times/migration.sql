-- An audit entry records the times of the change it reports, where the entity has them:
-- occurred_at (when it happened in the world) and effective_at (when it takes effect); `at` is
-- when it was recorded. Both are hashed into the chain. Entries without them (every entry
-- written before this migration) hash exactly as before: the digest appends the two times only
-- when one of them is set, so every existing hash verifies unchanged.

ALTER TABLE "audit_event" ADD COLUMN "occurred_at" TIMESTAMPTZ(3), ADD COLUMN "effective_at" TIMESTAMPTZ(3);

CREATE FUNCTION "audit_event_digest"(
  prev_hash TEXT, id BIGINT, at TIMESTAMPTZ, actor_sub TEXT, actor_county TEXT, actor_dept TEXT,
  request_id TEXT, operation TEXT, entity_type TEXT, entity_id TEXT, before JSONB, after JSONB,
  occurred_at TIMESTAMPTZ, effective_at TIMESTAMPTZ
) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(prev_hash || '|' || (jsonb_build_array(
    id, floor(extract(epoch FROM at) * 1000)::BIGINT, actor_sub, actor_county, actor_dept,
    request_id, operation, entity_type, entity_id, before, after)
    || CASE WHEN occurred_at IS NULL AND effective_at IS NULL THEN '[]'::jsonb
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
      entry."before", entry."after", entry."occurred_at", entry."effective_at");
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

DROP FUNCTION "audit_event_digest"(TEXT, BIGINT, TIMESTAMPTZ, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB);
