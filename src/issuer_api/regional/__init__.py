"""Regional aggregation: the Region awards its badges from the partner badges a learner holds.

* :mod:`.service` — the référentiel as stored versions (one active), the Region's
  achievements built from it, approved mappings, a learner's facts and progress.
* :mod:`.flows` — evaluate a learner → mint what is newly earned (exactly once) →
  cascade what lost its support (suspend / revoke / keep) → notify.
* :mod:`.tasks` — the jobs: ``regional.evaluate_learner`` (enqueued by the ingestion
  after every change to a learner's partner badges) and ``regional.evaluate_batch``
  (every learner, or those holding one achievement, after a référentiel load or a
  mapping approval).
* :mod:`.claims` — a learner's or counsellor's claim of badges held elsewhere, stored
  through the inbox; :mod:`.dryrun` — what a set of badges would earn, nothing stored.
* :mod:`.endpoints` — the HTTP API; :mod:`.cli` — ``obhub referential check FILE``.

The pure rules (référentiel format, classification, rule language, progress, images)
live in the :mod:`aggregation` package.
"""
