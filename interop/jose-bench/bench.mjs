// Node jose sign/verify, driven by bench/vcjwt.py batch by batch (interleaved with
// obhub's batches on the same core, so both see the same machine load).
// Usage: node bench.mjs inputs.json; then one JSON request per stdin line,
// {"case": i, "op": "sign"|"verify", "n": N}, answered by one JSON line
// {"wall_ms", "cpu_ms"} per operation (CPU: this process, all threads, user + system).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { SignJWT, importJWK, jwtVerify } from "jose";

const inputs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const cases = [];
for (const c of inputs.cases) {
  const privateKey = await importJWK(c.privateJwk, c.alg);
  const publicKey = await importJWK(c.publicJwk, c.alg);
  const options = { algorithms: [c.alg], currentDate: new Date(c.payload.nbf * 1000 + 1000) };
  await jwtVerify(c.token, publicKey, options); // the inputs are usable
  cases.push({
    sign: () => new SignJWT(c.payload).setProtectedHeader(c.header).sign(privateKey),
    verify: () => jwtVerify(c.token, publicKey, options),
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const { case: index, op, n } = JSON.parse(line);
  const fn = cases[index][op];
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - start;
  process.stdout.write(JSON.stringify({ wall_ms: wall / n, cpu_ms: (cpu.user + cpu.system) / 1000 / n }) + "\n");
}
