"""HTML of the ``/verifier`` page, built by hand with every value escaped.

Badge content is hostile: names, descriptions, criteria, identifiers and image
addresses come from whoever made the badge. Markup is only ever produced by
:func:`el`, which escapes every text child and every attribute value; a child is
passed through unescaped only if it is already :class:`Html` (made by :func:`el`
itself). Images are shown only from ``data:image/…`` or ``https:`` addresses, links
only to ``https:``/``http:`` ones.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from issuer_api.i18n import Language
from issuer_api.web.texts import (
    FORMAT_NAMES,
    STATUS_ICONS,
    TEXTS,
    VERDICT_ICONS,
    format_datetime,
    format_name,
    identity_type,
    text,
)
from verify.messages import CATALOGUE as VERIFY_MESSAGES
from verify.messages import message as verify_message

STATIC_PREFIX: Final = "/verifier/static"
ASSET_VERSION: Final = "1"
VIEWPORT: Final = "width=device-width, initial-scale=1"
_DATA_IMAGE_TYPES: Final = ("png", "jpeg", "gif", "webp", "svg+xml", "avif")
# Parse-check codes meaning "this text is not a badge": for a URL, URL verification
# was not available (the verifier read the address as a document).
URL_NOT_READ_CODES: Final = frozenset(
    {"malformed_json", "malformed_jwt", "unsupported_format", "not_a_credential"}
)


class Html(str):
    """Markup that is already safe (escaped): produced by :func:`el` and friends only."""

    __slots__ = ()


def esc(value: object) -> Html:
    return Html(html.escape(str(value), quote=True))


def join(parts: Iterable[Html | str | None]) -> Html:
    return Html("".join(p if isinstance(p, Html) else esc(p) for p in parts if p is not None))


def el(
    tag: str,
    attrs: Mapping[str, str | bool | None] | None = None,
    *children: Html | str | Sequence[Html | str | None] | None,
    void: bool = False,
) -> Html:
    """``<tag attrs>children</tag>``: attribute values and plain-``str`` children escaped."""
    rendered = []
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        rendered.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    opening = f"<{tag}{''.join(rendered)}>"
    if void:
        return Html(opening)
    flat: list[Html | str | None] = []
    for child in children:
        if child is None or isinstance(child, str):
            flat.append(child)
        else:
            flat.extend(child)
    return Html(f"{opening}{join(flat)}</{tag}>")


# --------------------------------------------------------------------------- addresses


def safe_image_url(value: object) -> str | None:
    """``value`` if it is a ``data:image/…`` or an ``https:`` address, else None."""
    if not isinstance(value, str) or not value or _has_control(value):
        return None
    lowered = value.lower()
    if lowered.startswith("data:image/"):
        kind = lowered[len("data:image/") :].split(";", 1)[0].split(",", 1)[0]
        return value if kind in _DATA_IMAGE_TYPES and "," in value else None
    return value if _is_web_url(value, schemes=("https",)) else None


def safe_link_url(value: object) -> str | None:
    if not isinstance(value, str) or _has_control(value):
        return None
    return value if _is_web_url(value, schemes=("https", "http")) else None


def _is_web_url(value: str, *, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.netloc) and value.isascii()


def _has_control(value: str) -> bool:
    return any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)


# --------------------------------------------------------------------------- page


def script_data(lang: Language) -> Html:
    """The words the page's script needs, as a JSON data block (not executed, CSP-safe)."""
    payload = {
        "lang": lang,
        "texts": TEXTS[lang],
        "statusIcons": STATUS_ICONS,
        "verdictIcons": VERDICT_ICONS,
        "formats": FORMAT_NAMES,
        "identityTypes": {"emailAddress": TEXTS[lang]["email"]},
        "messages": {code: entry[lang] for code, entry in VERIFY_MESSAGES.items()},
        "urlNotReadCodes": sorted(URL_NOT_READ_CODES),
    }
    return json_script(payload, "verifier-data")


