#!/usr/bin/env bash
# PostgreSQL's view of the write mix: runs the registry of this tree (dist/, `npm run build` first)
# against DATABASE (a loaded benchmark database, e.g. postgresql://postgres@127.0.0.1:5432/haopin_bench)
# with track_functions, sends bench/lua/write-mix.lua for SECONDS (after a 5 s warm-up), and prints
# the requests, the CPU of every postgres process and of the registry (from /proc), and the time per
# call of each PL/pgSQL function (the triggers). Needs wrk, psql and curl. Port 3999.
#   bench/trigger-profile.sh postgresql://postgres@127.0.0.1:5432/haopin_bench [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?database URL}; SECONDS_=${2:-20}
work=$(mktemp -d); pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
# What the bench's own write phases take (bench/dataset.ts): qualifications that may be suspended,
# loaded enterprises, and the first USCC serial after those written by earlier runs.
serial=$(node --import tsx --input-type=module -e '
  import { writeFileSync } from "node:fs"
  import { nextWriteSerial, sampleSuspendable, sampleUsccs } from "./bench/dataset.ts"
  const [url, dir] = process.argv.slice(1)
  // Each phase its own qualifications, as the bench hands them out: a phase suspends those it is given.
  const qids = await sampleSuspendable(url, 6000)
  writeFileSync(`${dir}/qids-warm-up`, qids.slice(0, qids.length / 2).join("\n") + "\n")
  writeFileSync(`${dir}/qids`, qids.slice(qids.length / 2).join("\n") + "\n")
  writeFileSync(`${dir}/usccs`, (await sampleUsccs(url, 2000)).join("\n") + "\n")
  console.log(await nextWriteSerial(url))
' "$DB" "$work")
cpu() { # jiffies of all postgres processes, and of the registry
  local t=0 s; for p in $(pgrep -x postgres); do s=$(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0); t=$((t + s)); done
  echo "$t $(awk '{print $14+$15}' /proc/$pid/stat)"
}
DATABASE_URL="$DB$([[ $DB == *\?* ]] && echo "&" || echo "?")options=-c%20track_functions%3Dpl" DATA_DIR="$work/data" PORT=3999 LOG_LEVEL=${LOG_LEVEL:-warn} MIGRATE_ON_START=false node dist/server.js > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:3999/readyz > /dev/null && break; sleep 0.5; done
curl -sf http://127.0.0.1:3999/readyz > /dev/null || { echo "the registry did not get ready within 60 s:" >&2; cat "$work/server.log" >&2; exit 1; }
token=$(DATA_DIR="$work/data" DATABASE_URL="$DB" npm run -s token)
mix() { (cd bench/lua && BENCH_TOKEN=$token BENCH_USCCS="$work/usccs" BENCH_QIDS="$work/$3" BENCH_SERIAL=$((serial + $2)) BENCH_TAG="tp$RANDOM" \
  wrk -t1 -c50 -d"$1"s -s write-mix.lua http://127.0.0.1:3999); }
mix 5 0 qids-warm-up > /dev/null
psql "$DB" -Atc "SELECT pg_stat_reset()" > /dev/null
read -r pg0 n0 < <(cpu)
mix "$SECONDS_" 100000 qids | grep BENCH_RESULT | sed -E 's/.*"requests":([0-9]+).*"statuses":(\{[^}]*\}).*/requests \1, statuses \2/'
read -r pg1 n1 < <(cpu)
echo "CPU (jiffies of 1/$(getconf CLK_TCK) s): postgres $((pg1 - pg0)), registry $((n1 - n0))"
psql "$DB" -c "SELECT funcname, calls, round(total_time::numeric / calls * 1000) AS total_us, round(self_time::numeric / calls * 1000) AS self_us, round(total_time::numeric) AS total_ms
               FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 14"
