#!/usr/bin/env bash
# What PostgreSQL's backends are doing: samples pg_stat_activity every 100 ms for
# SECONDS and prints how often the active didhub backends were seen on the CPU or
# waiting, by wait event. Run it beside a benchmark, e.g.
#
#   SCENARIOS=order_q1 DURATION=20s bench/run.sh --database postgres://postgres@127.0.0.1:5432/postgres &
#   sleep 90; bench/pg_waits.sh postgres://postgres@127.0.0.1:5432/postgres 10
set -euo pipefail
URL=${1:?usage: bench/pg_waits.sh URL [SECONDS]}
SECONDS_TO_SAMPLE=${2:-10}
samples=$(( SECONDS_TO_SAMPLE * 10 ))
for _ in $(seq "$samples"); do
    psql "$URL" -Atc "SELECT COALESCE(wait_event_type || ':' || wait_event, 'CPU')
                      FROM pg_stat_activity
                      WHERE application_name = 'didhub' AND state = 'active'"
    sleep 0.1
done | sort | uniq -c | sort -rn | awk -v n="$samples" '{ printf "%8.1f backends on average  %s\n", $1 / n, $2 }'
