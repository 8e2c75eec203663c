"""``obhub migrate``: schema, then the Region issuer (and demo data), idempotently."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from issuer_api.cli import main
from issuer_api.db import sync_url
from issuer_api.models import Achievement, Issuer, SigningKey
from issuer_api.settings import Settings


def test_obhub_migrate_bootstraps_the_region_and_says_what_to_do_next(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBHUB_DATABASE_URL", str(db_settings.database_url))
    monkeypatch.setenv("OBHUB_DATA_DIR", str(db_settings.data_dir))

    assert main(["migrate", "--demo"]) == 0
    assert main(["migrate", "--demo"]) == 0  # idempotent

    err = capsys.readouterr().err
    assert "obhub clients create --name" in err
    assert "--scope admin" in err
    assert "obhub serve" in err
    engine = create_engine(sync_url(str(db_settings.database_url)))
    with engine.connect() as connection:
        issuers = list(
            connection.execute(select(Issuer.slug, Issuer.is_region).order_by(Issuer.slug))
        )
        keys = connection.execute(select(SigningKey.key_type)).scalars().all()
        achievements = connection.execute(select(Achievement.slug)).scalars().all()
    engine.dispose()
    assert [tuple(row) for row in issuers] == [
        ("campus-metiers-caen", False),
        ("maison-emploi-cotentin", False),
        ("region", True),
    ]
    assert keys == ["ed25519"] * 3
    # 4 demo achievements, and the 9 regional badges of the shipped référentiel.
    assert len(achievements) == 4 + 9
    assert "Région Normandie : did:key:z6Mk" in err
