"""The ``/verifier`` page in headless Chromium against ``obhub serve``.

One browser run (``browser_run``, every scenario of ``e2e/run.mjs``) is shared by
these tests; each asserts on what its scenario saw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from issuer_api.web.templating import ASSET_VERSION
from issuer_api.web.words import URL_UNAVAILABLE
from obhub_i18n import gettext
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
    assert seen["scripts"] == [
        "application/json",
        f"/verifier/static/verifier.js?v={ASSET_VERSION}",
    ]
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
        assert seen["notice"] == gettext("fr", URL_UNAVAILABLE)
        assert seen["status"].endswith(gettext("fr", URL_UNAVAILABLE))


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


# --------------------------------------------------------------------------- /badges/{id}


def test_the_badge_page_shows_a_valid_regional_badge_and_verifies_it_now(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "badge_page")
    before = seen["before"]
    assert before["htmlLang"] == "fr"
    assert before["h1"][0] == "Organiser — Je maîtrise"
    assert (before["state"], before["stateRole"]) == ("valid", "status")
    assert before["stateText"][0] == "Ce badge est valide."
    assert before["stateColor"] == "rgb(27, 106, 51)"  # --c-valid on --c-valid-bg
    assert before["stateBackground"] == "rgb(232, 245, 236)"
    assert before["image"]["src"].endswith(".svg")
    assert before["image"]["width"] == 512  # the baked SVG loaded under the page's CSP
    facts = dict(before["facts"])
    assert facts["Émetteur"].startswith("Région Normandie")
    assert facts["Compétence"] == "Organiser — niveau « Je maîtrise »"
    # n° 2: the shipped référentiel (n° 1) was replaced by the seeded one.
    assert facts["Référentiel"].endswith("version 2026.1 (n° 2)")
    assert before["evidence"] == ["Gestion de projet — niveau avancé", "Badge partenaire"]
    assert before["catalogue"] == ["/badges-regionaux/ORG-II", "Ce que reconnaît ce badge"]
    assert before["resultHidden"] is True
    assert before["copyHidden"] is False  # the script shows the copy button
    assert before["og"]["image"] == before["og"]["url"] + ".png"
    assert "camille" not in before["bodyText"].lower()
    after = seen["after"]
    # The credential went to POST /verify, which read this server's status list.
    requests = seen["seen"]["requests"]
    assert any(r.startswith("GET ") and r.endswith(".json") for r in requests)
    assert any(r.startswith("POST ") and "/verify?lang=fr" in r for r in requests)
    assert after["verdict"] == "valid", after["checks"]
    assert after["verifyStatus"] == "Le badge est authentique et valide."
    assert {c["id"]: c["status"] for c in after["checks"]}["status"] == "valid"
    assert after["verifyButton"] == "Vérifier maintenant"
    assert after["copyStatus"] == "Lien copié."
    assert seen["clipboard"] == after["og"]["url"]
    linkedin = after["linkedin"]
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    assert "name=Organiser%20%E2%80%94%20Je%20ma%C3%AEtrise" in linkedin


def test_the_badge_downloads_are_served_from_the_page_links(browser_run: dict[str, Any]) -> None:
    downloads = scenario(browser_run, "badge_page")["downloads"]
    json_file, svg, png = (downloads[k] for k in ("download-json", "download-svg", "download-png"))
    assert (json_file["status"], json_file["type"]) == (200, "application/vc+ld+json")
    assert json_file["disposition"] == f'attachment; filename="{json_file["download"]}"'
    assert json_file["download"].startswith("organiser-je-maitrise-")
    assert (svg["status"], svg["type"]) == (200, "image/svg+xml")
    assert svg["csp"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert (png["status"], png["type"], png["head"]) == (200, "image/png", "\x89PNG\r\n\x1a\n")
    assert png["size"] > 10_000


def test_the_badge_page_switches_to_english(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "badge_english")
    assert seen["htmlLang"] == "en"
    assert seen["h1"][0] == "Organiser — Je maîtrise"  # the credential's own name
    assert seen["stateText"][0] == "This badge is valid."
    assert seen["verifyButton"] == "Verify now"
    assert seen["verdict"] == "valid"
    assert seen["verifyStatus"] == "The badge is authentic and valid."
    assert dict(seen["facts"])["Competency"] == "Organising — level “I master”"


def test_a_revoked_badge_says_so_before_and_after_verification(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "badge_revoked")
    assert seen["state"] == "revoked"
    assert seen["stateText"][0] == "Ce badge a été révoqué."
    assert seen["stateColor"] == "rgb(163, 20, 27)"
    assert seen["verdict"] == "invalid"
    assert {c["id"]: c["status"] for c in seen["checks"]}["status"] == "invalid"


def test_without_javascript_the_badge_page_verifies_on_the_server(
    browser_run: dict[str, Any],
) -> None:
    seen = scenario(browser_run, "badge_no_javascript")
    assert seen["before"]["state"] == "valid"
    assert seen["before"]["copyHidden"] is True  # nothing to copy with
    assert seen["url"].endswith("?lang=fr")
    after = seen["after"]
    assert after["verdict"] == "valid", after["checks"]
    assert after["verifyStatus"] == "Le badge est authentique et valide."
    assert after["resultHidden"] is False


def test_an_unknown_badge_gets_a_clear_404_page(browser_run: dict[str, Any]) -> None:
    seen: dict[str, Any] = browser_run["badge_not_found"]
    assert seen["ok"], seen.get("error")
    assert seen["status"] == 404
    assert seen["h1"] == ["Badge introuvable"]
    assert seen["seen"]["pageErrors"] == []
    # The only console line is the browser's own note of the 404 status.
    assert all("404" in line for line in seen["seen"]["console"]), seen["seen"]["console"]


def test_the_badge_page_fits_a_narrow_screen(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "badge_narrow")
    assert seen["verdict"] == "valid"
    assert seen["overflow"] <= 0


def test_a_screenshot_of_the_badge_page_is_taken(browser_run: dict[str, Any]) -> None:
    for name in ("badge-page-fr.png", "badge-verified-fr.png"):
        shot = Path(browser_run["out_dir"]) / name
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        print(f"screenshot: {shot}")


def test_the_api_docs_draw_every_operation_with_nothing_from_another_origin(
    browser_run: dict[str, Any],
) -> None:
    seen = browser_run["api_docs"]
    assert seen["ok"], seen.get("error")
    assert seen["seen"]["pageErrors"] == []
    # A Content-Security-Policy violation or a failed load is a console error.
    assert [line for line in seen["seen"]["console"] if line.startswith("error")] == []
    assert seen["external"] == []
    assert seen["title"].startswith("obhub")
    assert seen["operations"] >= 50
    assert seen["stylesheetApplied"] != "16px"  # swagger-ui.css styles the title


def test_the_home_page_leads_to_the_api_docs(browser_run: dict[str, Any]) -> None:
    seen = scenario(browser_run, "home_page")
    assert seen["htmlLang"] == "fr"
    assert seen["h1"] == ["obhub, le service des badges numériques"]
    assert {"/docs", "/openapi.json", "/healthz"} <= set(seen["links"])
    assert seen["followedTo"] == "/docs"
