"""The Region's console on defaults, end to end (issue 15's acceptance).

The service runs as ``make run`` runs it. An administrator created with ``obhub staff
create`` signs in and replaces the printed password, registers Campus Caen with its
trusted issuer, hands it a webhook secret and an OAuth client (each read once from the
page). Campus Caen sends badges by signed webhook — « Atelier planning » is aligned on
nothing, so Campus Caen proposes through the API that it counts for « Organiser »; the
administrator approves, and the learners holding two badges in « Organiser » obtain
« Organiser — Je pratique ». A new version of the référentiel lowers that threshold to
one badge and raises « S'adapter — Je pratique » to three: the simulation announces one
badge gained and one lost, publishing (with the losses confirmed) does exactly that.
Insights then never show a group of fewer than 10 learners, in French and in English.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from acceptance.hub import HubOnDefaults, wait_for
from ingestion.factory import PartnerIssuer, iso
from regional.helpers import aligned_credential

ADMIN_EMAIL = "claire.lefevre@normandie.fr"
NEW_PASSWORD = "trois pommes normandes au soleil"
CAMILLE, KARIM, LUCIE, NADIA = (
    "camille.martin@example.fr",
    "karim.benali@example.fr",
    "lucie.girard@example.fr",
    "nadia.roussel@example.fr",
)
PLANNING = "https://campus-caen.example/achievements/atelier-planning"
WAIT_S = 60
EXPIRY_S = 8
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TABLES = (
    "badges-competences",
    "badges-mois",
    "badges-partenaires",
    "delais",
    "activite-partenaires",
    "refus-partenaires",
    "reclamations",
)
# Columns before the first one about people: a partner's deliveries and badges received
# are counts of its own sending (the page says so); its badges accepted and refused are
# hidden under 10, like every figure about learners.
NOT_PEOPLE = {"activite-partenaires": 2}
# A browser's same-origin form under Referrer-Policy: no-referrer.
BROWSER_HEADERS = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}


class Console:
    """A staff member's browser: cookies, and every form sent with its page's token."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def page(self, path: str, **params: str) -> str:
        answer = self.http.get(path, params=params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.text

    def submit(self, form_path: str, action: str, data: dict[str, str]) -> httpx.Response:
        found = CSRF.search(self.page(form_path))
        assert found is not None, form_path
        return self.http.post(action, data={"csrf_token": found.group(1), **data})


def code_of(page: str, css_class: str) -> str:
    found = re.search(rf'<code class="{css_class}">([^<]+)</code>', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def badge(
    issuer: PartnerIssuer,
    email: str,
    code: str,
    *,
    valid_until: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    credential = aligned_credential(issuer, code, email=email, **fields)
    if valid_until is not None:
        credential["validUntil"] = iso(valid_until)
    return {"credential": json.loads(issuer.signed_json(credential)), "recipient": {"email": email}}


def learner_id(hub: HubOnDefaults, email: str) -> str | None:
    found = hub.http.get("/learners", params={"email": email}, headers=hub.admin)
    return str(found.json()["learner_id"]) if found.status_code == 200 else None


def progress(hub: HubOnDefaults, learner: str) -> dict[str, Any]:
    answer = hub.http.get(f"/learners/{learner}/progress", headers=hub.admin)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def awards(hub: HubOnDefaults, learner: str) -> dict[str, str]:
    """The learner's regional badges: code → state."""
    return {award["code"]: award["state"] for award in progress(hub, learner)["awards"]}


def simulated_figures(page: str) -> dict[str, tuple[int, int, int]]:
    """The simulation's table: badge code → (would gain, would lose, would keep)."""
    figures = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S):
        code = re.search(r"\(([A-Z]+(?:-[IV]+)?)\)", row)
        numbers = re.findall(r'<td class="number">(\d+)</td>', row)
        assert code is not None, row
        assert len(numbers) == 3, row
        figures[code.group(1)] = (int(numbers[0]), int(numbers[1]), int(numbers[2]))
    return figures


def small_figures(text: str) -> list[str]:
    """Whole numbers from 1 to 9 standing alone (not part of a date, a year or a code)."""
    return re.findall(r"(?<![\w./:-])[1-9](?![\w./:-])", text)


def test_a_staff_member_runs_the_region_s_badges_from_the_console(
    hub: HubOnDefaults,
) -> None:
    created = hub.obhub(
        "staff", "create", "--email", ADMIN_EMAIL, "--role", "administrator", "--json"
    )
    assert created.returncode == 0, created.stderr
    printed = json.loads(created.stdout)["password"]
    assert printed

    with httpx.Client(
        base_url=hub.base, timeout=60, trust_env=False, headers=BROWSER_HEADERS
    ) as http:
        console = Console(http)

        # 1. Sign in, replace the one-time password.
        signed_in = console.submit(
            "/console/connexion",
            "/console/connexion",
            {"email": ADMIN_EMAIL, "password": printed, "next": "/console"},
        )
        assert (signed_in.status_code, signed_in.headers["location"]) == (
            303,
            "/console/mot-de-passe",
        )
        changed = console.submit(
            "/console/mot-de-passe",
            "/console/mot-de-passe",
            {
                "current_password": printed,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            },
        )
        assert changed.status_code == 303, changed.text
        assert "Console" in console.page("/console")

        # 2. Register Campus Caen, trust its issuer, hand out a webhook secret and a client.
        campus = PartnerIssuer.create("Campus Caen")
        registered = console.submit(
            "/console/partenaires/nouveau",
            "/console/partenaires",
            {"slug": "campus-caen", "name": "Campus Caen"},
        )
        assert registered.status_code == 303, registered.text
        partner_path = registered.headers["location"].split("?")[0]
        assert partner_path == "/console/partenaires/campus-caen"
        trusted = console.submit(
            partner_path, f"{partner_path}/emetteurs", {"identifier": campus.did}
        )
        assert trusted.status_code == 303, trusted.text
        assert campus.did in console.page(partner_path)
        secret_page = console.submit(
            partner_path, f"{partner_path}/secrets", {"note": "Production"}
        )
        assert secret_page.status_code == 201, secret_page.text
        assert "affiché une seule fois" in html.unescape(secret_page.text)
        webhook_secret = code_of(secret_page.text, "secret")
        webhook_url = code_of(secret_page.text, "ident")
        assert webhook_secret not in console.page(partner_path)
        client_page = console.submit(partner_path, f"{partner_path}/client", {})
        assert client_page.status_code == 201, client_page.text
        partner_api = hub.token(
            code_of(client_page.text, "ident"), code_of(client_page.text, "secret")
        )

        # 3. Badges by signed webhook: « Atelier planning » counts for nothing yet.
        planning: dict[str, Any] = {"achievement": "atelier-planning", "name": "Atelier planning"}
        # Nadia's « S'adapter — Je pratique » is minted with a badge that expires soon.
        expires = datetime.now(UTC) + timedelta(seconds=EXPIRY_S)
        hub.send_signed_webhook(
            webhook_url.split(hub.base, 1)[1],
            webhook_secret,
            [
                badge(campus, CAMILLE, "", **planning),
                badge(campus, CAMILLE, "ORG"),
                badge(campus, KARIM, "", **planning),
                badge(campus, KARIM, "ORG"),
                badge(campus, LUCIE, "", **planning),
                badge(campus, NADIA, "ADA", valid_until=expires),
                badge(campus, NADIA, "ADA"),
            ],
        )
        emails = (CAMILLE, KARIM, LUCIE, NADIA)
        learners = dict(
            zip(
                emails,
                wait_for(
                    "the webhook's badges to be kept",
                    lambda: ids if all(ids := [learner_id(hub, e) for e in emails]) else None,
                    timeout_s=WAIT_S,
                ),
                strict=True,
            )
        )
        wait_for(
            "Nadia's « S'adapter — Je pratique »",
            lambda: "ADA-I" in awards(hub, learners[NADIA]),
            timeout_s=WAIT_S,
        )
        assert "ORG-I" not in awards(hub, learners[CAMILLE])

        proposed = hub.http.post(
            "/referential/mappings",
            json={
                "achievement_id": PLANNING,
                "issuer_id": campus.did,
                "competency": "ORG",
                "note": "Atelier planning : organiser son activité.",
            },
            headers=partner_api,
        )
        assert proposed.status_code == 201, proposed.text
        mapping = proposed.json()["id"]
        queue = html.unescape(console.page("/console/correspondances"))
        assert "Atelier planning" in queue
        approved = console.submit(
            "/console/correspondances",
            f"/console/correspondances/{mapping}/approuver",
            {"reason": ""},
        )
        assert approved.status_code == 303, approved.text
        for email in (CAMILLE, KARIM):
            wait_for(
                f"{email}'s « Organiser — Je pratique »",
                lambda email=email: awards(hub, learners[email]).get("ORG-I") == "active",
                timeout_s=WAIT_S,
            )
        assert "ORG-I" not in awards(hub, learners[LUCIE])

        # A third badge in « S'adapter » keeps Nadia's award supported once the first
        # expires — under today's rule (2 badges), not under the draft's (3).
        hub.send_signed_webhook(
            webhook_url.split(hub.base, 1)[1], webhook_secret, [badge(campus, NADIA, "ADA")]
        )
        wait_for(
            "Nadia's third badge",
            lambda: len(progress(hub, learners[NADIA])["badges"]) == 3,
            timeout_s=WAIT_S,
        )
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() + 1))

        # 4. A new version: « Organiser — Je pratique » with 1 badge, « S'adapter » with 3.
        form = console.page("/console/referentiel/seuils")
        values = dict(re.findall(r'type="number"[^>]*name="([^"]+)" value="([^"]*)"', form))
        org_i, ada_i = "a0-r-min_count", "a2-r-min_count"
        assert (values[org_i], values[ada_i]) == ("2", "2"), values
        simulated = console.submit(
            "/console/referentiel/seuils",
            "/console/referentiel/seuils",
            {**values, org_i: "1", ada_i: "3", "version_label": "2026.2"},
        )
        assert simulated.status_code == 303, simulated.text
        simulation_path = simulated.headers["location"]
        simulation_page = html.unescape(console.page(simulation_path))
        figures = simulated_figures(simulation_page)
        assert figures["ORG-I"] == (1, 0, 2), figures
        assert figures["ADA-I"] == (0, 1, 0), figures
        gained = sum(gain for gain, _, _ in figures.values())
        lost = sum(lose for _, lose, _ in figures.values())
        assert (gained, lost) == (1, 1)
        assert "<dt>Personnes évaluées</dt><dd>4</dd>" in simulation_page
        assert "<dt>Badges perdus</dt><dd>1</dd>" in simulation_page
        before = {email: awards(hub, learners[email]) for email in emails}

        unconfirmed = console.submit(simulation_path, f"{simulation_path}/publier", {})
        assert unconfirmed.status_code == 422
        assert unconfirmed.headers["x-error-code"] == "losses_not_confirmed"
        published = console.submit(
            simulation_path, f"{simulation_path}/publier", {"confirm": "yes", "lost": str(lost)}
        )
        assert published.status_code == 303, published.text
        version = hub.http.get("/referential", headers=hub.admin).json()
        assert version["version"] == "2026.2", version

        wait_for(
            "Lucie's « Organiser — Je pratique »",
            lambda: awards(hub, learners[LUCIE]).get("ORG-I") == "active",
            timeout_s=WAIT_S,
        )
        wait_for(
            "Nadia's « S'adapter — Je pratique » to be withdrawn",
            lambda: awards(hub, learners[NADIA]).get("ADA-I") in ("suspended", "revoked"),
            timeout_s=WAIT_S,
        )
        after = {email: awards(hub, learners[email]) for email in emails}
        actually_gained = sum(
            1
            for email in emails
            for code, state in after[email].items()
            if state == "active" and before[email].get(code) != "active"
        )
        actually_lost = sum(
            1
            for email in emails
            for code, state in before[email].items()
            if state == "active" and after[email].get(code) != "active"
        )
        assert (actually_gained, actually_lost) == (gained, lost), (before, after)

        # 5. Insights: four learners, so every figure about them reads « moins de 10 ».
        insights = console.page("/console/indicateurs")
        assert '<html lang="fr"' in insights
        assert "moins de 10" in html.unescape(insights)
        sections = re.findall(
            r'<section class="insight" aria-labelledby="([a-z-]+)">(.*?)</section>', insights, re.S
        )
        assert [name for name, _ in sections] == list(TABLES)
        for name, section in sections:
            for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
                cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[NOT_PEOPLE.get(name, 0) :]
                text = html.unescape(re.sub(r"<[^>]+>", " ", " | ".join(cells)))
                assert not small_figures(text), (name, html.unescape(re.sub(r"<[^>]+>", " ", row)))
        for name in TABLES:
            export = http.get(f"/console/indicateurs/{name}.csv")
            assert export.status_code == 200, name
            rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
            assert len(rows) > 1, name
            for row in rows[1:]:
                for value in row[1 + NOT_PEOPLE.get(name, 0) :]:
                    assert not small_figures(value), (name, row)
        english = html.unescape(console.page("/console/indicateurs", lang="en"))
        assert '<html lang="en"' in english
        assert "fewer than 10" in english
