#!/usr/bin/env bash
# Load harness for config delivery (issue: payload endpoint, OFREP, SSE). Starts `assay serve --demo`
# with a 1 GiB heap on a fresh data dir, then drives it from this machine:
#   1. GET /api/features/{key}: wrk, 2 threads, 64 connections, half the requests with If-None-Match
#   2. POST /ofrep/v1/evaluate/flags/{key}: wrk, 2 threads, 64 connections (if the endpoint exists)
#   3. SSE: 1,000 streams, 5 flag changes -> change-to-client latency
#   4. SSE: 10,000 idle streams -> server heap after a full GC, then 3 changes
# Needs wrk (apt-get install wrk) and a JDK 21+. Usage: assay-benchmarks/load/delivery-load.sh [seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-15}"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jcmd="$(dirname "$java")/jcmd"
port=18190
token=load-admin-token-0123456789
data="$(mktemp -d)"
cd "$root"
./mvnw -q -B -ntp -pl assay-cli,assay-benchmarks -am package -DskipTests
ASSAY_ADMIN_TOKEN=$token "$java" -Xmx1g -jar assay-cli/target/assay.jar serve --demo --port $port --data-dir "$data" --http-max-connections-per-client 20000 > "$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 60); do curl -sf localhost:$port/health/ready >/dev/null && break; sleep 0.5; done
key=$(grep -o "sdk-[0-9a-f]*" "$data/serve.log" | head -1)
etag=$(curl -s -D - -o /dev/null localhost:$port/api/features/$key | tr -d '\r' | awk 'tolower($1)=="etag:"{print $2}')
echo "server pid $pid, client key $key, etag $etag"

cat > "$data/mix.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  if counter % 2 == 0 then
    return wrk.format("GET", "/api/features/$key", {["If-None-Match"] = '$etag'})
  end
  return wrk.format("GET", "/api/features/$key")
end
LUA
echo "== warm-up"; wrk -t2 -c64 -d5s -s "$data/mix.lua" http://127.0.0.1:$port >/dev/null
echo "== payload endpoint (50% 200, 50% 304)"; wrk -t2 -c64 -d${secs}s -s "$data/mix.lua" --latency http://127.0.0.1:$port

if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d '{"context":{"targetingKey":"u1"}}' localhost:$port/ofrep/v1/evaluate/flags/new-header)" = "200" ]; then
  cat > "$data/ofrep.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local body = '{"context":{"targetingKey":"user-' .. counter .. '","beta":false}}'
  return wrk.format("POST", "/ofrep/v1/evaluate/flags/checkout-button",
    {["Authorization"] = "Bearer $key", ["Content-Type"] = "application/json"}, body)
end
LUA
  wrk -t2 -c64 -d5s -s "$data/ofrep.lua" http://127.0.0.1:$port >/dev/null
  echo "== OFREP single evaluation"; wrk -t2 -c64 -d${secs}s -s "$data/ofrep.lua" --latency http://127.0.0.1:$port
else
  echo "== OFREP endpoint not available: skipped"
fi

cp=assay-benchmarks/target/benchmarks.jar
echo "== SSE: 1,000 streams, 5 changes"
"$java" -cp $cp dev.assay.benchmarks.load.SseLoad http://127.0.0.1:$port "$key" $token 1000 5
sleep 20   # let heartbeats reap the closed streams
echo "== SSE: 10,000 idle streams"
"$java" -cp $cp dev.assay.benchmarks.load.SseLoad http://127.0.0.1:$port "$key" $token 10000 3 30 &
loader=$!
sleep 20
"$jcmd" $pid GC.run >/dev/null
echo "server heap after full GC with $(curl -s localhost:$port/metrics | awk '/^assay_sse_connections /{print $2}') open streams:"
"$jcmd" $pid GC.heap_info | sed -n 2p
wait $loader
