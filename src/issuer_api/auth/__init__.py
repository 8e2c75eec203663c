"""Authentication and authorisation: OAuth 2.0 client credentials, scoped access tokens."""
