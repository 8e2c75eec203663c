"""The ``/verifier`` page in headless Chromium against ``obhub serve``.

One browser run (``browser_run``, every scenario of ``e2e/run.mjs``) is shared by
these tests; each asserts on what its scenario saw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from issuer_api.web.texts import TEXTS
from verify.report import CHECK_IDS

pytestmark = pytest.mark.e2e


def scenario(browser_run: dict[str, Any], name: str) -> dict[str, Any]:
    seen: dict[str, Any] = browser_run[name]
    assert seen["ok"], seen.get("error")
    assert seen["seen"]["pageErrors"] == [], seen["seen"]
    # CSP violations and failed loads show up as console errors.
    assert seen["seen"]["console"] == [], seen["seen"]["console"]
    assert seen["seen"]["dialogs"] == []
    return seen


def test_pasting_a_valid_badge_shows_it_authentic_with_every_check(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "paste_valid")
    assert seen["verdict"] == "valid"
    assert "authentique et valide" in seen["verdictText"]
    assert seen["status"] == "Le badge est authentique et valide."
    assert (seen["statusRole"], seen["statusLive"]) == ("status", "polite")
    assert [c["id"] for c in seen["checks"]] == list(CHECK_IDS)
    proof = next(c for c in seen["checks"] if c["id"] == "proof")
    assert proof["status"] == "valid"
    assert "✔ valide" in proof["text"]
    assert "Signature" in proof["text"]
    assert seen["badgeName"] == "Teamwork Badge"
    facts = dict(seen["facts"])
    assert facts["Émetteur"].startswith("Example Corp")
    assert facts["Valide à partir du"] == "9 janvier 2025 à 15:06 UTC"
    assert seen["title"].startswith("Le badge est authentique et valide.")
    # The page asked the JSON API, not the no-JavaScript form handler.
    assert any(r.startswith("POST ") and "/verify?lang=fr" in r for r in seen["seen"]["requests"])


def test_uploading_a_baked_png_verifies_the_badge_inside(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "upload_png")
    assert seen["verdict"] == "valid"
    assert seen["status"] == "Le badge est authentique et valide."
    assert dict(seen["facts"])["Format"] == "image PNG (badge JSON)"


def test_pasting_garbage_says_clearly_it_is_not_a_badge(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "garbage")
    assert seen["verdict"] == "invalid"
    assert seen["status"] == "Le badge n'est pas valide."
    assert seen["checks"][0]["id"] == "parse"
    assert seen["checks"][0]["status"] == "invalid"
    assert "✘ invalide" in seen["checks"][0]["text"]


def test_submitting_nothing_announces_an_error_on_the_field(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "empty")
    assert seen["formError"].startswith("Erreur : Aucun badge à vérifier")
    assert seen["textareaInvalid"] == "true"
    assert seen["activeId"] == "badge-text"
    assert seen["resultHidden"] is True


def test_keyboard_only_tab_type_tab_enter_announces_the_result(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "keyboard")
    visited = seen["visited"]
    assert visited[0]["id"] != "badge-text"  # the skip link and language switch come first
    assert any(v["id"] == "badge-text" for v in visited)
    assert visited[-1]["id"] == "verify-button"
    for focus in visited:  # every focused control shows a visible focus indicator
        assert focus["outline"].startswith("solid"), focus
    assert seen["status"] == "Le badge est authentique et valide."
    assert seen["verdict"] == "valid"


def test_the_language_switch_gives_the_english_page(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "english")
    assert seen["htmlLang"] == "en"
    assert seen["h1"] == ["Verify a digital badge"]
    assert "authentic and valid" in seen["verdictText"]
    assert dict(seen["facts"])["Valid from"] == "9 January 2025, 15:06 UTC"
    assert any("✔ valid" in c["text"] for c in seen["checks"])


def test_hostile_badge_content_is_shown_as_text_and_never_runs(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "xss")
    assert seen["pwned"] is None
    assert seen["onAttributes"] == []
    assert seen["scripts"] == ["application/json", "/verifier/static/verifier.js?v=1"]
    assert "<script>" in seen["badgeName"]  # as text
    assert seen["description"].startswith("<img")
    assert seen["images"] == []  # javascript: and data:text/html addresses are not shown
    assert seen["links"] == []
    assert set(seen["resultElements"]) <= {
        "h2", "h3", "div", "span", "p", "strong", "article", "dl", "dt", "dd", "ul", "li", "time",
    }  # fmt: skip
    facts = dict(seen["facts"])
    assert "identifiant masqué (e-mail)" in facts["Titulaire"]


def test_a_badge_address_gets_a_polite_answer(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "url")
    assert seen["verdict"] is not None
    if seen["checks"][0]["status"] == "invalid":  # the verifier does not fetch URLs (yet)
        assert seen["notice"] == TEXTS["fr"]["url_unavailable"]
        assert seen["status"].endswith(TEXTS["fr"]["url_unavailable"])


def test_without_javascript_the_form_is_verified_by_the_server(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "no_javascript")
    assert seen["url"].endswith("/verifier?lang=fr")
    assert seen["verdict"] == "valid"
    assert seen["status"] == "Le badge est authentique et valide."
    assert [c["id"] for c in seen["checks"]] == list(CHECK_IDS)


def test_the_result_fits_a_narrow_screen(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "narrow")
    assert seen["verdict"] == "valid"
    assert seen["overflow"] <= 0


def test_a_screenshot_of_the_result_is_taken(browser_run: dict[str, Any]) -> None:
    shot = Path(browser_run["out_dir"]) / "verifier-result-fr.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {shot}")
