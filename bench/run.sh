#!/usr/bin/env bash
# didhub's HTTP benchmark: one command, from a fresh database each run.
#
#   bench/run.sh                                   # SQLite (the default store)
#   bench/run.sh --database postgres://postgres@127.0.0.1:5432/postgres --processes 3
#
# Builds release, creates a fresh database holding STOCK numbers (default 1,000,000) in
# area 1.212 and an account with enough credit, starts didhub serve, and measures with
# oha (64 keep-alive connections, DURATION each, default 10s): GET /health (the HTTP
# floor), DID.ORDER QUANTITY 1 and 10 over v3, DID.LIST (LIMIT 50) of an account
# holding 1,000 numbers, ANVEO.AREAS.LIST, a switch's route lookup (GET /route/{e164}
# with a routing token, `routing`, checked against its target), and the mix of DID.ORDER QUANTITY 1 and
# DID.LIST LIMIT 50 of the buying account at once (half the connections each; on SQLite
# the WAL's size is sampled meanwhile, and shown again after the graceful stop). Prints
# requests/s, p50/p99/max latency and the ratio to /health, then runs didhub check. For
# PostgreSQL a fresh database is created next to the one in the URL and dropped
# afterwards, and pgbench's TPC-B (scale 10, 16 clients, prepared, same duration) runs
# against the same server after DID.ORDER QUANTITY 1, which is then shown as a ratio to
# it (run once with --processes 1 and once with --processes 3 to compare).
#
# The rate limits are off unless RATE_LIMIT is set (requests a second per key; the
# burst is twice that; failed authentications get the same number a minute), and
# metrics are off unless METRICS=1 (then they are recorded and served on the API port
# behind a token, scraped once at the end to show they were).
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE=""
PROCESSES=1
STOCK=${STOCK:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
# Which scenarios to run after /health (which always runs: the others are compared to it).
SCENARIOS=${SCENARIOS:-order_q1 mixed_order_list order_q10 did_list_limit50 areas_list routing}
while [ $# -gt 0 ]; do
    case "$1" in
        --database) DATABASE=$2; shift 2 ;;
        --processes) PROCESSES=$2; shift 2 ;;
        --stock) STOCK=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        *) echo "usage: bench/run.sh [--database URL] [--processes N] [--stock N] [--duration 10s]" >&2; exit 2 ;;
    esac
done

command -v oha >/dev/null 2>&1 || cargo install oha --locked
# DIDHUB_BIN runs another build (e.g. target/profiling/didhub for perf) instead of release.
if [ -n "${DIDHUB_BIN:-}" ]; then
    DIDHUB=$(realpath "$DIDHUB_BIN")
else
    cargo build --release --quiet
    DIDHUB=$PWD/target/release/didhub
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${PG_DB:-}" ]; then psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null || true; fi
    if [ -n "${PGB_DB:-}" ]; then psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PGB_DB" >/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$DATABASE" ]; then
    URL="sqlite://$WORK/bench.db"
    [ "$PROCESSES" = 1 ] || { echo "SQLite is served by one process" >&2; exit 2; }
else
    PG_DB="didhub_bench_$$"
    psql "$DATABASE" -qc "CREATE DATABASE $PG_DB" >/dev/null
    URL="${DATABASE%/*}/$PG_DB"
fi
export DIDHUB_DATABASE=$URL DIDHUB_LOG=warn
# 64 connections hammering one key would trip the default limits: off unless asked.
RATE_LIMIT=${RATE_LIMIT:-0}
export DIDHUB_RATE_LIMIT_PER_KEY=$RATE_LIMIT DIDHUB_RATE_LIMIT_BURST=$(( RATE_LIMIT * 2 ))
export DIDHUB_AUTH_FAILURES_PER_MINUTE=$RATE_LIMIT
METRICS=${METRICS:-0}
if [ "$METRICS" = 1 ]; then export DIDHUB_METRICS_TOKEN=bench-metrics-token; fi
# The servers log every request (as in production): the logs tell API-level errors.
SERVE_LOG=${SERVE_LOG:-info}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
echo "== store: ${URL%%://*}, $PROCESSES process(es), $STOCK numbers in stock"
echo "== rate limits: $( [ "$RATE_LIMIT" = 0 ] && echo off || echo "$RATE_LIMIT/s per key, burst $(( RATE_LIMIT * 2 ))" ), metrics: $( [ "$METRICS" = 1 ] && echo on || echo off )"
t0=$(date +%s)
"$DIDHUB" catalog load >/dev/null
"$DIDHUB" inventory generate --area 1.212 --type GEOGRAPHIC --count "$STOCK" >/dev/null
"$DIDHUB" inventory generate --area 1.312 --type GEOGRAPHIC --count 1000 >/dev/null
BUYER=$("$DIDHUB" account create --email bench@didhub.example --credit 100000000.00 --json)
LISTER=$("$DIDHUB" account create --email lister@didhub.example --credit 10000.00 --json)
KEY=$(echo "$BUYER" | json '["userkey"]')
LIST_KEY=$(echo "$LISTER" | json '["userkey"]')
echo "   prepared in $(( $(date +%s) - t0 ))s"

