"""The verification report: fixed check ids, verdict rules, and bilingual rendering."""

from __future__ import annotations

import json
from itertools import product

import pytest

from verify.messages import CATALOGUE, LANGS, message
from verify.report import CHECK_IDS, INFORMATIONAL_CHECKS, Check, CheckStatus, Report, combine

STATUSES: tuple[CheckStatus, ...] = ("valid", "invalid", "indeterminate", "skipped")


def checks(**statuses: CheckStatus) -> list[Check]:
    return [
        Check(check_id, status, f"{check_id}_{status}") for check_id, status in statuses.items()
    ]


@pytest.fixture
def report_of_a_revoked_badge_with_a_failed_endorsement() -> Report:
    endorsement = Report(
        "json",
        [Check("parse", "valid", "parsed"), Check("proof", "invalid", "invalid_signature")],
        credential={"id": "urn:uuid:endorsement"},
    )
    return Report(
        "baked-png+json",
        [
            Check("parse", "valid", "parsed", None, {"format": "baked-png+json"}),
            Check("proof", "valid", "proof_valid"),
            Check("status", "invalid", "revoked", None, {"entries": [{"value": 1}]}),
            Check("endorsements", "invalid", "endorsement_invalid"),
        ],
        credential={"id": "urn:uuid:badge"},
        summary={"name": "Esprit d'équipe"},
        notices=["status_list_issuer_differs"],
        endorsements=[endorsement],
    )


# ---- the check ids ---------------------------------------------------------------------------


