"""The public page of an issued badge (``/badges/{id}``), its downloads and the images of
regional badges (``/regional-badges/{code}/image.svg``), over HTTP against the app.

Credentials are issued through the issuance API (as a partner would); the regional parts
(référentiel version, learner, award) are written straight to the database, as the
minting job does.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from aggregation.images import achievement_svg, svg_data_uri
from aggregation.referential import parse_referential
from issuance.helpers import EMAIL, Api
from issuer_api.models import IssuedCredential
from issuer_api.models.ingest import Learner
from issuer_api.models.regional import ReferentialVersion, RegionalAward
from issuer_api.web import credential_page
from issuer_api.web.badge_urls import linkedin_url, regional_image_url
from issuer_api.web.templating import ASSET_VERSION
from issuer_api.web.words import badge_script_texts, verifier_script_texts
from obcore import baking
from web.conftest import PARTNER_EVIDENCE, regional_document

pytestmark = pytest.mark.anyio

PUBLIC_BASE = "https://badges.example.fr"
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


# --------------------------------------------------------------------------- helpers


def with_badge_routes(app: FastAPI) -> None:
    """Serve the badge routes (a no-op once ``create_app`` includes the router)."""
    paths = {getattr(route, "path", None) for route in app.router.routes}
    if "/badges/{credential_id}" not in paths:
        app.include_router(credential_page.router)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self) -> list[Node]:
        out = [self]
        for child in self.children:
            if isinstance(child, Node):
                out.extend(child.iter())
        return out


VOID = {"meta", "link", "img", "input", "br", "hr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v if v is not None else "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


class Page:
    """A parsed HTML page, with the look-ups the tests need."""

    def __init__(self, content: str) -> None:
        builder = _Builder()
        builder.feed(content)
        self.html = content
        self.nodes = builder.root.iter()

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.nodes if n.attrs.get("id") == ident]
        assert len(found) == 1, (ident, len(found))
        return found[0]

    def all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.nodes
            if n.tag == tag and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def meta(self, key: str) -> str:
        for node in self.all("meta"):
            if key in (node.attrs.get("property"), node.attrs.get("name")):
                return node.attrs["content"]
        raise AssertionError(f"no meta {key}")

    def facts(self) -> dict[str, str]:
        """Every ``dt`` and its ``dd``, first occurrence of each label (the badge card)."""
        out: dict[str, str] = {}
        nodes = [n for n in self.nodes if n.tag in ("dt", "dd")]
        for dt, dd in zip(nodes[::2], nodes[1::2], strict=False):
            out.setdefault(" ".join(dt.text.split()), " ".join(dd.text.split()))
        return out


async def issue(api: Api, headers: dict[str, str], achievement: str, **body: Any) -> str:
    response = await api.issue(
        "region",
        headers,
        {"achievement_id": achievement, "recipient": {"email": EMAIL}, **body},
    )
    assert response.status_code == 201, response.text
    credential_id: str = response.json()["id"]
    return credential_id


async def setup_region(api: Api) -> tuple[dict[str, str], str]:
    """The Region and one of its achievements: (admin headers, achievement id)."""
    with_badge_routes(api.app)
    await api.region()
    admin = await api.headers("admin")
    achievement = await api.achievement(
        "region",
        admin,
        criteria={
            "id": "https://badges.normandie.fr/criteres/sst",
            "narrative": "Formation de 14 heures et évaluation réussie.",
        },
    )
    return admin, achievement


async def setup_badge(api: Api, **body: Any) -> tuple[dict[str, str], str]:
    """The Region, an achievement and one credential issued for it: (admin, id)."""
    admin, achievement = await setup_region(api)
    return admin, await issue(api, admin, achievement, **body)


async def stored(api: Api, credential_id: str) -> IssuedCredential:
    async with api.sessions() as session:
        row = await session.get(IssuedCredential, credential_id)
        assert row is not None
        return row


async def add_award(api: Api, credential_id: str, *, number: int = 1) -> None:
    document = regional_document()
    async with api.sessions() as session:
        learner = Learner()
        version = ReferentialVersion(
            number=number,
            code=document["code"],
            version=document["version"],
            digest=parse_referential(document).digest(),
            document=document,
            active=True,
        )
        session.add_all([learner, version])
        await session.flush()
        session.add(
            RegionalAward(
                learner_id=learner.id,
                achievement_code="ORG-II",
                credential_id=credential_id,
                referential_version_id=version.id,
                evidence=PARTNER_EVIDENCE,
            )
        )
        await session.commit()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --------------------------------------------------------------------------- the page


async def test_the_page_shows_the_badge_in_french_by_default(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    response = await api.http.get(f"/badges/{credential_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    assert page.all("html")[0].attrs["lang"] == "fr"
    assert page.by_id("badge-name").text == "Sauveteur secouriste du travail"
    description = page.all("p", **{"class": "badge__description prose"})[0]
    assert description.text == "Intervenir face à une situation d'accident du travail."
    facts = page.facts()
    assert facts["Émetteur"].startswith("Région Normandie")
    assert facts["Critères d'obtention"].startswith("Formation de 14 heures")
    assert re.fullmatch(r"\d{1,2}(er)? \w+ 20\d\d à \d\d:\d\d UTC", facts["Délivré le"])
    assert facts["Identifiant du badge"] == f"urn:uuid:{credential_id}"
    assert "Expire le" not in facts  # no validUntil
    profile = page.all("a", **{"class": "issuer-profile"})[0]
    assert profile.attrs["href"] == f"{api.base}/issuers/region"
    criteria = page.all("a", **{"class": "criteria-link"})[0]
    assert criteria.attrs["href"] == "https://badges.normandie.fr/criteres/sst"
    image = page.all("img", **{"class": "badge__image badge-card__image"})[0]
    assert image.attrs["src"] == f"/badges/{credential_id}.svg"
    assert image.attrs["alt"] == "Image du badge « Sauveteur secouriste du travail »"


async def test_the_page_is_in_english_when_asked_by_query_or_browser(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    by_query = await api.http.get(f"/badges/{credential_id}?lang=en")
    by_header = await api.http.get(
        f"/badges/{credential_id}", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    for response in (by_query, by_header):
        page = Page(response.text)
        assert page.all("html")[0].attrs["lang"] == "en"
        assert banner(response)[1].startswith("✔ This badge is valid. It is neither")
        assert page.by_id("verify-now").text == "Verify now"
        assert "Issuer" in page.facts()
    assert by_header.headers["vary"] == "Accept-Language, Cookie"
    switch = Page(by_query.text).all("a", **{"class": "lang-switch"})[0]
    assert switch.attrs["href"] == f"/badges/{credential_id}?lang=fr"


async def test_pages_carry_the_strict_security_headers_of_the_verifier(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    response = await api.http.get(f"/badges/{credential_id}")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    page = Page(response.text)
    assert not [n for n in page.nodes if "style" in n.attrs]  # no inline style
    scripts = page.all("script")
    assert [s.attrs.get("src") or s.attrs.get("type") for s in scripts] == [
        "application/json",
        f"/badges/static/credential.js?v={ASSET_VERSION}",
    ]
    for name, kind in (("credential.css", "text/css"), ("credential.js", "text/javascript")):
        asset = await api.http.get(f"/badges/static/{name}")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(kind)
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert (await api.http.get("/badges/static/../pages.py")).status_code == 404


async def test_sharing_tags_name_the_badge_and_its_png_image(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    page = Page((await api.http.get(f"/badges/{credential_id}")).text)
    url = f"{api.base}/badges/{credential_id}"
    assert page.meta("og:title") == "Sauveteur secouriste du travail"
    assert page.meta("og:description") == "Intervenir face à une situation d'accident du travail."
    assert page.meta("og:url") == url
    assert page.meta("og:image") == f"{url}.png"
    assert page.meta("og:type") == "website"
    assert page.meta("twitter:card") == "summary"
    assert page.meta("description") == page.meta("og:description")
    canonical = page.all("link", rel="canonical")[0]
    assert canonical.attrs["href"] == url
    assert page.all("title")[0].text == (
        "Sauveteur secouriste du travail — La Normandie badge les compétences"
    )


async def test_the_page_never_shows_the_recipient(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    row = await stored(api, credential_id)
    identity = row.document["credentialSubject"]["identifier"][0]
    for lang in ("fr", "en"):
        for response in (
            await api.http.get(f"/badges/{credential_id}?lang={lang}"),
            await api.http.post(f"/badges/{credential_id}?lang={lang}"),
        ):
            assert response.status_code == 200
            for secret in (identity["identityHash"], identity["salt"], EMAIL, EMAIL.lower()):
                assert secret not in response.text
            assert row.recipient is not None
            assert row.recipient not in response.text


async def test_an_unknown_or_malformed_id_gets_a_404_page_in_both_languages(api: Api) -> None:
    with_badge_routes(api.app)
    for ref, lang, title in (
        ("2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11", "fr", "Badge introuvable"),
        ("2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11", "en", "Badge not found"),
        ("pas-un-identifiant", "fr", "Badge introuvable"),
        ("<script>", "en", "Badge not found"),
    ):
        for suffix in ("", ".json", ".svg", ".png"):
            response = await api.http.get(f"/badges/{ref}{suffix}?lang={lang}")
            assert response.status_code == 404, (ref, suffix)
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            page = Page(response.text)
            assert page.all("h1")[0].text == title
            assert page.all("html")[0].attrs["lang"] == lang
            assert "<script>" not in response.text.split("<body", 1)[1]


# --------------------------------------------------------------------------- live status


def banner(response: httpx.Response) -> tuple[str, str]:
    """``(state, words)`` of the status banner: icon, then each paragraph."""
    node = Page(response.text).by_id("badge-state")
    assert node.attrs["role"] == "status"
    parts = [n.text for n in node.iter() if n.tag in ("span", "p")]
    return node.attrs["data-state"], " ".join(" ".join(parts).split())


async def test_the_banner_follows_suspension_and_revocation(api: Api) -> None:
    admin, credential_id = await setup_badge(api, status_purpose="suspension")
    page_url = f"/badges/{credential_id}"
    state, text = banner(await api.http.get(page_url))
    assert state == "valid"
    assert text.startswith("✔ Ce badge est valide.")
    assert "État lu dans le registre de l'émetteur le" in text

    suspended = await api.http.post(
        f"/credentials/{credential_id}/suspend", json={"reason": "Vérification"}, headers=admin
    )
    assert suspended.status_code == 200, suspended.text
    state, text = banner(await api.http.get(page_url))
    assert state == "suspended"
    assert text.startswith("! Ce badge est suspendu.")
    state, text = banner(await api.http.get(f"{page_url}?lang=en"))
    assert text.startswith("! This badge is suspended.")
    api.http.cookies.clear()  # forget the English chosen above

    lifted = await api.http.post(
        f"/credentials/{credential_id}/unsuspend", json={"reason": "Vérifié"}, headers=admin
    )
    assert lifted.status_code == 200, lifted.text
    assert banner(await api.http.get(page_url))[0] == "valid"

    revoked = await api.http.post(
        f"/credentials/{credential_id}/revoke", json={"reason": "Erreur"}, headers=admin
    )
    assert revoked.status_code == 200, revoked.text
    state, text = banner(await api.http.get(page_url))
    assert state == "revoked"
    assert text.startswith("✘ Ce badge a été révoqué. Son émetteur l'a révoqué le ")
    assert "Revocation" not in text


async def test_expired_and_not_yet_valid_badges_say_so(api: Api) -> None:
    admin, achievement = await setup_region(api)
    expired = await issue(
        api,
        admin,
        achievement,
        validFrom="2020-01-01T09:00:00Z",
        validUntil="2021-06-30T18:00:00Z",
    )
    state, text = banner(await api.http.get(f"/badges/{expired}"))
    assert state == "expired"
    assert "Il était valide jusqu'au 30 juin 2021 à 18:00 UTC." in text
    facts = Page((await api.http.get(f"/badges/{expired}")).text).facts()
    assert facts["Expire le"] == "30 juin 2021 à 18:00 UTC"
    assert facts["Délivré le"] == "1er janvier 2020 à 09:00 UTC"

    future = datetime(datetime.now(UTC).year + 2, 3, 1, 8, tzinfo=UTC)
    pending = await issue(api, admin, achievement, validFrom=future.isoformat())
    state, text = banner(await api.http.get(f"/badges/{pending}?lang=en"))
    assert state == "not_yet_valid"
    assert f"It will be valid from 1 March {future.year}, 08:00 UTC." in text


# --------------------------------------------------------------------------- verify now


async def test_verify_now_without_javascript_renders_the_report_of_post_verify(
    api: Api,
) -> None:
    _, credential_id = await setup_badge(api)
    form = Page((await api.http.get(f"/badges/{credential_id}")).text).by_id("verify-now-form")
    assert form.attrs["method"] == "post"
    assert form.attrs["action"] == f"/badges/{credential_id}?lang=fr"
    response = await api.http.post(form.attrs["action"], data={"lang": "fr"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = Page(response.text)
    result = page.by_id("result")
    assert "hidden" not in result.attrs
    verdict = next(n for n in page.nodes if n.attrs.get("class", "").startswith("verdict "))
    checks = {
        n.attrs["data-check"]: n.attrs["data-status"]
        for n in page.all("li")
        if "data-check" in n.attrs
    }
    # The signature and issuer hold; the status list is read over the network, which this
    # in-process client cannot reach: that check may be indeterminate, never invalid.
    assert checks["proof"] == "valid"
    assert checks["issuer"] == "valid"
    assert checks["status"] in ("valid", "indeterminate")
    assert verdict.attrs["data-verdict"] in ("valid", "indeterminate")
    assert page.by_id("verify-status").text == verdict.text.strip()[1:].strip()


# --------------------------------------------------------------------------- downloads


async def test_the_json_download_is_the_stored_signed_credential(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    response = await api.http.get(f"/badges/{credential_id}.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vc+ld+json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="sauveteur-secouriste-du-travail-{credential_id[:8]}.json"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    row = await stored(api, credential_id)
    assert response.json() == row.document
    assert (await api.verify(response.json())).verified
    etag = response.headers["etag"]
    again = await api.http.get(f"/badges/{credential_id}.json", headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_a_vc_jwt_badge_downloads_as_its_token(api: Api) -> None:
    _, credential_id = await setup_badge(api, format="jwt")
    row = await stored(api, credential_id)
    assert row.jwt is not None
    response = await api.http.get(f"/badges/{credential_id}.json")
    assert response.headers["content-type"] == "application/vc+jwt"
    assert response.headers["content-disposition"].endswith(f'-{credential_id[:8]}.jwt"')
    assert response.text == row.jwt
    for suffix in ("svg", "png"):
        image = await api.http.get(f"/badges/{credential_id}.{suffix}")
        unbaked = baking.unbake(image.content)
        assert (unbaked.kind, unbaked.payload) == ("jws", row.jwt)
    page = Page((await api.http.get(f"/badges/{credential_id}")).text)
    assert page.by_id("download-json").text == "Télécharger le badge (jeton VC-JWT)"


async def test_svg_and_png_downloads_unbake_to_the_same_credential(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    row = await stored(api, credential_id)
    svg = await api.http.get(f"/badges/{credential_id}.svg")
    png = await api.http.get(f"/badges/{credential_id}.png")
    for response, media, extension in ((svg, "image/svg+xml", "svg"), (png, "image/png", "png")):
        assert response.status_code == 200
        assert response.headers["content-type"] == media
        assert response.headers["content-security-policy"] == IMAGE_CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"] == (
            f'inline; filename="sauveteur-secouriste-du-travail-{credential_id[:8]}.{extension}"'
        )
        unbaked = baking.unbake(response.content)
        assert (unbaked.version, unbaked.kind) == ("ob3", "json")
        assert json.loads(unbaked.payload) == row.document
        assert (await api.verify(json.loads(unbaked.payload))).verified
    assert png_size(png.content) == (512, 512)
    assert b"<script" not in svg.content
    # Same credential, same bytes (cached or drawn again).
    assert (await api.http.get(f"/badges/{credential_id}.png")).content == png.content


async def test_downloads_are_linked_from_the_page(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    page = Page((await api.http.get(f"/badges/{credential_id}")).text)
    for ident, suffix, words in (
        ("download-json", "json", "Télécharger le badge (JSON signé)"),
        ("download-svg", "svg", "Télécharger l'image SVG (badge intégré)"),
        ("download-png", "png", "Télécharger l'image PNG (badge intégré)"),
    ):
        link = page.by_id(ident)
        assert link.attrs["href"] == f"/badges/{credential_id}.{suffix}"
        assert link.attrs["download"].endswith(f"-{credential_id[:8]}.{suffix}")
        assert link.text == words
    alternate = page.all("link", rel="alternate", type="application/vc+ld+json")
    assert alternate[0].attrs["href"] == f"/badges/{credential_id}.json"


# --------------------------------------------------------------------------- sharing


async def test_the_linkedin_link_carries_every_certification_field(api: Api) -> None:
    _, credential_id = await setup_badge(
        api, validFrom="2026-03-05T10:00:00Z", validUntil="2031-03-05T10:00:00Z"
    )
    page = Page((await api.http.get(f"/badges/{credential_id}")).text)
    link = page.by_id("linkedin-link")
    assert link.attrs["target"] == "_blank"
    assert "noopener" in link.attrs["rel"]
    href = link.attrs["href"]
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert " " not in href
    assert "—" not in href  # percent-encoded
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Sauveteur secouriste du travail",
        "organizationName": "Région Normandie",
        "issueYear": "2026",
        "issueMonth": "3",
        "expirationYear": "2031",
        "expirationMonth": "3",
        "certUrl": f"{api.base}/badges/{credential_id}",
        "certId": credential_id,
    }
    copy = page.by_id("page-url")
    assert copy.attrs["value"] == f"{api.base}/badges/{credential_id}"
    assert "readonly" in copy.attrs
    assert "hidden" in page.by_id("copy-link").attrs  # shown by the script


def test_linkedin_values_are_percent_encoded() -> None:
    url = linkedin_url(
        name="Organiser — Je maîtrise & plus",
        organization="Région Normandie",
        issued=datetime(2026, 11, 2, tzinfo=UTC),
        expires=None,
        page_url="https://badges.example.fr/badges/x?y=1",
        credential_id="x",
    )
    assert url == (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"
        "&name=Organiser%20%E2%80%94%20Je%20ma%C3%AEtrise%20%26%20plus"
        "&organizationName=R%C3%A9gion%20Normandie&issueYear=2026&issueMonth=11"
        "&certUrl=https%3A%2F%2Fbadges.example.fr%2Fbadges%2Fx%3Fy%3D1&certId=x"
    )


# --------------------------------------------------------------------------- hostile text


async def test_badge_text_is_escaped_everywhere(api: Api) -> None:
    with_badge_routes(api.app)
    await api.region()
    admin = await api.headers("admin")
    achievement = await api.achievement(
        "region",
        admin,
        name='<script>alert("x")</script> Badge',
        description="<img src=x onerror=alert(1)>",
        criteria={"narrative": '"><svg onload=alert(1)>'},
    )
    credential_id = await issue(api, admin, achievement)
    response = await api.http.get(f"/badges/{credential_id}")
    body = response.text
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "<svg onload" not in body
    page = Page(body)
    assert page.by_id("badge-name").text == '<script>alert("x")</script> Badge'
    assert page.meta("og:title") == '<script>alert("x")</script> Badge'
    data = json.loads(page.by_id("badge-data").text)
    assert data["credentialUrl"] == f"/badges/{credential_id}.json"
    assert "</" not in page.by_id("badge-data").text


# --------------------------------------------------------------------------- regional


async def regional_badge(web_api: Api, *, version: int = 1) -> tuple[dict[str, str], str]:
    """A regional credential whose image is the service's regional image URL."""
    with_badge_routes(web_api.app)
    await web_api.region()
    admin = await web_api.headers("admin")
    image = regional_image_url(PUBLIC_BASE, "ORG-II", version)
    achievement = await web_api.achievement(
        "region",
        admin,
        name="Organiser — Je maîtrise",
        description="La personne organise son activité en autonomie.",
        image=image,
    )
    credential_id = await issue(web_api, admin, achievement)
    await add_award(web_api, credential_id, number=version)
    return admin, credential_id


