"""obcore: the pure Open Badges 3.0 credential toolkit at the bottom of obhub.

Credential model, bundled JSON-LD contexts and the closed document loader,
RDF canonicalization, proofs (eddsa-rdfc-2022, Ed25519Signature2020, VC-JWT),
keys and DIDs, the Bitstring Status List codec and baking.

Nothing in this package performs I/O beyond reading its own package data: no
web framework, no database, no network. Everything a proof needs (keys, the
current time, resolvers) is passed in by the caller.
"""
