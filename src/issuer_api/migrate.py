"""Run Alembic migrations programmatically (``obhub migrate``, ``make run``, tests).

The migration scripts live in the top-level ``alembic/`` directory of the
repository; the wheel ships the same files as ``issuer_api/alembic`` so an
installed service (the Docker image) can migrate too.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text

from issuer_api.db import sync_url

logger = logging.getLogger(__name__)

VERSION_TABLE: Final = "alembic_version"
MIGRATION_LOCK_KEY: Final = 0x6F6268756201
"""The PostgreSQL advisory lock ``obhub migrate``/``serve --migrate`` hold (\"obhub\" 1)."""
LOCK_POLL_SECONDS: Final = 0.2


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


@contextmanager
def migration_lock(database_url: str) -> Iterator[None]:
    """Held around the upgrade and the first-start bootstrap: on PostgreSQL a session
    advisory lock, so that replicas starting together migrate one after the other (the
    next finds the schema at head and the Region created). Other databases: nothing.

    A replica waiting for the lock asks again every :data:`LOCK_POLL_SECONDS`, holding
    no transaction in between: an index built ``CONCURRENTLY`` by the migrating replica
    waits for every open transaction, and a blocked ``pg_advisory_lock`` would be one
    (each replica waiting for the other, a deadlock PostgreSQL cannot see)."""
    url = sync_url(database_url)
    if not url.startswith("postgresql"):
        yield
        return
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            _take_lock(connection)
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
    finally:
        engine.dispose()


def _take_lock(connection: Connection) -> None:
    waiting = False
    while True:
        taken = connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        )
        connection.commit()
        if taken:
            return
        if not waiting:
            logger.info("another replica is migrating the database: waiting for it")
            waiting = True
        time.sleep(LOCK_POLL_SECONDS)


@functools.cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """(head revisions, every revision) of the installed scripts, read once: readiness
    probes ask at every call."""
    scripts = ScriptDirectory.from_config(alembic_config())
    known = frozenset(revision.revision for revision in scripts.walk_revisions())
    return frozenset(scripts.get_heads()), known


def head_revisions() -> frozenset[str]:
    """The revisions ``obhub migrate`` brings a database to."""
    return _scripts()[0]


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database on ``connection`` is at (empty: never migrated).

    Read from Alembic's version table directly: Alembic's migration context would log its
    set-up at each readiness probe."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
    return frozenset(str(row[0]) for row in rows)


class SchemaState(Enum):
    EMPTY = "empty"  # never migrated
    BEHIND = "behind"  # a revision of this code's history short of its head
    CURRENT = "current"  # at this code's head
    AHEAD = "ahead"  # a revision this code does not know: a newer release migrated it


def schema_state(connection: Connection) -> SchemaState:
    current = current_revisions(connection)
    heads, known = _scripts()
    if not current:
        return SchemaState.EMPTY
    if current == heads:
        return SchemaState.CURRENT
    if current <= known:
        return SchemaState.BEHIND
    return SchemaState.AHEAD


def is_migrated(connection: Connection) -> bool:
    """Whether the schema on ``connection`` is usable by this code: at its head, or ahead
    of it (during a rolling upgrade the newer release migrates first; the older replicas
    keep serving). Behind or never migrated: not migrated."""
    state = schema_state(connection)
    if state is SchemaState.AHEAD:
        logger.warning(
            "the database schema is at a revision this release does not know (%s): a "
            "newer release migrated it",
            ", ".join(sorted(current_revisions(connection))),
        )
    return state in (SchemaState.CURRENT, SchemaState.AHEAD)


def database_is_migrated(database_url: str) -> bool:
    """:func:`is_migrated` for a database URL (opens and closes its own connection)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return is_migrated(connection)
    finally:
        engine.dispose()