async def test_a_regional_badge_shows_its_referential_version_and_partner_badges(
    web_api: Api,
) -> None:
    _, credential_id = await regional_badge(web_api)
    page = Page((await web_api.http.get(f"/badges/{credential_id}")).text)
    facts = page.facts()
    assert facts["Compétence"] == "Organiser — niveau « Je maîtrise »"
    assert facts["Référentiel"] == "Badges régionaux — Région Normandie, version 2026.1 (n° 1)"
    assert page.by_id("evidence-title").text == "Badges partenaires pris en compte"
    items = [" ".join(n.text.split()) for n in page.all("li", **{"class": "evidence__item"})]
    assert len(items) == 2
    assert items[0].startswith("Gestion de projet — niveau avancé")
    assert "did:web:campus.example.fr" in items[0]
    assert "urn:uuid:6f1c2b9e-0a4d-4c3e-9b8a-1d2e3f4a5b6c" in items[0]
    assert "sha256:" + "ab" * 32 in items[0]
    assert items[1].startswith("Badge partenaire")  # no name given
    english = Page((await web_api.http.get(f"/badges/{credential_id}?lang=en")).text).facts()
    assert english["Competency"] == "Organising — level “I master”"
    assert english["Framework"] == "Regional badges — Région Normandie, version 2026.1 (no. 1)"
    assert page.meta("og:image") == f"{PUBLIC_BASE}/badges/{credential_id}.png"


