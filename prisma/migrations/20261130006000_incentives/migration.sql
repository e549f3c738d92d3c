-- Incentive programs as data (design §4): a program names its kind of support, its benefit, its
-- policy basis, its level (city, or a county with its county), its sponsoring departments in order
-- (position 1 = lead) and its period. Who qualifies is decided by rule sets: append-only versions of
-- a condition tree, each with the time it takes effect. Eligibility is computed, never stored.

CREATE TYPE "IncentiveKind" AS ENUM ('subsidy', 'policy_support', 'nomination_support', 'facilitation', 'financing', 'opportunity');
CREATE TYPE "IncentiveLevel" AS ENUM ('city', 'county');
CREATE TYPE "IncentiveFrequency" AS ENUM ('once', 'yearly', 'rolling', 'per_application');

CREATE TABLE "incentive_program" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "IncentiveKind" NOT NULL,
    "benefit" JSONB NOT NULL,
    "basis" JSONB NOT NULL,
    "level" "IncentiveLevel" NOT NULL,
    "county_code" CHAR(6),
    "frequency" "IncentiveFrequency",
    "sponsor_name" TEXT,
    "delivered_by" TEXT,
    "valid_from" TIMESTAMPTZ(3),
    "valid_until" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incentive_program_pkey" PRIMARY KEY ("code"),
    CONSTRAINT "incentive_program_county_check" CHECK (("level" = 'county') = ("county_code" IS NOT NULL)),
    CONSTRAINT "incentive_program_period_check" CHECK ("valid_until" IS NULL OR "valid_from" IS NULL OR "valid_until" > "valid_from")
);
CREATE INDEX "incentive_program_county_code_idx" ON "incentive_program"("county_code");
ALTER TABLE "incentive_program" ADD CONSTRAINT "incentive_program_county_code_fkey"
  FOREIGN KEY ("county_code") REFERENCES "county"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "incentive_program" ADD CONSTRAINT "incentive_program_delivered_by_fkey"
  FOREIGN KEY ("delivered_by") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Sponsoring departments of a program, position 1 = 牵头部门.
CREATE TABLE "incentive_program_department" (
    "program_code" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "department_code" TEXT NOT NULL,

    CONSTRAINT "incentive_program_department_pkey" PRIMARY KEY ("program_code", "position"),
    CONSTRAINT "incentive_program_department_position_check" CHECK ("position" >= 1)
);
CREATE UNIQUE INDEX "incentive_program_department_program_code_department_code_key"
  ON "incentive_program_department"("program_code", "department_code");
CREATE INDEX "incentive_program_department_department_code_idx" ON "incentive_program_department"("department_code");
ALTER TABLE "incentive_program_department" ADD CONSTRAINT "incentive_program_department_program_code_fkey"
  FOREIGN KEY ("program_code") REFERENCES "incentive_program"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "incentive_program_department" ADD CONSTRAINT "incentive_program_department_department_code_fkey"
  FOREIGN KEY ("department_code") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Rule sets: the condition tree of a program, version by version. Append-only; the version in force
-- at (asOf, knownAt) is the highest with effective_from <= asOf and recorded_at <= knownAt.
CREATE TABLE "incentive_rule_set" (
    "program_code" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "change_note" TEXT,
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,

    CONSTRAINT "incentive_rule_set_pkey" PRIMARY KEY ("program_code", "version"),
    CONSTRAINT "incentive_rule_set_version_check" CHECK ("version" >= 1)
);
ALTER TABLE "incentive_rule_set" ADD CONSTRAINT "incentive_rule_set_program_code_fkey"
  FOREIGN KEY ("program_code") REFERENCES "incentive_program"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE TRIGGER "incentive_rule_set_append_only" BEFORE UPDATE OR DELETE ON "incentive_rule_set"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "incentive_rule_set_no_truncate" BEFORE TRUNCATE ON "incentive_rule_set"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- The seven programs the 2021 实施意见 names (二(六), 二(三), 三(三)), in its words. The seed gives no
