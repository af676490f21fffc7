#!/usr/bin/env bash
# The test suite N times in a row (default 5) while two busy processes keep both cores loaded:
# tests that wait on conditions, not on the clock, pass here as on a quiet machine.
#   bash bench/suite_under_load.sh [N]
set -u
cd "$(dirname "$0")/.."
runs="${1:-5}"
burners=()
for _ in 1 2; do python3 -c 'while True: pass' & burners+=($!); done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
passed=0
for i in $(seq 1 "$runs"); do
  began=$(date +%s)
  if pytest -q -p no:cacheprovider -x >"/tmp/fetchtui-under-load-$i.log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
  else
    verdict="FAILED (see /tmp/fetchtui-under-load-$i.log)"
  fi
  echo "run $i: $verdict in $(( $(date +%s) - began )) s: $(tail -n 1 "/tmp/fetchtui-under-load-$i.log")"
done
echo "$passed of $runs runs passed with both cores busy"
[ "$passed" -eq "$runs" ]
