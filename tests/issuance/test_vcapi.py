"""W3C VC-API: ``/credentials/issue``, ``/credentials/verify``, ``/credentials/status``,
``/presentations/verify`` — and suspension, which only non-OB credentials carry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from issuance.helpers import EMAIL, Api, error_code
from issuer_api.models import AuditEvent
from obcore import contexts
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity

pytestmark = pytest.mark.anyio

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interop"


def degree(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [contexts.VC_V2, EXAMPLES_V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Licence professionnelle"},
        },
        **extra,
    }


def degree_v1() -> dict[str, Any]:
    """A VCDM 1.1 credential (the 1.1 context has no ``@vocab``: only its own terms)."""
    return {
        "@context": [contexts.VC_V1],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
    }


def open_badge_v1() -> dict[str, Any]:
    badge: dict[str, Any] = json.loads((FIXTURES / "vcdm11-ob3.json").read_text("utf-8"))
    del badge["issuer"]
    return badge


async def _did_of(api: Api, slug: str) -> str:
    did: str = (await api.http.get(f"/issuers/{slug}")).json()["id"]
    return did


async def _issue(
    api: Api,
    headers: dict[str, str],
    credential: dict[str, Any],
    *,
    as_issuer: str | None = "region",
    **options: Any,
) -> Any:
    """Post to /credentials/issue, naming the issuer as a client must (the W3C suites
    expect a credential without ``issuer`` to be refused)."""
    target = options.get("issuer", as_issuer)
    if "issuer" not in credential and target is not None:
        credential = {**credential, "issuer": await _did_of(api, target)}
    return await api.http.post(
        "/credentials/issue",
        json={"credential": credential, "options": options},
        headers=headers,
    )


async def _issued(
    api: Api, headers: dict[str, str], credential: dict[str, Any], *, as_issuer: str = "region"
) -> dict[str, Any]:
    response = await _issue(api, headers, credential, as_issuer=as_issuer)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()["verifiableCredential"]
    return issued


async def _verify(api: Api, credential: Any, **options: Any) -> Any:
    return await api.http.post(
        "/credentials/verify", json={"verifiableCredential": credential, "options": options}
    )


async def _admin(api: Api) -> dict[str, str]:
    await api.region()
    return await api.headers("admin")


# --------------------------------------------------------------------------- issue


async def test_issue_a_vcdm2_credential_with_revocation_and_suspension(api: Api) -> None:
    admin = await _admin(api)
    response = await _issue(api, admin, degree())
    assert response.status_code == 201, response.text
    issued = response.json()["verifiableCredential"]
    assert response.headers["Location"].startswith(f"{api.base}/credentials/")
    assert issued["issuer"].startswith("did:key:z6Mk")
    assert issued["proof"]["type"] == "DataIntegrityProof"
    assert issued["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    entries = issued["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert entries[0]["statusListCredential"] != entries[1]["statusListCredential"]
    assert {
        k: v for k, v in issued.items() if k not in ("proof", "credentialStatus", "issuer")
    } == (degree())
    verified = await _verify(api, issued)
    assert verified.status_code == 200, verified.text
    result = verified.json()
    assert result["verified"] is True
    assert {"proof", "issuer", "status", "validity"} <= set(result["checks"])
    assert result["errors"] == []
    tampered = copy.deepcopy(issued)
    tampered["credentialSubject"]["degree"]["name"] = "Master"
    refused = await _verify(api, tampered)
    assert refused.status_code == 400
    assert refused.json()["verified"] is False
    assert any(error.startswith("proof:") for error in refused.json()["errors"])


async def test_issue_a_vcdm11_credential(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issued(api, admin, degree_v1())
    assert issued["@context"] == [
        contexts.VC_V1,
        contexts.DATA_INTEGRITY_V2,
        "https://www.w3.org/ns/credentials/status/v1",
    ]
    assert "issuanceDate" in issued
    assert len(issued["credentialStatus"]) == 2
    verified = await _verify(api, issued)
    assert verified.status_code == 200, verified.text
    badge = await _issued(api, admin, open_badge_v1())
    assert badge["issuanceDate"] == "2024-01-01T00:00:00Z"
    assert badge["credentialStatus"]["statusPurpose"] == "revocation"
    assert (await _verify(api, badge)).status_code == 200


async def test_an_open_badge_gets_one_status_entry_and_the_ob_schema(api: Api) -> None:
    admin = await _admin(api)
    achievement_id = await api.achievement("region", admin)
    achievement = (
        await api.http.get(f"/issuers/region/achievements/{achievement_id}", headers=admin)
    ).json()["document"]
    badge = {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": "urn:uuid:6a1c3e2b-5d4f-4a8e-9b7c-0d1e2f3a4b5c",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:apprenant",
            "achievement": achievement,
        },
    }
    issued = await _issued(api, admin, badge)
    assert issued["credentialStatus"]["statusPurpose"] == "revocation"
    assert "validFrom" in issued
    assert (await _verify(api, issued)).status_code == 200
    without_id = {k: v for k, v in badge.items() if k != "id"}
    without_criteria = copy.deepcopy(badge)
    del without_criteria["credentialSubject"]["achievement"]["criteria"]
    for broken in (without_id, without_criteria):
        refused = await _issue(api, admin, broken)
        assert refused.status_code == 400
        assert error_code(refused) == "schema_invalid"


async def test_the_issuer_is_chosen_and_checked(api: Api) -> None:
    admin = await _admin(api)
    partner = await api.partner(admin)
    as_partner = await _issued(api, admin, {**degree(id="urn:x:1"), "issuer": partner["did"]})
    assert as_partner["issuer"] == partner["did"]
    by_option = await _issue(api, admin, degree(id="urn:x:2"), issuer=partner["slug"])
    assert by_option.json()["verifiableCredential"]["issuer"] == partner["did"]
    partner_client = await api.headers("issue", issuer_id=partner["id"])
    own = await _issued(api, partner_client, degree(id="urn:x:3"), as_issuer=partner["slug"])
    assert own["issuer"] == partner["did"]
    named = await _issued(
        api,
        partner_client,
        {**degree(id="urn:x:4"), "issuer": {"id": partner["did"], "name": "Campus"}},
    )
    # A plain VC keeps the issuer object its issuer wrote (VCDM 2.0 §4.7), under the DID
    # this service checked; an Open Badge shows the service's Profile (tested below).
    assert named["issuer"] == {"id": partner["did"], "name": "Campus"}
    no_id = await _issue(api, partner_client, {**degree(), "issuer": {"name": "Campus"}})
    assert no_id.status_code == 400
    assert error_code(no_id) == "invalid_credential"
    foreign = await _issue(api, partner_client, degree(), issuer="region")
    assert foreign.status_code == 403
    unknown = await _issue(api, admin, {**degree(), "issuer": "did:example:someone-else"})
    assert unknown.status_code == 400
    assert error_code(unknown) == "issuer_mismatch"
    conflicting = await _issue(api, admin, {**degree(), "issuer": partner["did"]}, issuer="region")
    assert conflicting.status_code == 400
    assert error_code(conflicting) == "issuer_mismatch"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"credential": degree(proof={"type": "DataIntegrityProof"})}, "invalid_credential"),
        ({"credential": degree(credentialStatus={"id": "urn:x:status"})}, "invalid_credential"),
        ({"credential": {**degree(), "@context": [EXAMPLES_V2]}}, "invalid_credential"),
        ({"credential": {**degree(), "type": ["ExampleDegreeCredential"]}}, "invalid_credential"),
        (
            {"credential": degree(), "options": {"proofType": "Ed25519Signature2020"}},
            "invalid_request",
        ),
        ({"credential": "not an object"}, "invalid_request"),
        ({}, "invalid_request"),
        (
            {"credential": {**degree_v1(), "credentialSubject": {"undefinedTerm": "x"}}},
            "safe_mode_undefined_term",
        ),
        ({"credential": degree(validFrom="hier")}, "invalid_credential"),
    ],
)
async def test_invalid_input_is_400(api: Api, body: dict[str, Any], code: str) -> None:
    admin = await _admin(api)
    credential = body.get("credential")
    if isinstance(credential, dict) and "issuer" not in credential:
        body = {**body, "credential": {**credential, "issuer": await _did_of(api, "region")}}
    response = await api.http.post("/credentials/issue", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert error_code(response) == code


async def test_issue_needs_the_issue_scope(api: Api) -> None:
    await _admin(api)
    assert (await _issue(api, {}, degree())).status_code == 401
    assert (await _issue(api, await api.headers("read"), degree())).status_code == 403


# --------------------------------------------------------------------------- status


async def _status(api: Api, headers: dict[str, str], **body: Any) -> Any:
    return await api.http.post("/credentials/status", json=body, headers=headers)


async def test_update_status_list_and_object_forms(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    credential_id = issued["id"]
    status = await api.headers("status")
    suspend = await _status(
        api,
        status,
        credentialId=credential_id,
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        status=True,
    )
    assert suspend.status_code == 200, suspend.text
    assert suspend.json() == {"credentialId": credential_id, "status": "suspended"}
    suspended = await _verify(api, issued)
    assert suspended.status_code == 400
    assert "status: suspended" in suspended.json()["errors"]
    same = await _status(
        api,
        status,
        credentialId=credential_id,
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "suspended"}],
    )
    assert same.json()["status"] == "suspended"  # setting the same state is a no-op
    lifted = await _status(
        api,
        status,
        credentialId=credential_id,
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "unsuspended"}],
    )
    assert lifted.json()["status"] == "active"
    assert (await _verify(api, issued)).status_code == 200
    revoked = await _status(
        api,
        status,
        credentialId=credential_id,
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "revoked"}],
    )
    assert revoked.json()["status"] == "revoked"
    result = await _verify(api, issued)
    assert result.status_code == 400
    assert "status: revoked" in result.json()["errors"]
    undo = await _status(
        api,
        status,
        credentialId=credential_id,
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        status=False,
    )
    assert undo.status_code == 409
    assert error_code(undo) == "already_revoked"
    async with api.sessions() as session:
        actions = [e.action for e in (await session.execute(select(AuditEvent))).scalars()]
    assert [a for a in actions if a.startswith("credential.")] == [
        "credential.suspend",
        "credential.unsuspend",
        "credential.revoke",
    ]


async def test_update_status_errors(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    missing = await _status(
        api,
        admin,
        credentialId="urn:uuid:00000000-0000-4000-8000-000000000000",
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "revoked"}],
    )
    assert missing.status_code == 404
    wrong_type = await _status(
        api,
        admin,
        credentialId=issued["id"],
        credentialStatus=[{"type": "1EdTechRevocationList", "status": "revoked"}],
    )
    assert wrong_type.status_code == 400
    assert error_code(wrong_type) == "unsupported_status_type"
    no_value = await _status(
        api,
        admin,
        credentialId=issued["id"],
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    )
    assert no_value.status_code == 400
    malformed = await _status(api, admin, credentialId=issued["id"])
    assert malformed.status_code == 400
    assert error_code(malformed) == "invalid_request"
    reader = await api.headers("read")
    forbidden = await _status(
        api,
        reader,
        credentialId=issued["id"],
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "revoked"}],
    )
    assert forbidden.status_code == 403


async def test_suspend_and_unsuspend_endpoints(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issue(api, admin, degree())
    own_id = issued.headers["Location"].rsplit("/", 1)[1]
    credential = issued.json()["verifiableCredential"]

    async def act(action: str) -> Any:
        return await api.http.post(
            f"/credentials/{own_id}/{action}", json={"reason": "enquête"}, headers=admin
        )

    assert (await act("unsuspend")).status_code == 409
    suspended = await act("suspend")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["suspendable"] is True
    again = await act("suspend")
    assert again.status_code == 409
    assert error_code(again) == "already_suspended"
    assert (await _verify(api, credential)).status_code == 400
    assert (await act("unsuspend")).json()["status"] == "active"
    assert (await _verify(api, credential)).status_code == 200
    assert (await act("suspend")).status_code == 200
    assert (await act("revoke")).json()["status"] == "revoked"
    after = await act("unsuspend")
    assert after.status_code == 409
    assert error_code(after) == "already_revoked"


# --------------------------------------------------------------------------- verify


async def test_verify_jwt_enveloped_and_limited_checks(api: Api) -> None:
    admin = await _admin(api)
    achievement = await api.achievement("region", admin)
    issued = await api.issue(
        "region",
        admin,
        {"achievement_id": achievement, "recipient": {"email": EMAIL}, "format": "jwt"},
    )
    token = issued.json()["jwt"]
    assert (await _verify(api, token)).status_code == 200
    envelope = {
        "@context": [contexts.VC_V2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    assert (await _verify(api, envelope)).status_code == 200
    await api.http.post(
        f"/credentials/{issued.json()['id']}/revoke", json={"reason": "test"}, headers=admin
    )
    assert (await _verify(api, token)).status_code == 400
    proof_only = await _verify(api, token, checks=["proof", "spelling"])
    assert proof_only.status_code == 200, proof_only.text
    warnings = proof_only.json()["warnings"]
    assert "status: revoked" in warnings
    assert any("spelling" in w for w in warnings)


async def test_a_foreign_status_list_cannot_be_checked_offline(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    key = KeyPair.generate()
    key = key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))
    foreign = {k: v for k, v in issued.items() if k != "proof"}
    foreign["issuer"] = key.controller
    foreign["credentialStatus"] = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": "https://elsewhere.example/status/1",
    }
    signed = dataintegrity.add_proof(foreign, key)
    response = await _verify(api, signed)
    assert response.status_code == 400
    assert any(e.startswith("status: status_not_checked") for e in response.json()["errors"])
    assert (await _verify(api, signed, checks=["proof"])).status_code == 200


async def test_verify_refuses_malformed_requests(api: Api) -> None:
    assert (await api.http.post("/credentials/verify", json={})).status_code == 400
    assert (
        await api.http.post("/credentials/verify", json={"verifiableCredential": 3})
    ).status_code == 400
    not_a_vc = await _verify(api, {"@context": [contexts.VC_V2], "type": ["Thing"]})
    assert not_a_vc.status_code == 400
    assert not_a_vc.json()["verified"] is False


# --------------------------------------------------------------------------- presentations


def _holder() -> KeyPair:
    key = KeyPair.generate()
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


def _sign_presentation(
    presentation: dict[str, Any], key: KeyPair, challenge: str | None = None
) -> dict[str, Any]:
    options = dataintegrity.proof_options(key, proof_purpose="authentication")
    if challenge is not None:
        options["challenge"] = challenge
    canonical = dataintegrity.transform(presentation)
    config = dataintegrity.proof_configuration(options, presentation["@context"])
    value = dataintegrity.serialize_proof(dataintegrity.hash_data(config, canonical), key)
    return {**presentation, "proof": {**options, "proofValue": value}}


async def test_verify_presentations(api: Api) -> None:
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    holder = _holder()
    presentation = {
        "@context": [contexts.VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [issued],
    }

    async def check(body: dict[str, Any]) -> Any:
        return await api.http.post("/presentations/verify", json=body)

    proofless = await check({"presentation": presentation})
    assert proofless.status_code == 200, proofless.text
    assert proofless.json()["credentialResults"][0]["verified"] is True
    assert proofless.json()["warnings"]
    signed = _sign_presentation(presentation, holder, challenge="c-123")
    ok = await check({"verifiablePresentation": signed, "options": {"challenge": "c-123"}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["presentationResult"]["checks"] == ["proof", "holder"]
    wrong = await check({"verifiablePresentation": signed, "options": {"challenge": "other"}})
    assert wrong.status_code == 400
    assert "proof: challenge_mismatch" in wrong.json()["errors"]
    impostor = _sign_presentation(presentation, _holder())
    assert (await check({"verifiablePresentation": impostor})).status_code == 400
    tampered = copy.deepcopy(presentation)
    tampered["verifiableCredential"][0]["credentialSubject"]["degree"]["name"] = "Master"
    bad_vc = await check({"presentation": tampered})
    assert bad_vc.status_code == 400
    assert bad_vc.json()["credentialResults"][0]["verified"] is False
    assert (await check({"presentation": {"type": ["VerifiablePresentation"]}})).status_code == 400
    assert (await check({})).status_code == 400


@pytest.mark.parametrize("subject", [None, True, 4, [], "did:example:1234", {}, [{}], [1]])
async def test_a_credential_subject_must_be_one_or_more_objects(api: Api, subject: Any) -> None:
    admin = await _admin(api)
    response = await _issue(api, admin, {**degree(), "credentialSubject": subject})
    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_credential"


async def test_a_credential_without_an_issuer_is_refused(api: Api) -> None:
    admin = await _admin(api)
    response = await _issue(api, admin, degree(), as_issuer=None)
    assert response.status_code == 400
    assert error_code(response) == "invalid_credential"


async def test_an_issuer_cannot_issue_two_credentials_with_the_same_id(api: Api) -> None:
    admin = await _admin(api)
    assert (await _issue(api, admin, degree())).status_code == 201
    again = await _issue(api, admin, degree())
    assert again.status_code == 409
    assert error_code(again) == "credential_id_taken"


async def test_a_status_change_by_an_id_shared_across_issuers_is_refused(api: Api) -> None:
    """Two issuers may use one id; a Region-wide client must not have one picked for it."""
    admin = await _admin(api)
    partner = await api.partner(admin)
    assert (await _issue(api, admin, degree())).status_code == 201
    assert (await _issue(api, admin, degree(), issuer=partner["slug"])).status_code == 201
    response = await _status(
        api,
        admin,
        credentialId=degree()["id"],
        credentialStatus=[{"type": "BitstringStatusListEntry", "status": "revoked"}],
    )
    assert response.status_code == 409
    assert error_code(response) == "ambiguous_credential_id"


async def test_a_partner_cannot_dress_a_badge_as_the_regions(api: Api) -> None:
    admin = await _admin(api)
    partner = await api.partner(admin)
    partner_client = await api.headers("issue", issuer_id=partner["id"])
    region_achievement = await api.achievement("region", admin)
    achievement = (
        await api.http.get(f"/issuers/region/achievements/{region_achievement}", headers=admin)
    ).json()["document"]
    badge = {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": "urn:uuid:0f1e2d3c-4b5a-4697-8877-665544332211",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": {
            "id": partner["did"],
            "type": ["Profile"],
            "name": "Région Normandie",
            "url": "https://www.normandie.fr",
        },
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:apprenant",
            "achievement": achievement,
        },
    }
    refused = await _issue(api, partner_client, badge)
    assert refused.status_code == 422, refused.text
    assert error_code(refused) == "achievement_of_another_issuer"


@pytest.mark.parametrize(
    "subject",
    [
        {"id": "mailto:camille@example.fr"},
        {"id": "camille@example.fr"},
        {
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": False,
                    "identityHash": "camille@example.fr",
                    "identityType": "emailAddress",
                }
            ]
        },
    ],
)
async def test_a_plaintext_email_recipient_is_refused(api: Api, subject: dict[str, Any]) -> None:
    admin = await _admin(api)
    response = await _issue(api, admin, {**degree(), "credentialSubject": subject})
    assert response.status_code == 400
    assert error_code(response) == "invalid_credential"


async def test_a_caller_status_entry_on_one_of_the_hubs_lists_is_refused(api: Api) -> None:
    """The credential's status would follow another credential's bit in that list."""
    admin = await _admin(api)
    partner = await api.partner(admin)
    other = await _issue(api, admin, degree(), issuer=partner["slug"])
    assert other.status_code == 201, other.text
    borrowed = other.json()["verifiableCredential"]["credentialStatus"][0]

    response = await _issue(
        api,
        admin,
        degree(id="urn:uuid:2d3f7c1e-8d1b-4a51-9d8c-3b4a0f6e2a11", credentialStatus=borrowed),
    )

    assert response.status_code == 400
    assert error_code(response) == "status_list_reserved"
    assert response.json()["error"]["messages"]["fr"].startswith("Cette entrée credentialStatus")


async def test_a_caller_status_entry_on_another_list_is_kept(api: Api) -> None:
    admin = await _admin(api)
    foreign = {
        "id": "https://status.example.org/lists/7#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://status.example.org/lists/7",
    }

    issued = await _issued(api, admin, degree(credentialStatus=foreign))

    assert issued["credentialStatus"][0] == foreign
    assert len(issued["credentialStatus"]) == 3


async def test_a_credential_is_revoked_by_its_own_id_through_the_status_routes(api: Api) -> None:
    """The id the caller chose at VC-API issuance names the credential in
    ``/credentials/{id}/revoke`` as well as our own UUID does."""
    admin = await _admin(api)
    issued = await _issued(api, admin, degree())
    assert (await _verify(api, issued)).status_code == 200
    response = await api.http.post(
        f"/credentials/{issued['id']}/revoke", json={"reason": "délivré par erreur"}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert (await _verify(api, issued)).status_code == 400
    unknown = await api.http.post(
        "/credentials/urn:uuid:00000000-0000-4000-8000-000000000000/revoke",
        json={"reason": "x"},
        headers=admin,
    )
    assert unknown.status_code == 404
    assert error_code(unknown) == "credential_not_found"