PORT0=$(( 20000 + RANDOM % 20000 ))
for i in $(seq 0 $(( PROCESSES - 1 ))); do
    DIDHUB_LOG=$SERVE_LOG "$DIDHUB" serve --listen "127.0.0.1:$(( PORT0 + i ))" >"$WORK/serve-$i.log" 2>&1 &
    PIDS+=($!)
done
for i in $(seq 0 $(( PROCESSES - 1 ))); do
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$(( PORT0 + i ))/health" >/dev/null && break
        sleep 0.1
    done
done
BASE="http://127.0.0.1:$PORT0"

order_xml() {
    printf '<?xml version="1.0" standalone="no" ?><REQUEST><USERTOKEN><USERKEY>%s</USERKEY></USERTOKEN><ACTION NAME="DID.ORDER"><PARAMETER NAME="DID_TYPE">GEOGRAPHIC</PARAMETER><PARAMETER NAME="AREA_ID">%s</PARAMETER><PARAMETER NAME="QUANTITY">%s</PARAMETER></ACTION></REQUEST>' "$1" "$2" "$3"
}
order_xml "$KEY" 1.212 1 >"$WORK/order1.xml"
order_xml "$KEY" 1.212 10 >"$WORK/order10.xml"
for _ in $(seq 10); do
    curl -sf -X POST "$BASE/api/v3.asp" --data-binary "$(order_xml "$LIST_KEY" 1.312 100)" | grep SUCCESS >/dev/null
done
# The routing scenario: a routing token, and one of the lister's numbers forwarded to a
# primary and a backup SIP URI.
ROUTE_TOKEN=$("$DIDHUB" routing token create --name bench --json | json '["token"]')
ROUTE_DID=$(curl -sf "$BASE/api/v2.asp?userkey=$LIST_KEY&action=DID.LIST&param%5BLIMIT%5D=1" | grep -o ' E164="[0-9]*"' | head -n 1 | cut -d'"' -f2)
curl -sf "$BASE/api/v2.asp?userkey=$LIST_KEY&action=DID.UPDATE&param%5BFILTER.E164%5D=$ROUTE_DID&param%5BCALL_FORWARD_TYPE%5D=SIP_URI&param%5BCALL_FORWARD_TO%5D=%24%5BE164%5D%24%40pbx.example.com%2Cbackup%4010.0.0.2" | grep SUCCESS >/dev/null

HEALTH_RPS=""
# report NAME FILES...: one line from oha's JSON outputs (summed over processes).
report() {
    local name=$1; shift
    python3 - "$name" "${HEALTH_RPS:-0}" "$@" <<'PY'
import json, sys
name, health, files = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
runs = [json.load(open(f)) for f in files]
rps = sum(r["summary"]["requestsPerSec"] for r in runs)
def worst(key): return max(r["latencyPercentiles"][key] for r in runs) * 1000
mx = max(r["summary"]["slowest"] for r in runs) * 1000
codes = {}
for r in runs:
    for c, n in r.get("statusCodeDistribution", {}).items(): codes[c] = codes.get(c, 0) + n
# Requests still in flight when the duration ends are cut off by oha; not errors.
errors = sum(n for r in runs for kind, n in r.get("errorDistribution", {}).items()
             if "deadline" not in kind)
ratio = f"{rps / health:6.1%}" if health else "  100%"
print(f"{name:<22} {rps:10.0f} req/s  p50 {worst('p50'):7.2f} ms  p99 {worst('p99'):7.2f} ms  max {mx:8.2f} ms  vs health {ratio}  http {codes} errors {errors}")
open(sys.argv[3] + ".rps", "w").write(str(rps))
open(sys.argv[3] + ".p99", "w").write(str(worst('p99')))
PY
}
# measure NAME PATH [oha options...]: spreads CONNECTIONS over the processes.
measure() {
    local name=$1 path=$2; shift 2
    if [ "$name" != health ] && [[ " $SCENARIOS " != *" $name "* ]]; then return; fi
    local per=$(( CONNECTIONS / PROCESSES )) outs=() loaders=()
    for i in $(seq 0 $(( PROCESSES - 1 ))); do
        oha --no-tui --output-format json -z "$DURATION" -c "$per" "$@" \
            "http://127.0.0.1:$(( PORT0 + i ))$path" >"$WORK/$name-$i.json" &
        loaders+=($!)
        outs+=("$WORK/$name-$i.json")
    done
    wait "${loaders[@]}"
    report "$name" "${outs[@]}"
}
WAL="$WORK/bench.db-wal"
wal_bytes() { stat -c %s "$WAL" 2>/dev/null || echo 0; }
# measure_mixed: DID.ORDER QUANTITY 1 and DID.LIST LIMIT 50 of the same (buying) account
# at once, half the connections each, sampling the WAL's size every half second.
measure_mixed() {
    if [[ " $SCENARIOS " != *" mixed_order_list "* ]]; then return; fi
    local per=$(( CONNECTIONS / 2 / PROCESSES )) orders=() lists=() loaders=() peak=0 size
    [ "$per" -ge 1 ] || per=1
    for i in $(seq 0 $(( PROCESSES - 1 ))); do
        local base="http://127.0.0.1:$(( PORT0 + i ))"
        oha --no-tui --output-format json -z "$DURATION" -c "$per" -m POST -T application/xml \
            -D "$WORK/order1.xml" "$base/api/v3.asp" >"$WORK/mixed_order-$i.json" &
        loaders+=($!)
        oha --no-tui --output-format json -z "$DURATION" -c "$per" \
            "$base/api/v2.asp?userkey=$KEY&action=DID.LIST&param%5BLIMIT%5D=50" >"$WORK/mixed_list-$i.json" &
        loaders+=($!)
        orders+=("$WORK/mixed_order-$i.json")
        lists+=("$WORK/mixed_list-$i.json")
    done
    while kill -0 "${loaders[@]}" 2>/dev/null; do
        size=$(wal_bytes); [ "$size" -gt "$peak" ] && peak=$size
        sleep 0.5
    done
    wait "${loaders[@]}"
    report "mixed: DID.ORDER Q1" "${orders[@]}"
    report "mixed: DID.LIST (buyer)" "${lists[@]}"
    if [ -z "$DATABASE" ]; then
        echo "   WAL during the mix: peak $peak bytes, $(wal_bytes) bytes at its end"
    fi
}
echo "== $CONNECTIONS connections, $DURATION each"
measure health /health
HEALTH_RPS=$(cat "$WORK/health-0.json.rps")
measure order_q1 /api/v3.asp -m POST -T application/xml -D "$WORK/order1.xml"
# The PostgreSQL reference of the same run: pgbench's TPC-B (scale 10, 16 clients,
# prepared statements, the same duration) in a database of its own on the same server,
# while the didhub processes sit idle; DID.ORDER QUANTITY 1 is shown as a ratio to it.
if [ -n "$DATABASE" ] && [[ " $SCENARIOS " == *" order_q1 "* ]]; then
    PGB_DB="didhub_pgbench_$$"
    psql "$DATABASE" -qc "CREATE DATABASE $PGB_DB" >/dev/null
    PGB_URL="${DATABASE%/*}/$PGB_DB"
    pgbench -i -s 10 -q "$PGB_URL" >"$WORK/pgbench-init.log" 2>&1
    pgbench -c 16 -j 2 -M prepared -T "${DURATION%s}" "$PGB_URL" >"$WORK/pgbench.log" 2>&1
    psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PGB_DB" >/dev/null
    PGB_DB=""
    TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.log" | head -n 1)
    python3 - "$TPS" "$WORK/order_q1-0.json.rps" "$PROCESSES" <<'PY'
