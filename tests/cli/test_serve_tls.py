"""``obhub serve --tls-cert FILE --tls-key FILE``: HTTPS without a reverse proxy.

The pair is given by options or by ``OBHUB_TLS_CERT_FILE``/``OBHUB_TLS_KEY_FILE``;
both or neither, readable, and the key must match the certificate, otherwise the
command is a usage error (exit 64) before any socket is opened.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from servers import obhub_serve
from tls_certs import TlsFiles, write_self_signed

from .conftest import EXIT_USAGE, Cli


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return write_self_signed(tmp_path / "tls")


def test_serve_with_only_a_certificate_is_a_usage_error(cli: Cli, tls_files: TlsFiles) -> None:
    result = cli("serve", "--port", "1", "--tls-cert", tls_files.cert)

    assert result.code == EXIT_USAGE
    assert "--tls-cert and --tls-key go together" in result.err


def test_serve_with_only_a_key_is_a_usage_error(cli: Cli, tls_files: TlsFiles) -> None:
    result = cli("serve", "--port", "1", "--tls-key", tls_files.key)

    assert result.code == EXIT_USAGE
    assert "--tls-cert and --tls-key go together" in result.err


def test_serve_with_an_unreadable_key_file_names_it(
    cli: Cli, tls_files: TlsFiles, tmp_path: Path
) -> None:
    missing = tmp_path / "absent.pem"

    result = cli("serve", "--port", "1", "--tls-cert", tls_files.cert, "--tls-key", missing)

    assert result.code == EXIT_USAGE
    assert f"--tls-key: cannot read {missing}" in result.err


def test_serve_with_a_key_that_is_not_the_certificates_is_a_usage_error(
    cli: Cli, tls_files: TlsFiles, tmp_path: Path
) -> None:
    other = write_self_signed(tmp_path / "other")

    result = cli("serve", "--port", "1", "--tls-cert", tls_files.cert, "--tls-key", other.key)

    assert result.code == EXIT_USAGE
    assert "not a PEM certificate and its matching key" in result.err


def test_serve_with_only_the_certificate_setting_is_a_usage_error(
    cli: Cli, tls_files: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBHUB_TLS_CERT_FILE", str(tls_files.cert))
    monkeypatch.delenv("OBHUB_TLS_KEY_FILE", raising=False)

    result = cli("serve", "--port", "1")

    assert result.code == EXIT_USAGE
    assert "OBHUB_TLS_CERT_FILE and OBHUB_TLS_KEY_FILE together" in result.err


def _serve_and_get_healthz(
    args: list[str], env_dir: Path, monkeypatch: pytest.MonkeyPatch, verify: ssl.SSLContext
) -> tuple[httpx.Response | None, str]:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(env_dir / "data"))
    with obhub_serve("--migrate", *args, log_path=env_dir / "serve.log", https=True) as server:
        answer = server.wait_until_answering("/healthz", 15, verify=verify)
    return answer, server.log()


def test_end_to_end_serve_with_tls_options_answers_https_with_that_certificate(
    tls_files: TlsFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusting_it = ssl.create_default_context(cafile=str(tls_files.cert))

    answer, output = _serve_and_get_healthz(
        ["--tls-cert", str(tls_files.cert), "--tls-key", str(tls_files.key)],
        tmp_path,
        monkeypatch,
        trusting_it,
    )

    assert answer is not None, f"no HTTPS answer on /healthz within 15 s\n{output}"
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_end_to_end_serve_with_tls_settings_answers_https(
    tls_files: TlsFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBHUB_TLS_CERT_FILE", str(tls_files.cert))
    monkeypatch.setenv("OBHUB_TLS_KEY_FILE", str(tls_files.key))
    trusting_it = ssl.create_default_context(cafile=str(tls_files.cert))

    answer, output = _serve_and_get_healthz([], tmp_path, monkeypatch, trusting_it)

    assert answer is not None, f"no HTTPS answer on /healthz within 15 s\n{output}"
    assert answer.status_code == 200
