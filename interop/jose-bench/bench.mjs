// Node jose sign/verify throughput on the tokens and keys bench/vcjwt.py wrote.
// Usage: node bench.mjs inputs.json  -> JSON rows {name, median_ms} on stdout.
// Same method as bench/vcjwt.py: warm-up, 30 batches, median per-operation time
// (wall clock and CPU time).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { SignJWT, importJWK, jwtVerify } from "jose";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Wall-clock and process CPU time (all threads, user + system) per operation.
async function measure(name, fn, batch, batches = 30) {
  for (let i = 0; i < Math.max(5, batch); i++) await fn();
  const samples = [];
  const cpuSamples = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < batch; i++) await fn();
    const cpu = process.cpuUsage(cpuStart);
    cpuSamples.push((cpu.user + cpu.system) / 1000 / batch);
    samples.push((performance.now() - start) / batch);
  }
  return { name, median_ms: median(samples), cpu_ms: median(cpuSamples) };
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
