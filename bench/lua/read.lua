-- wrk script for read targets: each request is a random GET path from the file named by
-- BENCH_PATHS (one per line), with a Bearer token when BENCH_TOKEN is set.
local requests = {}

function init(args)
  local headers = {}
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if line ~= "" then requests[#requests + 1] = wrk.format("GET", line, headers) end
  end
  math.randomseed(os.time() + tonumber(os.getenv("BENCH_SEED") or "0"))
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
