#!/usr/bin/env bash
# History read costs (issue 17) against a real `assay serve` (embedded H2): N audited flag edits over
# 50 flags, then the median of 7 timed reads of the history, a version, the payload at an instant and
# the live payload. Run from the repository root after building assay-cli: N=10000 assay-benchmarks/load/history-reads.sh
set -euo pipefail
N=${N:-2000}; PORT=${PORT:-18090}; TOKEN=perf-admin-token-0123456789
D=$(mktemp -d)
ASSAY_ADMIN_TOKEN=$TOKEN "${JAVA_HOME:-/usr}/bin/java" -jar assay-cli/target/assay.jar serve --port $PORT --host 127.0.0.1 --data-dir "$D" >"$D/log" 2>&1 &
PID=$!
trap 'kill $PID; wait $PID 2>/dev/null || true' EXIT
T="Authorization: Bearer $TOKEN"; B=localhost:$PORT/api/v1
for w in $(seq 1 150); do curl -sf localhost:$PORT/health/ready >/dev/null && break; sleep 0.2; done
K=$(curl -s -H "$T" -H 'Content-Type: application/json' -X POST $B/sdk-connections -d '{"name":"p","environment":"production"}' | jq -r .key)
for f in $(seq 0 49); do
  curl -s -o /dev/null -H "$T" -H 'Content-Type: application/json' -X POST $B/flags -d "{\"key\":\"f$f\",\"type\":\"string\",\"defaultValue\":\"v0\"}"
done
start=$(date +%s.%N)
for i in $(seq 1 $N); do
  if [ "$i" -eq $((N / 2)) ]; then MID=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ); fi
  curl -s -o /dev/null -H "$T" -H 'Content-Type: application/merge-patch+json' -X PATCH "$B/flags/f$((i % 50))" -d "{\"defaultValue\":\"v$i\"}"
done
end=$(date +%s.%N)
echo "edits: $N in $(echo "$end - $start" | bc) s (curl per edit)"
entries=$(curl -s -H "$T" "$B/audit/verify" | jq .entriesChecked)
echo "audit entries: $entries"
t() { for r in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w '%{time_total}\n' -H "$T" "$1"; done | sort -n | sed -n 4p; }
echo "history f0 (limit 20, $((N / 50)) versions), median of 7: $(t "$B/flags/f0/history") s"
echo "versions/1 of f0, median of 7: $(t "$B/flags/f0/versions/1") s"
echo "payload at the middle instant, median of 7: $(t "$B/sdk-connections/$K/payload?at=$MID") s"
echo "payload at now, median of 7: $(t "$B/sdk-connections/$K/payload?at=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)") s"
echo "live payload, median of 7: $(t "$B/sdk-connections/$K/payload") s"
