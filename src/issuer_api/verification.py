"""Where a verification runs: on the event loop when it needs nothing it must wait for.

A verification is CPU work (about half a millisecond for a 3 KB badge) and, sometimes,
documents to obtain: a DID document or a status list from the network, or one of the
service's own documents from its database. The pipeline (:func:`verify.pipeline.verify`)
is synchronous and may block on those, so it cannot run on the event loop as such; but
handing every verification to a worker thread cost more than the verification itself
(measured in-process on ``POST /verify``: 765 µs of CPU per verification through the
thread pool against 443 µs called directly).

:func:`run_verification` therefore attempts a small input on the loop first, with
sources that answer from memory only (:class:`verify.cache.MemoryOnlySource`: the HTTP
cache's fresh entries; :class:`issuer_api.own_documents.OwnDocuments` refuses on the
loop's thread). The first document that would need waiting raises
:class:`~verify.sources.WouldBlock`, and the verification runs again from the start in
a worker thread, with sources that may fetch. The pipeline is a function of the input
and of the documents it is given, and a fresh cached document is the one the fetching
source would give: both runs conclude the same.

The attempt on the loop also has a CPU budget: canonicalization (RDFC-1.0, the one step
whose cost a small hostile input can blow up: a ring of blank nodes) gets
:data:`INLINE_CANONICALIZATION_SECONDS` instead of its 2 s bound
(:attr:`obcore.rdfc.Limits.budget_seconds`); past it :class:`~obcore.errors.BudgetSpent`
stops the attempt, which runs again in a worker thread under the ordinary bounds. The
budget never decides a report.

Large inputs (a long evidence list, a baked image) go to the worker thread at once: the
loop serves other requests meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Final, TypeVar

import anyio.to_thread

from obcore.errors import BudgetSpent
from verify.pipeline import VerifyOptions
from verify.sources import WouldBlock

INLINE_MAX_BYTES: Final = 16 * 1024
"""Inputs up to this size are attempted on the event loop (a 3 KB badge: ~0.5 ms)."""

INLINE_CANONICALIZATION_SECONDS: Final = 0.01
"""Each canonicalization of an attempt on the loop (a 3 KB badge's: ~0.1 ms)."""

R = TypeVar("R")

Attempt = Callable[[bool], R]
"""Runs the verification: ``attempt(True)`` with memory-only sources and
:func:`attempt_options` (may raise :class:`~verify.sources.WouldBlock` or
:class:`~obcore.errors.BudgetSpent`), ``attempt(False)`` with sources that may block."""


async def run_verification(attempt: Attempt[R], size: int) -> R:
    """``attempt(True)`` on the loop if ``size`` is small and it needs nothing it must
    wait for; otherwise ``attempt(False)`` in a worker thread."""
    if size <= INLINE_MAX_BYTES:
        try:
            return attempt(True)
        except (WouldBlock, BudgetSpent):
            pass
    return await anyio.to_thread.run_sync(attempt, False)


def attempt_options(options: VerifyOptions, inline: bool) -> VerifyOptions:
    """``options`` for an attempt: on the loop (``inline``), the same with the
    canonicalization budget; in a worker thread, as they are."""
    if not inline:
        return options
    limits = replace(options.limits, budget_seconds=INLINE_CANONICALIZATION_SECONDS)
    return replace(options, limits=limits)
