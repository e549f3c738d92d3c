-- Fewer target_figure_change rows for the same guarantee (migration 20261130009100): a change row
-- says "count this enterprise's part again", so a row that another row of the same transaction
-- already says, or that no count can need, is not written.
--
-- 1. A history event of a qualification that this transaction itself wrote (inserted by a grant,
--    updated by the status change that the event records): the qualification's own triggers wrote
--    its enterprise and type in this transaction already. The qualification row's xmin is compared
--    with the top-level transaction id, so a row written in a subtransaction (which might roll back
--    alone) never counts as written and its events still record themselves.
CREATE OR REPLACE FUNCTION "target_figure_changed_event"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "target_figure_change" ("uscc", "type_code")
  SELECT DISTINCT q."uscc", q."type_code" FROM changed e JOIN "qualification" q ON q."id" = e."qualification_id"
  WHERE q.xmin::text::bigint <> pg_current_xact_id()::text::bigint % 4294967296;
  RETURN NULL;
END $$;

-- 2. An enterprise's first version, when it has no qualification: every metric counts
--    qualifications (with the county of their enterprise), so an enterprise without any is in no
--    count. The first version is written at the commit of the transaction that registers the
--    enterprise (enterprise_version_at_commit); until then no other transaction can hold a
--    qualification of it (the foreign key), and a qualification this transaction grants records its
--    own change. One row per version, so the trigger is a row trigger and no transition table is
--    kept for the statement (each version is inserted by a statement of its own).
DROP TRIGGER "target_figure_change_insert" ON "enterprise_version";
DROP FUNCTION "target_figure_changed_enterprise"();

CREATE FUNCTION "target_figure_changed_enterprise"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" > 1 OR EXISTS (SELECT 1 FROM "qualification" q WHERE q."uscc" = NEW."uscc") THEN
    INSERT INTO "target_figure_change" ("uscc", "type_code") VALUES (NEW."uscc", NULL);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "target_figure_change_insert" AFTER INSERT ON "enterprise_version"
  FOR EACH ROW EXECUTE FUNCTION "target_figure_changed_enterprise"();
