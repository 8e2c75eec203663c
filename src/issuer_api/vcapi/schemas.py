# ruff: noqa: N815 - VC-API request and response members keep the specification's names
"""Wire schemas of the W3C VC-API (https://w3c-ccg.github.io/vc-api/), as obhub serves it.

Members keep the VC-API spelling (``verifiableCredential``, ``credentialId``). Options
the specification defines are accepted; unknown options are refused (the specification's
schemas set ``additionalProperties: false``) so that a misspelt option never silently
changes what gets signed.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from issuer_api.credentials.schemas import CREDENTIAL_EXAMPLE

_Id = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueOptions(_Input):
    credentialId: _Id | None = Field(
        default=None,
        description="Identifiant pour désigner ce badge plus tard (si le badge n'a pas d'`id`) "
        "/ id to refer to this credential later (when the credential has no `id`)",
    )
    issuer: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="Extension obhub : émetteur (slug, identifiant ou DID) ; par défaut celui "
        "du badge, sinon celui du client, sinon la Région / obhub extension: issuer (slug, id "
        "or DID); default: the credential's, else the client's, else the Region",
        examples=["region"],
    )
    mandatoryPointers: list[str] | None = Field(
        default=None,
        description="Divulgation sélective : sans effet pour eddsa-rdfc-2022 / selective "
        "disclosure: no effect with eddsa-rdfc-2022",
    )


_UNSIGNED: Final[dict[str, Any]] = {
    key: value
    for key, value in CREDENTIAL_EXAMPLE.items()
    if key not in ("proof", "credentialStatus", "id")
}


class IssueRequest(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"credential": _UNSIGNED, "options": {}}]}
    )

    credential: dict[str, Any] = Field(
        description="Le badge à signer (VCDM 2.0 ou 1.1), sans preuve ; un Open Badge sans "
        "`credentialStatus` / the credential to sign (VCDM 2.0 or 1.1), without proof; an Open "
        "Badge without `credentialStatus`"
    )
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"verifiableCredential": CREDENTIAL_EXAMPLE}]}
    )

    verifiableCredential: dict[str, Any]


class VerifyOptions(BaseModel):
    """Verification options; ``checks`` limits the verdict to the checks named."""

    model_config = ConfigDict(extra="allow")

    checks: list[Annotated[str, StringConstraints(max_length=50)]] | None = Field(
        default=None,
        description="`proof`, `credentialStatus`, `expiration`, `credentialSchema` … ; par "
        "défaut tous / by default all",
        max_length=20,
    )
    challenge: Annotated[str, StringConstraints(max_length=1000)] | None = None
    domain: Annotated[str, StringConstraints(max_length=1000)] | None = None


class VerifyCredentialRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"verifiableCredential": CREDENTIAL_EXAMPLE, "options": {}}]
        },
    )

    verifiableCredential: dict[str, Any] | str = Field(
        description="Le badge (JSON, `EnvelopedVerifiableCredential` ou VC-JWT) / the "
        "credential (JSON, `EnvelopedVerifiableCredential` or a VC-JWT)"
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class CheckDetail(BaseModel):
    id: str = Field(examples=["proof"])
    status: Literal["valid", "invalid", "indeterminate", "skipped"]
    code: str = Field(examples=["proof_valid"])
    message: str
    messages: dict[str, str]
    detail: str | None = None
    data: dict[str, Any] | None = None


class VerificationResult(BaseModel):
    """VC-API verification result; ``details`` is obhub's per-check report."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "verified": False,
                    "checks": ["proof", "status", "validity"],
                    "warnings": [],
                    "errors": ["status: revoked"],
                }
            ]
        }
    )

    verified: bool
    checks: list[str] = Field(description="Contrôles effectués / checks performed")
    warnings: list[str]
    errors: list[str]
    details: list[CheckDetail] | None = None


class VerifyPresentationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "verifiablePresentation": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiablePresentation"],
                        "verifiableCredential": [CREDENTIAL_EXAMPLE],
                    },
                    "options": {"challenge": "8b2c1d3e"},
                }
            ]
        },
    )

    verifiablePresentation: dict[str, Any] | None = None
    presentation: dict[str, Any] | None = Field(
        default=None, description="Présentation sans preuve / presentation without proof"
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class PresentationVerificationResult(VerificationResult):
    presentationResult: VerificationResult
    credentialResults: list[VerificationResult]


StatusValue = Literal["revoked", "suspended", "unsuspended", "active"]


class StatusItem(_Input):
    """``{type, status}`` (VC-API "update status", list form)."""

    type: Annotated[str, StringConstraints(max_length=100)] = Field(
        examples=["BitstringStatusListEntry"]
    )
    status: StatusValue


class StatusTarget(_Input):
    """``{type, statusPurpose, …}`` (VC-API "update status", object form with ``status``)."""

    type: Annotated[str, StringConstraints(max_length=100)]
    statusPurpose: Literal["revocation", "suspension"]
    id: Annotated[str, StringConstraints(max_length=2000)] | None = None
    statusListIndex: Annotated[str, StringConstraints(max_length=20)] | None = None
    statusListCredential: Annotated[str, StringConstraints(max_length=2000)] | None = None


class UpdateStatusRequest(_Input):
    """Either ``credentialStatus: [{type, status}]`` or ``credentialStatus: {type,
    statusPurpose}`` with ``status: true|false`` (both VC-API forms)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "credentialId": "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
                    "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
                },
                {
                    "credentialId": "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
                    "credentialStatus": {
                        "type": "BitstringStatusListEntry",
                        "statusPurpose": "suspension",
                    },
                    "status": True,
                },
            ]
        },
    )

    credentialId: _Id
    credentialStatus: Annotated[list[StatusItem], Field(min_length=1, max_length=2)] | StatusTarget
    status: bool | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        default=None, description="Extension obhub : motif (audit) / obhub extension: reason"
    )


class UpdateStatusResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "credentialId": "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
                    "status": "revoked",
                }
            ]
        }
    )

    credentialId: str
    status: Literal["active", "suspended", "revoked"]
