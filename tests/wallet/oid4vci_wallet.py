"""A wallet written from OpenID for Verifiable Credential Issuance 1.0, for the tests.

It shares no code with obhub: its key is a jwcrypto Ed25519 key, its did:key is built
here from the multicodec prefix and base58btc (did:key method §3.1), its key proofs
are jwcrypto JWS, and it reads only what the specification defines:

1. the deep link ``openid-credential-offer://?credential_offer_uri=…`` (§4.1.3) or
   ``credential_offer=…`` (§4.1.2), then the offer (``credential_issuer``,
   ``credential_configuration_ids``, the pre-authorised code grant and its ``tx_code``);
2. the Credential Issuer Metadata at ``{issuer}/.well-known/openid-credential-issuer``
   (§12.2.2; ``credential_issuer`` must be the issuer asked), then the metadata of its
   authorization server (RFC 8414 §3.1, the well-known segment inserted before the path);
3. the token request (§6.1: ``grant_type``, ``pre-authorized_code``, ``tx_code``);
4. a ``c_nonce`` from the nonce endpoint (§7);
5. the Credential Request (§8.2) with one key proof of type ``jwt`` (§8.2.1.1:
   ``typ`` ``openid4vci-proof+jwt``, ``kid`` its did:key, ``aud`` the issuer, ``iat``,
   ``nonce``), and the Credential Response (§8.3: ``credentials[0].credential``).

Every step is a method so tests can run the flow with one step changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import base58
import httpx
from jwcrypto import jwk, jws

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer"
ED25519_MULTICODEC = b"\xed\x01"


def did_key_of(key: jwk.JWK) -> str:
    """did:key of an Ed25519 public key: ``z`` + base58btc(0xed01 ‖ raw key)."""
    public = json.loads(key.export_public())
    raw = jwk.base64url_decode(public["x"])
    return "did:key:z" + base58.b58encode(ED25519_MULTICODEC + raw).decode("ascii")


@dataclass
class Issuance:
    """What the wallet learnt on the way (for the tests to look at)."""

    offer: dict[str, Any] = field(default_factory=dict)
    issuer_metadata: dict[str, Any] = field(default_factory=dict)
    as_metadata: dict[str, Any] = field(default_factory=dict)
    token: dict[str, Any] = field(default_factory=dict)
    nonce: str = ""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def credential(self) -> dict[str, Any]:
        (entry,) = self.response["credentials"]
        credential: dict[str, Any] = entry["credential"]
        return credential


class WalletError(AssertionError):
    """The issuer answered with an error where the wallet expected success."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.url}: {response.status_code} {response.text}")
        self.response = response
        self.status_code = response.status_code
        try:
            self.error = str(response.json().get("error"))
        except ValueError:
            self.error = ""


