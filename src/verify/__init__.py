"""verify: the verification pipeline and its per-check report.

Builds on :mod:`obcore`; key, DID and status resolution are injected so the
pipeline stays deterministic and testable.
"""
