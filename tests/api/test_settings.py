"""Settings: environment parsing, the embedded database default and the key-encryption key."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from issuer_api.app import create_app
from issuer_api.settings import (
    DEFAULT_LOCAL_BASE_URL,
    KEK_BYTES,
    KekError,
    Settings,
    UnverifiableConfigurationError,
    check_mintable,
    decode_kek,
    encode_kek,
    get_settings,
)

KEY = bytes(range(KEK_BYTES))


def test_defaults_need_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("OBHUB_")]:
        monkeypatch.delenv(name)

    settings = get_settings()

    assert settings.data_dir == Path("var")
    assert settings.database_url is None
    assert settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.default_language == "fr"
    assert settings.fetch_allowlist == []
    assert settings.log_level == "INFO"


def test_environment_is_read_with_the_obhub_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OBHUB_DATABASE_URL", "postgresql+psycopg://obhub:pw@db/obhub")
    monkeypatch.setenv("OBHUB_PUBLIC_BASE_URL", "https://badges.normandie.fr")
    monkeypatch.setenv("OBHUB_LOG_LEVEL", "debug")
    monkeypatch.setenv("OBHUB_MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("OBHUB_DEFAULT_LANGUAGE", "en")

    settings = get_settings()

    assert settings.data_dir == tmp_path
    assert settings.effective_database_url == "postgresql+psycopg://obhub:pw@db/obhub"
    assert str(settings.public_base_url) == "https://badges.normandie.fr/"
    assert settings.log_level == "DEBUG"
    assert settings.max_body_bytes == 1024
    assert settings.default_language == "en"
    assert "pw@db" not in repr(settings)


def test_embedded_database_is_an_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    assert settings.effective_database_url == f"sqlite:///{tmp_path}/data/obhub.sqlite3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", []),
        ("10.0.0.0/8, badges.internal", ["10.0.0.0/8", "badges.internal"]),
        ('["192.168.1.7", "Localhost"]', ["192.168.1.7/32", "localhost"]),
        ("fd00::/8", ["fd00::/8"]),
    ],
)
def test_fetch_allowlist_accepts_json_or_commas(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("OBHUB_FETCH_ALLOWLIST", raw)

    assert get_settings().fetch_allowlist == expected


@pytest.mark.parametrize("entry", ["http://host", "under_score.example", "10.0.0.0/33"])
def test_fetch_allowlist_rejects_what_is_neither_host_nor_network(entry: str) -> None:
    with pytest.raises(ValidationError):
        Settings(fetch_allowlist=[entry])


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(databse_url="typo")  # type: ignore[call-arg]


def test_kek_is_base64url_of_32_bytes_and_never_shown() -> None:
    encoded = encode_kek(KEY)
    settings = Settings(kek=encoded)

    assert settings.load_or_create_kek() == KEY
    assert encoded not in repr(settings)
    assert decode_kek(encoded + "=") == KEY


@pytest.mark.parametrize(
    "bad",
    [
        base64.urlsafe_b64encode(bytes(16)).decode(),  # too short
        base64.b64encode(b"\xfb" * 32).decode(),  # standard alphabet (+, /)
        "not a key at all",
    ],
)
def test_malformed_kek_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(kek=bad)

    assert bad not in str(caught.value)


def test_kek_and_kek_file_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not both"):
        Settings(kek=encode_kek(KEY), kek_file=tmp_path / "kek")


def test_kek_file_is_read_and_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "mounted-secret"
    settings = Settings(data_dir=tmp_path / "data", kek_file=path)
    with pytest.raises(KekError):
        settings.load_or_create_kek()

    path.write_text(encode_kek(KEY) + "\n")

    assert settings.load_or_create_kek() == KEY
    assert not (tmp_path / "data" / "kek").exists()


def test_generated_kek_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    first = settings.load_or_create_kek()
    second = settings.load_or_create_kek()

    path = tmp_path / "data" / "kek"
    assert first == second
    assert len(first) == KEK_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["kek"]


@pytest.mark.parametrize(
    "base", ["http://badges.normandie.fr", "http://127.0.0.1:8000", "http://localhost"]
)
def test_an_http_public_base_url_would_mint_unverifiable_credentials_and_is_refused(
    tmp_path: Path, base: str
) -> None:
    settings = Settings(data_dir=tmp_path, public_base_url=base)  # type: ignore[arg-type]

    with pytest.raises(UnverifiableConfigurationError, match="must be an https URL"):
        check_mintable(settings)


def test_an_https_public_base_url_or_none_is_accepted(tmp_path: Path) -> None:
    check_mintable(Settings(data_dir=tmp_path, public_base_url="https://badges.normandie.fr"))  # type: ignore[arg-type]
    check_mintable(Settings(data_dir=tmp_path))


def test_without_a_public_base_url_jobs_mint_on_the_default_listening_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OBHUB_LOCAL_BASE_URL", raising=False)
    assert str(Settings(data_dir=tmp_path).local_base_url).rstrip("/") == DEFAULT_LOCAL_BASE_URL
    monkeypatch.setenv("OBHUB_LOCAL_BASE_URL", "http://127.0.0.1:9123")
    assert str(get_settings().local_base_url).rstrip("/") == "http://127.0.0.1:9123"


async def test_the_service_refuses_to_start_with_an_http_public_base_url(
    tmp_path: Path, anyio_backend: str
) -> None:
    app = create_app(Settings(data_dir=tmp_path, public_base_url="http://badges.normandie.fr"))  # type: ignore[arg-type]

    with pytest.raises(UnverifiableConfigurationError):
        async with app.router.lifespan_context(app):
            pass
