#!/usr/bin/env bash
# Is an order's cost flat in the size of the inventory? For each stock size, a fresh
# SQLite database with that many numbers (area 1.212 holds up to 1,000,000; the rest
# spread over other areas), then REQUESTS DID.ORDER QUANTITY 1 requests over 64
# keep-alive connections, ROUNDS times; prints the best and median requests/s.
#
#   bench/inventory_size.sh                       # 10,000 and 1,000,000
#   bench/inventory_size.sh 10000 1000000 10000000
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 1000000)
REQUESTS=${REQUESTS:-8000}
ROUNDS=${ROUNDS:-3}
command -v oha >/dev/null 2>&1 || cargo install oha --locked
cargo build --release --quiet
DIDHUB=$PWD/target/release/didhub
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
# Areas that take the numbers beyond the first million (valid NANP areas of the catalog).
OVERFLOW=(1.213 1.312 1.305 1.512 1.416 1.202 1.206 1.214 1.215 1.216 1.217 1.301)

echo "== $(nproc) cores; $REQUESTS orders x $ROUNDS rounds per size, 64 connections"
for size in "${SIZES[@]}"; do
    db="$WORK/size-$size.db"
    export DIDHUB_DATABASE="sqlite://$db" DIDHUB_LOG=warn
    "$DIDHUB" catalog load >/dev/null
    first=$(( size < 1000000 ? size : 1000000 ))
    "$DIDHUB" inventory generate --area 1.212 --type GEOGRAPHIC --count "$first" >/dev/null
    rest=$(( size - first ))
    for area in "${OVERFLOW[@]}"; do
        [ "$rest" -gt 0 ] || break
        chunk=$(( rest < 900000 ? rest : 900000 ))
        "$DIDHUB" inventory generate --area "$area" --type GEOGRAPHIC --count "$chunk" >/dev/null
        rest=$(( rest - chunk ))
    done
    key=$("$DIDHUB" account create --email size@didhub.example --credit 10000000.00 --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["userkey"])')
    printf '<?xml version="1.0"?><REQUEST><USERTOKEN><USERKEY>%s</USERKEY></USERTOKEN><ACTION NAME="DID.ORDER"><PARAMETER NAME="DID_TYPE">GEOGRAPHIC</PARAMETER><PARAMETER NAME="AREA_ID">1.212</PARAMETER></ACTION></REQUEST>' "$key" >"$WORK/order.xml"
    port=$(( 20000 + RANDOM % 20000 ))
    "$DIDHUB" serve --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    rates=()
    for _ in $(seq "$ROUNDS"); do
        rates+=("$(oha --no-tui --output-format json -n "$(( REQUESTS / ROUNDS ))" -c 64 -m POST \
            -T application/xml -D "$WORK/order.xml" "http://127.0.0.1:$port/api/v3.asp" |
            python3 -c 'import json,sys; print(round(json.load(sys.stdin)["summary"]["requestsPerSec"]))')")
    done
    kill -TERM "$server"; wait "$server" || true
    sorted=$(printf '%s\n' "${rates[@]}" | sort -n | tr '\n' ' ')
    echo "stock $size: orders/s per round: $sorted(db $(du -h "$db" | cut -f1))"
    rm -f "$db" "$db-wal" "$db-shm"
done
