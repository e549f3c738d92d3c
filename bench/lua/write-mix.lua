-- wrk script for the write mix. Requests rotate: enterprise create, qualification grant,
-- status change, so each is a third of the load and each is valid when sent:
--   create: a fresh USCC 91371400W<8 base-31 digits><check>, serial from BENCH_SERIAL upwards;
--   grant: a certificate-based type with certificate number BENCH-<BENCH_TAG>-<n> (unique per type)
--          on a random loaded enterprise (BENCH_USCCS, one per line);
--   status change: walks the qualification ids in BENCH_QIDS (active when the run starts),
--          suspending each on the first pass and reinstating it on the next.
-- Same logic as writeMix() in bench/load.ts (the autocannon path). One wrk thread only.
local ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local WEIGHTS = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 }
local COUNTIES = { "371402", "371403", "371422", "371423", "371424", "371425", "371426", "371427", "371428", "371481", "371482", "371471" }
local PLACES = { "德州", "山东", "鲁", "齐", "宁津", "禹城" }
local TRADES = { "华宇", "鑫源", "恒泰", "金诺", "宏达", "瑞丰", "隆盛", "新昌", "福兴", "永利" }
local INDUSTRIES = { { "机械制造", "C34" }, { "食品", "C14" }, { "新材料科技", "C30" }, { "生物科技", "C27" }, { "电子科技", "C39" } }
local STAGES = { "planned", "cultivating", "established" }
local CERT_TYPES = { "TAISHAN_QUALITY_CERT", "HIGH_TECH_ENTERPRISE", "ENTERPRISE_STANDARD", "GROUP_STANDARD" }

local usccs, qids = {}, {}
local serial, tag, n, m = 0, "", 0, 0
local headers

local function check_char(first17)
  local sum = 0
  for i = 1, 17 do
    sum = sum + (ALPHABET:find(first17:sub(i, i), 1, true) - 1) * WEIGHTS[i]
  end
  local v = (31 - sum % 31) % 31
  return ALPHABET:sub(v + 1, v + 1)
end

local function base31(value, width)
  local out = {}
  for i = width, 1, -1 do
    local d = value % 31
    out[i] = ALPHABET:sub(d + 1, d + 1)
    value = (value - d) / 31
  end
  return table.concat(out)
end

local function pick(list) return list[math.random(#list)] end
local function now() return os.date("!%Y-%m-%dT%H:%M:%SZ") end

function init(args)
  for line in io.lines(os.getenv("BENCH_USCCS")) do if line ~= "" then usccs[#usccs + 1] = line end end
  for line in io.lines(os.getenv("BENCH_QIDS")) do if line ~= "" then qids[#qids + 1] = line end end
  serial = tonumber(os.getenv("BENCH_SERIAL"))
  tag = os.getenv("BENCH_TAG")
  headers = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"), ["Content-Type"] = "application/json" }
  math.randomseed(os.time() + tonumber(os.getenv("BENCH_SEED") or "0"))
end

local function create()
  local first17 = "91371400W" .. base31(serial + n, 8)
  local industry = pick(INDUSTRIES)
  local body = string.format(
    '{"uscc":"%s","name":"%s%s%s有限公司","countyCode":"%s","industryCode":"%s","address":"山东省德州市德城区天衢路%d号",' ..
    '"legalRepresentative":"王伟","contact":{"name":"李娜","phone":"138%08d","email":"bench%d@dz-enterprise.cn"},' ..
    '"cultivationStage":"%s","businessStatus":"operating"}',
    first17 .. check_char(first17), pick(PLACES), pick(TRADES), industry[1], pick(COUNTIES), industry[2], n % 300 + 1,
    n % 100000000, n, pick(STAGES))
  return wrk.format("POST", "/v1/enterprises", headers, body)
end

local function grant()
  local body = string.format(
    '{"type":"%s","certificateNo":"BENCH-%s-%d","grantedAt":"%s","title":"压测授予 %d","issuer":"山东省市场监督管理局","issuerLevel":"province"}',
    CERT_TYPES[n % #CERT_TYPES + 1], tag, n, now(), n)
  return wrk.format("POST", "/v1/enterprises/" .. pick(usccs) .. "/qualifications", headers, body)
end

local function change()
  local id = qids[m % #qids + 1]
  local reinstate = math.floor(m / #qids) % 2 == 1
  m = m + 1
  local at = now()
  local body
  if reinstate then
    body = string.format(
      '{"to":"active","reasonCode":"rectified","reason":"整改验收合格，恢复","effectiveAt":"%s","decision":{"authority":"德州市市场监督管理局","level":"city","documentNo":"德市监〔2026〕%d号","decidedAt":"%s"}}',
      at, m, at)
  else
    body = string.format(
      '{"to":"suspended","reasonCode":"inspection_failed","reason":"监督抽查不合格","effectiveAt":"%s","decision":{"authority":"德州市市场监督管理局","level":"city","documentNo":"德市监〔2026〕%d号","decidedAt":"%s"}}',
      at, m, at)
  end
  return wrk.format("POST", "/v1/qualifications/" .. id .. "/status-changes", headers, body)
end

function request()
  local kind = n % 3
  local req
  if kind == 0 then req = create() elseif kind == 1 then req = grant() else req = change() end
  n = n + 1
  return req
end

statuses = {}
function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do parts[#parts + 1] = string.format('"%d":%d', code, count) end
  end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f,"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, table.concat(parts, ",")))
end
