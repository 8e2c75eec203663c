"""VC-API issue and verify hold credentials to the W3C VC Data Model 2.0.

Issue refuses a credential breaking a VCDM rule (400 ``invalid_credential``, the rule in
``details.rule``); verify answers 400 ``verified: false`` with a ``data_model:`` error,
whatever ``options.checks`` names. The rules themselves are specified one by one in
tests/verification/test_vcdm_rules.py; here, what the endpoints do with them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuance.helpers import Api, error_code
from issuance.test_vcapi import FIXTURES, _admin, _issue, _issued, _verify, degree
from obcore import contexts
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity

pytestmark = pytest.mark.anyio

V2_DIGEST_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"


def _signed_elsewhere(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` signed (eddsa-rdfc-2022) by a did:key issuer outside this service."""
    key = KeyPair.generate()
    key = key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))
    return dataintegrity.add_proof({**document, "issuer": key.controller}, key)


def _rule(response: Any) -> str:
    rule: str = response.json()["error"]["details"]["rule"]
    return rule


# ------------------------------------------------------------------ verify: the request


@pytest.mark.parametrize("context", ["string", {}, None, 10, True, [[]], [None], [10], [True]])
async def test_verify_answers_400_to_a_context_that_is_no_ordered_set_of_urls_and_objects(
    api: Api, context: Any
) -> None:
    # VCDM 2.0 §4.3 Contexts; VC-API verify answers 400 for a malformed credential.
    signed = _signed_elsewhere(degree())
    response = await _verify(api, {**signed, "@context": context})

    assert response.status_code == 400, response.text
    assert response.json()["verified"] is False


@pytest.mark.parametrize("value", ["string", {}, None, 10, True])
async def test_verify_answers_400_to_a_type_that_is_not_an_array_naming_verifiable_credential(
    api: Api, value: Any
) -> None:
    signed = _signed_elsewhere(degree())
    document = {k: v for k, v in signed.items() if k != "type"}
    if value is not None:
        document["type"] = value

    response = await _verify(api, document, checks=["proof"])

    assert response.status_code == 400, response.text
    assert any(e.startswith("data_model: invalid_type") for e in response.json()["errors"])


async def test_verify_refuses_a_data_integrity_credential_sent_as_a_json_string(
    api: Api,
) -> None:
    # vc-di-eddsa §3.3 (Verify Proof, Data Integrity §4.4): "If either securedDocument is not
    # a map or securedDocument.proof is not a map, an error MUST be raised".
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())

    response = await _verify(api, json.dumps(issued))

    assert response.status_code == 400
    assert error_code(response) == "invalid_credential"
    assert (await _verify(api, issued)).status_code == 200


