#!/usr/bin/env node
// Digital Bazaar throughput, for ratios in obhub's benchmarks: eddsa-rdfc-2022
// sign (vc.issue) and verify (vc.verifyCredential) of one credential, repeated.
//
// usage: node bench.mjs <unsigned.json> [--batch N] [--batches N]
// Prints JSON: median ms per operation, by the wall clock ("sign_ms",
// "verify_ms") and in CPU time of this process ("sign_cpu_ms",
// "verify_cpu_ms"; steadier on a shared machine), and the signed size.
// The issuer is replaced by a fresh did:key (as sign.mjs does); contexts come
// from the offline bundle in lib.mjs.
import * as vc from '@digitalbazaar/vc';
import {Ed25519Multikey, makeDocumentLoader} from './lib.mjs';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  cryptosuite as eddsaRdfc2022Cryptosuite
} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import fs from 'node:fs';
import {performance} from 'node:perf_hooks';

const args = process.argv.slice(2);
let file;
let batch = 10;
let batches = 7;
for(let i = 0; i < args.length; ++i) {
  if(args[i] === '--batch') {
    batch = Number(args[++i]);
  } else if(args[i] === '--batches') {
    batches = Number(args[++i]);
  } else {
    file = args[i];
  }
}
if(!file || !(batch > 0) || !(batches > 0)) {
  console.error('usage: node bench.mjs <unsigned.json> [--batch N] [--batches N]');
  process.exit(2);
}
const documentLoader = makeDocumentLoader();
const keyPair = await Ed25519Multikey.generate();
const did = `did:key:${keyPair.publicKeyMultibase}`;
keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
keyPair.controller = did;

const credential = JSON.parse(fs.readFileSync(file, 'utf8'));
delete credential.proof;
if(credential.issuer && typeof credential.issuer === 'object') {
  credential.issuer.id = did;
} else {
  credential.issuer = did;
}
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function sign() {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), date, cryptosuite: eddsaRdfc2022Cryptosuite
  });
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

const verifySuite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022Cryptosuite});
const signed = await sign();
async function verify() {
  const result = await vc.verifyCredential({
    credential: signed, suite: verifySuite, documentLoader
  });
  if(!result.verified) {
    throw new Error(JSON.stringify(result.error || result));
  }
}

const cpuMs = () => {
  const {user, system} = process.cpuUsage();
  return (user + system) / 1000;
};
const middle = xs => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function median(fn) {
  for(let i = 0; i < Math.max(3, batch); ++i) {
    await fn();
  }
  const wall = [];
  const cpu = [];
  for(let b = 0; b < batches; ++b) {
    const start = performance.now();
    const startCpu = cpuMs();
    for(let i = 0; i < batch; ++i) {
      await fn();
    }
    cpu.push((cpuMs() - startCpu) / batch);
    wall.push((performance.now() - start) / batch);
  }
  return [middle(wall), middle(cpu)];
}

const [signMs, signCpuMs] = await median(sign);
const [verifyMs, verifyCpuMs] = await median(verify);
process.stdout.write(JSON.stringify({
  sign_ms: signMs, verify_ms: verifyMs,
  sign_cpu_ms: signCpuMs, verify_cpu_ms: verifyCpuMs,
  bytes: Buffer.byteLength(JSON.stringify(signed))
}) + '\n');
