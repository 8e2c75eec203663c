"""A badge given by URL is fetched through the document source and verified as what it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from obcore.errors import ResolutionError
from verify.pipeline import VerifyOptions, verify
from verify.sources import Fetched

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
OB3 = (VECTORS / "dcc-v2-di-didkey-basicOBv3.json").read_bytes()
JWT = (VECTORS / "indep-xverify-ob3-vcjwt-eddsa.jwt").read_bytes()
NOW = datetime(2026, 11, 22, tzinfo=UTC)


class OneDocument:
    def __init__(self, url: str, body: bytes, content_type: str) -> None:
        self.url, self.body, self.content_type = url, body, content_type
        self.asked: list[str] = []

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        self.asked.append(url)
        if url != self.url:
            raise ResolutionError(f"nothing at {url}", code="fetch_failed")
        return Fetched(url, url, 200, self.content_type, self.body)


def test_a_url_serving_an_ob3_badge_is_verified_as_that_badge() -> None:
    url = "https://partner.example/badges/42.json"
    source = OneDocument(url, OB3, "application/vc+ld+json")
    report = verify(url, VerifyOptions(documents=source, now=NOW))
    assert report.verdict == "valid"
    assert report.format == "url+json"
    assert source.asked == [url]


def test_a_url_serving_a_vc_jwt_is_verified_as_that_jwt() -> None:
    url = "https://partner.example/badges/42.jwt"
    report = verify(url, VerifyOptions(documents=OneDocument(url, JWT, "text/plain"), now=NOW))
    assert report.verdict == "valid"
    assert report.format == "url+vc-jwt"


def test_a_json_body_naming_a_url_is_the_same_as_the_url() -> None:
    url = "https://partner.example/badges/42.json"
    report = verify(
        b'{"url": "https://partner.example/badges/42.json"}',
        VerifyOptions(documents=OneDocument(url, OB3, "application/json"), now=NOW),
    )
    assert report.verdict == "valid"


def test_a_url_body_that_is_not_http_is_refused() -> None:
    report = verify(b'{"url": "file:///etc/passwd"}', VerifyOptions(now=NOW))
    assert report.verdict == "invalid"
    assert report.checks[0].code == "invalid_url"


def test_a_url_without_network_access_is_never_valid() -> None:
    report = verify("https://partner.example/badges/42.json", VerifyOptions(now=NOW))
    assert report.verdict == "indeterminate"


def test_a_credential_whose_subject_is_not_an_object_is_malformed() -> None:
    """VCDM 2.0 §4.8: whatever its signature says, such a document is not a credential."""
    import json  # noqa: PLC0415 - scenario-local

    document = json.loads(OB3)
    for subject in (4, "did:example:1234", [], [1], None):
        report = verify({**document, "credentialSubject": subject}, VerifyOptions(now=NOW))
        assert report.verdict == "invalid"
        assert (report.checks[0].id, report.checks[0].code) == ("parse", "malformed_credential")
