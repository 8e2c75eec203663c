"""Hostile requests to the endpoints that write: a clear 4xx with the error body, never a 500.

* A lone UTF-16 surrogate (``"\\ud800"``) is JSON that Python parses but cannot encode
  to UTF-8. Every JSON body refuses it with ``400 invalid_unicode``; ``POST /verify``
  reports the badge as malformed; a partner delivery refuses the one badge that holds
  it (its receipt item says ``invalid_unicode``) and keeps the others.
* Integers past 2^63, negative or not numbers, in pagination and in path ids.
* A signed webhook whose body is not UTF-8.

These tests use the database (``api``): the PostgreSQL pass runs them again, where an
integer past 2^63 would reach a ``bigint``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from issuer_api.errors import scoped_error_prefixes
from issuer_api.oauth import scopes
from issuer_api.oauth.principal import ObApiPrincipal, current_principal
from issuers.helpers import Api
from partners.helpers import Partner, badge_item, make_partner, sign_webhook

pytestmark = pytest.mark.anyio

LONE_SURROGATE = "\ud800"
EMAIL = "camille.martin@example.fr"
CREDENTIAL: dict[str, Any] = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Sauveteur secouriste du travail",
    "credentialSubject": {"identifier": [{"identityHash": EMAIL}]},
}


def ascii_json(document: Any) -> bytes:
    """``document`` as JSON with every non-ASCII character escaped: a lone surrogate is
    sent as the six characters ``\\ud800``, exactly as a hostile client would."""
    return json.dumps(document, ensure_ascii=True).encode("ascii")


def with_lone_surrogate(name: str = f"Badge {LONE_SURROGATE}") -> dict[str, Any]:
    return {**CREDENTIAL, "name": name}


@pytest.fixture
async def partner(api: Api) -> Partner:
    return await make_partner(
        api, trusted_issuers=["did:web:campus-caen.example.fr"], oauth_client=True
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert set(error["messages"]) == {"fr", "en"}
    assert error["request_id"] == response.headers["x-request-id"]
    return error


# --------------------------------------------------------------------------- lone surrogates


async def test_a_lone_surrogate_in_a_verify_body_is_a_malformed_badge_not_a_500(api: Api) -> None:
    body = ascii_json(with_lone_surrogate())
    assert b"\\ud800" in body

    response = await api.http.post(
        "/verify", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 200, response.text[:500]
    report = response.json()
    assert report["verdict"] == "invalid"
    parse = next(c for c in report["checks"] if c["id"] == "parse")
    assert (parse["status"], parse["code"]) == ("invalid", "malformed_json")
    assert "surrogate" in parse["detail"]


async def test_a_lone_surrogate_as_a_text_verify_body_is_malformed_too(api: Api) -> None:
    body = ascii_json(with_lone_surrogate()).decode()

    response = await api.http.post("/verify", content=body, headers={"content-type": "text/plain"})

    assert response.status_code == 200, response.text[:500]
    assert response.json()["verdict"] == "invalid"


async def test_a_surrogate_pair_escape_is_an_ordinary_character(api: Api) -> None:
    """``\\ud83c\\udf93`` is one character (a graduation cap): not refused."""
    body = ascii_json(with_lone_surrogate("Badge \U0001f393"))
    assert b"\\ud83c\\udf93" in body

    response = await api.http.post(
        "/verify", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 200, response.text[:500]
    parse = next(c for c in response.json()["checks"] if c["id"] == "parse")
    assert parse["status"] == "valid"


@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
async def test_a_lone_surrogate_in_a_vc_api_verify_body_is_a_400(api: Api, path: str) -> None:
    document = {"verifiableCredential": with_lone_surrogate(), "verifiablePresentation": {}}
    response = await api.http.post(
        path, content=ascii_json(document), headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_unicode")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-16"])
async def test_a_lone_surrogate_in_a_utf16_or_utf32_json_body_is_a_400_too(
    api: Api, encoding: str
) -> None:
    """JSON parsers read UTF-16 and UTF-32 bodies as well: the escape is found there too."""
    document = {"verifiableCredential": with_lone_surrogate(), "verifiablePresentation": {}}
    body = ascii_json(document).decode("ascii").encode(encoding)
    response = await api.http.post(
        "/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_unicode")


async def test_a_lone_surrogate_in_a_vc_api_issue_body_is_a_400(api: Api) -> None:
    await api.region()
    admin = await api.headers("admin")
    document = {"credential": with_lone_surrogate(), "options": {}}
    response = await api.http.post(
        "/credentials/issue",
        content=ascii_json(document),
        headers={**admin, "content-type": "application/json"},
    )
    assert_error(response, 400, "invalid_unicode")


async def test_a_lone_surrogate_in_a_typed_field_is_a_400(api: Api) -> None:
    """``name`` is a ``str`` field: validating it used to raise UnicodeEncodeError (500)."""
    admin = await api.headers("admin")
    response = await api.http.post(
        "/partners",
        content=ascii_json({"slug": "campus", "name": f"Campus {LONE_SURROGATE}"}),
        headers={**admin, "content-type": "application/json"},
    )
    error = assert_error(response, 400, "invalid_unicode")
    assert error["details"] == {"reason": "unpaired_surrogate"}


async def test_a_lone_surrogate_in_a_claim_is_a_400(api: Api) -> None:
    counsellor = await api.headers("deliver")
    document = {"recipient": {"email": EMAIL}, "badges": [with_lone_surrogate()]}
    response = await api.http.post(
        "/claims",
        content=ascii_json(document),
        headers={**counsellor, "content-type": "application/json"},
    )
    assert_error(response, 400, "invalid_unicode")


async def test_a_lone_surrogate_in_a_claimed_file_refuses_the_claim_not_a_500(api: Api) -> None:
    counsellor = await api.headers("deliver")
    response = await api.http.post(
        "/claims",
        data={"email": EMAIL},
        files={"badges": ("badge.json", ascii_json(with_lone_surrogate()), "application/json")},
        headers=counsellor,
    )
    assert response.status_code == 400, response.text[:500]
    assert response.json()["error"]["code"] == "invalid_claim"


async def _receipt(api: Api, partner: Partner, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text[:500]
    receipt = await api.http.get(response.headers["location"], headers=partner.headers)
    assert receipt.status_code == 200, receipt.text[:500]
    body: dict[str, Any] = receipt.json()
    return body


def _outcomes(receipt: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (item["outcome"], [reason["code"] for reason in item["reasons"]])
        for item in sorted(receipt["badges"], key=lambda item: item["position"])
    ]


def _batch_with_one_bad_badge() -> dict[str, Any]:
    return {
        "badges": [
            badge_item(CREDENTIAL, EMAIL, reference="first"),
            badge_item(with_lone_surrogate(), EMAIL, reference="bad"),
            badge_item(CREDENTIAL, "dominique@example.fr", reference="third"),
        ]
    }


async def test_one_lone_surrogate_badge_in_a_signed_webhook_is_refused_alone(
    api: Api, partner: Partner
) -> None:
    body = ascii_json(_batch_with_one_bad_badge())
    assert partner.secret is not None

    response = await api.http.post(
        partner.webhook_url, content=body, headers=sign_webhook(partner.secret, body)
    )

    receipt = await _receipt(api, partner, response)
    assert _outcomes(receipt) == [
        ("pending", []),
        ("rejected", ["invalid_unicode"]),
        ("pending", []),
    ]
    bad = next(item for item in receipt["badges"] if item["position"] == 1)
    assert bad["reference"] == "bad"
    assert bad["reasons"][0]["messages"]["en"].startswith("The JSON holds a string")


async def test_one_lone_surrogate_badge_in_an_oauth_delivery_is_refused_alone(
    api: Api, partner: Partner
) -> None:
    response = await api.http.post(
        "/v1/badges",
        content=ascii_json(_batch_with_one_bad_badge()),
        headers={**partner.headers, "content-type": "application/json"},
    )

    receipt = await _receipt(api, partner, response)
    assert _outcomes(receipt) == [
        ("pending", []),
        ("rejected", ["invalid_unicode"]),
        ("pending", []),
    ]


async def test_a_lone_surrogate_in_a_recipient_refuses_that_badge_only(
    api: Api, partner: Partner
) -> None:
    document = {
        "badges": [
            badge_item(CREDENTIAL, f"camille{LONE_SURROGATE}@example.fr"),
            badge_item(CREDENTIAL, EMAIL),
        ]
    }
    response = await api.http.post(
        "/v1/badges",
        content=ascii_json(document),
        headers={**partner.headers, "content-type": "application/json"},
    )
    receipt = await _receipt(api, partner, response)
    assert _outcomes(receipt) == [("rejected", ["invalid_unicode"]), ("pending", [])]


async def test_a_delivery_whose_every_badge_holds_a_lone_surrogate_is_done_at_once(
    api: Api, partner: Partner
) -> None:
    document = badge_item(with_lone_surrogate(), EMAIL)  # a single badge, no "badges" list
    response = await api.http.post(
        "/v1/badges",
        content=ascii_json(document),
        headers={**partner.headers, "content-type": "application/json"},
    )
    receipt = await _receipt(api, partner, response)
    assert _outcomes(receipt) == [("rejected", ["invalid_unicode"])]

    await api.app.state.jobs.run_pending()
    done = await api.http.get(response.headers["location"], headers=partner.headers)
    assert done.json()["status"] == "done"


# --------------------------------------------------------------------------- non-UTF-8 webhook


NOT_UTF8 = b'{"badges": [{"credential": "caf\xe9", "recipient": {"email": "a@example.fr"}}]}'


async def test_a_correctly_signed_webhook_body_that_is_not_utf8_is_a_400_not_a_401(
    api: Api, partner: Partner
) -> None:
    """The signature covers raw bytes: it is checked first; then the body is refused."""
    assert partner.secret is not None
    with pytest.raises(UnicodeDecodeError):
        NOT_UTF8.decode("utf-8")

    response = await api.http.post(
        partner.webhook_url, content=NOT_UTF8, headers=sign_webhook(partner.secret, NOT_UTF8)
    )

    error = assert_error(response, 400, "invalid_delivery")
    assert [e["type"] for e in error["details"]["errors"]] == ["not_utf8"]


async def test_a_badly_signed_webhook_body_that_is_not_utf8_is_still_a_401(
    api: Api, partner: Partner
) -> None:
    headers = sign_webhook("whsec_" + "QUJD" * 11, NOT_UTF8)  # another secret
    response = await api.http.post(partner.webhook_url, content=NOT_UTF8, headers=headers)
    assert_error(response, 401, "webhook_signature_invalid")


async def test_a_utf16_webhook_body_is_not_read_as_json(api: Api, partner: Partner) -> None:
    """json.loads would guess UTF-16 from the bytes: the envelope is UTF-8 only."""
    assert partner.secret is not None
    body = json.dumps(badge_item(CREDENTIAL, EMAIL)).encode("utf-16")
    response = await api.http.post(
        partner.webhook_url, content=body, headers=sign_webhook(partner.secret, body)
    )
    error = assert_error(response, 400, "invalid_delivery")
    assert [e["type"] for e in error["details"]["errors"]] == ["not_utf8"]


# --------------------------------------------------------------------------- huge integers

HOSTILE_INTEGERS = [
    str(2**63),  # one past PostgreSQL's bigint and SQLite's INTEGER
    str(2**64 + 1),
    "9" * 40,
    "-1",
    str(-(2**63) - 1),
    "1e309",
    "abc",
]


def _integer_parameters(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, where, parameter) for every integer path or query parameter of a GET."""
    found = []
    for path, operations in spec["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if "integer" in kinds:
                found.append((path, parameter["in"], parameter))
    return found


def _concrete(path: str, replacing: str | None = None, value: str = "") -> str:
    """``path`` with every {placeholder} filled: ``replacing`` gets ``value``, others "x"."""
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        name = out[start + 1 : end]
        out = out[:start] + (value if name == replacing else "x") + out[end + 1 :]
    return out


async def test_every_integer_parameter_states_its_bounds_in_the_openapi_document(
    api: Api,
) -> None:
    parameters = _integer_parameters(api.app.openapi())
    assert len(parameters) >= 8  # pagination everywhere, version numbers
    unbounded = []
    for path, where, parameter in parameters:
        schema = parameter["schema"]
        bounded = [s for s in [schema, *schema.get("anyOf", [])] if s.get("type") == "integer"]
        if not all("minimum" in s and "maximum" in s for s in bounded):
            unbounded.append(f"{path} {where} {parameter['name']}")
        else:
            assert all(s["maximum"] < 2**63 for s in bounded), (path, parameter["name"])
    assert unbounded == []


@pytest.mark.parametrize("value", HOSTILE_INTEGERS)
async def test_a_hostile_integer_in_any_get_parameter_is_a_4xx_with_the_error_body(
    api: Api, value: str
) -> None:
    await api.region()
    admin = await api.headers("admin")
    # The Open Badges API answers its own bearer tokens, with Imsx_StatusInfo errors.
    api.app.dependency_overrides[current_principal] = lambda: ObApiPrincipal(
        "obc_x", "x", scopes.ALL, learner_id="x", partner_id=None, grant_id=None
    )
    own_bodies = scoped_error_prefixes(api.app)
    parameters = _integer_parameters(api.app.openapi())
    for path, where, parameter in parameters:
        if where == "path":
            url, params = _concrete(path, parameter["name"], value), {}
        else:
            url, params = _concrete(path), {parameter["name"]: value}
        response = await api.http.get(url, params=params, headers=admin)
        if path.startswith(own_bodies):
            assert response.status_code == 400, (path, parameter["name"], response.text)
            assert response.json()["imsx_codeMajor"] == "failure"
            continue
        assert response.status_code in (400, 404, 422), (path, parameter["name"], response.text)
        assert response.json()["error"]["code"].endswith(("invalid_request", "not_found"))


@pytest.mark.parametrize(
    "path",
    [
        "/credentials/{}",
        "/credentials/{}.json",
        "/learners/{}",
        "/learners/{}/progress",
        "/status/{}",
        "/achievements/{}",
        "/v1/receipts/{}",
        "/claims/{}",
        "/webhook-endpoints/{}",
        "/partners/{}",
        "/badges/{}",
        "/badges/{}.json",
        "/referential/versions/{}",
    ],
)
async def test_a_huge_number_as_a_path_id_is_not_found_or_refused(api: Api, path: str) -> None:
    await api.region()
    admin = await api.headers("admin")
    for value in HOSTILE_INTEGERS[:3]:
        response = await api.http.get(path.format(value), headers=admin)
        assert response.status_code in (400, 404, 422), (path, response.text[:300])
        if response.headers["content-type"].startswith("application/json"):
            assert response.json()["error"]["code"].endswith(("invalid_request", "not_found"))


async def test_an_achievement_version_past_2_63_in_an_issue_body_is_a_422(api: Api) -> None:
    await api.region()
    admin = await api.headers("admin")
    body = {"achievement_id": "x", "achievement_version": 2**63, "recipient": {"email": EMAIL}}
    response = await api.http.post("/issuers/region/credentials", json=body, headers=admin)
    error = assert_error(response, 422, "invalid_request")
    assert [e["field"] for e in error["details"]["errors"]] == ["body.achievement_version"]


async def test_an_integer_past_the_double_range_in_a_badge_is_invalid_json_ld_not_a_500(
    api: Api,
) -> None:
    """JSON allows 10**400; JSON-LD writes such a number as an xsd:double, which it cannot
    hold: the badge is refused as invalid JSON-LD, in both canonicalization paths."""
    badge = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2a0c6f1e-7f4b-4c8e-9d3a-5b6c7d8e9f01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:campus-caen.example.fr", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "result": [{"type": ["Result"], "value": 10**400}],
        },
    }
    response = await api.http.post(
        "/verify", content=json.dumps(badge), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text[:500]
    checks = {c["id"]: c for c in response.json()["checks"]}
    assert (checks["safe_mode"]["status"], checks["safe_mode"]["code"]) == (
        "invalid",
        "invalid_jsonld",
    )
