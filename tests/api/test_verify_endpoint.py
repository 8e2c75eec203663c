"""POST /verify: any badge format in, the per-check report out, 200 whatever the verdict."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import httpx
import pytest

from issuer_api.routers.verify import VerifyResponse
from obcore import baking

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
VALID_DI = VECTORS / "dcc-v2-di-didkey-basicOBv3.json"
VALID_JWT = VECTORS / "indep-xverify-ob3-vcjwt-eddsa.jwt"
TAMPERED = VECTORS / "derived-dcc-v2-di-basicOBv3-TAMPERED-achievement-name.json"


def _tiny_png() -> bytes:
    """A valid 1x1 grey PNG, built here so the test owns its bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


pytestmark = pytest.mark.anyio


async def test_a_valid_json_badge_is_verified_with_every_check_reported(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verify", content=VALID_DI.read_bytes(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["verdict"] == "valid"
    ids = [check["id"] for check in body["checks"]]
    assert ids[:5] == ["parse", "contexts", "safe_mode", "schema", "proof"]
    assert all({"fr", "en"} <= set(check["messages"]) for check in body["checks"])


async def test_a_tampered_badge_is_answered_200_with_verified_false(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verify", content=TAMPERED.read_bytes(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["verdict"] == "invalid"
    proof = next(c for c in body["checks"] if c["id"] == "proof")
    assert proof["code"] == "invalid_signature"


async def test_a_raw_vc_jwt_is_accepted_as_text_plain(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verify", content=VALID_JWT.read_bytes(), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "valid"
    assert response.json()["format"] == "vc-jwt"


async def test_a_baked_png_uploaded_as_a_form_file_is_unbaked_and_verified(
    client: httpx.AsyncClient,
) -> None:
    baked = baking.bake(_tiny_png(), VALID_DI.read_text(encoding="utf-8"))
    response = await client.post("/verify", files={"file": ("badge.png", baked, "image/png")})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid"
    assert body["format"].startswith("baked-png")


async def test_the_report_speaks_the_language_the_client_asks_for(
    client: httpx.AsyncClient,
) -> None:
    fr = await client.post(
        "/verify", content=VALID_DI.read_bytes(), headers={"content-type": "application/json"}
    )
    en = await client.post(
        "/verify",
        content=VALID_DI.read_bytes(),
        headers={"content-type": "application/json", "accept-language": "en-GB,en;q=0.8"},
    )
    assert fr.json()["message"] == "Le badge est authentique et valide."
    assert en.json()["message"] == "The badge is authentic and valid."


async def test_the_recipient_can_be_checked_by_query_parameter(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verify",
        params={"recipient": "someone-else@example.org"},
        content=VALID_DI.read_bytes(),
        headers={"content-type": "application/json"},
    )
    recipient = next(c for c in response.json()["checks"] if c["id"] == "recipient")
    assert recipient["status"] == "invalid"


async def test_an_empty_body_is_a_400_with_a_machine_code(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verify", content=b"  ", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_body"


async def test_an_unsupported_media_type_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verify", content=b"<a/>", headers={"content-type": "application/xml"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


async def test_a_form_without_a_file_field_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verify", data={"other": "x"}, files={"attachment": ("a.txt", b"x", "text/plain")}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_file"


async def test_garbage_is_a_report_not_an_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verify", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "invalid"
    assert body["checks"][0] == body["checks"][0] | {"id": "parse", "code": "malformed_json"}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_number_json_has_not_got_is_a_malformed_badge_not_a_server_error(
    client: httpx.AsyncClient, number: str
) -> None:
    """Python reads ``NaN`` and makes ``1e400`` infinite; no report could echo them."""
    badge = VALID_DI.read_text(encoding="utf-8").replace(
        '"name": ', f'"score": {number}, "name": ', 1
    )
    response = await client.post(
        "/verify", content=badge.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "invalid"
    assert body["checks"][0] == body["checks"][0] | {"id": "parse", "code": "malformed_json"}


@pytest.mark.parametrize(
    ("badge", "content_type"),
    [(VALID_DI, "application/json"), (VALID_JWT, "text/plain"), (TAMPERED, "application/json")],
    ids=["di", "jwt", "tampered"],
)
async def test_every_report_has_the_documented_shape_and_no_null(
    client: httpx.AsyncClient, badge: Path, content_type: str
) -> None:
    """The report is answered as built (not re-validated per request): it must be what
    the OpenAPI document promises, and never carry a field set to null."""
    response = await client.post(
        "/verify", content=badge.read_bytes(), headers={"content-type": content_type}
    )
    body = response.json()
    VerifyResponse.model_validate(body)
    assert [key for key, value in body.items() if value is None] == []
    assert [c["id"] for c in body["checks"] if None in c.values()] == []
