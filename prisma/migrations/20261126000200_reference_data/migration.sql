-- Reference data from the 2021 Dezhou 好品山东 policy (see ../shared/docs/domain.md).
-- Counties follow GB/T 2260 for 德州市 (371400); 371471 is the statistics code of 德州天衢新区.

INSERT INTO "county" ("code", "name", "kind", "valid_from", "valid_until", "successor_code") VALUES
  ('371402', '德城区',       'district',        '1994-12-17', NULL,         NULL),
  ('371403', '陵城区',       'district',        '2014-10-20', NULL,         NULL),
  ('371421', '陵县',         'county',          '1994-12-17', '2014-10-19', '371403'),
  ('371422', '宁津县',       'county',          '1994-12-17', NULL,         NULL),
  ('371423', '庆云县',       'county',          '1994-12-17', NULL,         NULL),
  ('371424', '临邑县',       'county',          '1994-12-17', NULL,         NULL),
  ('371425', '齐河县',       'county',          '1994-12-17', NULL,         NULL),
  ('371426', '平原县',       'county',          '1994-12-17', NULL,         NULL),
  ('371427', '夏津县',       'county',          '1994-12-17', NULL,         NULL),
  ('371428', '武城县',       'county',          '1994-12-17', NULL,         NULL),
  ('371481', '乐陵市',       'county_city',     '1994-12-17', NULL,         NULL),
  ('371482', '禹城市',       'county_city',     '1994-12-17', NULL,         NULL),
  ('371471', '德州天衢新区', 'functional_zone', '2019-07-01', NULL,         NULL);

INSERT INTO "department" ("code", "name") VALUES
  ('MARKET_REGULATION',        '市市场监管局'),
  ('DEVELOPMENT_REFORM',       '市发展改革委'),
  ('INDUSTRY_IT',              '市工业和信息化局'),
  ('HOUSING_CONSTRUCTION',     '市住房城乡建设局'),
  ('AGRICULTURE_RURAL',        '市农业农村局'),
  ('COMMERCE',                 '市商务局'),
  ('SCIENCE_TECH',             '市科技局'),
  ('TRADE_UNION',              '市总工会'),
  ('HUMAN_RESOURCES',          '市人力资源社会保障局'),
  ('FINANCE',                  '市财政局'),
  ('YOUTH_LEAGUE',             '团市委'),
  ('NATURAL_RESOURCES',        '市自然资源局'),
  ('ECOLOGY_ENVIRONMENT',      '市生态环境局'),
  ('DEZHOU_CUSTOMS',           '德州海关');

INSERT INTO "qualification_type"
  ("code", "name", "level", "domain", "lead_department_code", "certificate_based", "default_validity_months", "counts_as_listing", "is_standard") VALUES
  ('HAOPIN_SHANDONG_BRAND',         '"好品山东"品牌',              'provincial', 'product',    'MARKET_REGULATION', false, NULL, true,  false),
  ('TAISHAN_QUALITY_CERT',          '"泰山品质"认证',              'provincial', 'product',    'MARKET_REGULATION', true,  36,   false, false),
  ('GOVERNOR_QUALITY_AWARD',        '山东省省长质量奖',            'provincial', 'enterprise', 'MARKET_REGULATION', false, NULL, false, false),
  ('HIGH_END_BRAND_CULTIVATION',    '山东省高端品牌培育企业',      'provincial', 'enterprise', 'MARKET_REGULATION', false, 36,   false, false),
  ('MANUFACTURING_SINGLE_CHAMPION', '山东省制造业单项冠军企业',    'provincial', 'enterprise', 'INDUSTRY_IT',       false, 36,   false, false),
  ('QUALITY_BENCHMARK',             '山东省质量标杆企业',          'provincial', 'enterprise', 'INDUSTRY_IT',       false, NULL, false, false),
  ('CHINA_QUALITY_AWARD',           '中国质量奖',                  'national',   'enterprise', 'MARKET_REGULATION', false, NULL, false, false),
  ('CHINA_INDUSTRY_AWARD',          '中国工业大奖',                'national',   'enterprise', 'INDUSTRY_IT',       false, NULL, false, false),
  ('CHINA_INDUSTRIAL_DESIGN_AWARD', '中国优秀工业设计奖',          'national',   'product',    'INDUSTRY_IT',       false, NULL, false, false),
  ('GOVERNOR_CUP_DESIGN_AWARD',     '"省长杯"工业设计奖',          'provincial', 'product',    'INDUSTRY_IT',       false, NULL, false, false),
  ('HIGH_TECH_ENTERPRISE',          '高新技术企业',                'national',   'enterprise', 'SCIENCE_TECH',      true,  36,   false, false),
  ('ALL_STAFF_INNOVATION',          '全员创新企业',                'provincial', 'enterprise', 'TRADE_UNION',       false, NULL, false, false),
  ('IP_ADVANTAGE_ENTERPRISE',       '国家知识产权优势企业',        'national',   'enterprise', 'MARKET_REGULATION', false, NULL, false, false),
  ('IP_DEMONSTRATION_ENTERPRISE',   '国家知识产权示范企业',        'national',   'enterprise', 'MARKET_REGULATION', false, NULL, false, false),
  ('ENTERPRISE_STANDARD',           '企业标准',                    'municipal',  'product',    'MARKET_REGULATION', true,  NULL, false, true),
  ('GROUP_STANDARD',                '团体标准',                    'municipal',  'product',    'MARKET_REGULATION', true,  NULL, false, true);
