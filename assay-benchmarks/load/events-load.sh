#!/usr/bin/env bash
# Load harness for event ingestion (issue 6), embedded store or Kafka mode. Starts `assay serve`
# with a 1 GiB heap on a fresh data dir (in kafka mode first a real single-node KRaft broker in its
# own JVM, dev.assay.benchmarks.load.KafkaBroker, 1 GiB heap, and the server produces to it and
# consumes from it into its DuckDB warehouse), creates an SDK key, then drives
# POST /api/v1/events with wrk and events.lua (100-event batches, 1 thread, 32 connections):
#   1. warm-up, 10 s (ASSAY_WARMUP=<seconds> to change)
#   2. full speed, <seconds>
#   3. paced at half the full-speed rate, <seconds>
# and prints events/s, acknowledgement latency and the CPU seconds of each process per run. At the
# end it waits until the warehouse holds every event (in kafka mode the consumer may lag behind),
# prints how long that took and the warehouse write rate, and checks the stored count against
# wrk's count: acknowledged <= stored <= written (requests cut off when wrk stops may be stored
# without wrk counting the answer).
# With ASSAY_JFR=<dir>, flight recordings of the server (and broker) during the full-speed run are
# written there (server.jfr, broker.jfr).
# With ASSAY_SCHEMA=1, an event schema for the metric events ("purchase": value required, three
# typed properties, one with allowed values) is declared first, so every metric event is validated
# (ADR 0042); ASSAY_PROPS=1 (passed to events.lua) makes the metric events carry those properties;
# ASSAY_FLAGGING=1 turns the project's flagging rules on (the load's experiment does not exist, so
# every exposure is flagged unknown_experiment: every rule up to that one runs); ASSAY_UNIT_RATE sets
# the per-unit rule's events per minute (default 1000, 0 turns it off).
# With ASSAY_TRACING=1, the server exports its spans over OTLP/HTTP (ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT) to a
# local sink in its own JVM (dev.assay.benchmarks.load.OtlpSink) that counts and discards them.
# ASSAY_SKIP_BUILD=1 uses the jars already built (A/B series of runs on one build); ASSAY_LOAD_PORT
# moves the server from 19120 (the broker stays on 19130, the OTLP sink is the server's port + 20);
# ASSAY_PACE=<events/s> paces the third run at that rate instead of half the full-speed rate.
# Needs wrk, curl, jq, bc and a JDK 21+. Usage: assay-benchmarks/load/events-load.sh [seconds] [embedded|kafka]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-15}"
mode="${2:-embedded}"
warmup="${ASSAY_WARMUP:-10}"
case "$mode" in
  embedded|kafka) ;;
  *) echo "usage: $0 [seconds] [embedded|kafka]" >&2; exit 2 ;;
esac
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jcmd="$(dirname "$java")/jcmd"
port="${ASSAY_LOAD_PORT:-${ASSAY_PORT:-19120}}"   # assay serve (ASSAY_LOAD_PORT or ASSAY_PORT: another port, when several harnesses share a machine)
broker_port=19130   # Kafka broker; its controller listens on 19131
topic=assay-events-load
token=load-admin-token-0123456789
work="$(mktemp -d /tmp/kafkah-events.XXXXXX)"
server_pid=""
broker_pid=""
sink_pid=""
sink_port=$((port + 20))   # ASSAY_TRACING=1: the OTLP sink the server exports its spans to

