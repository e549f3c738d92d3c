-- audit_seal() reads the entries to chain by their keys instead of joining audit_pending with
-- audit_event. The join was planned once per session from the tables' statistics, and whenever
-- they had been gathered during a backlog (many pending entries) the plan was a merge join that
-- walked audit_event's primary key from the very first entry up to the first pending one, or a
-- hash join over the whole table: every background pass (every 200 ms) read the entire trail,
-- which only grows. On the benchmark's trail of 27,861 entries a pass took 35 ms of PostgreSQL
-- time, 219 µs per write of the write mix; it now reads the pending markers (a short index range)
-- and then each of their entries by key, whatever the statistics say.
-- Everything else is as before: the same lock, order, digest, chain rows and markers removed.

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
    SELECT e.* FROM "audit_event" e
    WHERE e."id" = ANY (ARRAY(SELECT p."event_id" FROM "audit_pending" p ORDER BY p."event_id" LIMIT max_entries))
    ORDER BY e."id"
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
