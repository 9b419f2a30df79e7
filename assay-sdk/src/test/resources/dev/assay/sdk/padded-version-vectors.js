// GrowthBook JS SDK paddedVersionString (src/util.ts), verbatim in behaviour. Run:
//   node assay-sdk/src/test/resources/dev/assay/sdk/padded-version-vectors.js > assay-sdk/src/test/resources/dev/assay/sdk/padded-version-vectors.json
function paddedVersionString(input) {
  if (typeof input === "number") input = input + "";
  if (!input || typeof input !== "string") input = "0";
  const parts = input.replace(/(^v|\+.*$)/g, "").split(/[-.]/);
  if (parts.length === 3) parts.push("~");
  return parts.map((v) => (v.match(/^[0-9]+$/) ? v.padStart(5, " ") : v)).join("-");
}
const inputs = ["1.2.3", "v1.2.3", "1.2.3-beta.1", "1.2.3+build.7", "v", "", "1..2", "1.2.3.4", "-1",
  "1.2.3-", "100000.1.2", "1.2.3-rc.1+abc+def", "v1.0.0-alpha", "1", "01.002.0003", "1.a2.3",
  "1.2.3--x", "vv1.2", "1+2", "+1", "1.2-3.4", ".", "-", "5.12.0", "12345.123456.1", "１.2.3", "V1.2.3",
  "1.2.3 ", " 1.2.3", 1.5, 2, 0, null, true, ["1.2.3"]];
console.log(JSON.stringify({
  _note: "Produced independently of the Java SDK by: node assay-sdk/src/test/resources/dev/assay/sdk/padded-version-vectors.js (Node 20), GrowthBook's paddedVersionString",
  cases: inputs.map((i) => ({input: i, padded: paddedVersionString(i)}))}, null, 1));
