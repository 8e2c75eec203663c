"""Bounded decompression: never hold more than a budget, whatever the compression ratio.

Used for status lists (GZIP) and baked images (zlib in PNG iTXt). Output is
produced in slices and the work stops as soon as the budget is exceeded, so a
decompression bomb costs at most ``max_bytes`` of memory.
"""

from __future__ import annotations

import zlib
from typing import Final

SLICE: Final = 256 * 1024


class InflateError(ValueError):
    """Base: the stream cannot be inflated. ``kind`` is corrupt, truncated or too_large."""

    kind = "corrupt"


class CorruptStreamError(InflateError):
    kind = "corrupt"


class TruncatedStreamError(InflateError):
    kind = "truncated"


class TooLargeError(InflateError):
    kind = "too_large"


def inflate_one(data: bytes, *, wbits: int, max_bytes: int) -> tuple[bytes, bytes]:
    """Inflate ONE stream from ``data``; return (output, bytes after the stream).

    ``wbits`` selects the wrapper (``zlib.MAX_WBITS`` for zlib, ``16 +
    zlib.MAX_WBITS`` for gzip). Raises an :class:`InflateError` subclass.
    """
    inflater = zlib.decompressobj(wbits=wbits)
    parts: list[bytes] = []
    total = 0
    pending = data
    while not inflater.eof:
        try:
            chunk = inflater.decompress(pending, min(SLICE, max_bytes + 1 - total))
        except zlib.error as exc:
            raise CorruptStreamError(str(exc)) from exc
        parts.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise TooLargeError(f"expands beyond {max_bytes} bytes")
        pending = inflater.unconsumed_tail
        if not chunk and not pending and not inflater.eof:
            raise TruncatedStreamError("the stream ends early")
    return b"".join(parts), inflater.unused_data
