"""issuer_api: the FastAPI service and the ``obhub`` command line."""