async def test_a_presentation_carrying_a_credential_as_json_text_is_refused(api: Api) -> None:
    # VCDM 2.0 §4.13: verifiableCredential holds credentials (objects) or enveloped ones
    # (VC-JWTs); a JSON document sent as text is neither.
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    presentation = {
        "@context": [contexts.VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [json.dumps(issued)],
    }

    response = await api.http.post(
        "/presentations/verify", json={"verifiablePresentation": presentation}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_presentation"


# ------------------------------------------------------------------ typed objects (§4.5)


@pytest.mark.parametrize("name", ["termsOfUse", "evidence", "refreshService", "credentialSchema"])
async def test_objects_that_must_have_a_type_are_refused_without_one(api: Api, name: str) -> None:
    admin = await _admin(api)
    item = {"id": "https://example.org/policy/1"}

    refused = await _issue(api, admin, degree(**{name: item}))
    verified = await _verify(api, _signed_elsewhere(degree(**{name: item})), checks=["proof"])

    assert refused.status_code == 400
    assert error_code(refused) == "invalid_credential"
    assert _rule(refused) == "missing_type"
    assert verified.status_code == 400
    assert any(e.startswith("data_model: missing_type") for e in verified.json()["errors"])


# ------------------------------------------------------------------ status (§4.10)


async def test_a_plain_credential_keeps_the_status_entry_it_brings(api: Api) -> None:
    admin = await _admin(api)
    own = {"id": "https://example.org/status/7", "type": "CredentialStatusList2017"}

    issued = await _issued(api, admin, degree(credentialStatus=own))

    entries = issued["credentialStatus"]
    assert entries[0] == own
    assert [e.get("statusPurpose") for e in entries[1:]] == ["revocation", "suspension"]


async def test_a_status_entry_without_a_type_is_refused(api: Api) -> None:
    admin = await _admin(api)

    refused = await _issue(api, admin, degree(credentialStatus={"id": "did:example:status"}))

    assert refused.status_code == 400
    assert _rule(refused) == "missing_type"


async def test_an_open_badge_still_brings_no_status_entry(api: Api) -> None:
    admin = await _admin(api)
    badge = _open_badge()
    del badge["issuer"]
    badge["credentialStatus"] = {"id": "https://example.org/status/7", "type": "X"}

    refused = await _issue(api, admin, badge)

    assert refused.status_code == 400
    assert error_code(refused) == "invalid_credential"


def _open_badge() -> dict[str, Any]:
    badge: dict[str, Any] = json.loads((FIXTURES / "vcdm11-ob3.json").read_text("utf-8"))
    return badge


# ------------------------------------------------------------------ issuer (§4.7, §4.6)


async def test_a_plain_credential_keeps_its_issuer_object_with_name_and_description(
    api: Api,
) -> None:
    admin = await _admin(api)
    region = (await api.http.get("/issuers/region")).json()["id"]
    issuer = {
        "id": region,
        "name": [{"@value": "Région", "@language": "fr"}, {"@value": "Region", "@language": "en"}],
        "description": "Autorité de certification régionale",
    }

    issued = await _issued(api, admin, {**degree(), "issuer": issuer})

    assert issued["issuer"] == issuer
    assert (await _verify(api, issued)).status_code == 200


async def test_an_issuer_name_that_is_no_text_is_refused(api: Api) -> None:
    admin = await _admin(api)
    region = (await api.http.get("/issuers/region")).json()["id"]
    name = {"@value": "Dog", "@language": "en", "extra": "x"}

    refused = await _issue(api, admin, {**degree(), "issuer": {"id": region, "name": name}})

    assert refused.status_code == 400
    assert _rule(refused) == "invalid_text"


async def test_an_open_badge_shows_the_profile_this_service_holds(api: Api) -> None:
    admin = await _admin(api)
    region = (await api.http.get("/issuers/region")).json()
    badge = _open_badge()
    badge["issuer"] = {"id": region["id"], "type": "Profile", "name": "Quelqu'un d'autre"}

    issued = await _issued(api, admin, badge)

    assert issued["issuer"]["id"] == region["id"]
    assert issued["issuer"]["name"] == region["name"]


# ------------------------------------------------------------------ validity period (§4.9)


async def test_valid_until_before_valid_from_is_refused_on_issue_and_verify(api: Api) -> None:
    admin = await _admin(api)
    window = {"validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-06-01T00:00:00Z"}

    refused = await _issue(api, admin, degree(**window))
    # The window is the credential's own contradiction, not a time check: it counts even
    # when options.checks leaves validity out.
    verified = await _verify(api, _signed_elsewhere(degree(**window)), checks=["proof"])

    assert refused.status_code == 400
    assert _rule(refused) == "validity_period_reversed"
    assert verified.status_code == 400
    assert verified.json()["verified"] is False
    assert any("validity_period_reversed" in e for e in verified.json()["errors"])


# ------------------------------------------------------------------ related resources (§5.3)


async def test_related_resources_are_checked_on_issue_and_verify(api: Api) -> None:
    admin = await _admin(api)
    good = {"id": contexts.VC_V2, "digestSRI": V2_DIGEST_SRI}
    wrong = {"id": contexts.VC_V2, "digestMultibase": "u" + "A" * 43}

    accepted = await _issue(api, admin, degree(relatedResource=[good]))
    duplicated = await _issue(api, admin, degree(relatedResource=[good, good]))
    mismatched = await _issue(api, admin, degree(relatedResource=[wrong]))
    verified = await _verify(api, _signed_elsewhere(degree(relatedResource=[wrong])))

    assert accepted.status_code == 201, accepted.text
    assert _rule(duplicated) == "invalid_related_resource"
    assert _rule(mismatched) == "related_resource_digest_mismatch"
    assert verified.status_code == 400
    assert any("related_resource_digest_mismatch" in e for e in verified.json()["errors"])


# ------------------------------------------------------------------ JSON-LD input


async def test_a_context_resetting_an_unset_vocab_is_refused_not_a_crash(api: Api) -> None:
    admin = await _admin(api)
    document = {**degree(), "@context": [contexts.VC_V2, {"@vocab": None}]}

    refused = await _issue(api, admin, document)

    assert refused.status_code == 400, refused.text
