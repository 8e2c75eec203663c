"""A partner's deliveries and what became of each badge, so that a partner's problem is
seen before they call. Every role reads.

``GET /console/partenaires/{ref}/livraisons`` — newest first, :data:`PAGE_SIZE` a page;
filters: ``resultat`` (deliveries holding a badge with this outcome), ``motif`` (a badge
refused for this reason), ``du`` and ``au`` (dates of receipt, both included). Each
delivery shows when, by which channel, how many badges, how many were accepted,
already stored or refused; each refused badge shows its reasons in plain words — the
same messages as the receipts of the API (:mod:`issuer_api.ingestion.receipts`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from issuer_api.console.formatting import helpers
from issuer_api.console.pages import console_page
from issuer_api.console.partner_forms import FormErrors
from issuer_api.console.partners import BASE, PartnerRef, Viewer, find, missing, partner_path
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.ingestion import receipts
from issuer_api.ingestion.acceptance import REASON_CODES
from issuer_api.ingestion.schemas import Outcome
from issuer_api.web.templating import page_language
from obhub_i18n import N_

router = APIRouter(include_in_schema=False)

PAGE_SIZE: Final = 20
OUTCOME_LABELS: Final[dict[Outcome, str]] = {
    "accepted": N_("Accepted"),
    "duplicate": N_("Already stored"),
    "rejected": N_("Refused"),
    "failed": N_("Failed"),
    "pending": N_("Waiting"),
}
REASON_LABELS: Final[dict[str, str]] = {
    "not_verified": N_("Verification failed"),
    "verification_unavailable": N_("Could not be verified"),
    "issuer_not_trusted": N_("Issuer not trusted"),
    "recipient_mismatch": N_("Wrong recipient"),
    "recipient_missing": N_("No recipient"),
    "unsupported_payload": N_("Not a single badge"),
    "partner_suspended": N_("Partner suspended"),
    "duplicate": N_("Already stored"),
    "superseded": N_("Newer version already stored"),
    "replaced_older": N_("Replaced an older version"),
    "recipient_conflict": N_("Stored for another learner"),
    "processing_failed": N_("Processing failed"),
    "payload_erased": N_("Content erased"),
    "invalid_unicode": N_("Unreadable text"),
    "fetch_forbidden": N_("Address never contacted"),
}
CHANNEL_LABELS: Final[dict[str, str]] = {
    "webhook": N_("Signed webhook"),
    "api": N_("API (OAuth)"),
    "claim": N_("Learner's claim"),
    "obapi": N_("Open Badges API"),
}
DATE_MESSAGE: Final = N_("Enter a date such as 2026-12-07.")
ORDER_MESSAGE: Final = N_("The end date must be on or after the start date.")


def _day(value: str, name: str, errors: FormErrors, language: Language) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(name, language, DATE_MESSAGE)
        return None


@router.get(f"{BASE}/{{ref}}/livraisons", response_class=HTMLResponse)
async def partner_deliveries(
    request: Request,
    *,
    ref: PartnerRef,
    staff: Viewer,
    db: Session,
    resultat: Annotated[str, Query(max_length=16)] = "",
    motif: Annotated[str, Query(max_length=40)] = "",
    du: Annotated[str, Query(max_length=10)] = "",
    au: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    errors = FormErrors()
    start = _day(du, "du", errors, language)
    end = _day(au, "au", errors, language)
    if start is not None and end is not None and end < start:
        errors.add("au", language, ORDER_MESSAGE)
    reason = motif if motif in REASON_CODES else None  # unknown words filter nothing
    outcome = next((o for o in OUTCOME_LABELS if o == resultat), None)
    where = receipts.DeliveryFilter(
        outcome=outcome,
        reason=reason,
        since=datetime.combine(start, time(), UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
    )
    deliveries, total = (
        await receipts.page(
            db,
            partner_id=partner.id,
            status=None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            where=where,
        )
        if not errors
        else ([], 0)
    )
    shown = await receipts.summaries(db, deliveries)
    refused = await receipts.refused_items(db, [d.id for d in deliveries], language)
    filters = {"resultat": outcome or "", "motif": reason or "", "du": du, "au": au}
    response = console_page(
        request,
        "console/partner_deliveries.html",
        language,
        staff,
        {
            "partner": partner,
            "path": partner_path(partner),
            "rows": [{"summary": s, "refused": refused[s.receipt_id]} for s in shown],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": filters,
            "query": {k: v for k, v in filters.items() if v},
            "outcome_labels": OUTCOME_LABELS,
            "reason_labels": REASON_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "errors": errors.by_field,
            "error_summary": errors.summary(),
            **helpers(language),
        },
        status_code=400 if errors else 200,
    )
    if errors:
        response.headers["X-Error-Code"] = "invalid_filter"
    return response
