"""Proof formats: VC-JWT (external proof) and Data Integrity (embedded proofs)."""
