-- wrk script for POST /api/v1/events: each request is a JSON array of 100 events (half exposures,
-- half metric events) whose ids are unique across threads and runs, so none is a duplicate.
-- Settings come from the environment: ASSAY_KEY (SDK client key, required), ASSAY_RATE (events per
-- second to aim at over all threads; 0 or unset = as fast as the connections go), ASSAY_THREADS
-- (the -t given to wrk, to split the rate). done() prints two lines for people and one "result: k=v ..."
-- line for scripts (assay-benchmarks/load/events-load.sh).
local key = os.getenv("ASSAY_KEY") or error("set ASSAY_KEY to an SDK client key")
local rate = tonumber(os.getenv("ASSAY_RATE") or "0")
local nthreads = tonumber(os.getenv("ASSAY_THREADS") or "1")
-- ASSAY_PROPS=1: metric events carry properties (what an event schema checks; ADR 0042)
local props = os.getenv("ASSAY_PROPS") == "1" and ',"properties":{"plan":"pro","seats":3,"coupon":"X"}' or ""
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clk_id, timespec *tp);
]]
local ts_buf = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts_buf) -- CLOCK_MONOTONIC
  return tonumber(ts_buf.tv_sec) * 1000 + tonumber(ts_buf.tv_nsec) / 1e6
end
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  run = string.format("%x-%d", os.time(), tid)
  seq = 0
  headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
  -- Paced runs: a thread sends its share of requests on schedule; a connection ahead of it waits.
  per_ms = rate / 100 / nthreads / 1000
  started = now_ms()
  sent = 0
  booked = 0
  errors = 0
end

local parts = {}
function request()
  local ts = os.time() * 1000
  for i = 1, 100 do
    seq = seq + 1
    local unit = seq % 1000000
    if i % 2 == 1 then
      parts[i] = string.format('{"id":"e%s-%d","type":"exposure","experimentKey":"load","variationId":%d,"unitId":"u%d","timestamp":%d}',
        run, seq, math.floor((seq - 1) / 2) % 2, unit, ts)
    else
      parts[i] = string.format('{"id":"m%s-%d","type":"metric","name":"purchase","unitId":"u%d","value":%d%s,"timestamp":%d}',
        run, seq, unit, seq % 100, props, ts)
    end
  end
  sent = sent + 1
  return wrk.format("POST", "/api/v1/events", headers, "[" .. table.concat(parts, ",") .. "]")
end

if rate > 0 then
  function delay()
    -- each call books the next free slot, so connections of a thread take turns instead of bursting
    if booked < sent then
      booked = sent
    end
    local due = started + booked / per_ms
    booked = booked + 1
    local wait = due - now_ms()
    if wait > 0 then
      return wait
    end
    return 0
  end
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("status " .. status .. ": " .. body .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local errs, written = 0, 0
  for _, t in ipairs(threads) do
    errs = errs + (t:get("errors") or 0)
    written = written + (t:get("sent") or 0)
  end
  local secs = summary.duration / 1e6
  io.write(string.format("events acknowledged: %.0f events/s (%d requests of 100 events in %.1f s, %d non-200)\n",
    (summary.requests - errs) * 100 / secs, summary.requests, secs, errs))
  io.write(string.format("ack latency per request: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  -- for scripts: events in 200 answers, events in every request written (answered or not), errors
  io.write(string.format("result: acked_events=%d sent_events=%d non200=%d timeouts=%d socket_errors=%d p50_ms=%.1f p99_ms=%.1f\n",
    (summary.requests - errs) * 100, written * 100, errs, summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
