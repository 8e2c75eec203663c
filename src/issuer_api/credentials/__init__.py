"""Credentials: issuance, retrieval, revocation and suspension."""
