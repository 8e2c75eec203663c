"""The OB 3.0 Achievement of a regional badge is what the minting layer embeds."""

from __future__ import annotations

from typing import Any

from regional_scenarios import NOW, badge

from aggregation import default_referential
from aggregation.classify import Alignment, classify
from aggregation.ob3 import achievement_document
from obcore.schema import validate_achievement_credential

REF = default_referential()


def credential(achievement: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6f1c3a52-7f7e-4b8e-9a53-0d9a3c8a3f11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:badges.normandie.fr", "type": ["Profile"], "name": "Région"},
        "validFrom": "2026-03-01T12:00:00Z",
        "name": achievement["name"],
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": achievement,
        },
    }


def test_every_regional_achievement_is_valid_ob3() -> None:
    for item in REF.achievements:
        document = achievement_document(
            REF, item.code, achievement_id=f"https://badges.normandie.fr/achievements/{item.code}"
        )
        assert validate_achievement_credential(credential(document)) == []


def test_competency_badges_align_by_the_partner_convention() -> None:
    document = achievement_document(REF, "ORG-II")
    assert document["name"] == "Organiser — Je maîtrise"
    assert document["criteria"]["narrative"].startswith("Attribué automatiquement")
    assert document["image"]["id"].startswith("data:image/svg+xml;base64,")
    (alignment,) = document["alignment"]
    assert alignment["targetCode"] == "ORG-II"
    assert alignment["targetUrl"].endswith("/organiser/je-maitrise")
    assert document["tag"] == ["normandie", "ORG", "level-II"]
    fact = badge("b", url=alignment["targetUrl"])
    assert classify(REF, fact) == {("ORG", "II")}
    again = badge("c", code=alignment["targetCode"])
    assert classify(REF, again) == classify(REF, fact)
    assert isinstance(fact.alignments[0], Alignment)
    assert fact.issued_on < NOW


def test_english_document() -> None:
    document = achievement_document(REF, "GEN", lang="en")
    assert (document["name"], document["inLanguage"]) == ("Transversal skills — I master", "en")
    assert document["achievementType"] == "Badge"
    assert "alignment" not in document