def test_the_check_ids_follow_the_ob3_verification_algorithm() -> None:
    assert CHECK_IDS == (
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


def test_only_endorsements_are_informational() -> None:
    assert frozenset({"endorsements"}) == INFORMATIONAL_CHECKS
    assert set(CHECK_IDS) >= INFORMATIONAL_CHECKS


# ---- the verdict -----------------------------------------------------------------------------


def test_a_report_whose_checks_all_pass_or_do_not_apply_is_valid() -> None:
    assert combine(checks(parse="valid", proof="valid", status="skipped")) == "valid"


def test_a_report_with_no_checks_is_valid() -> None:
    assert combine([]) == "valid"


def test_one_invalid_check_makes_the_report_invalid_whatever_the_others() -> None:
    for other in STATUSES:
        assert combine(checks(proof=other, status="invalid")) == "invalid"


def test_an_indeterminate_check_without_an_invalid_one_makes_the_report_indeterminate() -> None:
    assert combine(checks(proof="valid", status="indeterminate", refresh="skipped")) == (
        "indeterminate"
    )


@pytest.mark.parametrize("status", STATUSES)
def test_the_endorsements_check_never_decides_the_verdict(status: CheckStatus) -> None:
    assert combine(checks(proof="valid", endorsements=status)) == "valid"
    assert combine(checks(proof="indeterminate", endorsements=status)) == "indeterminate"
    assert combine(checks(proof="invalid", endorsements=status)) == "invalid"


def test_the_verdict_is_the_worst_status_of_the_deciding_checks() -> None:
    rank = {"skipped": 0, "valid": 0, "indeterminate": 1, "invalid": 2}
    verdict_of_rank = {0: "valid", 1: "indeterminate", 2: "invalid"}
    for proof, status, endorsements in product(STATUSES, repeat=3):
        expected = verdict_of_rank[max(rank[proof], rank[status])]
        assert combine(checks(proof=proof, status=status, endorsements=endorsements)) == expected


def test_verified_means_a_valid_verdict() -> None:
    assert Report("json", checks(proof="valid")).verified
    assert not Report("json", checks(proof="indeterminate")).verified
    assert not Report("json", checks(proof="invalid")).verified


def test_a_check_is_found_by_its_id() -> None:
    report = Report("json", checks(parse="valid", proof="invalid"))
    found = report.check("proof")
    assert found is not None
    assert found.code == "proof_invalid"
    assert report.check("recipient") is None


# ---- rendering -------------------------------------------------------------------------------


def test_every_catalogued_message_exists_in_french_and_english() -> None:
    assert LANGS == ("fr", "en")
    for code, texts in CATALOGUE.items():
        assert set(texts) == {"fr", "en"}, code
        assert texts["fr"].strip(), code
        assert texts["en"].strip(), code
        assert texts["fr"] != texts["en"], code


def test_an_uncatalogued_code_falls_back_to_the_detail_then_to_the_code() -> None:
    assert message("revoked", "fr") == "Le badge a été révoqué."
    assert message("revoked", "en", "ignored detail") == "The badge has been revoked."
    assert message("some_new_code", "fr", "technical detail") == "technical detail"
    assert message("some_new_code", "en") == "some_new_code"


def test_a_check_renders_its_message_in_the_chosen_language_and_both_messages() -> None:
    check = Check("status", "invalid", "revoked")
    assert check.to_dict("fr") == {
        "id": "status",
        "status": "invalid",
        "code": "revoked",
        "message": "Le badge a été révoqué.",
        "messages": {"fr": "Le badge a été révoqué.", "en": "The badge has been revoked."},
    }
    assert check.to_dict("en")["message"] == "The badge has been revoked."


def test_a_check_renders_its_detail_and_data_only_when_it_has_them() -> None:
    bare = Check("proof", "valid", "proof_valid").to_dict()
    assert "detail" not in bare
    assert "data" not in bare
    full = Check("proof", "invalid", "invalid_signature", "bad sig", {"alg": "EdDSA"}).to_dict()
    assert full["detail"] == "bad sig"
    assert full["data"] == {"alg": "EdDSA"}


def test_french_is_the_default_language() -> None:
    assert Check("status", "invalid", "revoked").to_dict()["message"] == "Le badge a été révoqué."
    assert Report("json", []).to_dict()["message"] == "Le badge est authentique et valide."


@pytest.mark.parametrize(
    ("statuses", "verdict", "en"),
    [
        ({"proof": "valid"}, "valid", "The badge is authentic and valid."),
        ({"proof": "invalid"}, "invalid", "The badge is not valid."),
        ({"proof": "indeterminate"}, "indeterminate", "The badge could not be fully verified."),
    ],
)
def test_the_report_states_its_verdict_in_both_languages(
    statuses: dict[str, CheckStatus], verdict: str, en: str
) -> None:
    rendered = Report("json", checks(**statuses)).to_dict("en")
    assert rendered["verdict"] == verdict
    assert rendered["verified"] is (verdict == "valid")
    assert rendered["message"] == en
    assert rendered["messages"]["en"] == en
    assert (
        rendered["messages"]["fr"]
        == CATALOGUE[
            {"valid": "verified", "invalid": "not_verified", "indeterminate": "could_not_verify"}[
                verdict
            ]
        ]["fr"]
    )


def test_a_rendered_report_carries_notices_endorsement_reports_and_the_credential(
    report_of_a_revoked_badge_with_a_failed_endorsement: Report,
) -> None:
    rendered = report_of_a_revoked_badge_with_a_failed_endorsement.to_dict("en")
    assert rendered["verdict"] == "invalid"
    assert rendered["format"] == "baked-png+json"
    assert [c["id"] for c in rendered["checks"]] == ["parse", "proof", "status", "endorsements"]
    assert rendered["summary"] == {"name": "Esprit d'équipe"}
    assert rendered["notices"] == ["status_list_issuer_differs"]
    assert rendered["credential"] == {"id": "urn:uuid:badge"}
    (endorsement,) = rendered["endorsements"]
    assert endorsement["verdict"] == "invalid"
    assert "credential" not in endorsement
    json.dumps(rendered)


def test_the_credential_can_be_left_out_of_a_rendered_report(
    report_of_a_revoked_badge_with_a_failed_endorsement: Report,
) -> None:
    rendered = report_of_a_revoked_badge_with_a_failed_endorsement.to_dict(include_credential=False)
    assert "credential" not in rendered


def test_a_report_without_notices_or_endorsements_renders_neither() -> None:
    rendered = Report("json", checks(proof="valid")).to_dict()
    assert "notices" not in rendered
    assert "endorsements" not in rendered
    assert "credential" not in rendered


def test_an_invalid_endorsement_is_shown_but_leaves_the_badge_verdict_alone() -> None:
    report = Report(
        "json",
        [Check("proof", "valid", "proof_valid"), Check("endorsements", "invalid", "x")],
        endorsements=[Report("json", checks(proof="invalid"))],
    )
    assert report.verdict == "valid"
    assert report.to_dict()["endorsements"][0]["verdict"] == "invalid"
