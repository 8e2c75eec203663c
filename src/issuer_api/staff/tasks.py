"""Jobs of the console's access (imported by :func:`issuer_api.jobs.registry.load_tasks`).

* ``staff.purge`` (hourly) — forget failed sign-ins past their window and ended sessions.
"""

from __future__ import annotations

from typing import Final

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, periodic
from issuer_api.staff import service, sessions

PURGE_PERIODIC: Final = "staff.purge"


@periodic(PURGE_PERIODIC, cron="43 * * * *")
async def purge(ctx: JobContext) -> None:
    async with session_scope(ctx.sessions) as session:
        await service.purge_failures(session)
        await sessions.purge_expired(session)
