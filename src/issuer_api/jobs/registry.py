"""Tasks and periodic tasks, declared once, run by either job engine.

A task is an ``async def fn(ctx: JobContext, **args) -> None`` registered under a
stable name with :func:`task`. Execution is at least once: a task must be idempotent
(guard state changes with conditional updates and unique constraints). A failing
attempt — :class:`RetryLater` for an expected transient failure, any other exception
for a bug or an outage — is retried with exponential backoff until ``max_attempts``;
then the job is dead-lettered and the task's ``on_dead`` handler runs once.
"""

from __future__ import annotations

import importlib
import random
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.settings import Settings
from verify.cache import HttpCache

TASK_MODULES: Final = (
    "issuer_api.ingestion.tasks",
    "issuer_api.regional.tasks",
    "issuer_api.outbound.tasks",
    "issuer_api.mail.tasks",
    "issuer_api.accounts.tasks",
    "issuer_api.staff.tasks",
    "issuer_api.oauth.tasks",
)
"""Modules whose import registers the service's tasks (missing ones are skipped)."""

BACKOFF_BASE_SECONDS: Final = 2.0
BACKOFF_CAP_SECONDS: Final = 600.0


ATTEMPTS_BEFORE: Final = "attempts_before"
"""A job's argument: attempts made at its work before the job was enqueued (a delivery
tried first in a batch of the inbox). Both engines count them in ``JobContext.attempt``,
the last attempt and the backoff."""


def attempts_before(args: Mapping[str, Any]) -> int:
    """The attempts a job's arguments say were made before it (0 when they say none)."""
    value = args.get(ATTEMPTS_BEFORE, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class RetryLater(Exception):  # noqa: N818 - reads as an instruction at the raise site
    """A transient failure (network, a busy dependency): try again later."""


@dataclass
class JobContext:
    """What a task runs with: its own sessions, settings, the KEK, its attempt number."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    kek: bytes
    http_cache: HttpCache
    worker_id: str
    attempt: int = 1
    max_attempts: int = 1
    job_id: str = ""

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


class TaskFn(Protocol):
    def __call__(self, ctx: JobContext, /, **args: Any) -> Awaitable[None]: ...


class DeadFn(Protocol):
    def __call__(self, ctx: JobContext, error: str, /, **args: Any) -> Awaitable[None]: ...


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: TaskFn
    max_attempts: int = 5
    on_dead: DeadFn | None = None


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    cron: str
    fn: Callable[[JobContext], Awaitable[None]]


@dataclass
class Registry:
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    periodic: dict[str, PeriodicSpec] = field(default_factory=dict)


REGISTRY: Final = Registry()


def task(
    name: str, *, max_attempts: int = 5, on_dead: DeadFn | None = None
) -> Callable[[TaskFn], TaskFn]:
    """Register ``fn`` as the task ``name`` (run at most ``max_attempts`` times)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(fn: TaskFn) -> TaskFn:
        REGISTRY.tasks[name] = TaskSpec(name, fn, max_attempts, on_dead)
        return fn

    return register


def periodic(
    name: str, *, cron: str
) -> Callable[[Callable[[JobContext], Awaitable[None]]], Callable[[JobContext], Awaitable[None]]]:
    """Register ``fn`` to run on the ``cron`` schedule (UTC), once per tick across workers."""

    def register(
        fn: Callable[[JobContext], Awaitable[None]],
    ) -> Callable[[JobContext], Awaitable[None]]:
        REGISTRY.periodic[name] = PeriodicSpec(name, cron, fn)
        return fn

    return register


def load_tasks() -> Registry:
    """Import every task module (registering its tasks) and return the registry."""
    for module in TASK_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module + ".").startswith(exc.name + "."):
                raise
    return REGISTRY


def backoff_seconds(attempt: int, first: float = BACKOFF_BASE_SECONDS) -> float:
    """Wait before attempt ``attempt + 1``: exponential from ``first`` seconds, capped at
    10 min, with ±20 % jitter so retries of many jobs do not arrive together."""
    growth = float(1 << min(max(0, attempt - 1), 20))
    base = min(BACKOFF_CAP_SECONDS, first * growth)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


ERROR_TEXT_LIMIT: Final = 2000


def error_text(exc: BaseException) -> str:
    """An exception's type and message and the last frames — never local variables.
    Tasks keep personal data out of their exception messages."""
    lines = traceback.format_exception_only(type(exc), exc)
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = "".join(f"  at {f.filename}:{f.lineno} in {f.name}\n" for f in frames)
    return ("".join(lines) + where)[:ERROR_TEXT_LIMIT]
