#!/usr/bin/env bash
# Harness for `assay plan|apply|export` end to end through the CLI (issue 16: apply of 500 resources
# <= 10 s, no-op re-apply <= 3 s). Starts `assay serve` on a fresh embedded store, writes 500
# resources in four files (the same mix as AsCodeApplyHarnessTest: 200 metrics, 100 segments,
# 150 flags with a segment rule, 50 of them naming one of 50 experiments), then for each of
# three fresh projects (each with the environment 'production') times, as separate `assay` processes (JVM start included):
#   plan (500 creates), apply (500 creates), apply again (500 unchanged), export, plan of the export.
# Checks the exit codes (plan 2 then 0). Usage: assay-benchmarks/load/ascode-cli.sh [--no-build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
port=18191
token=load-admin-token-0123456789
data="$(mktemp -d)"
cd "$root"
[ "${1:-}" = "--no-build" ] || ./mvnw -q -B -ntp -pl assay-cli -am package -DskipTests
ASSAY_ADMIN_TOKEN=$token "$java" -jar assay-cli/target/assay.jar serve --port $port --host 127.0.0.1 \
  --data-dir "$data/store" > "$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf 127.0.0.1:$port/health/ready >/dev/null && break; sleep 0.5; done

files="$data/files"; mkdir -p "$files"
for i in $(seq 0 199); do printf 'kind: metric\nkey: m%d\nname: Metric %d\ntype: proportion\nevent: e%d\n---\n' $i $i $i; done > "$files/metrics.yaml"
for i in $(seq 0 99); do printf 'kind: segment\nkey: s%d\ncondition: { country: { $in: [C%d] } }\n---\n' $i $i; done > "$files/segments.yaml"
for i in $(seq 0 49); do
  printf 'name: x%d\nowner: load\nvariants:\n  - { name: control, allocation: 50%%, config: { on: false } }\n' $i
  printf '  - { name: treatment, allocation: 50%%, config: { on: true } }\ntargeting: { eligible_users: s%d }\n' $i
  printf 'metrics: { primary: m%d, secondary: [m%d], guardrails: [m%d] }\n' $i $((i + 50)) $((i + 100))
  printf 'duration: { minimum_runtime_days: 7, target_sample_size_per_variant: 5000 }\n---\n'
done > "$files/experiments.yaml"
for i in $(seq 0 149); do
  printf 'kind: flag\nkey: f%d\ntype: boolean\ndefault_value: false\nenvironments:\n  production:\n    rules:\n' $i
  printf '      - { condition: { id: { $inGroup: s%d } }, value: true }\n' $((i % 100))
  [ $i -lt 50 ] && printf '      - { experiment: x%d }\n' $i
  printf -- '---\n'
done > "$files/flags.yaml"

assay() { "$java" -jar assay-cli/target/assay.jar "$@" --server http://127.0.0.1:$port --token $token; }
timed() { # timed EXPECTED_EXIT LABEL ARGS...: runs assay, checks the exit code, prints seconds
  local want=$1 label=$2; shift 2
  local t0 t1 rc=0
  t0=$(date +%s.%N); assay "$@" > "$data/out.txt" 2>&1 || rc=$?; t1=$(date +%s.%N)
  [ "$rc" = "$want" ] || { echo "$label: exit $rc, expected $want"; cat "$data/out.txt"; exit 1; }
  printf '%s %.2f s (%s)\n' "$label" "$(echo "$t1 - $t0" | bc)" "$(tail -1 "$data/out.txt")"
}
t0=$(date +%s.%N); "$java" -jar assay-cli/target/assay.jar --version >/dev/null; t1=$(date +%s.%N)
printf 'JVM start (assay --version): %.2f s\n' "$(echo "$t1 - $t0" | bc)"
for round in 1 2 3; do
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X POST \
    127.0.0.1:$port/api/v1/projects -d "{\"key\":\"load$round\",\"name\":\"Load $round\"}" > /dev/null
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X POST \
    "127.0.0.1:$port/api/v1/environments?project=load$round" -d '{"key":"production","name":"Production"}' > /dev/null
  echo "== round $round (project load$round)"
  timed 2 "plan (500 creates):" plan -f "$files" --project load$round
  timed 0 "apply (500 creates):" apply -f "$files" --project load$round
  timed 0 "apply again (no-op):" apply -f "$files" --project load$round
  timed 0 "export:" export -o "$data/export$round" --project load$round
  timed 0 "plan of the export:" plan -f "$data/export$round" --project load$round
done