def json_script(payload: Mapping[str, Any], element_id: str) -> Html:
    """``payload`` as a JSON data block (not executed, CSP-safe) with the id ``element_id``."""
    encoded = (
        json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Html(f'<script type="application/json" id="{element_id}">{encoded}</script>')


def head_start(title: str) -> list[Html]:
    """The first elements of every page's ``<head>``: charset, viewport, ``title`` and
    no referrer."""
    return [
        el("meta", {"charset": "utf-8"}, void=True),
        el("meta", {"name": "viewport", "content": VIEWPORT}, void=True),
        el("title", None, title),
        el("meta", {"name": "referrer", "content": "no-referrer"}, void=True),
    ]


def verifier_assets() -> list[Html]:
    """The favicon and stylesheet of the ``/verifier`` page, which every page uses."""
    return [
        el(
            "link",
            {"rel": "icon", "href": "/static/favicon.svg", "type": "image/svg+xml"},
            void=True,
        ),
        el(
            "link",
            {"rel": "stylesheet", "href": f"/static/site.css?v={ASSET_VERSION}"},
            void=True,
        ),
    ]


def site_header(
    lang: Language, site_name: str, switch_href: str, switch_label: str, switch_text: str
) -> Html:
    """The banner of every page: the site name and the link to the page in the other
    language (``switch_href``)."""
    other: Language = "en" if lang == "fr" else "fr"
    return el(
        "header",
        {"class": "site-header"},
        el(
            "div",
            {"class": "wrap site-header__inner"},
            el("p", {"class": "site-name"}, site_name),
            el(
                "nav",
                {"aria-label": "Langue / Language"},
                el(
                    "a",
                    {
                        "class": "lang-switch",
                        "href": switch_href,
                        "hreflang": other,
                        "lang": other,
                        "aria-label": switch_label,
                    },
                    switch_text,
                ),
            ),
        ),
    )


def page(
    lang: Language,
    *,
    form_values: Mapping[str, str] | None = None,
    report: Mapping[str, Any] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
) -> str:
    """The whole page; with ``report`` (a ``Report.to_dict``) the result is shown."""
    values = form_values or {}
    other: Language = "en" if lang == "fr" else "fr"
    title = text(lang, "title")
    status_text = ""
    if report is not None and not error:
        status_text = str(report.get("message", ""))
        title = f"{status_text} — {title}"
    head = el(
        "head",
        None,
        head_start(f"{title} — {text(lang, 'site_name')}"),
        verifier_assets(),
        el(
            "link",
            {"rel": "alternate", "hreflang": other, "href": f"/verifier?lang={other}"},
            void=True,
        ),
        script_data(lang),
        el(
            "script",
            {"src": f"{STATIC_PREFIX}/verifier.js?v={ASSET_VERSION}", "defer": True},
        ),
    )
    header = site_header(
        lang,
        text(lang, "site_name"),
        f"/verifier?lang={other}",
        text(lang, "switch_label"),
        text(lang, "switch_text"),
    )
    main = el(
        "main",
        {"id": "main", "class": "wrap", "tabindex": "-1"},
        el("h1", None, text(lang, "h1")),
        el("p", {"class": "intro"}, text(lang, "intro")),
        _form(lang, values, error, error_field),
        el(
            "div",
            {
                "id": "status",
                "class": "status visually-hidden",
                "role": "status",
                "aria-live": "polite",
            },
            status_text,
        ),
        _result_section(lang, report, notice),
    )
    footer = el(
        "footer",
        {"class": "site-footer"},
        el(
            "div",
            {"class": "wrap"},
            el("p", None, text(lang, "footer")),
            el("p", None, text(lang, "api_hint")),
        ),
    )
    return document(lang, head, header, main, footer, skip=text(lang, "skip"))


def document(
    lang: Language, head: Html, header: Html, main: Html, footer: Html, *, skip: str
) -> str:
    """The whole page: a skip link (its text ``skip``) to ``#main``, then the page's parts."""
    body = el(
        "body",
        None,
        el("a", {"class": "skip-link", "href": "#main"}, skip),
        header,
        main,
        footer,
    )
    return "<!DOCTYPE html>\n" + el("html", {"lang": lang, "dir": "ltr"}, head, body) + "\n"


def _form(
    lang: Language, values: Mapping[str, str], error: str | None, error_field: str | None
) -> Html:
    def described(field: str, hint_id: str) -> str:
        return f"{hint_id} form-error" if error and error_field == field else hint_id

    def invalid(field: str) -> str | None:
        return "true" if error and error_field == field else None

    error_box = el(
        "div",
        {"id": "form-error", "class": "form-error", "role": "alert"},
        [el("strong", None, text(lang, "error_prefix")), " ", error] if error else [],
    )
    return el(
        "form",
        {
            "id": "verify-form",
            "class": "verify-form",
            "method": "post",
            "action": f"/verifier?lang={lang}",
            "enctype": "multipart/form-data",
            "novalidate": True,
        },
        el("input", {"type": "hidden", "name": "lang", "value": lang}, void=True),
        el(
            "fieldset",
            None,
            el("legend", None, text(lang, "form_title")),
            el("p", {"id": "one-source", "class": "hint"}, text(lang, "one_source")),
            error_box,
            el(
                "div",
                {"class": "field"},
                el("label", {"for": "badge-text"}, text(lang, "paste_label")),
                el("p", {"id": "badge-text-hint", "class": "hint"}, text(lang, "paste_hint")),
                el(
                    "textarea",
                    {
                        "id": "badge-text",
                        "name": "badge",
                        "rows": "8",
                        "spellcheck": "false",
                        "autocapitalize": "off",
                        "autocomplete": "off",
                        "aria-describedby": described("badge", "badge-text-hint"),
                        "aria-invalid": invalid("badge"),
                    },
                    values.get("badge", ""),
                ),
            ),
            el(
                "div",
                {"class": "field"},
                el("label", {"for": "badge-file"}, text(lang, "file_label")),
                el("p", {"id": "badge-file-hint", "class": "hint"}, text(lang, "file_hint")),
                el(
                    "input",
                    {
                        "id": "badge-file",
                        "name": "file",
                        "type": "file",
                        "accept": ".png,.svg,.json,.jwt,image/png,image/svg+xml,application/json",
                        "aria-describedby": described("file", "badge-file-hint"),
                        "aria-invalid": invalid("file"),
                    },
                    void=True,
                ),
            ),
            el(
                "div",
                {"class": "field"},
                el("label", {"for": "badge-url"}, text(lang, "url_label")),
                el("p", {"id": "badge-url-hint", "class": "hint"}, text(lang, "url_hint")),
                el(
                    "input",
                    {
                        "id": "badge-url",
                        "name": "url",
                        "type": "url",
                        "inputmode": "url",
                        "autocomplete": "url",
                        "spellcheck": "false",
                        "value": values.get("url", ""),
                        "aria-describedby": described("url", "badge-url-hint"),
                        "aria-invalid": invalid("url"),
                    },
                    void=True,
                ),
            ),
        ),
        el(
            "div",
            {"class": "field"},
            el("label", {"for": "recipient"}, text(lang, "recipient_label")),
            el("p", {"id": "recipient-hint", "class": "hint"}, text(lang, "recipient_hint")),
            el(
                "input",
                {
                    "id": "recipient",
                    "name": "recipient",
                    "type": "text",
                    "maxlength": "320",
                    "autocomplete": "email",
                    "spellcheck": "false",
                    "value": values.get("recipient", ""),
                    "aria-describedby": "recipient-hint",
                },
                void=True,
            ),
        ),
        el(
            "div",
            {"class": "actions"},
            el(
                "button",
                {"id": "verify-button", "type": "submit", "class": "button"},
                text(lang, "submit"),
            ),
        ),
    )


# --------------------------------------------------------------------------- result


def _result_section(lang: Language, report: Mapping[str, Any] | None, notice: str | None) -> Html:
    attrs: dict[str, str | bool | None] = {
        "id": "result",
        "class": "result",
        "aria-labelledby": "result-title",
        "hidden": report is None,
    }
    if report is None:
        return el("section", attrs)
    return el("section", attrs, *render_report(lang, report, notice))


def render_report(
    lang: Language, report: Mapping[str, Any], notice: str | None = None
) -> list[Html]:
    """The result of one verification: verdict, the badge, each check, notices."""
    verdict = str(report.get("verdict", "indeterminate"))
    if verdict not in VERDICT_ICONS:
        verdict = "indeterminate"
    parts: list[Html] = [
        el("h2", {"id": "result-title", "tabindex": "-1"}, text(lang, "result_title")),
        el(
            "div",
            {"class": f"verdict verdict--{verdict}", "data-verdict": verdict},
            el("span", {"class": "verdict__icon", "aria-hidden": "true"}, VERDICT_ICONS[verdict]),
            el("p", {"class": "verdict__text"}, str(report.get("message", ""))),
        ),
    ]
    if notice:
        parts.append(el("p", {"class": "url-notice"}, notice))
    summary = report.get("summary")
    if isinstance(summary, Mapping) and summary:
        parts.append(_badge(lang, summary, str(report.get("format", ""))))
    checks = report.get("checks")
    if isinstance(checks, list) and checks:
        parts.append(el("h3", None, text(lang, "checks_title")))
        parts.append(
            el("ul", {"class": "checks"}, [_check(lang, c) for c in checks if isinstance(c, dict)])
        )
    notices = report.get("notices")
    if isinstance(notices, list) and notices:
        parts.append(el("h3", None, text(lang, "notices_title")))
        parts.append(
            el(
                "ul",
                {"class": "notices"},
                [el("li", None, verify_message(str(n), lang)) for n in notices],
            )
        )
    endorsements = report.get("endorsements")
    if isinstance(endorsements, list) and endorsements:
        parts.append(el("h3", None, text(lang, "endorsements_title")))
        parts.append(
            el(
                "ul",
                {"class": "endorsements"},
                [_endorsement(lang, e) for e in endorsements if isinstance(e, Mapping)],
            )
        )
    return parts


def _badge(lang: Language, summary: Mapping[str, Any], fmt: str) -> Html:
    name = _str(summary.get("name"))
    achievement = _mapping(summary.get("achievement"))
    issuer = _mapping(summary.get("issuer"))
    recipient = _mapping(summary.get("recipient"))
    image_url = safe_image_url(summary.get("image"))
    image = (
        el(
            "img",
            {
                "class": "badge__image",
                "src": image_url,
                "alt": text(lang, "badge_image_alt", name=name)
                if name
                else text(lang, "badge_image_alt_unnamed"),
                "width": "160",
                "height": "160",
                "referrerpolicy": "no-referrer",
                "decoding": "async",
            },
            void=True,
        )
        if image_url
        else None
    )
    facts: list[Html] = []

    def fact(label: str, *value: Html | str | None) -> None:
        facts.append(el("dt", None, text(lang, label)))
        facts.append(el("dd", None, *value))

    issuer_name = _str(issuer.get("name"))
    issuer_id = _str(issuer.get("id"))
    if issuer_name or issuer_id:
        issuer_url = safe_link_url(issuer.get("url"))
        issuer_logo = safe_image_url(issuer.get("image"))
        fact(
            "issuer",
            el(
                "img",
                {
                    "class": "issuer__image",
                    "src": issuer_logo,
                    "alt": text(lang, "issuer_image_alt", name=issuer_name or issuer_id or ""),
                    "width": "32",
                    "height": "32",
                    "referrerpolicy": "no-referrer",
                },
                void=True,
            )
            if issuer_logo
            else None,
            el(
                "a",
                {"href": issuer_url, "rel": "noopener noreferrer nofollow external"},
                issuer_name or issuer_id,
            )
            if issuer_url
            else el("span", None, issuer_name or issuer_id),
            el("span", {"class": "ident"}, issuer_id) if issuer_name and issuer_id else None,
        )
    who = _recipient(lang, recipient)
    if who:
        fact("recipient", el("ul", {"class": "plain"}, [el("li", None, w) for w in who]))
    achievement_name = _str(achievement.get("name"))
    if achievement_name and achievement_name != name:
        fact("achievement", achievement_name)
    criteria = _str(achievement.get("criteria"))
    if criteria:
        fact("criteria", el("span", {"class": "prose"}, criteria))
    for key, label in (
        ("awardedDate", "awarded"),
        ("validFrom", "valid_from"),
        ("validUntil", "valid_until"),
    ):
        raw = summary.get(key)
        if raw is not None:
            shown = format_datetime(raw, lang) or str(raw)
            fact(label, el("time", {"datetime": str(raw)}, shown))
    if fmt and fmt != "unknown":
        fact("format", format_name(lang, fmt))
    description = _str(summary.get("description"))
    return el(
        "article",
        {"class": "badge", "aria-labelledby": "badge-name"},
        image,
        el(
            "div",
            {"class": "badge__body"},
            el(
                "h3",
                {"id": "badge-name", "class": "badge__name"},
                name or text(lang, "unnamed_badge"),
            ),
            el("p", {"class": "badge__description prose"}, description) if description else None,
            el("dl", {"class": "facts"}, facts),
        ),
    )


def _recipient(lang: Language, recipient: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    rid = _str(recipient.get("id"))
    if rid:
        out.append(rid)
    identifiers = recipient.get("identifiers")
    if isinstance(identifiers, list):
        for ident in identifiers:
            if not isinstance(ident, Mapping):
                continue
            kind = identity_type(lang, ident.get("identityType"))
            key = "hashed_identifier" if ident.get("hashed") else "plain_identifier"
            out.append(text(lang, key, type=kind))
    return out


def _check(lang: Language, check: Mapping[str, Any]) -> Html:
    status = str(check.get("status", "indeterminate"))
    if status not in STATUS_ICONS:
        status = "indeterminate"
    check_id = str(check.get("id", ""))
    label = TEXTS[lang].get(f"check_{check_id}", check_id)
    return el(
        "li",
        {"class": f"check check--{status}", "data-check": check_id, "data-status": status},
        el(
            "span",
            {"class": "check__status"},
            el("span", {"class": "check__icon", "aria-hidden": "true"}, STATUS_ICONS[status]),
            " ",
            text(lang, f"status_{status}"),
        ),
        el(
            "span",
            {"class": "check__text"},
            el("strong", {"class": "check__label"}, label),
            el("span", {"class": "visually-hidden"}, text(lang, "label_sep")),
            el("span", {"class": "check__message"}, str(check.get("message", ""))),
        ),
    )


def _endorsement(lang: Language, endorsement: Mapping[str, Any]) -> Html:
    verdict = str(endorsement.get("verdict", "indeterminate"))
    if verdict not in VERDICT_ICONS:
        verdict = "indeterminate"
    summary = _mapping(endorsement.get("summary"))
    issuer = _mapping(summary.get("issuer"))
    name = _str(summary.get("name")) or text(lang, "endorsement_unnamed")
    by = _str(issuer.get("name")) or _str(issuer.get("id"))
    return el(
        "li",
        {"class": f"check check--{verdict}"},
        el(
            "span",
            {"class": "check__status"},
            el("span", {"class": "check__icon", "aria-hidden": "true"}, VERDICT_ICONS[verdict]),
            " ",
            text(lang, f"status_{verdict}"),
        ),
        el(
            "span",
            {"class": "check__text"},
            el("strong", {"class": "check__label"}, name),
            f" ({by}) " if by else " ",
            el("span", {"class": "check__message"}, str(endorsement.get("message", ""))),
        ),
    )


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
