"""The acceptance rules, on their own: a verification report in, a decision out.

No database and no network: reports come from the verifier run offline on credentials
signed by did:key partner issuers, or are written by hand for the cases the network
would produce.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.factory import Ob2HostedIssuer, PartnerIssuer, alignment
from issuer_api.i18n import MESSAGE_IDS
from issuer_api.ingestion import acceptance
from issuer_api.ingestion.acceptance import Decision, TrustedIssuer, decide
from issuer_api.ingestion.processing import PayloadError, verifier_input
from verify.pipeline import VerifyOptions, verify
from verify.report import Check, Report

EMAIL = "camille.martin@example.fr"
CAMPUS = PartnerIssuer.create("Campus Caen")
OTHER = PartnerIssuer.create("GRETA Rouen")
SST = alignment("https://referentiel.normandie.fr/c/sst", "SST")


def report_for(credential: dict[str, object], recipient: str | None = EMAIL) -> Report:
    return verify(CAMPUS.sign(credential), VerifyOptions(recipient=recipient))


def trusted(*identifiers: str, partner: str = "p-campus") -> list[TrustedIssuer]:
    return [TrustedIssuer(partner, i) for i in identifiers]


def judge(
    report: Report, *, last_attempt: bool = False, sender: str | None = "p-campus"
) -> Decision:
    return decide(report, sender=sender, trusted=trusted(CAMPUS.did), last_attempt=last_attempt)


# --------------------------------------------------------------------------- decisions


def test_a_valid_badge_of_a_trusted_issuer_for_the_envelope_recipient_is_accepted() -> None:
    decision = judge(report_for(CAMPUS.credential(email=EMAIL)))
    assert decision == Decision("accept", partner_id="p-campus")


def test_the_issuer_must_be_trusted_by_the_sending_partner() -> None:
    report = verify(OTHER.sign(OTHER.credential(email=EMAIL)), VerifyOptions(recipient=EMAIL))
    assert report.verdict == "valid"
    assert judge(report).reason_list == [{"code": "issuer_not_trusted"}]


def test_a_partner_trusts_only_for_itself() -> None:
    report = report_for(CAMPUS.credential(email=EMAIL))
    decision = decide(
        report,
        sender="p-greta",
        trusted=trusted(CAMPUS.did, partner="p-campus"),
        last_attempt=False,
    )
    assert decision.reason_list == [{"code": "issuer_not_trusted"}]


def test_a_claim_counts_for_the_first_partner_trusted_for_the_issuer() -> None:
    report = report_for(CAMPUS.credential(email=EMAIL))
    trust = [TrustedIssuer("p-greta", OTHER.did), TrustedIssuer("p-campus", CAMPUS.did)]
    assert decide(report, sender=None, trusted=trust, last_attempt=False).partner_id == "p-campus"


def test_the_recipient_check_must_pass_not_be_skipped() -> None:
    assert judge(report_for(CAMPUS.credential(email=EMAIL), recipient=None)).reason_list == [
        {"code": "recipient_mismatch"}
    ]
    wrong = report_for(CAMPUS.credential(email=EMAIL), recipient="autre@example.fr")
    assert judge(wrong).reason_list == [{"code": "recipient_mismatch"}]


def test_an_unsalted_hashed_email_matches_too() -> None:
    report = report_for(CAMPUS.credential(email="Camille.Martin@Example.fr", salted=False))
    assert judge(report).action == "accept"


def test_every_failed_check_is_a_reason() -> None:
    signed = CAMPUS.sign(CAMPUS.credential(email=EMAIL))
    signed["credentialSubject"]["achievement"]["name"] = "Autre chose"
    decision = judge(verify(signed, VerifyOptions(recipient=EMAIL)))
    assert decision.action == "reject"
    assert decision.reason_list == [
        {"code": "not_verified", "check": "proof", "check_code": "invalid_signature"}
    ]


def indeterminate_report(issuer: str) -> Report:
    checks = [
        Check("parse", "valid", "parsed"),
        Check("proof", "valid", "proof_valid"),
        Check("status", "indeterminate", "status_not_checked"),
        Check("endorsements", "indeterminate", "endorsement_unchecked"),
        Check("recipient", "valid", "recipient_matches"),
    ]
    return Report("json", checks, credential={"issuer": issuer}, summary={"issuer": {"id": issuer}})


def test_a_check_that_could_not_be_done_is_retried_then_reported_on_the_last_attempt() -> None:
    report = indeterminate_report(CAMPUS.did)
    assert judge(report).action == "retry"
    assert judge(report, last_attempt=True).reason_list == [
        {"code": "verification_unavailable", "check": "status", "check_code": "status_not_checked"}
    ]


def test_an_untrusted_issuer_is_rejected_without_waiting_for_the_network() -> None:
    assert judge(indeterminate_report(OTHER.did)).reason_list == [{"code": "issuer_not_trusted"}]


def test_a_presentation_is_not_accepted_as_a_badge() -> None:
    report = Report("vp", [Check("parse", "valid", "parsed")])
    assert judge(report).reason_list == [
        {"code": "unsupported_payload", "check": "parse", "check_code": "vp"}
    ]


# --------------------------------------------------------------------------- trust


@pytest.mark.parametrize(
    ("issuer", "identifier", "trusted_"),
    [
        ("did:web:campus.example", "did:web:campus.example", True),
        ("DID:web:campus.example", "did:web:campus.example", True),
        ("did:web:campus.example#key-1", "did:web:campus.example", True),
        ("did:web:campus.example", " did:web:campus.example ", True),
        ("did:web:Campus.example", "did:web:campus.example", False),
        ("https://campus.example/issuer", "https://campus.example/issuer", True),
        ("https://campus.example/issuer", "https://campus.example/issuer/", False),
        ("https://Campus.example/issuer", "https://campus.example/issuer", False),
    ],
)
def test_dids_compare_normalised_and_urls_exactly(
    issuer: str, identifier: str, trusted_: bool
) -> None:
    found = acceptance.trusting_partner(issuer, trusted(identifier), "p-campus")
    assert (found == "p-campus") is trusted_


# --------------------------------------------------------------------------- facts


def test_facts_of_an_ob3_badge_carry_the_achievement_and_its_alignments() -> None:
    credential = CAMPUS.credential(
        email=EMAIL,
        did="did:example:camille",
        alignments=[SST],
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
        awarded=datetime(2024, 12, 15, tzinfo=UTC),
    )
    facts = acceptance.badge_facts(report_for(credential), digest="ab" * 32)
    assert facts.issuer_id == CAMPUS.did
    assert facts.credential_id == credential["id"]
    assert facts.achievement_id == "https://campus-caen.example/achievements/sst"
    assert facts.achievement["alignment"] == [SST]
    assert facts.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert facts.valid_until == datetime(2030, 1, 1, tzinfo=UTC)
    assert facts.awarded_at == datetime(2024, 12, 15, tzinfo=UTC)
    assert facts.extra_identifiers == (("did", "did:example:camille"),)
    assert facts.equality_key == acceptance.equality_key(CAMPUS.did, credential["id"])


def test_a_credential_without_id_is_identified_by_its_digest() -> None:
    credential = CAMPUS.credential(email=EMAIL)
    del credential["id"]
    facts = acceptance.badge_facts(report_for(credential), digest="cd" * 32)
    assert facts.credential_id == "urn:sha256:" + "cd" * 32


def test_an_ob2_badge_class_alignment_becomes_ob3_alignments() -> None:
    ob2 = Ob2HostedIssuer("https://organisme.example")
    badge_url = ob2.badge_class("habilitation", alignments=[SST])
    report = Report(
        "ob2-hosted",
        [Check("parse", "valid", "parsed")],
        credential={
            "id": "https://organisme.example/a/1",
            "badge": badge_url,
            "issuedOn": "2025-03-01T00:00:00Z",
        },
        summary={"issuer": {"id": ob2.issuer_url}, "validFrom": "2025-03-01T00:00:00Z"},
    )
    facts = acceptance.badge_facts(
        report, digest="00" * 32, badge_class=ob2.documents["/ob2/badges/habilitation.json"]
    )
    assert facts.issuer_id == ob2.issuer_url
    assert facts.achievement_id == badge_url
    assert facts.achievement_name == "Habilitation électrique"
    assert facts.achievement["type"] == ["Achievement"]
    assert facts.achievement["alignment"] == [SST]
    assert facts.awarded_at == facts.valid_from == datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stored", "new", "expected", "code"),
    [
        (
            datetime(2025, 1, 1, tzinfo=UTC),
            datetime(2025, 6, 1, tzinfo=UTC),
            "replace",
            "replaced_older",
        ),
        (
            datetime(2025, 1, 1, tzinfo=UTC),
            datetime(2025, 1, 1, tzinfo=UTC),
            "duplicate",
            "duplicate",
        ),
        (
            datetime(2025, 6, 1, tzinfo=UTC),
            datetime(2025, 1, 1, tzinfo=UTC),
            "superseded",
            "superseded",
        ),
        (None, datetime(2025, 1, 1, tzinfo=UTC), "replace", "replaced_older"),
        (datetime(2025, 1, 1, tzinfo=UTC), None, "duplicate", "duplicate"),
        (None, None, "duplicate", "duplicate"),
    ],
)
def test_a_newer_valid_from_replaces_and_an_older_one_is_superseded(
    stored: datetime | None, new: datetime | None, expected: str, code: str
) -> None:
    comparison = acceptance.compare(stored, new)
    assert comparison == expected
    assert acceptance.equality_reason(comparison) == {"code": code}


# --------------------------------------------------------------------------- re-checks


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        ([Check("status", "valid", "status_active")], "active"),
        ([Check("status", "skipped", "no_status")], "active"),
        ([Check("status", "invalid", "revoked")], "revoked"),
        ([Check("status", "invalid", "suspended")], "suspended"),
        ([Check("status", "indeterminate", "status_not_checked")], None),
        (
            [Check("status", "valid", "status_active"), Check("validity", "invalid", "expired")],
            "expired",
        ),
        (
            [Check("status", "invalid", "suspended"), Check("validity", "invalid", "expired")],
            "expired",
        ),
        (
            [Check("status", "invalid", "revoked"), Check("validity", "invalid", "expired")],
            "revoked",
        ),
    ],
)
def test_the_status_a_recheck_reads(checks: list[Check], expected: str | None) -> None:
    assert acceptance.status_after_recheck(Report("json", checks)) == expected


# --------------------------------------------------------------------------- inputs, messages


def test_an_image_payload_must_be_base64() -> None:
    assert verifier_input("image", "aGVsbG8=") == b"hello"
    assert verifier_input("image", "data:image/png;base64,aGVs\nbG8=") == b"hello"
    with pytest.raises(PayloadError):
        verifier_input("image", "not base64!")
    assert verifier_input("json", '{"a": 1}') == b'{"a": 1}'
    assert verifier_input("jwt", " a.b.c\n") == "a.b.c"


def test_every_reason_code_has_a_message() -> None:
    missing = [code for code in acceptance.REASON_CODES if code not in MESSAGE_IDS]
    assert missing == []
