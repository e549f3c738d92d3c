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
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
psql "$DB" -Atc "SELECT id FROM qualification WHERE status = 'active' AND valid_from <= now() AND (valid_until IS NULL OR valid_until > now() + interval '1 day') ORDER BY random() LIMIT 3000" > "$work/qids"
psql "$DB" -Atc "SELECT uscc FROM enterprise ORDER BY random() LIMIT 2000" > "$work/usccs"
cpu() { # jiffies of all postgres processes, and of the registry
  local t=0 s; for p in $(pgrep -x postgres); do s=$(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0); t=$((t + s)); done
  echo "$t $(awk '{print $14+$15}' /proc/$pid/stat)"
}
DATABASE_URL="$DB?options=-c%20track_functions%3Dpl" DATA_DIR="$work/data" PORT=3999 LOG_LEVEL=${LOG_LEVEL:-warn} MIGRATE_ON_START=false node dist/server.js > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:3999/readyz > /dev/null && break; sleep 0.5; done
token=$(DATA_DIR="$work/data" DATABASE_URL="$DB" npm run -s token)
# New enterprises take USCCs after the highest one written by earlier runs (as bench/dataset.ts's nextWriteSerial).
serial=$(psql "$DB" -Atc "SELECT coalesce((SELECT sum((strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(top, i, 1)) - 1)::numeric * power(31::numeric, 8 - i))
                                             FROM generate_series(1, 8) i), 0)::bigint + 1000
                          FROM (SELECT max(substr(uscc, 10, 8)) AS top FROM enterprise WHERE substr(uscc, 1, 9) = '91371400W') t")
mix() { (cd bench/lua && BENCH_TOKEN=$token BENCH_USCCS="$work/usccs" BENCH_QIDS="$work/qids" BENCH_SERIAL=$((serial + $2)) BENCH_TAG="tp$RANDOM" \
  wrk -t1 -c50 -d"$1"s -s write-mix.lua http://127.0.0.1:3999); }
mix 5 0 > /dev/null
psql "$DB" -Atc "SELECT pg_stat_reset()" > /dev/null
read -r pg0 n0 < <(cpu)
mix "$SECONDS_" 100000 | grep BENCH_RESULT | sed -E 's/.*"requests":([0-9]+).*"statuses":(\{[^}]*\}).*/requests \1, statuses \2/'
read -r pg1 n1 < <(cpu)
echo "CPU (jiffies of 1/$(getconf CLK_TCK) s): postgres $((pg1 - pg0)), registry $((n1 - n0))"
psql "$DB" -c "SELECT funcname, calls, round(total_time::numeric / calls * 1000) AS total_us, round(self_time::numeric / calls * 1000) AS self_us, round(total_time::numeric) AS total_ms
               FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 14"
