"""Run Alembic migrations programmatically (``obhub migrate``, ``make run``, tests).

The migration scripts live in the top-level ``alembic/`` directory of the
repository; the wheel ships the same files as ``issuer_api/alembic`` so an
installed service (the Docker image) can migrate too.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine

from issuer_api.db import sync_url


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """What autogenerate compares: everything but the job engine's own tables.

    On PostgreSQL the distributed job engine (procrastinate) owns its tables; its schema
    is applied by a revision of its own and never diffed against the models.
    """
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def script_location() -> Path:
    packaged = Path(str(resources.files("issuer_api"))) / "alembic"
    if (packaged / "env.py").is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "alembic"
    if (source_tree / "env.py").is_file():
        return source_tree
    raise FileNotFoundError("the Alembic migration scripts are not installed")


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> frozenset[str]:
    """The revisions ``obhub migrate`` brings a database to."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database on ``connection`` is at (empty: never migrated)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def is_migrated(connection: Connection) -> bool:
    """Whether the schema on ``connection`` is at the head revision(s)."""
    return current_revisions(connection) == head_revisions()


def database_is_migrated(database_url: str) -> bool:
    """:func:`is_migrated` for a database URL (opens and closes its own connection)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return is_migrated(connection)
    finally:
        engine.dispose()
