-- The 2025 targets of the 2021 实施意见 as data (design §5): the plan with its period, its nine tasks
-- with their responsible units in the seed's order (the first is the lead), and ten targets with the
-- exact seed quote and a versioned definition (comparator, value, metric). Definitions and reported
-- measurements are append-only histories: a change is a new row, a correction supersedes.

CREATE TYPE "TargetComparator" AS ENUM ('at_least', 'approximately', 'indicator');
CREATE TYPE "TargetUnit" AS ENUM ('enterprise', 'certificate', 'standard', 'percent');

CREATE TABLE "target_plan" (
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "basis_title" TEXT,
    "basis_document_no" TEXT,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_plan_pkey" PRIMARY KEY ("code"),
    CONSTRAINT "target_plan_period_check" CHECK ("period_end" > "period_start")
);

CREATE TABLE "policy_task" (
    "plan_code" TEXT NOT NULL,
    "task_no" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "policy_task_pkey" PRIMARY KEY ("plan_code", "task_no")
);
ALTER TABLE "policy_task" ADD CONSTRAINT "policy_task_plan_code_fkey"
  FOREIGN KEY ("plan_code") REFERENCES "target_plan"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- 责任单位 of a task, position 1 = 牵头部门.
CREATE TABLE "policy_task_department" (
    "plan_code" TEXT NOT NULL,
    "task_no" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "department_code" TEXT NOT NULL,

    CONSTRAINT "policy_task_department_pkey" PRIMARY KEY ("plan_code", "task_no", "position"),
    CONSTRAINT "policy_task_department_position_check" CHECK ("position" >= 1)
);
CREATE UNIQUE INDEX "policy_task_department_plan_code_task_no_department_code_key"
  ON "policy_task_department"("plan_code", "task_no", "department_code");
ALTER TABLE "policy_task_department" ADD CONSTRAINT "policy_task_department_plan_code_task_no_fkey"
  FOREIGN KEY ("plan_code", "task_no") REFERENCES "policy_task"("plan_code", "task_no") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "policy_task_department" ADD CONSTRAINT "policy_task_department_department_code_fkey"
  FOREIGN KEY ("department_code") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A target: where the seed states it (section, and the task whose units answer for it when the
-- definition names none) and the seed's words. What it counts lives in target_definition.
CREATE TABLE "target" (
    "code" TEXT NOT NULL,
    "plan_code" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "section" TEXT NOT NULL,
    "task_no" TEXT,
    "quote" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_pkey" PRIMARY KEY ("code")
);
CREATE INDEX "target_plan_code_position_idx" ON "target"("plan_code", "position");
ALTER TABLE "target" ADD CONSTRAINT "target_plan_code_fkey"
  FOREIGN KEY ("plan_code") REFERENCES "target_plan"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "target" ADD CONSTRAINT "target_plan_code_task_no_fkey"
  FOREIGN KEY ("plan_code", "task_no") REFERENCES "policy_task"("plan_code", "task_no") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Versions of a target's definition. The one in force at (asOf, knownAt) is the last recorded by
-- knownAt whose effective_from is not after asOf; version 1 stands for the time before.
CREATE TABLE "target_definition" (
    "target_code" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "unit" "TargetUnit" NOT NULL,
    "comparator" "TargetComparator" NOT NULL,
    "value" NUMERIC(14, 4),
    "tolerance_percent" NUMERIC(6, 3),
    "metric" JSONB NOT NULL,
    "alternatives" JSONB NOT NULL DEFAULT '[]',
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "change_note" TEXT,
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,

    CONSTRAINT "target_definition_pkey" PRIMARY KEY ("target_code", "version"),
    CONSTRAINT "target_definition_value_check" CHECK (("comparator" = 'indicator') = ("value" IS NULL) AND ("value" IS NULL OR "value" >= 0)),
    CONSTRAINT "target_definition_percent_check" CHECK ("unit" <> 'percent' OR "value" IS NULL OR "value" <= 100),
    CONSTRAINT "target_definition_tolerance_check" CHECK (("tolerance_percent" IS NOT NULL) = ("comparator" = 'approximately')
      AND ("tolerance_percent" IS NULL OR "tolerance_percent" BETWEEN 0 AND 100))
);
ALTER TABLE "target_definition" ADD CONSTRAINT "target_definition_target_code_fkey"
  FOREIGN KEY ("target_code") REFERENCES "target"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The responsible units a definition names itself (position 1 = lead); none: the task's list.