stop() { # pid: SIGTERM, then SIGKILL after 30 s
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$server_pid"   # first the server: its producer and consumer close against a live broker
  stop "$broker_pid"
  stop "$sink_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$root"
# ASSAY_SKIP_BUILD=1 (or ASSAY_NO_BUILD=1) reuses the jars of the last build (A/B runs of one build).
[ "${ASSAY_SKIP_BUILD:-${ASSAY_NO_BUILD:-0}}" = 1 ] || ./mvnw -q -B -ntp -pl assay-cli,assay-benchmarks -am package -DskipTests

cpu() { # utime+stime of a process in seconds (0 if none)
  if [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ]; then
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
  else
    echo 0
  fi
}
stored() { # events in the warehouse (exposures + metric events), -1 if the server does not answer
  curl -sf -H "Authorization: Bearer $token" "localhost:$port/api/v1/events/summary?from=0&limit=1" \
    | jq '.exposures + .metricEvents' || echo -1
}
threads() { # pid: "tid name ticks" per thread (name as the kernel keeps it, 15 characters)
  [ -n "${1:-}" ] || return 0
  for f in /proc/"$1"/task/*/stat; do
    awk '{ tid = $1; name = $0; sub(/^[^(]*\(/, "", name); sub(/\) .*$/, "", name); gsub(/ /, "_", name)
           rest = $0; sub(/^.*\) /, "", rest); split(rest, a, " "); print tid, name, a[12] + a[13] }' "$f" 2>/dev/null || true
  done
}
busiest() { # before after seconds: CPU of the busiest thread groups between two threads() snapshots
  awk -v hz="$(getconf CLK_TCK)" -v secs="$3" 'NR == FNR { before[$1] = $3; next }
      { g = $2; gsub(/[0-9]+/, "N", g); used[g] += $3 - before[$1]; count[g]++ }
      END { for (g in used) if (used[g] > 0) printf "  %6.2f cores  %s (%d threads)\n", used[g] / hz / secs, g, count[g] }' \
      "$1" "$2" | sort -rn | head -8
}
field() { # field name file: value of name= in wrk's "result:" line
  grep '^result:' "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}

kafka_args=()
if [ "$mode" = kafka ]; then
  "$java" -Xmx1g -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.KafkaBroker \
      $broker_port "$work/kafka" > "$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 120); do
    grep -q '^bootstrap=' "$work/broker.log" && break
    kill -0 $broker_pid 2>/dev/null || { cat "$work/broker.log"; echo "the broker did not start" >&2; exit 1; }
    sleep 0.5
  done
  bootstrap=$(grep -m1 '^bootstrap=' "$work/broker.log" | cut -d= -f2)
  [ -n "$bootstrap" ] || { cat "$work/broker.log"; echo "the broker was not ready in 60 s" >&2; exit 1; }
  kafka_args=(--kafka-bootstrap-servers "$bootstrap" --kafka-topic $topic)
  echo "broker pid $broker_pid at $bootstrap"
fi

if curl -s -o /dev/null localhost:$port; then  # another run's server would answer our probes and take our load
  echo "port $port is in use (another run?); set ASSAY_LOAD_PORT or ASSAY_PORT" >&2; exit 1
fi
otel_env=()
if [ "${ASSAY_TRACING:-0}" = 1 ]; then  # tracing on: spans exported over OTLP/HTTP to a local sink
  "$java" -Xmx256m -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.OtlpSink $sink_port \
      > "$work/sink.log" 2>&1 &
  sink_pid=$!
  for _ in $(seq 1 60); do curl -sf localhost:$sink_port/stats >/dev/null && break; sleep 0.5; done
  otel_env=(ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sink_port)
  echo "tracing on: OTLP sink pid $sink_pid on port $sink_port"
fi

env "${otel_env[@]}" ASSAY_ADMIN_TOKEN=$token "$java" -Xmx1g --enable-native-access=ALL-UNNAMED -jar assay-cli/target/assay.jar serve \
    --host 127.0.0.1 --port $port --data-dir "$work/data" "${kafka_args[@]}" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -sf localhost:$port/health/ready >/dev/null && break
  kill -0 $server_pid 2>/dev/null || { cat "$work/serve.log"; echo "the server did not start" >&2; exit 1; }
  sleep 0.5
done
# Another run's server on the same port would answer the probe: ours must still be alive.
kill -0 $server_pid 2>/dev/null || { cat "$work/serve.log"; echo "the server did not start (port $port in use?)" >&2; exit 1; }
key=$(curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"load","environment":"production"}' localhost:$port/api/v1/sdk-connections | jq -r .key)
[[ "$key" == sdk-* ]] || { echo "could not create an SDK key" >&2; exit 1; }
if [ "${ASSAY_SCHEMA:-0}" = 1 ]; then
  curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"value":"required",
      "properties":{"plan":{"type":"string","required":true,"allowed":["free","pro","team"]},
      "seats":{"type":"number"},"coupon":{"type":"string"}}}' localhost:$port/api/v1/event-schemas/purchase >/dev/null \
    || { echo "could not declare the event schema" >&2; exit 1; }
  echo "event schema declared for 'purchase' (every metric event is validated)"
fi
if [ "${ASSAY_FLAGGING:-0}" = 1 ]; then
  curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"flagging\":true,\"maxEventsPerUnitPerMinute\":${ASSAY_UNIT_RATE:-1000}}" localhost:$port/api/v1/data-quality >/dev/null \
    || { echo "could not turn flagging on" >&2; exit 1; }
  echo "flagging on (bot user agents, clock skew, experiments, ${ASSAY_UNIT_RATE:-1000} events per unit and minute; 0: off)"
fi
echo "mode $mode, server pid $server_pid on port $port, client key $key, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

acked=0
sent=0
run() { # name rate seconds: one wrk run; prints its results and the CPU used per process
  local name="$1" rate="$2" d="$3" out="$work/$1.txt"
  local s0 b0 s1 b1 t0 t1
  threads "$server_pid" > "$work/$name.server.before"; threads "$broker_pid" > "$work/$name.broker.before"
  s0=$(cpu "$server_pid"); b0=$(cpu "$broker_pid"); t0=$(date +%s.%N)
  ASSAY_KEY=$key ASSAY_THREADS=1 ASSAY_RATE=$rate /usr/bin/time -f 'wrk_cpu=%U %S' -o "$work/$name.time" \
      wrk -t1 -c32 -d"${d}s" --timeout 30s -s assay-benchmarks/load/events.lua http://127.0.0.1:$port > "$out"
  t1=$(date +%s.%N); s1=$(cpu "$server_pid"); b1=$(cpu "$broker_pid"); run_end=$t1
  threads "$server_pid" > "$work/$name.server.after"; threads "$broker_pid" > "$work/$name.broker.after"
  acked=$((acked + $(field acked_events "$out")))
  sent=$((sent + $(field sent_events "$out")))
  grep -E '^(events acknowledged|ack latency)' "$out"
  grep '^status' "$out" || true
  local n wrk_cpu
  n=$(field acked_events "$out")
  wrk_cpu=$(awk -F'[= ]' '{ printf "%.2f", $2 + $3 }' "$work/$name.time")
  awk -v s="$(echo "$s1 - $s0" | bc)" -v b="$(echo "$b1 - $b0" | bc)" -v w="$wrk_cpu" -v n="$n" -v t="$(echo "$t1 - $t0" | bc)" -v m="$mode" \
    'BEGIN { printf "CPU in %.1f s: server %.2f s, %swrk %.2f s; per acknowledged event: server %.1f µs, %swrk %.1f µs\n",
             t, s, (m == "kafka" ? sprintf("broker %.2f s, ", b) : ""), w,
             n ? s * 1e6 / n : 0, (m == "kafka" ? sprintf("broker %.1f µs, ", n ? b * 1e6 / n : 0) : ""), n ? w * 1e6 / n : 0 }'
  echo "non-200: $(field non200 "$out"), timeouts: $(field timeouts "$out"), socket errors: $(field socket_errors "$out")"
  echo "busiest server threads (CPU over the run; N stands for digits):"
  busiest "$work/$name.server.before" "$work/$name.server.after" "$(echo "$t1 - $t0" | bc)"
  if [ "$mode" = kafka ]; then
    echo "busiest broker threads:"
    busiest "$work/$name.broker.before" "$work/$name.broker.after" "$(echo "$t1 - $t0" | bc)"
  fi
  stored_now=$(stored)
  echo "warehouse: $stored_now events stored of $acked acknowledged so far (behind by $((acked - stored_now)))"
  if [ -n "$sink_pid" ]; then
    echo "OTLP sink: $(curl -sf localhost:$sink_port/stats | awk '{ print $1 " exports, " $2 " bytes so far" }'), sink CPU $(cpu "$sink_pid") s in all"
  fi
}

echo "== warm-up (${warmup} s, full speed)"
run warmup 0 "$warmup"
after_warmup=$stored_now
echo "== full speed (${secs} s, wrk -t1 -c32, 100-event batches)"
if [ -n "${ASSAY_JFR:-}" ]; then   # ASSAY_JFR=dir: flight recordings of the server (and broker) during this run
  mkdir -p "$ASSAY_JFR"
  "$jcmd" "$server_pid" JFR.start name=load duration="${secs}s" settings=profile filename="$ASSAY_JFR/server.jfr" >/dev/null
  [ -z "$broker_pid" ] || "$jcmd" "$broker_pid" JFR.start name=load duration="${secs}s" settings=profile filename="$ASSAY_JFR/broker.jfr" >/dev/null
fi
run full 0 "$secs"
after_full=$stored_now
acked_after_full=$acked
full_rate=$(grep -o 'events acknowledged: [0-9]*' "$work/full.txt" | awk '{ print $3 }')
half=$((full_rate / 2))
[ -z "${ASSAY_PACE:-}" ] || half=$ASSAY_PACE   # a fixed rate, to compare two builds or settings at one load
echo "== paced at half the full-speed rate (or ASSAY_PACE): $half events/s (${secs} s)"
run paced "$half" "$secs"

echo "== warehouse"
# In kafka mode the consumer may still be writing: wait until every acknowledged event is there (or
# nothing moved for 20 s), then until the count is steady (requests cut off by wrk may follow).
last=-1; still=0; n=0
while :; do
  n=$(stored)
  [ "$n" -ge "$acked" ] && break
  if [ "$n" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
  [ "$still" -ge 40 ] && break
  last=$n
  sleep 0.5
done
t_done=$(date +%s.%N)
lag=$(echo "$t_done - $run_end" | bc)
while sleep 2; m=$(stored); [ "$m" -ne "$n" ]; do n=$m; done
printf 'stored %d events; acknowledged %d, written %d (acknowledged + requests cut off when wrk stopped, + non-200)\n' "$n" "$acked" "$sent"
ok=true
if [ "$n" -ge "$acked" ] && [ "$n" -le "$sent" ]; then
  echo "check: OK, acknowledged <= stored <= written"
else
  echo "check: FAILED, stored is outside [acknowledged, written]"
  ok=false
fi
if [ "$mode" = kafka ]; then
  full_written=$(echo "($after_full - $after_warmup) / $secs" | bc -l)
  printf 'consumer: warehouse writes during the full-speed run %.0f events/s (stored count before and after it)\n' "$full_written"
  behind=$((acked_after_full - after_full)); [ "$behind" -ge 0 ] || behind=0   # < 0: cut-off requests stored
  awk -v n="$behind" -v r="$full_written" \
      'BEGIN { printf "consumer: behind by %d events at the end of the full-speed run, about %.1f s of writes at that rate\n", n, (r > 0 ? n / r : 0) }'
  if [ "$n" -ge "$acked" ]; then
    printf 'consumer: every acknowledged event was in the warehouse %.1f s after the last run\n' "$lag"
  else
    printf 'consumer: no progress for 20 s, %d acknowledged events missing from the warehouse\n' "$((acked - n))"
  fi
  load_secs=$(echo "$warmup + 2 * $secs" | bc)
  printf 'consumer: warehouse write rate over the whole test %.0f events/s (%d events in %d s of load + %.1f s)\n' \
      "$(echo "$n / ($load_secs + $lag)" | bc -l)" "$n" "$load_secs" "$lag"
fi
$ok