import sys
tps, orders = float(sys.argv[1]), float(open(sys.argv[2]).read())
print(f"pgbench TPC-B            {tps:10.0f} tps    (scale 10, 16 clients, prepared)")
print(f"   DID.ORDER Q1 with {sys.argv[3]} process(es): {orders:.0f} orders/s = {orders / tps:.2f}x pgbench (target >= 2x)")
PY
fi
measure_mixed
measure order_q10 /api/v3.asp -m POST -T application/xml -D "$WORK/order10.xml"
measure did_list_limit50 "/api/v2.asp?userkey=$LIST_KEY&action=DID.LIST&param%5BLIMIT%5D=50"
measure areas_list "/api/v2.asp?userkey=$KEY&action=ANVEO.AREAS.LIST&param%5BDID_TYPE%5D=GEOGRAPHIC&param%5BCOUNTRY_ID%5D=US"
measure routing "/route/$ROUTE_DID" -H "Authorization: Bearer $ROUTE_TOKEN"
if [[ " $SCENARIOS " == *" routing "* ]]; then
    # The target (shared/spec/routing.md): at least half /health's rate, and a p99 within
    # twice /health's p99 plus 1 ms, in this same run.
    python3 - "$WORK/health-0.json" "$WORK/routing-0.json" <<'PY'
import sys
h, r = (float(open(f + ".rps").read()) for f in sys.argv[1:])
hp, rp = (float(open(f + ".p99").read()) for f in sys.argv[1:])
ok = r >= h / 2 and rp <= 2 * hp + 1
print(f"   routing target: {r / h:.1%} of /health (>= 50%), p99 {rp:.2f} ms <= {2 * hp + 1:.2f} ms: {'met' if ok else 'NOT met'}")
PY
fi

if [ "$METRICS" = 1 ]; then
    echo "== metrics: $(curl -sf -H "Authorization: Bearer $DIDHUB_METRICS_TOKEN" "$BASE/metrics" | grep -c '^didhub_') series lines"
fi
for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
wait "${PIDS[@]}" 2>/dev/null || true
PIDS=()
if [ -z "$DATABASE" ]; then
    echo "== WAL after the graceful stop: $(if [ -e "$WAL" ]; then echo "$(wal_bytes) bytes"; else echo "no file"; fi)"
fi
echo "== errors answered (non-SUCCESS results), from the server logs:"
grep -ho 'result="[A-Z_]*"' "$WORK"/serve-*.log | grep -v SUCCESS | sort | uniq -c || echo "   none"
echo "== didhub check"
"$DIDHUB" check