CREATE TABLE "target_definition_department" (
    "target_code" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "department_code" TEXT NOT NULL,

    CONSTRAINT "target_definition_department_pkey" PRIMARY KEY ("target_code", "version", "position"),
    CONSTRAINT "target_definition_department_position_check" CHECK ("position" >= 1)
);
CREATE UNIQUE INDEX "target_definition_department_target_code_version_department_key"
  ON "target_definition_department"("target_code", "version", "department_code");
ALTER TABLE "target_definition_department" ADD CONSTRAINT "target_definition_department_target_code_version_fkey"
  FOREIGN KEY ("target_code", "version") REFERENCES "target_definition"("target_code", "version") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "target_definition_department" ADD CONSTRAINT "target_definition_department_department_code_fkey"
  FOREIGN KEY ("department_code") REFERENCES "department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Reported figures (survey results) of targets whose metric is `reported`; county_code null = city-wide.
-- A correction is a new measurement that supersedes the old one (at most one correction each).
CREATE TABLE "target_measurement" (
    "id" UUID NOT NULL,
    "target_code" TEXT NOT NULL,
    "county_code" CHAR(6),
    "period_from" TIMESTAMPTZ(3) NOT NULL,
    "period_to" TIMESTAMPTZ(3) NOT NULL,
    "value" NUMERIC(14, 4) NOT NULL,
    "source" TEXT NOT NULL,
    "method" TEXT,
    "document_no" TEXT,
    "supersedes" UUID,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_sub" TEXT NOT NULL,
    "actor_county" TEXT,
    "actor_dept" TEXT,
    "request_id" TEXT,

    CONSTRAINT "target_measurement_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "target_measurement_period_check" CHECK ("period_to" > "period_from")
);
CREATE UNIQUE INDEX "target_measurement_supersedes_key" ON "target_measurement"("supersedes");
CREATE INDEX "target_measurement_target_code_period_to_idx" ON "target_measurement"("target_code", "period_to");
ALTER TABLE "target_measurement" ADD CONSTRAINT "target_measurement_target_code_fkey"
  FOREIGN KEY ("target_code") REFERENCES "target"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "target_measurement" ADD CONSTRAINT "target_measurement_county_code_fkey"
  FOREIGN KEY ("county_code") REFERENCES "county"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "target_measurement" ADD CONSTRAINT "target_measurement_supersedes_fkey"
  FOREIGN KEY ("supersedes") REFERENCES "target_measurement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TRIGGER "target_definition_append_only" BEFORE UPDATE OR DELETE ON "target_definition"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "target_definition_no_truncate" BEFORE TRUNCATE ON "target_definition"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "target_definition_department_append_only" BEFORE UPDATE OR DELETE ON "target_definition_department"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "target_definition_department_no_truncate" BEFORE TRUNCATE ON "target_definition_department"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "target_measurement_append_only" BEFORE UPDATE OR DELETE ON "target_measurement"
  FOR EACH ROW EXECUTE FUNCTION "reject_history_change"();
CREATE TRIGGER "target_measurement_no_truncate" BEFORE TRUNCATE ON "target_measurement"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_history_change"();

-- A new definition never takes effect before an earlier one (the service answers 409 first).
CREATE FUNCTION "target_definition_in_order"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "target_definition" d
             WHERE d."target_code" = NEW."target_code" AND d."version" < NEW."version" AND d."effective_from" > NEW."effective_from") THEN
    RAISE EXCEPTION 'target % : definition % takes effect before an earlier one', NEW."target_code", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "target_definition_in_order" BEFORE INSERT ON "target_definition"
  FOR EACH ROW EXECUTE FUNCTION "target_definition_in_order"();

-- The seeded plan: 德州市人民政府, 2021-09-02; period decided in design §8 A5.
INSERT INTO "target_plan" ("code", "title", "issuer", "issued_at", "basis_title", "basis_document_no", "period_start", "period_end") VALUES
  ('DEZHOU_HAOPIN_2025', '德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见', '德州市人民政府',
   '2021-09-02T00:00:00+08:00', '省政府关于共建共享“好品山东”推动高质量发展若干措施的通知', '鲁政字〔2021〕25号',
   '2021-09-02T00:00:00+08:00', '2026-01-01T00:00:00+08:00');

