-- The audit chain is built after each write commits instead of while it runs.
--
-- Until now a trigger chained every audit entry as it was inserted, under an advisory lock held
-- until the writing transaction committed: every write of every instance waited for the one
-- before it to reach the disk (measured: 81 % of the database's time under a write load was that
-- wait). Now:
--   * a write inserts its entries into audit_event (append-only, as before) and, by trigger in the
--     same statement, their ids into audit_pending; nothing is shared between writers;
--   * audit_seal() appends committed pending entries to audit_chain in one transaction at a time
--     (advisory lock 7304140001), each with its position `seq`, the previous entry's hash and its
--     own: hash = audit_event_digest(prev_hash, seq, the entry's content). The registry seals in
--     the background and before it answers any audit read, so the trail an auditor reads always
--     includes every write committed before the request.
-- Positions are the order in which entries were sealed, which is an order of commits: an entry
-- whose transaction commits later is sealed later. Entries chained before this migration keep
-- their hashes: their position is their id, so every existing hash verifies unchanged.

DROP TRIGGER "audit_event_chain" ON "audit_event";
DROP FUNCTION "audit_event_chain"();

CREATE TABLE "audit_chain" (
    "seq" BIGINT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "prev_hash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "audit_chain_event_id_key" ON "audit_chain"("event_id");
ALTER TABLE "audit_chain" ADD CONSTRAINT "audit_chain_event_id_fkey"
  FOREIGN KEY ("event_id") REFERENCES "audit_event"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

INSERT INTO "audit_chain" ("seq", "event_id", "prev_hash", "hash", "sealed_at")
SELECT "id", "id", "prev_hash", "hash", "at" FROM "audit_event" ORDER BY "id";

ALTER TABLE "audit_event" DROP COLUMN "prev_hash", DROP COLUMN "hash";

CREATE TRIGGER "audit_chain_append_only" BEFORE UPDATE OR DELETE ON "audit_chain"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "audit_chain_no_truncate" BEFORE TRUNCATE ON "audit_chain"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- Entries written but not yet chained. Rows leave it only when audit_seal() chains them.
CREATE TABLE "audit_pending" (
    "event_id" BIGINT NOT NULL,

    CONSTRAINT "audit_pending_pkey" PRIMARY KEY ("event_id")
);
ALTER TABLE "audit_pending" ADD CONSTRAINT "audit_pending_event_id_fkey"
  FOREIGN KEY ("event_id") REFERENCES "audit_event"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE FUNCTION "audit_event_pending"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "audit_pending" ("event_id") SELECT "id" FROM "new_entries";
  RETURN NULL;
END $$;

CREATE TRIGGER "audit_event_pending" AFTER INSERT ON "audit_event"
  REFERENCING NEW TABLE AS "new_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_pending"();

-- Chains up to max_entries committed pending entries, oldest id first; returns how many. With
-- wait = false it returns -1 at once when another transaction is sealing (a background pass
-- skips its turn); otherwise it waits for it. Each statement inside reads what has committed by
-- its start, and the lock is taken before the head is read, so the head is the last entry the
-- previous sealer chained.
CREATE FUNCTION "audit_seal"(max_entries INT, wait BOOLEAN) RETURNS INT
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
      entry."before", entry."after");
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