async def test_a_regional_badge_links_to_its_entry_in_the_public_catalogue(
    web_api: Api,
) -> None:
    _, credential_id = await regional_badge(web_api)
    for lang, words in (("fr", "Ce que reconnaît ce badge"), ("en", "What this badge recognises")):
        page = Page((await web_api.http.get(f"/badges/{credential_id}?lang={lang}")).text)
        (link,) = [
            a for a in page.all("a") if a.attrs.get("href", "").startswith("/badges-regionaux/")
        ]
        assert link.attrs["href"] == "/badges-regionaux/ORG-II"
        assert link.text == words


async def test_a_badge_that_is_not_regional_has_no_catalogue_entry(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    page = Page((await api.http.get(f"/badges/{credential_id}")).text)
    assert page.all("p", **{"class": "catalogue-link"}) == []
    assert "Ce que reconnaît ce badge" not in page.html


async def test_a_regional_badge_image_is_drawn_from_its_referential_version(
    web_api: Api,
) -> None:
    _, credential_id = await regional_badge(web_api)
    expected = achievement_svg(parse_referential(regional_document()), "ORG-II", "fr")
    svg = await web_api.http.get(f"/badges/{credential_id}.svg")
    assert svg.status_code == 200
    assert baking.bake_svg(expected, baking.unbake(svg.content).payload) == svg.content
    png = await web_api.http.get(f"/badges/{credential_id}.png")
    assert png_size(png.content) == (512, 512)
    row = await stored(web_api, credential_id)
    assert json.loads(baking.unbake(png.content).payload) == row.document


async def test_a_data_uri_image_is_used_as_it_is(api: Api) -> None:
    with_badge_routes(api.app)
    await api.region()
    admin = await api.headers("admin")
    svg = achievement_svg(parse_referential(regional_document()), "ORG-II", "en")
    achievement = await api.achievement("region", admin, image=svg_data_uri(svg))
    credential_id = await issue(api, admin, achievement)
    baked = (await api.http.get(f"/badges/{credential_id}.svg")).content
    assert baked == baking.bake_svg(svg, baking.unbake(baked).payload)


async def test_an_image_address_elsewhere_is_never_fetched_nor_taken_for_ours(
    web_api: Api,
) -> None:
    with_badge_routes(web_api.app)
    await web_api.region()
    admin = await web_api.headers("admin")
    foreign = "https://evil.example/regional-badges/ORG-II/image.svg?version=1"
    achievement = await web_api.achievement("region", admin, image=foreign)
    credential_id = await issue(web_api, admin, achievement)
    await add_award(web_api, credential_id)
    baked = (await web_api.http.get(f"/badges/{credential_id}.svg")).content
    regional = achievement_svg(parse_referential(regional_document()), "ORG-II", "fr")
    assert b"evil.example" not in baked.split(b"<openbadges:credential", 1)[0]
    assert not baked.startswith(regional.encode("utf-8")[:200])
    assert b"Sauveteur secouriste du travail" in baked  # the generated shield


async def test_the_regional_image_url_serves_the_generated_svg(api: Api) -> None:
    _, credential_id = await setup_badge(api)
    await add_award(api, credential_id)
    referential = parse_referential(regional_document())
    response = await api.http.get("/regional-badges/ORG-II/image.svg")
    assert response.status_code == 200
    assert response.content == achievement_svg(referential, "ORG-II", "fr").encode("utf-8")
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == IMAGE_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "public, max-age=86400"
    etag = response.headers["etag"]
    pinned = await api.http.get("/regional-badges/ORG-II/image.svg?version=1")
    assert (pinned.content, pinned.headers["etag"]) == (response.content, etag)
    cached = await api.http.get(
        "/regional-badges/ORG-II/image.svg", headers={"If-None-Match": etag}
    )
    assert cached.status_code == 304
    assert cached.content == b""
    english = await api.http.get("/regional-badges/ORG-II/image.svg?lang=en")
    assert english.content == achievement_svg(referential, "ORG-II", "en").encode("utf-8")
    assert english.headers["etag"] != etag
    for missing in (
        "/regional-badges/NOPE/image.svg",
        "/regional-badges/ORG-II/image.svg?version=2",
        "/regional-badges/%3Cx%3E/image.svg",
    ):
        refused = await api.http.get(missing)
        assert refused.status_code == 404, missing
        assert refused.headers["content-security-policy"] == IMAGE_CSP
    assert (await api.http.get("/regional-badges/ORG-II/image.svg?version=0")).status_code == 422


def test_regional_image_urls_have_a_stable_shape() -> None:
    assert regional_image_url(PUBLIC_BASE, "ORG-II") == (
        "https://badges.example.fr/regional-badges/ORG-II/image.svg"
    )
    assert regional_image_url(PUBLIC_BASE, "ORG-II", 3, "en") == (
        "https://badges.example.fr/regional-badges/ORG-II/image.svg?version=3&lang=en"
    )
    with pytest.raises(ValueError, match="regional achievement code"):
        regional_image_url(PUBLIC_BASE, "../x")


# --------------------------------------------------------------------------- words


def test_every_word_of_the_badge_script_exists_in_french_and_english() -> None:
    french, english = badge_script_texts("fr"), badge_script_texts("en")
    assert french.keys() == english.keys()
    assert all(value.strip() for value in (*french.values(), *english.values()))
    assert (french["verify_now"], english["verify_now"]) == ("Vérifier maintenant", "Verify now")
    # The result is drawn with the verifier's words for checks and statuses.
    shared = french.keys() & verifier_script_texts("fr").keys()
    assert {"check_proof", "status_valid", "label_sep", "result_title"} <= shared
    assert all(french[key] == verifier_script_texts("fr")[key] for key in shared)
