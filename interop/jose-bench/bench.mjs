// Node jose sign/verify throughput on the tokens and keys bench/vcjwt.py wrote.
// Usage: node bench.mjs inputs.json  -> JSON rows {name, median_ms} on stdout.
// Same method as bench/core.py: warm-up, 30 batches, median per-operation time.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { SignJWT, importJWK, jwtVerify } from "jose";

async function measure(name, fn, batch, batches = 30) {
  for (let i = 0; i < Math.max(5, batch); i++) await fn();
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    samples.push((performance.now() - start) / batch);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const median = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { name, median_ms: median };
}

const inputs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const rows = [];
for (const c of inputs.cases) {
  const privateKey = await importJWK(c.privateJwk, c.alg);
  const publicKey = await importJWK(c.publicJwk, c.alg);
  const options = { algorithms: [c.alg], currentDate: new Date(c.payload.nbf * 1000 + 1000) };
  await jwtVerify(c.token, publicKey, options); // the inputs are usable
  const sign = () => new SignJWT(c.payload).setProtectedHeader(c.header).sign(privateKey);
  const verify = () => jwtVerify(c.token, publicKey, options);
  rows.push(await measure(`jose ${c.alg} sign`, sign, c.batch));
  rows.push(await measure(`jose ${c.alg} verify`, verify, c.batch));
}
process.stdout.write(JSON.stringify(rows));
