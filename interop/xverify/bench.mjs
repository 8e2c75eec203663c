#!/usr/bin/env node
// Reference timings for obhub's benchmarks (python -m bench): Digital Bazaar's
// @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite, and jose for VC-JWT
// (EdDSA), on the credentials obhub measures itself.
//
// usage: node bench.mjs <input.json> [--seconds S]
//   input.json: {"seed": HEX64, "documents": {name: unsigned credential, ...}}
// For every document: sign (vc.issue) and verify (vc.verifyCredential) with
// eddsa-rdfc-2022, then VC-JWT sign (jose SignJWT) and verify (jose jwtVerify,
// algorithm pinned to EdDSA, key imported once). Each operation runs for about S
// seconds (default 1) after a warm-up; prints one JSON object on stdout:
// {"<document> <operation>": {"ops": n, "seconds": t, "per_s": n / t}, ...}
// Contexts come from the offline bundle in lib.mjs; did:key resolves offline.
import * as vc from '@digitalbazaar/vc';
import {
  Ed25519Multikey, loadExtraContexts, makeDocumentLoader
} from './lib.mjs';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  cryptosuite as eddsaRdfc2022Cryptosuite
} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as jose from 'jose';
import fs from 'node:fs';

const args = process.argv.slice(2);
let file;
let seconds = 1;
for(let i = 0; i < args.length; ++i) {
  if(args[i] === '--seconds') {
    seconds = Number(args[++i]);
  } else if(!file) {
    file = args[i];
  } else {
    console.error(`unknown argument ${args[i]}`);
    process.exit(2);
  }
}
if(!file || !(seconds > 0)) {
  console.error('usage: node bench.mjs <input.json> [--seconds S]');
  process.exit(2);
}
const input = JSON.parse(fs.readFileSync(file, 'utf8'));
loadExtraContexts();
const documentLoader = makeDocumentLoader();

const seed = Uint8Array.from(Buffer.from(input.seed, 'hex'));
const keyPair = await Ed25519Multikey.generate({seed});
const did = `did:key:${keyPair.publicKeyMultibase}`;
keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
keyPair.controller = did;
const publicJwk = await Ed25519Multikey.toJwk({keyPair});
const privateKey = await jose.importJWK(
  {...publicJwk, d: Buffer.from(seed).toString('base64url')}, 'EdDSA');
const publicKey = await jose.importJWK(publicJwk, 'EdDSA');
const created = '2026-01-15T09:30:00Z';

async function measure(fn) {
  const warmUntil = performance.now() + Math.min(300, seconds * 300);
  do {
    await fn();
  } while(performance.now() < warmUntil);
  let ops = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  do {
    await fn();
    ops++;
  } while(performance.now() < until);
  const elapsed = (performance.now() - start) / 1000;
  return {ops, seconds: elapsed, per_s: ops / elapsed};
}

const results = {};
for(const [name, unsigned] of Object.entries(input.documents)) {
  const credential = structuredClone(unsigned);
  credential.issuer = {...credential.issuer, id: did};
  const sign = () => vc.issue({
    credential: structuredClone(credential),
    suite: new DataIntegrityProof({
      signer: keyPair.signer(), date: created,
      cryptosuite: eddsaRdfc2022Cryptosuite
    }),
    documentLoader
  });
  const signed = await sign();
  const verifySuite = new DataIntegrityProof({
    cryptosuite: eddsaRdfc2022Cryptosuite});
  const verify = async () => {
    const result = await vc.verifyCredential({
      credential: signed, suite: verifySuite, documentLoader});
    if(!result.verified) {
      throw new Error(`${name}: Digital Bazaar does not verify its own proof`);
    }
  };
  await verify();
  results[`${name} eddsa-rdfc-2022 sign`] = await measure(sign);
  results[`${name} eddsa-rdfc-2022 verify`] = await measure(verify);

  const t = s => Math.floor(new Date(s).getTime() / 1000);
  const claims = {
    jti: credential.id, nbf: t(credential.validFrom), vc: credential,
    ...(credential.validUntil ? {exp: t(credential.validUntil)} : {})
  };
  const jwtSign = () => new jose.SignJWT(claims)
    .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: keyPair.id})
    .setIssuer(did)
    .sign(privateKey);
  const token = await jwtSign();
  const jwtVerify = () => jose.jwtVerify(token, publicKey, {
    algorithms: ['EdDSA'], issuer: did});
  await jwtVerify();
  results[`${name} VC-JWT EdDSA sign`] = await measure(jwtSign);
  results[`${name} VC-JWT EdDSA verify`] = await measure(jwtVerify);
}
process.stdout.write(JSON.stringify(results) + '\n');
