#!/usr/bin/env node
// obhub addition (not part of the upstream xverify harness).
//
// Verify compact JWS / VC-JWT tokens against a public JWK given by the caller
// (the key is pinned: the token's own "kid"/"jwk" header is NOT used to find
// it). verify.mjs only resolves Ed25519 did:key "kid"s or trusts a header
// "jwk"; this script checks ES256 / RS256 / EdDSA signatures with `jose`
// against a key fixed in advance, with the algorithm pinned too.
//
// usage: node verify-jwt-jwk.mjs JOBS.json
//   JOBS.json: [{"token": "<compact JWS>", "jwk": {<public JWK>},
//                "alg": "ES256" | "RS256" | "EdDSA"}, ...]
// Prints a JSON array on stdout, one entry per job, in order:
//   {"status": "VALID", "header": {...}, "payload": {...}}
//   {"status": "INVALID", "reason": "..."}
// Exit 0 when every job was processed (whatever the verdicts), 2 on usage
// error.
import * as jose from 'jose';
import fs from 'node:fs';

const [file] = process.argv.slice(2);
if(!file) {
  console.error('usage: node verify-jwt-jwk.mjs JOBS.json');
  process.exit(2);
}
const jobs = JSON.parse(fs.readFileSync(file, 'utf8'));
const out = [];
for(const {token, jwk, alg} of jobs) {
  try {
    if(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some(m => m in jwk)) {
      throw new Error('the pinned JWK must be public');
    }
    const key = await jose.importJWK(jwk, alg);
    const {payload, protectedHeader} = await jose.compactVerify(
      token.trim(), key, {algorithms: [alg]});
    out.push({status: 'VALID', header: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload))});
  } catch(e) {
    out.push({status: 'INVALID', reason: `${e.code || e.name}: ${e.message}`});
  }
}
console.log(JSON.stringify(out, null, 2));
