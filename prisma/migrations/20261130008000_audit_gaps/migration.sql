-- The audit trail closes its gaps (issue 11).
--
-- 1. An entry leaves audit_pending only by being chained: deleting the marker of an entry that is
--    not in audit_chain (which audit_seal() inserts first, in the same transaction) is refused,
--    and so are UPDATE and TRUNCATE. Without this, deleting a marker in the window before sealing
--    left a committed write outside the chain and invisible to verification.
CREATE FUNCTION "audit_pending_leave_only_chained"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM "audit_chain" c WHERE c."event_id" = OLD."event_id") THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_pending: entry % is not chained yet; only audit_seal() removes it, by chaining it', OLD."event_id"
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit_pending: % is not allowed; only audit_seal() removes entries, by chaining them', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER "audit_pending_leave_only_chained" BEFORE UPDATE OR DELETE ON "audit_pending"
  FOR EACH ROW EXECUTE FUNCTION "audit_pending_leave_only_chained"();
CREATE TRIGGER "audit_pending_no_truncate" BEFORE TRUNCATE ON "audit_pending"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- 2. Signed checkpoints: the chain's head (position, hash) at a moment, signed with the registry's
--    statement key (a compact JWS whose payload is {"typ","seq","hash","signedAt"}), published at
--    GET /v1/audit-checkpoints. Whoever holds one can tell, offline with the JWKS, whether the
--    chain was later rewritten (another hash at that position) or cut (the position is gone).
CREATE TABLE "audit_checkpoint" (
    "seq" BIGINT NOT NULL,
    "hash" CHAR(64) NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "jws" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoint_pkey" PRIMARY KEY ("seq")
);

CREATE TRIGGER "audit_checkpoint_append_only" BEFORE UPDATE OR DELETE ON "audit_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "audit_checkpoint_no_truncate" BEFORE TRUNCATE ON "audit_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();
