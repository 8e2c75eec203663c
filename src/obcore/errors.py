"""Errors raised by the credential core.

Every error carries a stable machine-readable ``code`` (snake_case, never
translated) and a human message. Callers at the edges (HTTP, CLI, the
verification report) map codes to statuses and to French or English text.

Hierarchy::

    ObcoreError
    ├── MalformedInputError   input is not what its format requires (bad JSON, base58 …)
    │   └── LimitExceededError  input or work exceeds a safety bound (size, depth, time)
    ├── ContextError          a JSON-LD context is unknown or invalid (the loader is closed)
    ├── SafeModeError         the document has terms or types its contexts do not define
    ├── InvalidKeyError       a key is malformed, of the wrong type, or cannot be used
    ├── ResolutionError       a DID or key reference cannot be resolved
    ├── ProofError            a proof is malformed or unsupported (not "the signature is wrong")
    └── SignatureError        the cryptographic signature does not verify

    BudgetSpent               not an ObcoreError: the caller's own time budget for a piece
                              of work is spent (not a verdict on the input; see rdfc.Limits)
"""

from __future__ import annotations


class ObcoreError(Exception):
    """Base class: a stable ``code`` plus a human ``message``."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class MalformedInputError(ObcoreError):
    code = "malformed_input"


class LimitExceededError(MalformedInputError):
    code = "limit_exceeded"


class ContextError(ObcoreError):
    code = "unknown_context"


class SafeModeError(ObcoreError):
    code = "safe_mode_violation"


class InvalidKeyError(ObcoreError):
    code = "invalid_key"


class ResolutionError(ObcoreError):
    code = "unresolvable"


class ProofError(ObcoreError):
    code = "invalid_proof"


class SignatureError(ObcoreError):
    code = "invalid_signature"


class BudgetSpent(Exception):  # noqa: N818 - a signal to the caller, like StopIteration
    """The caller's budget for this work (:attr:`obcore.rdfc.Limits.budget_seconds`) is
    spent. Not an :class:`ObcoreError`: it says nothing of the input, no check may turn it
    into a verdict; the caller runs the work again where it may take longer."""
