"""The client address a per-client rate limit counts under.

An IPv4 address counts alone; an IPv6 address counts with its whole /64, since a single
subscriber usually holds at least a /64 and could otherwise rotate addresses within it
to escape a per-address limit. An IPv4-mapped IPv6 address counts as its IPv4 address.
Anything else (no client, an unparsable value) counts as itself.
"""

from __future__ import annotations

import ipaddress
from typing import Final

IPV6_BUCKET_PREFIX: Final = 64


def rate_bucket(client: str) -> str:
    """``client`` as a rate limit counts it (``2001:db8:1:2::/64`` for any address in it)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_BUCKET_PREFIX), strict=False))
    return str(address)
