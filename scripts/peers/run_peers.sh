#!/usr/bin/env bash
# Peers side by side on one file (docs/PERFORMANCE.md). Not run by CI.
# Usage: scripts/peers/run_peers.sh FILE [MINISPL_BINARY]
# SKIP_JQ=1 skips jq/jaq (slow on large files), SKIP_NOOPT=1 the unoptimised run,
# CORES=2 only the 2-core runs. Each command runs 3 times; the best wall time and the largest peak RSS are printed.
set -euo pipefail
file=${1:?usage: run_peers.sh FILE [minispl binary]}
here=$(cd "$(dirname "$0")" && pwd)
minispl=${2:-$here/../../target/release/minispl}
bytes=$(stat -c %s "$file")
records=$(wc -l < "$file")
best() {
  local label=$1; shift
  local best_t="" max_kb=0
  for _ in 1 2 3; do
    local tf out
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f "%e %M" "$@" > /dev/null 2> /dev/null || true
    out=$(tail -1 "$tf"); rm -f "$tf"
    local t=${out% *} kb=${out#* }
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; fi
    if [ "$kb" -gt "$max_kb" ]; then max_kb=$kb; fi
  done
  awk -v l="$label" -v t="$best_t" -v b="$bytes" -v n="$records" -v kb="$max_kb" \
    'BEGIN{t2 = (t > 0 ? t : 0.005); printf "%-44s %7.2f s %8.0f MB/s %11.0f ev/s %7.1f MB RSS\n", l, t, b/t2/1e6, n/t2, kb/1024}'
}
echo "== $(uptime)"
echo "== file: $file, $bytes bytes, $records records"
best "cat > /dev/null" cat "$file"
# Through a pipe: GNU grep stops at the first match when its output is /dev/null.
best "grep -c PutImage" sh -c 'grep -c PutImage "$0" | cat' "$file"
W3='`cloudtrail` | stats count by eventSource eventName'
W4='`cloudtrail` | stats count dc(src) by user vendor_region'
for cores in ${CORES:-2 1}; do
  pin=()
  [ "$cores" = 1 ] && pin=(taskset -c 0)
  best "minispl W1 detect (4 in one pass), $cores core(s)" "${pin[@]}" "$minispl" detect --quiet "$file"
  for rule in "AWS ECR Container Upload Unknown User" "AWS ECR Container Upload Outside Business Hours" \
              "AWS ECR Container Scanning Findings High" "New container uploaded to AWS ECR"; do
    best "minispl W2 ${rule:0:30}.., $cores core(s)" "${pin[@]}" "$minispl" detect --quiet --rule "$rule" "$file"
  done
  best "minispl W3, $cores core(s)" "${pin[@]}" "$minispl" search --quiet "$W3" "$file"
  best "minispl W4, $cores core(s)" "${pin[@]}" "$minispl" search --quiet "$W4" "$file"
done
if [ -z "${SKIP_NOOPT:-}" ]; then
  best "minispl W1 --no-optimize, 2 cores" "$minispl" detect --quiet --no-optimize "$file"
fi
echo "== duckdb (best of 3 inside the script)"
python3 "$here/duckdb_workloads.py" "$file" 2
python3 "$here/duckdb_workloads.py" "$file" 1
if [ -z "${SKIP_JQ:-}" ]; then
echo "== jq"
best "jq W1" jq -n -c -f "$here/w1_detections.jq" "$file"
best "jq W3" jq -n -c -f "$here/w3.jq" "$file"
if command -v jaq > /dev/null; then
  best "jaq W1" jaq -n -c -f "$here/w1_detections.jq" "$file"
  best "jaq W3" jaq -n -c -f "$here/w3.jq" "$file"
fi
fi
