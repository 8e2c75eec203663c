"""Issuers: the Region and partner organisations, their identity (DIDs) and signing keys."""
