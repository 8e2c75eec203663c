"""Jobs of the learners' access (imported by :func:`issuer_api.jobs.registry.load_tasks`).

* ``accounts.send_sign_in_link`` ``{"email" (sealed), "next", "language"}`` — create a
  sign-in link and queue its email (:mod:`issuer_api.mail`); for an address no learner
  holds, the link carries the address and creates the learner when used (at most
  ``OBHUB_SIGN_UP_LINKS_PER_HOUR`` such links for the whole hub: beyond, nothing is
  sent and a warning without the address is logged). Enqueued by
  every ``POST /connexion`` within the limits (:mod:`issuer_api.accounts.signin`).
* ``accounts.purge`` (hourly) — forget rate-limit entries, old tokens, ended sessions.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from issuer_api.accounts import sessions, signin
from issuer_api.db import session_scope
from issuer_api.issuers import service as issuers
from issuer_api.jobs import JobContext, periodic, task
from issuer_api.learners import repository as learners
from issuer_api.mail import compose, service
from issuer_api.models import Learner
from issuer_api.privacy import identifier_lookup, unseal_pii
from issuer_api.region import store as region_store

logger = logging.getLogger(__name__)

PURGE_PERIODIC: Final = "accounts.purge"
MAIL_KIND: Final = "sign_in"


@task(signin.SEND_TASK, max_attempts=5)
async def send_sign_in_link(ctx: JobContext, /, **args: Any) -> None:
    email = unseal_pii(ctx.kek, args["email"])
    next_path = args.get("next")
    async with session_scope(ctx.sessions) as session:
        learner_id = await learners.learner_by_lookup(
            session, "email", identifier_lookup(ctx.kek, "email", email)
        )
        next_or_none = str(next_path) if next_path else None
        if learner_id is None:
            if await signin.sign_up_links_last_hour(session) >= ctx.settings.sign_up_links_per_hour:
                # Not the address: the log must not become a list of who was targeted.
                logger.warning(
                    "sign-up link not sent: hourly cap reached",
                    extra={"cap": ctx.settings.sign_up_links_per_hour},
                )
                return
            # A new address: the link opens the learner's space once followed.
            learner = None
            token = await signin.create_sign_up_token(session, ctx.kek, email, next_or_none)
        else:
            learner = await session.get(Learner, learner_id)
            token = await signin.create_token(session, learner_id, next_or_none)
        link = f"{issuers.base_url(ctx.settings)}{signin.LINK_PATH}?jeton={token}"
        identity = await region_store.load(session, ctx.settings)
        message = compose.compose_text(
            name="sign_in",
            language=compose.language_of(
                learner.language if learner else None, args.get("language")
            ),
            context={"link": link, "minutes": int(signin.TOKEN_LIFETIME.total_seconds() // 60)},
            to=email,
            sender=compose.sender_of(ctx.settings.mail_from, identity),
            identity=identity,
        )
        mail_id = await service.queue(
            session, ctx.kek, message, kind=MAIL_KIND, learner_id=learner_id
        )
    logger.info("sign-in link queued", extra={"learner": learner_id, "mail": mail_id})


@periodic(PURGE_PERIODIC, cron="41 * * * *")
async def purge(ctx: JobContext) -> None:
    async with session_scope(ctx.sessions) as session:
        await signin.purge(session)
        await sessions.purge_expired(session)
