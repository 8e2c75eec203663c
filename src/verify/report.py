"""The verification report: a list of checks with fixed ids, and a verdict.

Check ids, in the order of the OB 3.0 verification algorithm: ``parse``,
``contexts``, ``safe_mode``, ``schema``, ``proof``, ``issuer``, ``refresh``,
``status``, ``validity``, ``endorsements``, ``recipient``.

Each check is ``valid``, ``invalid``, ``indeterminate`` (could not be checked:
not the same as failed) or ``skipped`` (does not apply). The verdict is
``invalid`` if any check is invalid, otherwise ``indeterminate`` if any check
is indeterminate, otherwise ``valid``. The ``endorsements`` check is reported
but does not decide the verdict: an endorsement is a third party's statement
about the issuer or the achievement, and a failed one is shown as such without
making the badge itself invalid (each endorsement has its own report).

A presentation's report (:mod:`verify.presentation`) uses the same ids for its
own proof (``issuer`` then holds the holder binding), adds a ``credentials``
check that summarises the verdicts of the credentials it carries, and lists a
full report per credential in :attr:`Report.credentials`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from verify.messages import LANGS, Lang, message

CheckStatus = Literal["valid", "invalid", "indeterminate", "skipped"]
Verdict = Literal["valid", "invalid", "indeterminate"]

CHECK_IDS = (
    "parse",
    "contexts",
    "safe_mode",
    "schema",
    "proof",
    "issuer",
    "refresh",
    "status",
    "validity",
    "endorsements",
    "recipient",
)


@dataclass(frozen=True)
class Check:
    id: str
    status: CheckStatus
    code: str
    detail: str | None = None  # technical detail (English), e.g. from the core
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "code": self.code,
            "message": message(self.code, lang, self.detail),
            "messages": {lg: message(self.code, lg, self.detail) for lg in LANGS},
        }
        if self.detail:
            out["detail"] = self.detail
        if self.data:
            out["data"] = dict(self.data)
        return out


INFORMATIONAL_CHECKS = frozenset({"endorsements"})


def combine(checks: list[Check]) -> Verdict:
    statuses = {c.status for c in checks if c.id not in INFORMATIONAL_CHECKS}
    if "invalid" in statuses:
        return "invalid"
    if "indeterminate" in statuses:
        return "indeterminate"
    return "valid"


@dataclass
class Report:
    format: str
    checks: list[Check]
    credential: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    endorsements: list[Report] = field(default_factory=list)
    credentials: list[Report] = field(default_factory=list)  # presentations only

    @property
    def verdict(self) -> Verdict:
        return combine(self.checks)

    @property
    def verified(self) -> bool:
        return self.verdict == "valid"

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def to_dict(self, lang: Lang = "fr", *, include_credential: bool = True) -> dict[str, Any]:
        verdict = self.verdict
        code = {
            "valid": "verified",
            "invalid": "not_verified",
            "indeterminate": "could_not_verify",
        }[verdict]
        out: dict[str, Any] = {
            "verified": verdict == "valid",
            "verdict": verdict,
            "message": message(code, lang),
            "messages": {lg: message(code, lg) for lg in LANGS},
            "format": self.format,
            "checks": [c.to_dict(lang) for c in self.checks],
            "summary": self.summary,
        }
        if self.notices:
            out["notices"] = list(self.notices)
        if self.endorsements:
            out["endorsements"] = [
                e.to_dict(lang, include_credential=False) for e in self.endorsements
            ]
        if self.credentials:
            out["credentials"] = [
                c.to_dict(lang, include_credential=include_credential) for c in self.credentials
            ]
        if include_credential and self.credential is not None:
            out["credential"] = self.credential
        return out
