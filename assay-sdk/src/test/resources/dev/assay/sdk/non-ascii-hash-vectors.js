// GrowthBook JS SDK (src/util.ts) hashFnv32a / hash, copied verbatim in behaviour.
function hashFnv32a(str) {
  let hval = 0x811c9dc5;
  const l = str.length;
  for (let i = 0; i < l; i++) {
    hval ^= str.charCodeAt(i);
    hval += (hval << 1) + (hval << 4) + (hval << 7) + (hval << 8) + (hval << 24);
  }
  return hval >>> 0;
}
function hash(seed, value, version) {
  if (version === 2) return (hashFnv32a(hashFnv32a(seed + value) + "") % 10000) / 10000;
  if (version === 1) return (hashFnv32a(value + seed) % 1000) / 1000;
  return null;
}
const ids = ["ü-user", "José", "用户42", "👍emoji", "a👍b", "Ωmega-ß", "\u00e9clair", "e\u0301clair", "😀😀", "ид-пользователя", "مستخدم"];
const seeds = ["", "exp-1", "checkout-ü", "种子"];
const cases = [];
for (const id of ids) for (const seed of seeds) for (const v of [1, 2]) {
  cases.push({seed, value: id, version: v, utf16Length: id.length, expected: hash(seed, id, v)});
}
const ns = [];
for (const id of ids) for (const n of ["checkout", "层"]) ns.push({namespace: n, value: id, expected: hash("__" + n, id, 1)});
console.log(JSON.stringify({_note: "Produced independently of the Java SDK by: node assay-sdk/src/test/resources/dev/assay/sdk/non-ascii-hash-vectors.js > assay-sdk/src/test/resources/dev/assay/sdk/non-ascii-hash-vectors.json (Node 20; FNV-1a 32 over String.prototype.charCodeAt, i.e. UTF-16 code units, as the GrowthBook JS SDK hashes; namespace hashes use seed \"__\" + namespace, version 1)", cases, namespaceHashes: ns}, null, 1));
