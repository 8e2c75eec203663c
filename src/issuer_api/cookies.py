"""Whether the cookies the hub sets are ``Secure``.

Over https (the request's own scheme, which ``obhub serve`` reads from a trusted proxy's
``X-Forwarded-Proto``: ``OBHUB_TRUSTED_PROXIES``) or whenever the public base URL is
https: a hub published over https never sets a session cookie a plain-http request
could carry back.
"""

from __future__ import annotations

from fastapi import Request


def secure(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    settings = getattr(request.app.state, "settings", None)
    public = getattr(settings, "public_base_url", None)
    return public is not None and public.scheme == "https"
