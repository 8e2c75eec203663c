"""The service as ``make run`` starts it — ``obhub serve --migrate`` in a fresh working
directory with no ``OBHUB_*`` setting at all, on a free port — and an admin client."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from standardwebhooks import Webhook

from servers import obhub_command, obhub_serve

T = TypeVar("T")

START_TIMEOUT_S = 60


@dataclass
class HubOnDefaults:
    """The running service, its working directory, and an admin token."""

    base: str
    workdir: Path
    env: dict[str, str]
    http: httpx.Client
    admin: dict[str, str]

    def obhub(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
            [*obhub_command(), *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S * 2,
            check=False,
        )

    def token(self, client_id: str, secret: str) -> dict[str, str]:
        answer = self.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def send_signed_webhook(self, path: str, secret: str, badges: list[dict[str, Any]]) -> None:
        """``badges`` delivered to ``path`` as a partner's system does: a Standard
        Webhooks call signed with ``secret``."""
        body = json.dumps({"badges": badges})
        message_id = f"msg_{uuid.uuid4().hex}"
        timestamp = int(time.time())
        signature = Webhook(secret).sign(
            message_id, datetime.fromtimestamp(timestamp, tz=UTC), body
        )
        sent = self.http.post(
            path,
            content=body,
            headers={
                "content-type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature,
            },
        )
        assert sent.status_code == 202, sent.text

    def verify_api(self, credential: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post("/verify", json=credential)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    def verify_cli(self, credential: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        done = self.obhub(
            "verify", "-", "--json", "--service", self.base, stdin=json.dumps(credential)
        )
        assert done.returncode in (0, 1, 2), done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return done.returncode, report

    def verifier_page(self, credential: dict[str, Any]) -> str:
        answer = self.http.post(
            "/verifier",
            files={"file": ("badge.json", json.dumps(credential), "application/json")},
            headers={"Accept-Language": "fr"},
        )
        assert answer.status_code == 200, answer.text
        return answer.text

    def badge_page_button(self, credential_id: str) -> str:
        answer = self.http.post(f"/badges/{credential_id}", params={"lang": "fr"})
        assert answer.status_code == 200, answer.text
        return answer.text


@contextmanager
def hub_on_defaults(workdir: Path) -> Iterator[HubOnDefaults]:
    """``make run`` in ``workdir``: ``obhub serve --migrate`` (on a free port)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    with (
        obhub_serve("--migrate", log_path=workdir / "serve.log", env=env, cwd=workdir) as server,
        httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as http,
    ):
        ready = server.wait_until_answering(
            "/readyz", START_TIMEOUT_S, accept=lambda answer: answer.status_code == 200
        )
        assert ready is not None, server.log()
        probe = HubOnDefaults(server.base_url, workdir, env, http, {})
        created = probe.obhub("clients", "create", "--name", "admin", "--scope", "admin")
        assert created.returncode == 0, created.stderr
        lines = dict(line.split(":", 1) for line in created.stdout.splitlines())
        admin = probe.token(lines["client_id"].strip(), lines["client_secret"].strip())
        yield HubOnDefaults(server.base_url, workdir, env, http, admin)


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float) -> T:
    """What ``probe`` answers once it answers something (polled every 0.25 s), else fail
    after ``timeout_s`` saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"waited {timeout_s}s for {what}")
