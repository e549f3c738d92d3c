-- Public verification now names the decision behind a suspended, revoked or withdrawn
-- qualification (src/modules/public/public.sql.ts). Stored public documents built before lack
-- it: every row is marked stale, so reads answer live until the refresher rebuilds them.
UPDATE "enterprise_document" SET "mark" = "mark" + 1, "fresh_until" = '-infinity';
