"""OAuth 2.0 authorization server of the Open Badges 3.0 API (RFC 6749, 7591, 7636, 7009)."""
