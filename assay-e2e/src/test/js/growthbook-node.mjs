// The GrowthBook JavaScript SDK (npm @growthbook/growthbook) in Node against a real `assay serve`,
// run by GrowthBookJsE2ETest. Reads its configuration from the environment, prints one JSON object
// per line on stdout ({"event": ...}) and reads commands from stdin (one word per line).
//
//   ASSAY_URL       the server, e.g. http://127.0.0.1:8080 (apiHost)
//   ASSAY_CLIENT_KEY  an SDK connection's client key
//   UNITS_FILE      (optional) JSON lines: one attributes object per line, evaluated in order
//   OUT_FILE        with UNITS_FILE: JSON lines written here, per unit every feature's evaluation
//   PAYLOAD_FILE    with UNITS_FILE: the payload the SDK evaluated, written here
//   WATCH_FLAG      a flag whose changes (pushed by SSE) are reported as {"event":"changed"}
import { GrowthBook, setPolyfills } from "@growthbook/growthbook";
import { EventSource } from "eventsource";
import { randomUUID } from "node:crypto";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { createInterface } from "node:readline";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
};
const apiHost = env("ASSAY_URL");
const clientKey = env("ASSAY_CLIENT_KEY");
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

// Node 20 has no EventSource: the SDK streams through the polyfill it documents.
setPolyfills({ EventSource });

// Exposures go to Assay's event endpoint in batches of up to 1000, one request at a time, as an
// application would send them (again after Retry-After when the server asks for it).
const pending = [];
let posting = Promise.resolve();
const totals = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, failures: [] };
async function post(batch) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${apiHost}/api/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${clientKey}`, "Content-Type": "application/json" },
      body: JSON.stringify(batch),
    });
    const body = await res.text();
    if ((res.status === 429 || res.status === 503) && attempt < 10) {
      await delay(1000 * Number(res.headers.get("retry-after") || 1));
      continue;
    }
    totals.sent += batch.length;
    if (!res.ok) {
      totals.failures.push(`${res.status} ${body}`);
      return;
    }
    const r = JSON.parse(body);
    totals.accepted += r.accepted;
    totals.duplicates += r.duplicates;
    totals.rejected += r.rejected.length;
    if (r.rejected.length) totals.failures.push(JSON.stringify(r.rejected.slice(0, 3)));
    return;
  }
}
function flush() {
  if (pending.length) {
    const batch = pending.splice(0, pending.length);
    posting = posting.then(() => post(batch));
  }
}

const gb = new GrowthBook({
  apiHost,
  clientKey,
  trackingCallback: (experiment, result) => {
    pending.push({
      id: randomUUID(), type: "exposure", experimentKey: experiment.key, variationId: result.variationId,
      unitId: result.hashValue, hashAttribute: result.hashAttribute, timestamp: new Date().toISOString(),
    });
    if (pending.length >= 1000) flush();
  },
});

const init = await gb.init({ streaming: true, timeout: 30000 });
const keys = Object.keys(gb.getFeatures()).sort();
say({ event: "ready", source: init.source, success: init.success, error: init.error ? String(init.error) : null, features: keys });

// Every unit: every feature's evaluation, as the GrowthBook SDK computes it.
if (process.env.UNITS_FILE) {
  writeFileSync(env("PAYLOAD_FILE"), JSON.stringify(gb.getPayload()));
  const out = createWriteStream(env("OUT_FILE"), { encoding: "utf8" });
  const lines = readFileSync(env("UNITS_FILE"), "utf8").split("\n").filter((l) => l.length > 0);
  for (const line of lines) {
    const attributes = JSON.parse(line);
    await gb.setAttributes(attributes);
    const features = {};
    for (const key of keys) {
      const r = gb.evalFeature(key);
      const x = r.experimentResult;
      features[key] = {
        value: r.value, source: r.source, ruleId: r.ruleId ?? "",
        variationId: x ? x.variationId : null, inExperiment: x ? x.inExperiment : null,
        hashValue: x ? String(x.hashValue) : null, bucket: x && x.bucket !== undefined ? x.bucket : null,
      };
    }
    if (!out.write(JSON.stringify({ id: attributes.id, features }) + "\n")) {
      await new Promise((resolve) => out.once("drain", resolve));
    }
  }
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  flush();
  await posting;
  say({ event: "assigned", units: lines.length, ...totals });
}

// A change pushed by the server (SSE): the renderer runs when the SDK applies new features.
const watch = env("WATCH_FLAG");
await gb.setAttributes({ id: "watcher" });
let last = gb.getFeatureValue(watch, null);
gb.setRenderer(() => {
  const now = gb.getFeatureValue(watch, null);
  if (JSON.stringify(now) !== JSON.stringify(last)) {
    last = now;
    say({ event: "changed", flag: watch, value: now });
  }
});
say({ event: "watching", flag: watch, value: last });

// "quit" on stdin (or its end) stops the SDK and the process.
for await (const command of createInterface({ input: process.stdin })) {
  if (command.trim() === "quit") break;
}
gb.destroy();
say({ event: "stopped" });
process.exit(0);
