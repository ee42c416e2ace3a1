#!/usr/bin/env bash
# didhub's billing benchmark: one renewal run over DUE numbers (default 1,000,000) that
# all fall due at once, from a fresh database each run.
#
#   bench/billing.sh                      # SQLite (the default store)
#   DUE=100000 ACCOUNTS=100 bench/billing.sh --database postgres://postgres@127.0.0.1:5432/postgres
#
# Builds release, creates a database with DUE numbers in stock in area 1.212 and
# ACCOUNTS accounts (default 100) with money for two months, sells every number
# through the API (DID.ORDER QUANTITY 100; one keep-alive curl per account, 8 at a
# time), then runs
# `didhub billing run --as-of` the first due date under /usr/bin/time and prints its
# wall time, periods renewed a second, and peak memory (maximum resident set size),
# with the selling rate of the same run as the reference: the same server, machine and
# database, measured minutes before. Finally `didhub check` (which audits every
# period) must be clean, and a second run as of the same instant must renew nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE=""
DUE=${DUE:-1000000}
ACCOUNTS=${ACCOUNTS:-100}
while [ $# -gt 0 ]; do
    case "$1" in
        --database) DATABASE=$2; shift 2 ;;
        *) echo "usage: bench/billing.sh [--database postgres://...]" >&2; exit 2 ;;
    esac
done
[ $(( DUE % (ACCOUNTS * 100) )) = 0 ] || { echo "DUE must be a multiple of 100 x ACCOUNTS" >&2; exit 2; }

if [ -n "${DIDHUB_BIN:-}" ]; then
    DIDHUB=$(realpath "$DIDHUB_BIN")
else
    cargo build --release --quiet
    DIDHUB=$PWD/target/release/didhub
fi
WORK=$(mktemp -d)
SERVER=""
cleanup() {
    [ -z "$SERVER" ] || kill -TERM "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -n "${PG_DB:-}" ]; then psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "$DATABASE" ]; then
    URL="sqlite://$WORK/bench.db"
else
    PG_DB="didhub_billing_$$"
    psql "$DATABASE" -qc "CREATE DATABASE $PG_DB" >/dev/null
    URL="${DATABASE%/*}/$PG_DB"
fi
export DIDHUB_DATABASE=$URL DIDHUB_LOG=warn
export DIDHUB_RATE_LIMIT_PER_KEY=0 DIDHUB_AUTH_FAILURES_PER_MINUTE=0 DIDHUB_RENEWALS=false
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
echo "== store: ${URL%%://*}, $DUE numbers due at once, held by $ACCOUNTS accounts"
"$DIDHUB" catalog load >/dev/null
"$DIDHUB" inventory generate --area 1.212 --type GEOGRAPHIC --count "$DUE" >/dev/null
PER_ACCOUNT=$(( DUE / ACCOUNTS ))
# 1.212 under SU: SETUP100 249 + MONTHLY100 149 at the order, then 149 a month.
CREDIT=$(python3 -c "print(f'{$PER_ACCOUNT * (249 + 2 * 149) / 100:.2f}')")
PORT=$(( 20000 + RANDOM % 20000 ))
# One curl config per account: PER_ACCOUNT / 100 orders of QUANTITY 100 on one connection.
for a in $(seq "$ACCOUNTS"); do
    key=$("$DIDHUB" account create --email "holder$a@billing.example" --credit "$CREDIT" --json | json '["userkey"]')
    printf '<?xml version="1.0" ?><REQUEST><USERTOKEN><USERKEY>%s</USERKEY></USERTOKEN><ACTION NAME="DID.ORDER"><PARAMETER NAME="DID_TYPE">GEOGRAPHIC</PARAMETER><PARAMETER NAME="AREA_ID">1.212</PARAMETER><PARAMETER NAME="QUANTITY">100</PARAMETER></ACTION></REQUEST>' "$key" >"$WORK/order-$a.xml"
    for i in $(seq $(( PER_ACCOUNT / 100 ))); do
        [ "$i" = 1 ] || echo next
        printf 'url = "http://127.0.0.1:%s/api/v3.asp"\ndata-binary = "@%s"\noutput = "%s"\n' \
            "$PORT" "$WORK/order-$a.xml" "$WORK/answer-$a-$i"
    done >"$WORK/curl-$a.cfg"
done
"$DIDHUB" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
t0=$(date +%s.%N)
seq "$ACCOUNTS" | xargs -P 8 -I{} curl -sf -K "$WORK/curl-{}.cfg"
t1=$(date +%s.%N)
SOLD=$(find "$WORK" -name 'answer-*' -exec cat {} + | grep -o '<DID ' | wc -l)
[ "$SOLD" = "$DUE" ] || { echo "sold $SOLD of $DUE" >&2; exit 1; }
kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""
SELL_RATE=$(python3 -c "print(round($DUE / ($t1 - $t0)))")
echo "   sold $DUE numbers in $(python3 -c "print(round($t1 - $t0, 1))") s: $SELL_RATE numbers/s (the reference)"

# The orders were placed now: the first renewal is due a month later.
AS_OF=$(python3 - <<'PY'
import calendar, datetime
now = datetime.datetime.now(datetime.timezone.utc)
y, m = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
d = min(now.day, calendar.monthrange(y, m)[1])
print(f"{y:04d}-{m:02d}-{d:02d}T00:00:00Z")
PY
)
/usr/bin/time -v -o "$WORK/time" "$DIDHUB" billing run --as-of "$AS_OF" --json >"$WORK/run.json"
RENEWED=$(json '["renewed"]' <"$WORK/run.json")
[ "$RENEWED" = "$DUE" ] || { echo "renewed $RENEWED of $DUE" >&2; cat "$WORK/run.json" >&2; exit 1; }
python3 - "$WORK/time" "$DUE" "$SELL_RATE" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = text.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0]
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
due, sell = int(sys.argv[2]), int(sys.argv[3])
rate = due / seconds
print(f"billing run: {due} periods in {seconds:.1f} s wall ({cpu:.1f} s CPU): {rate:.0f} periods/s, "
      f"{rate / sell:.2f}x the selling rate; peak memory {rss / 1024:.0f} MiB")
PY
[ "$("$DIDHUB" billing run --as-of "$AS_OF" --json | json '["renewed"]')" = 0 ] || { echo "a second run renewed again" >&2; exit 1; }
"$DIDHUB" check --json >/dev/null && echo "   check: clean; a second run renewed nothing"
