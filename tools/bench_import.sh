#!/usr/bin/env bash
# The import benchmark of docs/BENCHMARKS.md: a release build imports ROWS (default
# 1,000,000) valid numbers spread over five US areas from one CSV into a database that
# holds the bundled catalog, and GNU time reports the wall time and peak memory.
#
#   tools/bench_import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
didhub=target/release/didhub
db="sqlite://$work/bench.db"

# Rows per area; 1212 2000000 + i is a valid New York number for i < 8,000,000.
per_area=$(( (rows + 4) / 5 ))
{
    echo "e164,did_type,area_id"
    for npa in 212 213 312 305 512; do
        seq 0 $(( per_area - 1 )) | awk -v npa="$npa" '{ printf "1%s%07d,GEOGRAPHIC,1.%s\n", npa, 2000000 + $1, npa }'
    done
} | head -n $(( rows + 1 )) > "$work/numbers.csv"

/usr/bin/time -f "wall %e s, peak RSS %M KiB (catalog load: the world, into an empty database)" \
    "$didhub" --database "$db" catalog load
echo "importing $rows rows ($(du -h "$work/numbers.csv" | cut -f1) of CSV)"
DIDHUB_LOG=didhub=info /usr/bin/time -f "wall %e s, peak RSS %M KiB" \
    "$didhub" --database "$db" inventory import "$work/numbers.csv"
echo "importing the same file again (every row already in stock)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" \
    "$didhub" --database "$db" inventory import "$work/numbers.csv" | tail -n 1
/usr/bin/time -f "wall %e s, peak RSS %M KiB (stock report)" "$didhub" --database "$db" inventory stock > /dev/null
/usr/bin/time -f "wall %e s, peak RSS %M KiB (check)" "$didhub" --database "$db" check
