"""Benchmark inputs: a realistic ~3 KB Open Badges 3.0 credential."""

from __future__ import annotations

from typing import Any


def regional_credential() -> dict[str, Any]:
    """An OB 3.0 credential of about 3 KB: issuer profile, 2 alignments, 2 evidence items."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:1f0c8a52-7f7e-4b8e-9a53-0d9a3c8a3f11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "type": ["Profile"],
            "name": "Région Normandie",
            "url": "https://www.normandie.fr",
            "email": "badges@normandie.fr",
            "description": "La Normandie badge les compétences : reconnaissance régionale.",
        },
        "validFrom": "2026-01-15T09:30:00Z",
        "validUntil": "2031-01-15T09:30:00Z",
        "name": "Communiquer — Je maîtrise",
        "description": "Badge régional attribué automatiquement au vu des badges partenaires.",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": (
                        "sha256$d8b2b0c5a9f1e33e7f3ef0b0b5b4f7f2c6c9e1a6e2d5f4a3b2c1d0e9f8a7b6c5"
                    ),
                    "identityType": "emailAddress",
                    "salt": "9c1e2f3a4b5c6d7e",
                }
            ],
            "achievement": {
                "id": "https://badges.normandie.fr/achievements/communiquer-2",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Communiquer — Je maîtrise",
                "description": "Communique de façon adaptée avec ses interlocuteurs dans des "
                "situations professionnelles variées, y compris imprévues.",
                "criteria": {
                    "id": "https://badges.normandie.fr/referentiel/communiquer/criteres-2",
                    "narrative": "Au moins trois badges partenaires reconnus dans la compétence "
                    "Communiquer, dont un de niveau « Je maîtrise », délivrés par "
                    "au moins deux structures partenaires distinctes. Les badges pris en "
                    "compte sont ceux des structures reconnues par la Région (organismes "
                    "de formation, structures d'insertion, employeurs), alignés sur le "
                    "référentiel régional ou rattachés à celui-ci par une correspondance "
                    "approuvée.",
                },
                "image": {
                    "id": "https://badges.normandie.fr/images/communiquer-2.svg",
                    "type": "Image",
                    "caption": "Communiquer — Je maîtrise",
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Communiquer",
                        "targetUrl": "https://badges.normandie.fr/referentiel/communiquer",
                        "targetCode": "COM",
                        "targetFramework": "Référentiel Normandie 2026",
                        "targetType": "ext:RegionalCompetency",
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Compétences transversales",
                        "targetUrl": "https://www.francecompetences.fr/transversales",
                        "targetCode": "CT-COM",
                        "targetType": "CFItem",
                    },
                ],
                "inLanguage": "fr",
            },
        },
        "evidence": [
            {
                "id": "urn:uuid:0b2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "type": ["Evidence"],
                "name": "Badge partenaire : Accueil du public",
                "narrative": "Délivré par l'AFPA Caen le 12 octobre 2025.",
                "genre": "PartnerBadge",
            },
            {
                "id": "urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                "type": ["Evidence"],
                "name": "Badge partenaire : Travail en équipe",
                "narrative": "Délivré par l'Agence Régionale le 3 décembre 2025.",
                "genre": "PartnerBadge",
            },
        ],
    }
