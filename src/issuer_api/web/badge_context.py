"""What the template ``badge.html`` shows of an issued badge: the context of its page.

Everything read from the credential is the issuer's text and is escaped by the
template; addresses taken from it are kept only when they are web addresses
(:func:`~issuer_api.web.report_view.safe_link_url`, ``safe_image_url``). The page never
shows the recipient: the credential carries only a salted hash of the email (or a DID),
and nothing of it is put in the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from issuer_api.i18n import Language
from issuer_api.region.identity import DEFAULT_SCHEME_NAME
from issuer_api.web import words
from issuer_api.web.badge_files import PNG_SIZE, filename
from issuer_api.web.badge_urls import (
    BADGE_PREFIX,
    badge_page_url,
    catalogue_entry_path,
    linkedin_url,
)
from issuer_api.web.badge_view import BadgeView, iso, live_state, localized, parse_date
from issuer_api.web.report_view import report_view, safe_image_url, safe_link_url
from obhub_i18n import N_, gettext, render

DI_MEDIA_TYPE: Final = "application/vc+ld+json"
JWT_MEDIA_TYPE: Final = "application/vc+jwt"

BADGE_IMAGE_ALT: Final = N_("Image of the badge “{name}”")
OG_DESCRIPTION: Final = N_("Open Badges 3.0 badge issued by {issuer}.")
STATE_CHECKED: Final = N_("Status read from the issuer's register on {date}.")
COMPETENCY_LEVEL: Final = N_("{competency} — level “{level}”")
REFERENTIAL_VERSION: Final = N_("{name}, version {version} (no. {number})")
PARTNER_EVIDENCE_TITLE: Final = N_("Partner badges taken into account")
PARTNER_EVIDENCE_INTRO: Final = N_(
    "This regional badge was awarded automatically on the strength of the following "
    "badges, issued by the Region's partners."
)
EVIDENCE_TITLE: Final = N_("Evidence")
PARTNER_BADGE: Final = N_("Partner badge")
# (id of the link, suffix, label) of the downloads; the JSON one names a token for VC-JWT.
DOWNLOADS: Final = (
    ("download-json", "json", N_("Download the badge (signed JSON)")),
    ("download-svg", "svg", N_("Download the SVG image (badge baked in)")),
    ("download-png", "png", N_("Download the PNG image (badge baked in)")),
)
DOWNLOAD_JWT: Final = N_("Download the badge (VC-JWT token)")


def badge_page_context(
    lang: Language,
    view: BadgeView,
    base_url: str,
    *,
    now: datetime,
    report: Mapping[str, Any] | None = None,
    messages: Mapping[str, str],
    site_name: str = DEFAULT_SCHEME_NAME,
) -> dict[str, Any]:
    """The context of ``badge.html``; with ``report`` (a ``Report.to_dict``) the result
    of verifying the badge now. ``messages`` are the verification messages by code, in
    ``lang``, for the page's script; ``site_name`` is the Region's scheme."""
    credential = view.credential
    path = f"{BADGE_PREFIX}/{credential.id}"
    page_url = badge_page_url(base_url, credential.id)
    name = view.name(lang)
    issuer_name = view.issuer_name(lang)
    description = view.description(lang)
    awarded = parse_date(view.document.get("awardedDate")) or parse_date(
        view.document.get("validFrom")
    )
    expires = parse_date(view.document.get("validUntil"))
    summary = description or render(lang, OG_DESCRIPTION, {"issuer": issuer_name})
    image_alt = render(lang, BADGE_IMAGE_ALT, {"name": name})
    result = report_view(lang, {**report, "summary": {}}) if report is not None else None
    return {
        "name": name,
        "path": path,
        "page_url": page_url,
        "description": description,
        "summary": summary[:300],
        "image": {"src": f"{path}.svg", "alt": image_alt},
        "social": _social(lang, name, summary, page_url, (image_alt, site_name)),
        "json_type": JWT_MEDIA_TYPE if view.is_jwt else DI_MEDIA_TYPE,
        "state": _state(lang, view, now),
        "issuer": _issuer(view, issuer_name, base_url),
        "awarded": _date(awarded, lang),
        "expires": _date(expires, lang),
        "criteria": _criteria(view, lang),
        "competency": _competency(lang, view),
        "referential": _referential(lang, view),
        "identifier": credential.credential_uri or f"urn:uuid:{credential.id}",
        "catalogue_href": catalogue_entry_path(view.award.achievement_code)
        if view.award is not None
        else None,
        "evidence": _evidence(lang, view),
        "result": result,
        "status_text": result["message"] if result else "",
        "downloads": _downloads(lang, view, path),
        "linkedin": linkedin_url(
            name=name,
            organization=issuer_name,
            issued=awarded,
            expires=expires,
            page_url=page_url,
            credential_id=credential.id,
        ),
        "script_data": {
            "lang": lang,
            "texts": words.badge_script_texts(lang),
            "statusIcons": words.STATUS_ICONS,
            "verdictIcons": words.VERDICT_ICONS,
            "messages": dict(messages),
            "credentialUrl": f"{path}.json",
            "mediaType": "text/plain" if view.is_jwt else "application/json",
            "pageUrl": page_url,
        },
    }


def _social(
    lang: Language, name: str, summary: str, page_url: str, names: tuple[str, str]
) -> list[tuple[str, str, str]]:
    """``(attribute, key, content)`` of the Open Graph and Twitter meta elements
    (``names``: the image's alternative text and the site's name)."""
    image_alt, site_name = names
    tags = {
        "og:type": "website",
        "og:site_name": site_name,
        "og:title": name,
        "og:description": summary[:300],
        "og:url": page_url,
        "og:image": f"{page_url}.png",
        "og:image:type": "image/png",
        "og:image:width": str(PNG_SIZE),
        "og:image:height": str(PNG_SIZE),
        "og:image:alt": image_alt,
        "og:locale": "fr_FR" if lang == "fr" else "en_GB",
        "twitter:card": "summary",
        "twitter:title": name,
        "twitter:description": summary[:200],
        "twitter:image": f"{page_url}.png",
    }
    return [
        ("name" if key.startswith("twitter:") else "property", key, value)
        for key, value in tags.items()
    ]


def _date(moment: datetime | None, lang: Language) -> dict[str, str] | None:
    if moment is None:
        return None
    return {"iso": iso(moment), "shown": words.format_moment(moment, lang)}


def _state(lang: Language, view: BadgeView, now: datetime) -> dict[str, str]:
    state, when = live_state(view.credential, now)
    title, detail = words.STATE_TEXTS[state]
    date = words.format_moment(when, lang) if when is not None else ""
    return {
        "state": state,
        "icon": words.STATE_ICONS[state],
        "title": gettext(lang, title),
        "detail": render(lang, detail, {"date": date}),
        "checked": render(lang, STATE_CHECKED, {"date": words.format_moment(now, lang)}),
    }


def _issuer(view: BadgeView, name: str, base_url: str) -> dict[str, Any]:
    profile = view.document.get("issuer")
    profile = profile if isinstance(profile, Mapping) else {}
    image = profile.get("image")
    ident = profile.get("id")
    return {
        "name": name,
        "logo": safe_image_url(image.get("id") if isinstance(image, Mapping) else image),
        "profile_url": f"{base_url}/issuers/{quote(view.issuer.slug)}"
        if view.issuer is not None
        else None,
        "website": safe_link_url(profile.get("url")),
        "id": ident if isinstance(ident, str) else None,
    }


def _criteria(view: BadgeView, lang: Language) -> dict[str, str | None] | None:
    criteria = view.achievement.get("criteria")
    criteria = criteria if isinstance(criteria, Mapping) else {}
    narrative = localized(criteria.get("narrative"), lang)
    link = safe_link_url(criteria.get("id"))
    return {"narrative": narrative, "link": link} if narrative or link else None


def _competency(lang: Language, view: BadgeView) -> str | None:
    """``Organiser — niveau « Je maîtrise »`` from the référentiel, when regional."""
    if view.award is None or view.referential is None:
        return None
    document = view.referential.document

    def find(section: str, code: object) -> Mapping[str, Any]:
        items = document.get(section)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and item.get("code") == code:
                return item
        return {}

    achievement = find("achievements", view.award.achievement_code)
    competency = localized(find("competencies", achievement.get("competency")).get("name"), lang)
    level = localized(find("levels", achievement.get("level")).get("name"), lang)
    if competency and level:
        return render(lang, COMPETENCY_LEVEL, {"competency": competency, "level": level})
    return competency


def _referential(lang: Language, view: BadgeView) -> dict[str, str] | None:
    version = view.referential
    if version is None:
        return None
    name = localized(version.document.get("name"), lang) or version.code
    text = render(
        lang,
        REFERENTIAL_VERSION,
        {"name": name, "version": version.version, "number": version.number},
    )
    return {"number": str(version.number), "text": text}


def _evidence(lang: Language, view: BadgeView) -> dict[str, Any] | None:
    """The partner badges a regional badge was awarded for, else the credential's own
    evidence; None when there is none."""
    items: list[dict[str, Any]] = []
    if view.award is not None and view.award.evidence:
        title, intro = gettext(lang, PARTNER_EVIDENCE_TITLE), gettext(lang, PARTNER_EVIDENCE_INTRO)
        for entry in view.award.evidence:
            if isinstance(entry, Mapping):
                items.append(_partner_badge(lang, entry))
    else:
        title, intro = gettext(lang, EVIDENCE_TITLE), None
        raw = view.document.get("evidence")
        for entry in raw if isinstance(raw, list) else []:
            if isinstance(entry, Mapping):
                items.append(_plain_evidence(lang, entry))
    return {"title": title, "intro": intro, "entries": items} if items else None


def _partner_badge(lang: Language, entry: Mapping[str, Any]) -> dict[str, Any]:
    issuer = entry.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = localized(issuer.get("name"), lang) or issuer.get("id")
    ident = entry.get("id")
    digest = entry.get("digest")
    return {
        "name": localized(entry.get("name"), lang) or gettext(lang, PARTNER_BADGE),
        "issuer": issuer if isinstance(issuer, str) and issuer else None,
        "id": ident if isinstance(ident, str) and ident else None,
        "digest": digest if isinstance(digest, str) and digest else None,
    }


def _plain_evidence(lang: Language, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": localized(entry.get("name"), lang) or gettext(lang, EVIDENCE_TITLE),
        "narrative": localized(entry.get("narrative"), lang)
        or localized(entry.get("description"), lang),
        "link": safe_link_url(entry.get("id")),
    }


def _downloads(lang: Language, view: BadgeView, path: str) -> list[dict[str, str]]:
    out = []
    for ident, suffix, label in DOWNLOADS:
        extension = "jwt" if suffix == "json" and view.is_jwt else suffix
        text = DOWNLOAD_JWT if extension == "jwt" else label
        out.append(
            {
                "id": ident,
                "href": f"{path}.{suffix}",
                "download": filename(view, extension),
                "label": gettext(lang, text),
            }
        )
    return out
