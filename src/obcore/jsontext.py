"""JSON that is also Unicode text: lone UTF-16 surrogates are refused.

JSON lets a string carry ``"\\ud800"`` — half of a UTF-16 surrogate pair, with no other
half. Python's :func:`json.loads` accepts it and yields a ``str`` that cannot be encoded
to UTF-8: it then fails far from the input (storing it, signing it, writing a response).
:func:`loads` parses like :func:`json.loads` and refuses such text at once with
:class:`UnpairedSurrogateError` (a :class:`ValueError`, like every JSON syntax error).

Text decoded from UTF-8 bytes never holds a surrogate: only a ``\\uD800``-``\\uDFFF``
escape brings one in, so the check costs one scan for a backslash on ordinary input
(a one-character search, which runs at memory speed: the two-character search for
``\\u`` that follows when there is one took ~3 µs on a 3 KB text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES: Final = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class UnpairedSurrogateError(ValueError):
    """A JSON string holds a lone UTF-16 surrogate: not Unicode text."""

    def __init__(self) -> None:
        super().__init__("a string holds a lone UTF-16 surrogate (\\uD800-\\uDFFF): not Unicode")


def may_hold_surrogates(raw: str | bytes) -> bool:
    """Whether ``raw`` (JSON text) has a surrogate escape; False means it cannot hold one."""
    if isinstance(raw, bytes):
        encoding = json.detect_encoding(raw)
        if encoding not in ("utf-8", "utf-8-sig"):
            # json.loads reads UTF-16 and UTF-32 too: judge such a body by its text.
            try:
                raw = raw.decode(encoding)
            except UnicodeDecodeError:
                return True  # undecodable: the parse fails first, or the text is checked
        else:
            return (
                b"\\" in raw and b"\\u" in raw and _SURROGATE_ESCAPE_BYTES.search(raw) is not None
            )
    return "\\" in raw and "\\u" in raw and _SURROGATE_ESCAPE.search(raw) is not None


def loads(raw: str | bytes) -> Any:
    """:func:`json.loads`, refusing lone surrogates (:class:`UnpairedSurrogateError`)."""
    value = json.loads(raw)
    if may_hold_surrogates(raw):
        ensure_text(value)
    return value


def has_unpaired_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds a lone surrogate in a string or a key."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            if _SURROGATE.search(current) is not None:
                return True
        elif isinstance(current, Mapping):
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list | tuple):
            pending.extend(current)
    return False


def ensure_text(value: Any) -> None:
    """Raise :class:`UnpairedSurrogateError` if ``value`` holds a lone surrogate."""
    if has_unpaired_surrogate(value):
        raise UnpairedSurrogateError()
