"""``GET /ims/ob/v3p0/discovery``: the specification's profiled OpenAPI, with this hub's
URLs, for anyone (no token)."""

from __future__ import annotations

import json

from fastapi import FastAPI

from obapi.openapi_check import check_response, schema_errors
from regional.helpers import RegionalHub

DISCOVERY = "/ims/ob/v3p0/discovery"


async def test_the_service_description_is_the_specifications_document_for_this_hub(
    hub: RegionalHub,
) -> None:
    response = await hub.http.get(DISCOVERY)

    assert response.status_code == 200
    check_response(response)
    document = response.json()
    assert schema_errors("ServiceDescriptionDocument", document) == []
    assert document["openapi"].startswith("3.0")
    assert [server["url"] for server in document["servers"]] == ["http://localhost/ims/ob/v3p0"]
    assert set(document["paths"]) == {"/credentials", "/profile", "/discovery"}
    assert document["paths"]["/credentials"]["get"]["operationId"] == "getCredentials"


async def test_the_security_scheme_points_at_the_hubs_authorization_server(
    hub: RegionalHub,
) -> None:
    document = (await hub.http.get(DISCOVERY)).json()

    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == "http://localhost/oauth/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "http://localhost/oauth/authorize"
    assert flow["tokenUrl"] == "http://localhost/oauth/token"
    assert flow["refreshUrl"] == "http://localhost/oauth/token"
    assert sorted(flow["scopes"]) == [
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update",
    ]
    assert all(description for description in flow["scopes"].values())


async def test_info_names_the_region_its_terms_and_privacy_policy(hub: RegionalHub) -> None:
    info = (await hub.http.get(DISCOVERY)).json()["info"]

    assert "Open Badges 3.0" in info["title"]
    assert info["version"] == "3.0"
    assert info["termsOfService"].startswith("https://")
    assert info["x-imssf-privacyPolicyUrl"].startswith("https://")


def test_obhubs_own_document_gives_these_routes_imsx_errors_never_its_error_body(
    app: FastAPI,
) -> None:
    document = app.openapi()

    operations = {
        (path, method): operation
        for path, item in document["paths"].items()
        if path.startswith("/ims/ob/v3p0")
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("/ims/ob/v3p0/discovery", "get"),
        ("/ims/ob/v3p0/credentials", "get"),
        ("/ims/ob/v3p0/credentials", "post"),
        ("/ims/ob/v3p0/profile", "get"),
        ("/ims/ob/v3p0/profile", "put"),
    }
    for (path, method), operation in operations.items():
        rendered = json.dumps(operation["responses"])
        assert "ErrorResponse" not in rendered, (method, path)
        assert "HTTPValidationError" not in rendered, (method, path)
        assert "422" not in operation["responses"], (method, path)
        if path != "/ims/ob/v3p0/discovery":
            assert {"400", "401", "403"} <= operation["responses"].keys(), (method, path)
