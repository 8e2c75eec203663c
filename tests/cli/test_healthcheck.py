"""The container's health probe (Dockerfile ``HEALTHCHECK``) follows the service's
scheme: a service serving TLS itself is probed over HTTPS, and is healthy."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from issuer_api.healthcheck import probe_url
from servers import obhub_serve
from tls_certs import TlsFiles, write_self_signed

START_TIMEOUT_S = 60


def test_the_probe_asks_https_when_the_service_serves_tls() -> None:
    tls = {"OBHUB_TLS_CERT_FILE": "/run/cert.pem", "OBHUB_TLS_KEY_FILE": "/run/key.pem"}

    assert probe_url(tls, 8000) == "https://127.0.0.1:8000/healthz"
    assert probe_url({}, 8000) == "http://127.0.0.1:8000/healthz"


def _probe(port: int, env: dict[str, str]) -> int:
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "issuer_api.healthcheck", str(port)],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    ).returncode


@pytest.fixture
def tls_service(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``obhub serve`` over TLS from its settings, as the container runs it."""
    tls: TlsFiles = write_self_signed(tmp_path / "tls")
    env = {
        "PATH": "/usr/bin:/bin",
        "OBHUB_DATA_DIR": str(tmp_path / "data"),
        "OBHUB_TLS_CERT_FILE": str(tls.cert),
        "OBHUB_TLS_KEY_FILE": str(tls.key),
    }
    with obhub_serve("--migrate", log_path=tmp_path / "serve.log", https=True, env=env) as server:
        yield server.port, env


def test_a_service_serving_tls_is_healthy(tls_service: tuple[int, dict[str, str]]) -> None:
    port, env = tls_service
    deadline = time.monotonic() + START_TIMEOUT_S
    code = 1
    while time.monotonic() < deadline and code != 0:
        code = _probe(port, env)
        if code != 0:
            time.sleep(0.2)

    assert code == 0
    without_tls = {k: v for k, v in env.items() if not k.startswith("OBHUB_TLS_")}
    assert _probe(port, without_tls) == 1  # the old probe (plain http): unhealthy forever


def test_serve_says_which_local_base_url_jobs_mint_without_a_public_base_url(
    tls_service: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    port, _env = tls_service
    deadline = time.monotonic() + START_TIMEOUT_S
    log = tmp_path / "serve.log"
    expected = f"credentials minted by jobs carry URLs on https://127.0.0.1:{port}"
    while time.monotonic() < deadline and "Uvicorn running" not in log.read_text(errors="replace"):
        time.sleep(0.2)

    assert expected in log.read_text()
