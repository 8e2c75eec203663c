"""Jobs of the authorization server (imported by :func:`issuer_api.jobs.registry.load_tasks`).

``oauth.purge`` (hourly): spent codes and dead refresh tokens are deleted
(:func:`issuer_api.oauth.grants.purge`).
"""

from __future__ import annotations

import logging
from typing import Final

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, periodic
from issuer_api.oauth import grants

logger = logging.getLogger(__name__)

PURGE_PERIODIC: Final = "oauth.purge"


@periodic(PURGE_PERIODIC, cron="47 * * * *")
async def purge(ctx: JobContext) -> None:
    async with session_scope(ctx.sessions) as session:
        counts = await grants.purge(session)
    logger.info("oauth purge", extra=counts)
