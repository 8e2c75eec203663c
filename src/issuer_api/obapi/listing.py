"""``getCredentials``: the credentials a token's principal may read, one page at a time.

Whose credentials:

* a learner (the token derives from their consent): the regional credentials the Region
  minted for them and the partner badges the hub keeps for them — revoked and suspended
  ones included (each carries its ``credentialStatus``: a displayer must show the
  status, and a credential that disappeared would look like a data loss); erased
  credentials (GDPR) never;
* a client linked to a partner, without a learner: the credentials that partner upserted
  through this API and the hub kept (what ``upsertCredential`` preserved);
* neither: 403 (the caller names nobody whose credentials it could read).

Embedded-proof JSON goes in ``credential``, VC-JWTs in ``compactJwsString``. The order is
the date each credential was issued or kept (last replaced), oldest first, so that
``since`` and paging read a growing list without skipping. A partner badge received as a
baked image or an OB 2.0 Assertion is not listed (it is no OB 3.0 credential as sent).

A ``proof`` given as one object is listed as a one-item array, the form the API's schema
(``AchievementCredential.proof``) prescribes: in JSON-LD both are the same set of proofs,
and a proof never covers the ``proof`` member itself, so the signature still verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.oauth.principal import ObApiPrincipal
from issuer_api.obapi import repository
from issuer_api.obapi.imsx import ObApiError
from issuer_api.privacy import unseal_pii

CHANNEL: Final = "obapi"
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200


class NoSubjectError(ObApiError):
    """The token acts for neither a learner nor a partner."""

    status_code = 403
    code = "obapi_no_subject"


@dataclass
class Page:
    credential: list[dict[str, Any]] = field(default_factory=list)
    compact_jws: list[str] = field(default_factory=list)
    total: int = 0

    def body(self) -> dict[str, Any]:
        return {"credential": self.credential, "compactJwsString": self.compact_jws}


def as_listed(document: dict[str, Any]) -> dict[str, Any]:
    """The credential as the API's schema lists it: ``proof`` an array (module docstring)."""
    proof = document.get("proof")
    return {**document, "proof": [proof]} if isinstance(proof, dict) else document


def _subject(principal: ObApiPrincipal) -> tuple[str | None, str | None]:
    """``(learner_id, partner_id)`` whose credentials the principal reads (module docstring)."""
    if principal.learner_id is not None:
        return principal.learner_id, None
    if principal.partner_id is not None:
        return None, principal.partner_id
    raise NoSubjectError()


async def page(
    session: AsyncSession,
    kek: bytes,
    principal: ObApiPrincipal,
    *,
    limit: int,
    offset: int,
    since: datetime | None,
) -> Page:
    """One page of what the principal may read, the documents read for that page only."""
    learner_id, partner_id = _subject(principal)
    held = await repository.held_page(
        session,
        learner_id=learner_id,
        partner_id=partner_id,
        channel=CHANNEL if partner_id is not None else None,
        since=since,
        limit=limit,
        offset=offset,
    )
    window = held.items
    regional = await repository.issued_documents(
        session, [h.id for h in window if h.source == "regional"]
    )
    partner = await repository.badge_originals(
        session, [h.id for h in window if h.source == "partner"]
    )
    result = Page(total=held.total)
    for item in window:
        if item.source == "regional" and item.id in regional:
            fmt, document, jwt = regional[item.id]
            if fmt == "jwt" and jwt:
                result.compact_jws.append(jwt)
            elif document:
                result.credential.append(as_listed(document))
        elif item.source == "partner" and item.id in partner:
            fmt, sealed = partner[item.id]
            original = unseal_pii(kek, sealed)
            if fmt == "vc-jwt":
                result.compact_jws.append(original.strip())
                continue
            try:
                document = json.loads(original)
            except (ValueError, RecursionError):  # pragma: no cover - verified when kept
                continue
            if isinstance(document, dict):
                result.credential.append(as_listed(document))
    return result
