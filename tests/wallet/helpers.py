"""Helpers of the wallet tests: the learner's offer page, read as a person would."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import httpx

from espace.helpers import Space, csrf_token

_DEEP_LINK = re.compile(r'href="(openid-credential-offer://[^"]+)"')
_PIN = re.compile(r'class="wallet-offer__pin"[^>]*>(.*?)</p>', re.S)


@dataclass(frozen=True)
class Holder:
    learner_id: str
    credential_id: str
    document: dict[str, Any]
    partner_id: str | None


@dataclass(frozen=True)
class OfferPage:
    response: httpx.Response
    deep_link: str
    pin: str

    @property
    def text(self) -> str:
        return html.unescape(self.response.text)


async def open_offer(browser: httpx.AsyncClient, credential_id: str, lang: str = "fr") -> OfferPage:
    """From Mon espace, "Ajouter à mon portefeuille" on the badge: the offer page."""
    space = await browser.get(f"/espace?lang={lang}")
    assert space.status_code == 200, space.text
    page = await browser.post(
        f"/espace/portefeuille/{credential_id}?lang={lang}",
        data={"csrf_token": csrf_token(space)},
    )
    assert page.status_code == 200, page.text
    link = _DEEP_LINK.search(page.text)
    pin = _PIN.search(page.text)
    assert link is not None, page.text
    assert pin is not None, page.text
    digits = "".join(re.findall(r"<span>(\d)</span>", pin.group(1)))
    return OfferPage(page, html.unescape(link.group(1)), digits)


async def offer(space: Space, holder: Holder) -> OfferPage:
    async with space.browser(holder.learner_id) as browser:
        return await open_offer(browser, holder.credential_id)
