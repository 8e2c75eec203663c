"""The learner's page "Ajouter à mon portefeuille" (add to my wallet).

``GET  /espace/portefeuille/{credential_id}``  what a wallet is, and the button below
``POST /espace/portefeuille/{credential_id}``  (CSRF token) a new offer of the learner's
    regional badge: the page shows its QR code, the deep link for a wallet on this
    phone, and the PIN to type in the wallet; 404 when the badge is not theirs or can
    no longer be delivered. Nothing is cached (``no-store``): the PIN is shown once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from babel.dates import format_time
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts import csrf
from issuer_api.accounts.sessions import SignedInLearner
from issuer_api.credentials import repository as credential_repository
from issuer_api.deps import Kek, Session
from issuer_api.espace.pages import forbidden
from issuer_api.i18n import Language
from issuer_api.links import PublicBase
from issuer_api.wallet import offers
from issuer_api.web.badge_urls import WALLET_PREFIX, badge_page_url, wallet_offer_path
from issuer_api.web.templating import page_language, render_page
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PARIS: Final = ZoneInfo("Europe/Paris")  # the time the offer ends, as the learner reads it
NOT_OFFERABLE: Final = (
    N_("This badge cannot be added to a wallet"),
    N_(
        "Only the holder of a regional badge can add it to their wallet, and only while "
        "it is not revoked. Go back to My space to see your badges."
    ),
)

Lang = Annotated[str | None, Query(max_length=8)]


def _not_offerable(request: Request, language: Language) -> Response:
    title, text = (gettext(language, message) for message in NOT_OFFERABLE)
    return render_page(
        request,
        "badge_message.html",
        language,
        {"title": title, "text": text},
        status_code=404,
        no_store=True,
    )


async def _badge(session: AsyncSession, base: str, credential_id: str) -> dict[str, Any]:
    credential = await credential_repository.get(session, credential_id)
    name = credential.document.get("name") if credential is not None else None
    return {
        "badge_name": name if isinstance(name, str) else "",
        "badge_url": badge_page_url(base, credential_id),
        "form_action": wallet_offer_path(credential_id),
    }


@router.get(f"{WALLET_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def explain_page(
    *,
    request: Request,
    credential_id: str,
    learner_id: SignedInLearner,
    session: Session,
    base: PublicBase,
    lang: Lang = None,
) -> Response:
    """What a wallet is, and the button that makes the offer (the language switch's target)."""
    language = page_language(request, lang)
    if len(credential_id) > 36 or not await offers.offerable(session, learner_id, credential_id):
        return _not_offerable(request, language)
    context = {**await _badge(session, base, credential_id), "offer": None}
    return render_page(request, "wallet_offer.html", language, context, no_store=True)


@router.post(f"{WALLET_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def offer_page(
    *,
    request: Request,
    credential_id: str,
    learner_id: SignedInLearner,
    session: Session,
    kek: Kek,
    base: PublicBase,
    lang: Lang = None,
) -> Response:
    language = page_language(request, lang)
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return forbidden(request, language)
    now = datetime.now(UTC)
    offer = (
        await offers.create_offer(session, kek, learner_id, credential_id, now=now)
        if len(credential_id) <= 36
        else None
    )
    if offer is None:
        return _not_offerable(request, language)
    link = offers.deep_link(base, offer.reference)
    return render_page(
        request,
        "wallet_offer.html",
        language,
        {
            **await _badge(session, base, credential_id),
            "offer": True,
            "deep_link": link,
            "qr_code": offers.qr_code(link),
            "pin": offer.pin,
            "expires_at": offer.expires_at,
            "expires_text": format_time(
                offer.expires_at, format="short", tzinfo=PARIS, locale=language
            ),
            "minutes": int(offers.OFFER_LIFETIME.total_seconds() // 60),
        },
        no_store=True,
    )
