"""The ``curl`` examples of the page « Connecter votre LMS » work: taken from the page a
live hub renders (``obhub serve --migrate`` on defaults), run in page order by the real
``bash`` and ``curl`` (and ``openssl`` for PKCE), with the shell variables the page
tells the reader to set, taken from the answers as the page says. The learner's
consent in between is played in a browser (``acceptance.learner_browser``).

If the API moves (a path, a parameter, an answer), this test fails: the page cannot
drift from the API.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import pytest

from acceptance.hub import HubOnDefaults, wait_for
from acceptance.learner_browser import LearnerBrowser
from acceptance.ob_api_client import Transcript
from acceptance.page_examples import examples
from acceptance.partner_side import first_badge_by_webhook, recognise, signed
from ingestion.factory import PartnerIssuer

PAGE: Final = "/developpeurs/lms"
REDIRECT_URI: Final = "https://lms.example.fr/obhub/retour"
RUN_TIMEOUT_S: Final = 60
WAIT_S: Final = 90

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "openssl")),
    reason="the page's examples need bash, curl and openssl",
)


class Reader:
    """The reader at a terminal: runs the page's examples in ``workdir`` with the
    variables set so far."""

    def __init__(self, page: str, workdir: Path, transcript: Transcript) -> None:
        self.examples = examples(page)
        self.workdir = workdir
        self.transcript = transcript
        self.variables: dict[str, str] = {}

    def run(self, name: str, then: str = "") -> str:
        """The example ``name`` exactly as shown (plus ``then``, to read variables it
        set); its standard output."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.workdir)}
        done = subprocess.run(  # noqa: S603 - the page's own example, run on purpose
            ["bash", "-euo", "pipefail", "-c", self.examples[name] + then],  # noqa: S607
            env={**env, **self.variables},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"{name}: {done.stderr}"
        shown = "(the variables it set, read by the test)" if then else done.stdout
        self.transcript.command(name, self.examples[name], shown)
        return done.stdout

    def json(self, name: str) -> Any:
        output = self.run(name)
        try:
            return json.loads(output)
        except ValueError as error:
            raise AssertionError(f"{name} did not answer JSON: {output[:2000]}") from error

    def http(self, name: str) -> tuple[int, dict[str, str], str]:
        """An example run with ``curl -i``: status, headers (lower-case), body."""
        output = self.run(name)
        head, _, body = output.replace("\r\n", "\n").partition("\n\n")
        while head.startswith("HTTP/") and " 100 " in head.split("\n", 1)[0]:
            head, _, body = body.partition("\n\n")
        status_line, *lines = head.split("\n")
        headers = {}
        for line in lines:
            name_, _, value = line.partition(":")
            headers[name_.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers, body


def test_every_curl_example_of_the_lms_page_runs_against_the_hub(
    hub: HubOnDefaults, tmp_path: Path
) -> None:
    page = hub.http.get(PAGE)
    assert page.status_code == 200, page.text
    transcript = Transcript(hub.workdir / "transcript-lms-page-examples.txt")
    print(f"\nThe page's examples, run: {transcript.path}")
    reader = Reader(page.text, tmp_path, transcript)
    email = f"ines.{uuid.uuid4().hex[:6]}@example.fr"
    greta = PartnerIssuer.create("Greta Rouen")
    first = first_badge_by_webhook(hub, recognise(hub, greta), greta, email)

    # 1. Discovery: the page's addresses are the ones the discovery document gives.
    discovery = reader.json("discovery")
    assert "components" in discovery, discovery
    scheme = discovery["components"]["securitySchemes"]["OAuth2ACG"]
    flow = scheme["flows"]["authorizationCode"]
    assert f"-X POST {scheme['x-imssf-registrationUrl']} " in reader.examples["register"]
    assert f"-X POST {flow['tokenUrl']} " in reader.examples["token"]
    assert f'echo "{flow["authorizationUrl"]}?' in reader.examples["authorize"]

    # 2. Registration: CLIENT_ID and CLIENT_SECRET from the answer.
    registered = reader.json("register")
    reader.variables |= {
        "CLIENT_ID": registered["client_id"],
        "CLIENT_SECRET": registered["client_secret"],
    }

    # 4. PKCE and state, made by the page's commands; the learner consents.
    made = reader.run("pkce", '\nprintf "%s\\n" "$CODE_VERIFIER" "$CODE_CHALLENGE" "$STATE"')
    verifier, challenge, state = made.split()
    reader.variables |= {"CODE_VERIFIER": verifier, "CODE_CHALLENGE": challenge, "STATE": state}
    address = reader.run("authorize").strip()
    with LearnerBrowser(hub, email, transcript) as learner:
        returned_to = learner.consent(address, REDIRECT_URI)
    query = parse_qs(urlsplit(returned_to).query)
    assert query["state"] == [state]
    reader.variables["CODE"] = query["code"][0]

    # 5. Token: ACCESS_TOKEN and REFRESH_TOKEN from the answer.
    tokens = reader.json("token")
    reader.variables |= {
        "ACCESS_TOKEN": tokens["access_token"],
        "REFRESH_TOKEN": tokens["refresh_token"],
    }

    # 6. A first badge (badge.json, signed by a partner), then 7. reading it back.
    badge = signed(greta, "", email)
    (tmp_path / "badge.json").write_text(json.dumps(badge), encoding="utf-8")
    status, _headers, body = reader.http("upsert")
    assert status == 201, body

    def listed_once_kept() -> tuple[int, dict[str, str], str] | None:
        listed = reader.http("list")
        return listed if listed[1].get("x-total-count") == "2" else None

    status, _headers, body = wait_for("the badge to be listed", listed_once_kept, WAIT_S)
    assert status == 200, body
    assert [c["id"] for c in json.loads(body)["credential"]] == [first["id"], badge["id"]]
    profile = reader.json("profile")
    assert "Profile" in profile["type"], profile

    # 8. Refresh: new tokens, set again as the page says.
    renewed = reader.json("refresh")
    assert renewed["access_token"] != tokens["access_token"]
    reader.variables |= {
        "ACCESS_TOKEN": renewed["access_token"],
        "REFRESH_TOKEN": renewed["refresh_token"],
    }

    # 9. Revoke the refresh token: its access tokens are refused at once.
    status, _headers, body = reader.http("revoke")
    assert status == 200, body
    status, _headers, body = reader.http("list")
    assert status == 401, body
