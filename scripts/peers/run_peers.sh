#!/usr/bin/env bash
# Peers side by side on one file (docs/PERFORMANCE.md). Not run by CI.
# Usage: scripts/peers/run_peers.sh FILE [MINISPL_BINARY]
set -euo pipefail
file=${1:?usage: run_peers.sh FILE [minispl binary]}
here=$(cd "$(dirname "$0")" && pwd)
minispl=${2:-$here/../../target/release/minispl}
t() { /usr/bin/time -f "%e s  %M KB  $*" "$@" > /dev/null; }
echo "== load: $(uptime)"
echo "== floors"
t cat "$file"
t grep -c PutImage "$file"
echo "== minispl (2 threads: reader + search)"
t "$minispl" detect --quiet "$file"
t "$minispl" search --quiet '`cloudtrail` | stats count by eventSource eventName' "$file"
t "$minispl" search --quiet '`cloudtrail` | stats count dc(src) by user vendor_region' "$file"
echo "== duckdb"
python3 "$here/duckdb_workloads.py" "$file" 2
python3 "$here/duckdb_workloads.py" "$file" 1
echo "== jq"
t jq -n -c -f "$here/w1_detections.jq" "$file"
t jq -n -c -f "$here/w3.jq" "$file"
if command -v jaq > /dev/null; then
  echo "== jaq"
  t jaq -n -c -f "$here/w1_detections.jq" "$file"
  t jaq -n -c -f "$here/w3.jq" "$file"
fi
