"""The HTTP reference: a trivial FastAPI POST endpoint, served like obhub.

``uvicorn bench.reference_app:create_app --factory`` with the same settings as the
service (workers, log level, no access log): it parses the JSON body into a
dictionary and answers 201 with a small JSON object, nothing else. What the service
does per request beyond this is what its figures are compared against.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo", status_code=201)
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"urn:uuid:{uuid.uuid4()}", "keys": sorted(body)}

    return app
