"""The verification report of a VC-JWT: safe-mode expansion yes, canonical form no.

A VC-JWT's signature covers the token bytes, so the report never computes the
RDF dataset or its RDFC canonical form (a Data Integrity proof needs them). The
credential's ``@context`` is still checked and its terms must still be defined:
the safe-mode expansion runs as for any credential.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from obcore import rdfc
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs.vcjwt import sign_vc_jwt
from verify.pipeline import VerifyOptions, verify
from verify.report import Report

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = KeyPair.from_ed25519_seed(bytes([21]) * 32)
ISSUER = ISSUER.with_ids(did_key_vm_id(ISSUER.public), did_key_for(ISSUER.public))
# Fewer quads than any badge has: canonicalizing one exceeds this bound.
NO_ROOM_TO_CANONICALIZE = rdfc.Limits(max_quads=1)


def badge(**members: Any) -> dict[str, Any]:
    credential: dict[str, Any] = json.loads(
        (FIXTURES / "interop" / "ob3-plain.json").read_text(encoding="utf-8")
    )
    credential["issuer"]["id"] = ISSUER.controller
    credential["validFrom"] = "2025-01-01T00:00:00Z"
    credential.update(members)
    return credential


def outcome(report: Report) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.code) for c in report.checks}


def test_a_vc_jwt_report_does_not_canonicalize_the_credential() -> None:
    options = VerifyOptions(now=NOW, limits=NO_ROOM_TO_CANONICALIZE)
    as_jwt = verify(sign_vc_jwt(badge(), ISSUER), options)
    as_data_integrity = verify(di.add_proof(badge(), ISSUER), options)
    assert outcome(as_jwt)["safe_mode"] == ("valid", "safe_mode_ok")
    assert as_jwt.verdict == "valid"
    assert outcome(as_data_integrity)["safe_mode"][0] == "invalid"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"undefinedByAnyContext": "x"}, "safe_mode_undefined_term"),
        (
            {"type": ["VerifiableCredential", "OpenBadgeCredential", "NoSuchType"]},
            "safe_mode_undefined_type",
        ),
    ],
    ids=["undefined-term", "undefined-type"],
)
def test_a_vc_jwt_credential_with_undefined_terms_still_fails_safe_mode(
    change: dict[str, Any], code: str
) -> None:
    report = verify(sign_vc_jwt(badge(**change), ISSUER), VerifyOptions(now=NOW))
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["safe_mode"] == ("indeterminate", code)
    assert report.verdict != "valid"


def test_a_vc_jwt_credential_with_an_unknown_context_is_refused_without_fetching() -> None:
    context = ["https://www.w3.org/ns/credentials/v2", "https://contexts.example/unknown.json"]
    report = verify(sign_vc_jwt(badge(**{"@context": context}), ISSUER), VerifyOptions(now=NOW))
    assert outcome(report)["contexts"][0] == "invalid"
    assert report.verdict == "invalid"
