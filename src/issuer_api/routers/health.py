"""Liveness and readiness probes.

``/healthz`` answers as long as the process serves HTTP. ``/readyz`` runs the readiness
checks registered on the application (see :func:`add_readiness_check`) and answers 503
if one fails or times out. The application registers ``database`` (a connection answers)
and ``migrations`` (the schema is at the head revision: a service on an unmigrated
database is not ready). A check that knows why it failed raises :class:`NotReadyError`;
its ``code`` is reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class NotReadyError(Exception):
    """A readiness check failed for a known reason, named by a stable ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when the dependency is usable, raises otherwise."""

CHECK_TIMEOUT_SECONDS = 2.0
_CHECKS_STATE_KEY = "readiness_checks"


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Make ``/readyz`` depend on ``check``; call it from the lifespan that creates the
    resource checked. Registering a name again replaces the earlier check."""
    checks: dict[str, ReadinessCheck] | None = getattr(app.state, _CHECKS_STATE_KEY, None)
    if checks is None:
        checks = {}
        setattr(app.state, _CHECKS_STATE_KEY, checks)
    checks[name] = check


def _registered_checks(request: Request) -> Mapping[str, ReadinessCheck]:
    checks: Mapping[str, ReadinessCheck] = getattr(request.app.state, _CHECKS_STATE_KEY, {})
    return checks


ReadinessChecks = Annotated[Mapping[str, ReadinessCheck], Depends(_registered_checks)]


class Liveness(BaseModel):
    status: Literal["ok"] = Field(default="ok", examples=["ok"])


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, Literal["ok", "failed"]] = Field(
        description="Outcome of each registered check, by name.",
        examples=[{"database": "ok", "migrations": "ok"}],
    )
    codes: dict[str, str] | None = Field(
        default=None,
        description="Why each failed check failed, when known (stable codes).",
        examples=[{"migrations": "database_not_migrated"}],
    )


@router.get(
    "/healthz",
    summary="Vivacité / Liveness",
    description="Le processus répond. / The process is serving requests.",
)
async def healthz() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    summary="Disponibilité / Readiness",
    description=(
        "Le service peut traiter des requêtes : chaque vérification enregistrée a réussi. "
        "/ The service can take traffic: every registered check passed."
    ),
    responses={503: {"model": Readiness, "description": "A check failed / Échec"}},
    response_model_exclude_none=True,
)
async def readyz(checks: ReadinessChecks, response: Response) -> Readiness:
    results: dict[str, Literal["ok", "failed"]] = {}
    codes: dict[str, str] = {}
    for name, check in checks.items():
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await check()
        except NotReadyError as exc:
            logger.warning("not ready", extra={"check": name, "code": exc.code})
            results[name] = "failed"
            codes[name] = exc.code
        except Exception:  # a failing check is reported, never raised
            logger.warning("readiness check failed", exc_info=True, extra={"check": name})
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(outcome == "ok" for outcome in results.values())
    if not ready:
        response.status_code = 503
    return Readiness(status="ready" if ready else "not_ready", checks=results, codes=codes or None)