class Wallet:
    def __init__(self, http: httpx.AsyncClient, key: jwk.JWK | None = None) -> None:
        self.http = http
        self.key = key or jwk.JWK.generate(kty="OKP", crv="Ed25519")

    @property
    def did(self) -> str:
        return did_key_of(self.key)

    @property
    def kid(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    # -- 1. the offer -------------------------------------------------------------

    @staticmethod
    def offer_uri(deep_link: str) -> str:
        parts = urlsplit(deep_link)
        assert parts.scheme == OFFER_SCHEME, deep_link
        query = parse_qs(parts.query)
        (uri,) = query["credential_offer_uri"]
        return uri

    async def fetch_offer(self, deep_link: str) -> dict[str, Any]:
        response = await self.http.get(self.offer_uri(deep_link))
        self._ok(response)
        offer: dict[str, Any] = response.json()
        assert isinstance(offer["credential_issuer"], str)
        assert offer["credential_configuration_ids"], offer
        assert PRE_AUTHORIZED_GRANT in offer["grants"], offer
        return offer

    # -- 2. metadata --------------------------------------------------------------

    async def fetch_issuer_metadata(self, issuer: str) -> dict[str, Any]:
        response = await self.http.get(issuer.rstrip("/") + "/.well-known/openid-credential-issuer")
        self._ok(response)
        metadata: dict[str, Any] = response.json()
        assert metadata["credential_issuer"] == issuer, "metadata of another issuer"
        return metadata

    async def fetch_as_metadata(self, authorization_server: str) -> dict[str, Any]:
        parts = urlsplit(authorization_server)
        url = (
            f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server"
            f"{parts.path.rstrip('/')}"
        )
        response = await self.http.get(url)
        self._ok(response)
        metadata: dict[str, Any] = response.json()
        assert metadata["issuer"] == authorization_server, "metadata of another server"
        assert PRE_AUTHORIZED_GRANT in metadata.get("grant_types_supported", [])
        return metadata

    # -- 3. token -----------------------------------------------------------------

    async def exchange(self, token_endpoint: str, code: str, tx_code: str | None) -> dict[str, Any]:
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        response = await self.http.post(token_endpoint, data=form)
        self._ok(response)
        token: dict[str, Any] = response.json()
        assert token["token_type"].lower() == "bearer", token
        assert response.headers["cache-control"] == "no-store"
        return token

    # -- 4. nonce -----------------------------------------------------------------

    async def fetch_nonce(self, nonce_endpoint: str) -> str:
        response = await self.http.post(nonce_endpoint)
        self._ok(response)
        assert response.headers["cache-control"] == "no-store"
        nonce: str = response.json()["c_nonce"]
        return nonce

    # -- 5. credential ------------------------------------------------------------

    def proof(
        self,
        *,
        audience: str,
        nonce: str | None,
        issued_at: int | None = None,
        header: dict[str, Any] | None = None,
        signer: jwk.JWK | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "aud": audience,
            "iat": int(time.time()) if issued_at is None else issued_at,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        protected = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": self.kid}
        protected.update(header or {})
        token = jws.JWS(json.dumps(claims).encode("utf-8"))
        token.add_signature(
            signer or self.key,
            alg=protected["alg"],
            protected=json.dumps({k: v for k, v in protected.items() if v is not None}),
        )
        return str(token.serialize(compact=True))

    async def request_credential(
        self, endpoint: str, access_token: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        response = await self.http.post(
            endpoint, json=body, headers={"Authorization": f"Bearer {access_token}"}
        )
        self._ok(response)
        assert response.headers["cache-control"] == "no-store"
        answer: dict[str, Any] = response.json()
        return answer

    # -- the whole flow -----------------------------------------------------------

    async def prepare(self, deep_link: str, tx_code: str | None) -> Issuance:
        """Steps 1 to 4: offer, metadata, token, nonce."""
        done = Issuance()
        done.offer = await self.fetch_offer(deep_link)
        issuer = done.offer["credential_issuer"]
        done.issuer_metadata = await self.fetch_issuer_metadata(issuer)
        grant = done.offer["grants"][PRE_AUTHORIZED_GRANT]
        server = (
            grant.get("authorization_server")
            or (done.issuer_metadata.get("authorization_servers") or [issuer])[0]
        )
        done.as_metadata = await self.fetch_as_metadata(server)
        done.token = await self.exchange(
            done.as_metadata["token_endpoint"], grant["pre-authorized_code"], tx_code
        )
        done.nonce = await self.fetch_nonce(done.issuer_metadata["nonce_endpoint"])
        return done

    def request_body(self, done: Issuance, proof: str) -> dict[str, Any]:
        return {
            "credential_configuration_id": done.offer["credential_configuration_ids"][0],
            "proofs": {"jwt": [proof]},
        }

    async def receive(self, deep_link: str, tx_code: str | None) -> Issuance:
        """The whole flow; the credential is in ``Issuance.credential``."""
        done = await self.prepare(deep_link, tx_code)
        configuration = done.issuer_metadata["credential_configurations_supported"][
            done.offer["credential_configuration_ids"][0]
        ]
        assert "did:key" in configuration["cryptographic_binding_methods_supported"]
        assert (
            "EdDSA"
            in (configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"])
        )
        proof = self.proof(audience=done.offer["credential_issuer"], nonce=done.nonce)
        done.response = await self.request_credential(
            done.issuer_metadata["credential_endpoint"],
            done.token["access_token"],
            self.request_body(done, proof),
        )
        return done

    @staticmethod
    def _ok(response: httpx.Response) -> None:
        if response.status_code != 200:
            raise WalletError(response)
