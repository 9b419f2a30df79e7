// The OpenFeature JavaScript server SDK (npm @openfeature/server-sdk) with the OFREP provider
// (npm @openfeature/ofrep-provider) against a real `assay serve`, run by OpenFeatureJsE2ETest.
//
//   ASSAY_URL         the server, e.g. http://127.0.0.1:8080 (the provider's baseUrl)
//   ASSAY_CLIENT_KEY  an SDK connection's client key (or its server key)
//   CASES_FILE        JSON lines: {"flag", "type": "boolean|string|number|object", "default", "context"}
//
// Prints, per case and in order, one JSON line with the evaluation details, then {"event":"done"}.
import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { readFileSync } from "node:fs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
};
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

await OpenFeature.setProviderAndWait(new OFREPProvider({
  baseUrl: env("ASSAY_URL"),
  headers: [["Authorization", `Bearer ${env("ASSAY_CLIENT_KEY")}`]],
}));
const client = OpenFeature.getClient();
const evaluate = {
  boolean: (f, d, c) => client.getBooleanDetails(f, d, c),
  string: (f, d, c) => client.getStringDetails(f, d, c),
  number: (f, d, c) => client.getNumberDetails(f, d, c),
  object: (f, d, c) => client.getObjectDetails(f, d, c),
};

const lines = readFileSync(env("CASES_FILE"), "utf8").split("\n").filter((l) => l.length > 0);
for (const line of lines) {
  const c = JSON.parse(line);
  const d = await evaluate[c.type](c.flag, c.default, c.context);
  say({
    flag: d.flagKey, value: d.value, variant: d.variant ?? null, reason: d.reason ?? null,
    errorCode: d.errorCode ?? null, errorMessage: d.errorMessage ?? null, metadata: d.flagMetadata ?? {},
  });
}
await OpenFeature.close();
say({ event: "done", cases: lines.length });
