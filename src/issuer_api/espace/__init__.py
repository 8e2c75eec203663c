"""Mon espace: the pages a signed-in learner reads about themselves.

``/espace``                         their partner badges, regional badges, progress, history
``/espace/solliciter``              claim badges held elsewhere; ``/espace/solliciter/{id}``
                                    follows one claim
``/espace/donnees``                 download everything held about them, ask for erasure
``/espace/applications``            the applications they authorised; withdraw one

Every page needs a signed-in learner (:data:`issuer_api.accounts.sessions.SignedInLearner`:
signed out, the reader is sent to ``/connexion``); every form carries a CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter

from issuer_api.espace import applications, claiming, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(claiming.router)
router.include_router(applications.router)

__all__ = ["router"]