-- amounts and one condition: being a “好品山东”市场主体 (an active listing), with an operating business.
INSERT INTO "incentive_program" ("code", "name", "kind", "benefit", "basis", "level", "frequency", "delivered_by", "valid_from")
SELECT p.code, p.name, p.kind::"IncentiveKind", jsonb_build_object('summary', p.summary),
       jsonb_build_object('title', '德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见', 'issuer', '德州市人民政府',
                          'issuedAt', '2021-09-01T16:00:00.000Z', 'task', p.task),
       'city', NULL, p.delivered_by, '2021-09-02T00:00:00+08:00'
FROM (VALUES
  ('OVERSEAS_TRADEMARK_SUPPORT', '境外商标注册扶持', 'policy_support', '二(六)', NULL,
   '对“好品山东”市场主体境外的商标注册、广告、展览等项目,给予相关政策扶持。'),
  ('OVERSEAS_ADVERTISING_SUPPORT', '境外广告扶持', 'policy_support', '二(六)', NULL,
   '对“好品山东”市场主体境外的商标注册、广告、展览等项目,给予相关政策扶持。'),
  ('OVERSEAS_EXHIBITION_SUPPORT', '境外展览扶持', 'policy_support', '二(六)', NULL,
   '对“好品山东”市场主体境外的商标注册、广告、展览等项目,给予相关政策扶持。'),
  ('AWARD_NOMINATION_SUPPORT', '参评中国质量奖、中国工业大奖、中国优秀工业设计奖、省长质量奖、“省长杯”工业设计奖支持', 'nomination_support', '二(六)', NULL,
   '支持“好品山东”市场主体参评中国质量奖、中国工业大奖、中国优秀工业设计奖、省长质量奖、“省长杯”工业设计奖'),
  ('CUSTOMS_FACILITATION', '进出口货物通关一体化等优惠措施', 'facilitation', '二(六)', 'DEZHOU_CUSTOMS',
   '享受进出口货物通关一体化等优惠措施。'),
  ('IP_SERVICE_SUPPORT', '知识产权服务机构海外研发、产品出口、品牌输出专业化服务', 'policy_support', '二(三)', NULL,
   '支持知识产权服务机构为“好品山东”企业海外研发、产品出口、品牌输出等提供专业化服务。'),
  ('TRADE_FAIR_PARTICIPATION', '组织参加国内外交易展览', 'opportunity', '三(三)', NULL,
   '积极组织“好品山东”市场主体参加国内外交易展览等活动,展示“好品山东”品牌。')
) AS p(code, name, kind, task, delivered_by, summary);

-- Sponsors: the task's 责任单位 in the seed's order (the lead first).
INSERT INTO "incentive_program_department" ("program_code", "position", "department_code")
SELECT p.code, d.position, d.code
FROM "incentive_program" p
JOIN (VALUES
  ('二(三)', ARRAY['SCIENCE_TECH', 'TRADE_UNION', 'DEVELOPMENT_REFORM', 'HUMAN_RESOURCES', 'COMMERCE', 'MARKET_REGULATION']),
  ('二(六)', ARRAY['FINANCE', 'TRADE_UNION', 'YOUTH_LEAGUE', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'NATURAL_RESOURCES',
               'ECOLOGY_ENVIRONMENT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'MARKET_REGULATION', 'DEZHOU_CUSTOMS']),
  ('三(三)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'DEZHOU_CUSTOMS'])
) AS l(task_no, codes) ON l.task_no = p.basis->>'task'
CROSS JOIN LATERAL unnest(l.codes) WITH ORDINALITY AS d(code, position);

INSERT INTO "incentive_rule_set" ("program_code", "version", "rules", "effective_from", "recorded_at", "change_note", "actor_sub")
SELECT p.code, 1,
  '{"id":"root","allOf":[{"id":"listed","kind":"listed","params":{},"label":"“好品山东”市场主体"},{"id":"operating","kind":"businessStatusIn","params":{"statuses":["operating"]},"label":"经营状态正常"}]}'::jsonb,
  '2021-09-02T00:00:00+08:00', '2021-09-02T00:00:00+08:00', '实施意见所列条件:“好品山东”市场主体(持有有效的“好品山东”品牌),经营状态正常', 'migration'
FROM "incentive_program" p;
