"""Outbound webhooks: signed notifications to partners and the Region, retried, logged.

Other modules call :func:`issuer_api.outbound.service.notify` in their transaction;
the ``outbound.deliver`` job (:mod:`.tasks`) sends; :mod:`.endpoints` administers
endpoints and shows the delivery log.
"""