INSERT INTO "policy_task" ("plan_code", "task_no", "position", "title") VALUES
  ('DEZHOU_HAOPIN_2025', '二(一)', 1, '大力实施质量强市和品牌战略,科学构建品牌体系'),
  ('DEZHOU_HAOPIN_2025', '二(二)', 2, '大力实施标准化战略,科学打造标准体系'),
  ('DEZHOU_HAOPIN_2025', '二(三)', 3, '加大科技研发力度,完善技术创新体系'),
  ('DEZHOU_HAOPIN_2025', '二(四)', 4, '推动“一站式服务”,夯实质量基础设施建设体系'),
  ('DEZHOU_HAOPIN_2025', '二(五)', 5, '加大培育力度,健全标杆推广体系'),
  ('DEZHOU_HAOPIN_2025', '二(六)', 6, '强化政策保障,建立健全奖励机制'),
  ('DEZHOU_HAOPIN_2025', '三(一)', 7, '加强组织领导,建立综合协调机制'),
  ('DEZHOU_HAOPIN_2025', '三(二)', 8, '加强品牌监管,建立“三位一体”保护体系'),
  ('DEZHOU_HAOPIN_2025', '三(三)', 9, '加强舆论宣传,提高服务有效性');

-- The seed's 责任单位 lists, in its order.
INSERT INTO "policy_task_department" ("plan_code", "task_no", "position", "department_code")
SELECT 'DEZHOU_HAOPIN_2025', l.task_no, d.position, d.code
FROM (VALUES
  ('二(一)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE']),
  ('二(二)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE']),
  ('二(三)', ARRAY['SCIENCE_TECH', 'TRADE_UNION', 'DEVELOPMENT_REFORM', 'HUMAN_RESOURCES', 'COMMERCE', 'MARKET_REGULATION']),
  ('二(四)', ARRAY['MARKET_REGULATION']),
  ('二(五)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'DEZHOU_CUSTOMS']),
  ('二(六)', ARRAY['FINANCE', 'TRADE_UNION', 'YOUTH_LEAGUE', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'NATURAL_RESOURCES',
               'ECOLOGY_ENVIRONMENT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'MARKET_REGULATION', 'DEZHOU_CUSTOMS']),
  ('三(一)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'DEZHOU_CUSTOMS']),
  ('三(二)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'INDUSTRY_IT', 'FINANCE', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'DEZHOU_CUSTOMS']),
  ('三(三)', ARRAY['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH', 'INDUSTRY_IT', 'HOUSING_CONSTRUCTION', 'AGRICULTURE_RURAL', 'COMMERCE', 'DEZHOU_CUSTOMS'])
) AS l(task_no, codes)
CROSS JOIN LATERAL unnest(l.codes) WITH ORDINALITY AS d(code, position);

INSERT INTO "target" ("code", "plan_code", "position", "section", "task_no", "quote") VALUES
  ('GOVERNOR_QUALITY_AWARD_NEW',    'DEZHOU_HAOPIN_2025', 1, '二(一)', '二(一)', '新增省长质量奖1家以上'),
  ('HIGH_END_BRAND_CULTIVATION',    'DEZHOU_HAOPIN_2025', 2, '二(一)', '二(一)', '山东省高端品牌培育企业60家以上'),
  ('TAISHAN_QUALITY_CERTS',         'DEZHOU_HAOPIN_2025', 3, '二(一)', '二(一)', '“泰山品质”产品认证证书3张以上'),
  ('CHAMPION_AND_BENCHMARK_NEW',    'DEZHOU_HAOPIN_2025', 4, '二(一)', '二(一)', '山东省制造业单项冠军企业、质量标杆企业新增10家以上'),
  ('STANDARDS',                     'DEZHOU_HAOPIN_2025', 5, '二(二)', '二(二)', '在产品和服务提质增效方面制定企业和团体标准20项以上'),
  ('HIGH_TECH_ENTERPRISES',         'DEZHOU_HAOPIN_2025', 6, '二(三)', '二(三)', '培育高新技术企业500家左右'),
  ('ALL_STAFF_INNOVATION',          'DEZHOU_HAOPIN_2025', 7, '二(三)', '二(三)', '全员创新企业200家左右'),
  ('PRODUCER_SERVICE_SATISFACTION', 'DEZHOU_HAOPIN_2025', 8, '二(五)', '二(五)', '生产性服务业、生活性服务业顾客满意度分别稳定在85%、80%以上'),
  ('CONSUMER_SERVICE_SATISFACTION', 'DEZHOU_HAOPIN_2025', 9, '二(五)', '二(五)', '生产性服务业、生活性服务业顾客满意度分别稳定在85%、80%以上'),
  ('HAOPIN_BRANDS',                 'DEZHOU_HAOPIN_2025', 10, '一', NULL,
   '到2025年,全市形成一批品质卓越、自主创新、管理先进、竞争力强,具有国内先进水平的“好品山东”品牌');

-- Version 1 of each definition, in force from the start of the period (design §5.2, §8 A1–A6).
INSERT INTO "target_definition" ("target_code", "version", "label", "unit", "comparator", "value", "tolerance_percent", "metric",
                                 "alternatives", "effective_from", "actor_sub") VALUES
  ('GOVERNOR_QUALITY_AWARD_NEW', 1, '新增省长质量奖', 'enterprise', 'at_least', 1, NULL,
   '{"kind":"newlyGranted","types":["GOVERNOR_QUALITY_AWARD"],"countBy":"enterprise"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('HIGH_END_BRAND_CULTIVATION', 1, '山东省高端品牌培育企业', 'enterprise', 'at_least', 60, NULL,
   '{"kind":"activeAt","types":["HIGH_END_BRAND_CULTIVATION"],"countBy":"enterprise"}',
   '[{"reading":"newlyGranted","metric":{"kind":"newlyGranted","types":["HIGH_END_BRAND_CULTIVATION"],"countBy":"enterprise"}}]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('TAISHAN_QUALITY_CERTS', 1, '“泰山品质”产品认证证书', 'certificate', 'at_least', 3, NULL,
   '{"kind":"activeAt","types":["TAISHAN_QUALITY_CERT"],"countBy":"qualification"}',
   '[{"reading":"newlyGranted","metric":{"kind":"newlyGranted","types":["TAISHAN_QUALITY_CERT"],"countBy":"qualification"}}]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('CHAMPION_AND_BENCHMARK_NEW', 1, '制造业单项冠军、质量标杆企业新增', 'enterprise', 'at_least', 10, NULL,
   '{"kind":"newlyGranted","types":["MANUFACTURING_SINGLE_CHAMPION","QUALITY_BENCHMARK"],"countBy":"enterprise"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('STANDARDS', 1, '企业和团体标准', 'standard', 'at_least', 20, NULL,
   '{"kind":"newlyGranted","types":["ENTERPRISE_STANDARD","GROUP_STANDARD"],"countBy":"qualification","excludeIfStatusAtAsOf":[]}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('HIGH_TECH_ENTERPRISES', 1, '高新技术企业', 'enterprise', 'approximately', 500, 5,
   '{"kind":"activeAt","types":["HIGH_TECH_ENTERPRISE"],"countBy":"enterprise"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('ALL_STAFF_INNOVATION', 1, '全员创新企业', 'enterprise', 'approximately', 200, 5,
   '{"kind":"activeAt","types":["ALL_STAFF_INNOVATION"],"countBy":"enterprise"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('PRODUCER_SERVICE_SATISFACTION', 1, '生产性服务业顾客满意度', 'percent', 'at_least', 85, NULL,
   '{"kind":"reported","aggregate":"latest"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('CONSUMER_SERVICE_SATISFACTION', 1, '生活性服务业顾客满意度', 'percent', 'at_least', 80, NULL,
   '{"kind":"reported","aggregate":"latest"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets'),
  ('HAOPIN_BRANDS', 1, '“好品山东”品牌', 'enterprise', 'indicator', NULL, NULL,
   '{"kind":"activeAt","listingTypes":true,"countBy":"enterprise"}', '[]',
   '2021-09-02T00:00:00+08:00', 'migration:20261130007000_targets');

-- 形成一批…品牌 stands under 一、总体目标, not under a task: its units are those of 二(一) (design §5.2).
INSERT INTO "target_definition_department" ("target_code", "version", "position", "department_code")
SELECT 'HAOPIN_BRANDS', 1, position, department_code FROM "policy_task_department"
WHERE plan_code = 'DEZHOU_HAOPIN_2025' AND task_no = '二(一)';
