"""Emails to learners: composed from templates, kept sealed, delivered by a job.

* :mod:`.compose` builds a message (plain text and HTML, in the learner's language)
  from ``templates/mail/<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``.
* :mod:`.service` queues it: the message is sealed under the KEK (it names its
  recipient) in ``outgoing_mail`` and the ``mail.deliver`` job is enqueued, both in the
  caller's transaction.
* :mod:`.tasks` delivers it, over SMTP (:mod:`.smtp`, ``OBHUB_SMTP_URL``) or, with no
  SMTP configured, as an ``.eml`` file in ``OBHUB_DATA_DIR/outbox/`` (:mod:`.outbox`),
  with retries and backoff.
"""
