"""Interoperability, both ways, with an implementation built on Digital Bazaar's libraries.

The other side is the pinned harness in ``interop/xverify`` (``verify.mjs``,
``sign.mjs``, ``verify-jwt-jwk.mjs``); it shares no code with obhub.

* obhub → Digital Bazaar: obhub signs (eddsa-rdfc-2022 with a did:key issuer,
  proof sets, VC-JWT EdDSA/ES256/RS256) and ``verify.mjs`` says VALID.
* Digital Bazaar → obhub: ``sign.mjs`` signs with a fixed seed
  (eddsa-rdfc-2022, Ed25519Signature2020, VC-JWT) and obhub verifies. With the
  same seed and ``created``, obhub's proofValue is byte-identical: Ed25519 is
  deterministic, so both sides produced the same canonical N-Quads.
* Negative both ways: one character of the achievement name changed after
  signing makes the other side reject the credential.

Inputs: ``tests/fixtures/interop/*.json``, unsigned; the signer puts its DID
in ``issuer.id`` (as ``sign.mjs`` does). Work is batched per module so each
node start is paid once and runs concurrently.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from obcore.did import build_did_document, did_jwk_for, did_key_for, did_key_vm_id
from obcore.errors import SignatureError
from obcore.keys import KeyPair, KeyType
from obcore.proofs.dataintegrity import ProofCheck, add_proof, overall, verify_document
from obcore.proofs.vcjwt import sign_vc_jwt, verify_vc_jwt
from obcore.resolve import LocalResolver

from .conftest import SignJob, Verdict, Xverify

pytestmark = pytest.mark.interop

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interop"
INPUTS = (
    "ob3-plain",
    "ob3-french",
    "ob3-control-characters",
    "ob3-language-direction",
    "vcdm11-ob3",
)
DI_SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
JWT_ALGS = ("EdDSA", "ES256", "RS256")
# Test-only key material: the same seed on both sides gives the same key.
SEED = bytes.fromhex("4f6268756220696e7465726f702073656564202d2074657374206f6e6c792121")
SECOND_SEED = bytes.fromhex("4f6268756220696e7465726f70207365636f6e6420736565642d2d2d2d2d2d21")
CREATED = "2025-01-02T03:04:05Z"
SECOND_CREATED = "2025-01-02T03:04:06Z"
DID_WEB = "did:web:issuer.example"


# ---- helpers ---------------------------------------------------------------------


def load_input(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def did_key_pair(seed: bytes) -> KeyPair:
    """An Ed25519 key named as did:key (controller = the DID, id = its VM)."""
    key = KeyPair.from_ed25519_seed(seed)
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


def issued_by(credential: Mapping[str, Any], issuer_id: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(credential))
    out["issuer"]["id"] = issuer_id
    return out


def issuance_date(credential: Mapping[str, Any]) -> str:
    value = credential.get("validFrom", credential.get("issuanceDate"))
    assert isinstance(value, str)
    return value


def tamper_achievement_name(credential: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with exactly one character of the achievement name changed."""
    out = copy.deepcopy(dict(credential))
    achievement = out["credentialSubject"]["achievement"]
    name = achievement["name"]
    achievement["name"] = ("X" if name[0] != "X" else "Y") + name[1:]
    return out


def flip_direction(credential: Mapping[str, Any]) -> dict[str, Any]:
    """A copy whose achievement description reads left-to-right instead of right-to-left."""
    out = copy.deepcopy(dict(credential))
    description = out["credentialSubject"]["achievement"]["description"]
    assert description["@direction"] == "rtl"
    description["@direction"] = "ltr"
    return out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tamper_jwt(token: str) -> str:
    """Re-encode the payload with one achievement-name character changed; same signature."""
    header, payload_b64, signature = token.strip().split(".")
    payload = json.loads(_unb64url(payload_b64))
    if "vc" in payload:
        payload["vc"] = tamper_achievement_name(payload["vc"])
    else:
        payload = tamper_achievement_name(payload)
    new_payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{header}.{_b64url(new_payload)}.{signature}"


def write_json(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def assert_db_valid(verdict: Verdict, reason: str) -> None:
    assert verdict.status == "VALID", verdict.run.describe()
    assert verdict.reason == reason, verdict.run.describe()


def assert_all_valid(checks: list[ProofCheck], count: int = 1) -> None:
    assert len(checks) == count, checks
    assert [c.status for c in checks] == ["valid"] * count, checks
    assert overall(checks) == "valid"


# ---- obhub → Digital Bazaar ---------------------------------------------------------


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("interop")


@pytest.fixture(scope="module")
def jwt_keys() -> dict[str, KeyPair]:
    """EdDSA with a did:key kid; ES256 and RS256 with a did:jwk kid."""
    keys = {"EdDSA": did_key_pair(SEED)}
    others: tuple[tuple[str, KeyType], ...] = (("ES256", "p256"), ("RS256", "rsa"))
    for alg, key_type in others:
        key = KeyPair.generate(key_type)
        did = did_jwk_for(key.public)
        keys[alg] = key.with_ids(f"{did}#0", did)
    return keys


@pytest.fixture(scope="module")
def web_issuer_keys() -> tuple[KeyPair, KeyPair, dict[str, Any]]:
    """Two Ed25519 keys of one did:web issuer, and its DID document."""
    first = KeyPair.from_ed25519_seed(SEED).with_ids(f"{DID_WEB}#key-1", DID_WEB)
    second = KeyPair.from_ed25519_seed(SECOND_SEED).with_ids(f"{DID_WEB}#key-2", DID_WEB)
    document = build_did_document(DID_WEB, [("key-1", first.public), ("key-2", second.public)])
    return first, second, document


@pytest.fixture(scope="module")
def obhub_signed(
    jwt_keys: dict[str, KeyPair],
    web_issuer_keys: tuple[KeyPair, KeyPair, dict[str, Any]],
) -> dict[str, Any]:
    """Everything obhub signs for Digital Bazaar to check, by artefact name."""
    key = did_key_pair(SEED)
    second = did_key_pair(SECOND_SEED)
    out: dict[str, Any] = {}
    for name in INPUTS:
        signed = add_proof(issued_by(load_input(name), key.controller or ""), key, created=CREATED)
        out[f"di:{name}"] = signed
        out[f"di-tampered:{name}"] = tamper_achievement_name(signed)
    out["di-direction-flipped"] = flip_direction(out["di:ob3-language-direction"])

    two = add_proof(out["di:ob3-plain"], second, created=SECOND_CREATED)
    out["di-two-proofs:did:key"] = two

    web_first, web_second, _ = web_issuer_keys
    unsigned = issued_by(load_input("ob3-plain"), DID_WEB)
    both = add_proof(
        add_proof(unsigned, web_first, created=CREATED), web_second, created=SECOND_CREATED
    )
    out["di-two-proofs:did:web"] = both
    for i in (0, 1):
        out[f"di-two-proofs:did:web:proof-{i}-alone"] = {**both, "proof": both["proof"][i]}

    for alg, jkey in jwt_keys.items():
        credential = issued_by(load_input("ob3-french"), jkey.controller or "")
        out[f"jwt:{alg}"] = sign_vc_jwt(credential, jkey, kid=jkey.id, include_jwk=alg != "EdDSA")
    out["jwt-tampered:EdDSA"] = tamper_jwt(out["jwt:EdDSA"])
    return out


@pytest.fixture(scope="module")
def db_verdicts(
    xverify: Xverify,
    work_dir: Path,
    obhub_signed: dict[str, Any],
    web_issuer_keys: tuple[KeyPair, KeyPair, dict[str, Any]],
) -> dict[str, Verdict]:
    """verify.mjs on every obhub artefact, in one concurrent batch."""
    out_dir = work_dir / "obhub-signed"
    out_dir.mkdir()
    files: list[Path] = []
    for i, artefact in enumerate(obhub_signed.values()):
        if isinstance(artefact, str):
            path = out_dir / f"{i:02d}.jwt"
            path.write_text(artefact + "\n", encoding="ascii")
        else:
            path = write_json(out_dir / f"{i:02d}.json", artefact)
        files.append(path)
    did_docs = write_json(work_dir / "did-docs.json", {DID_WEB: web_issuer_keys[2]})
    verdicts = xverify.verify_many(files, did_docs=did_docs)
    return dict(zip(obhub_signed, verdicts, strict=True))


@pytest.mark.parametrize("name", INPUTS)
def test_digital_bazaar_verifies_obhub_eddsa_rdfc_2022_credentials(
    name: str, db_verdicts: dict[str, Verdict]
) -> None:
    verdict = db_verdicts[f"di:{name}"]
    assert_db_valid(verdict, "DataIntegrityProof/eddsa-rdfc-2022")
    assert verdict.notes == (), verdict.run.describe()


def test_digital_bazaar_accepts_a_credential_with_two_obhub_proofs_by_two_did_keys(
    db_verdicts: dict[str, Verdict], obhub_signed: dict[str, Any]
) -> None:
    """Issuer key + a second did:key. Digital Bazaar accepts a proof set when one proof
    verifies and binds to the issuer (the second key is not the issuer's); obhub checks
    both signatures."""
    assert_db_valid(
        db_verdicts["di-two-proofs:did:key"],
        "DataIntegrityProof/eddsa-rdfc-2022, DataIntegrityProof/eddsa-rdfc-2022",
    )
    assert_all_valid(verify_document(obhub_signed["di-two-proofs:did:key"], LocalResolver()), 2)


def test_digital_bazaar_verifies_each_of_two_obhub_proofs_by_keys_of_one_issuer(
    db_verdicts: dict[str, Verdict],
    obhub_signed: dict[str, Any],
    web_issuer_keys: tuple[KeyPair, KeyPair, dict[str, Any]],
) -> None:
    """did:web issuer with two keys (DID document given offline): the proof set and
    each proof on its own verify, so Digital Bazaar really checked both signatures."""
    assert_db_valid(
        db_verdicts["di-two-proofs:did:web"],
        "DataIntegrityProof/eddsa-rdfc-2022, DataIntegrityProof/eddsa-rdfc-2022",
    )
    for i in (0, 1):
        assert_db_valid(
            db_verdicts[f"di-two-proofs:did:web:proof-{i}-alone"],
            "DataIntegrityProof/eddsa-rdfc-2022",
        )
    document = web_issuer_keys[2]
    resolver = LocalResolver(documents=lambda did: document if did == DID_WEB else None)
    assert_all_valid(verify_document(obhub_signed["di-two-proofs:did:web"], resolver), 2)


@pytest.mark.parametrize("alg", JWT_ALGS)
def test_digital_bazaar_verifies_obhub_vc_jwts(alg: str, db_verdicts: dict[str, Verdict]) -> None:
    """EdDSA: key from the did:key kid. ES256/RS256: verify.mjs resolves no did:jwk, so the
    token also carries the public JWK in its header (obhub checks it is the kid's key);
    the pinned-key test below does not rely on that header."""
    verdict = db_verdicts[f"jwt:{alg}"]
    assert_db_valid(verdict, f"VC-JWT alg={alg}")
    if alg == "EdDSA":
        assert verdict.notes == (), verdict.run.describe()


def test_digital_bazaar_verifies_obhub_vc_jwts_against_a_pinned_public_jwk(
    xverify: Xverify,
    work_dir: Path,
    jwt_keys: dict[str, KeyPair],
    obhub_signed: dict[str, Any],
) -> None:
    other = {
        "EdDSA": KeyPair.generate("ed25519"),
        "ES256": KeyPair.generate("p256"),
        "RS256": KeyPair.generate("rsa"),
    }
    jobs: list[dict[str, Any]] = []
    for alg in JWT_ALGS:
        token = obhub_signed[f"jwt:{alg}"]
        jwk = jwt_keys[alg].public.to_jwk()
        jobs += [
            {"token": token, "jwk": jwk, "alg": alg},
            {"token": tamper_jwt(token), "jwk": jwk, "alg": alg},
            {"token": token, "jwk": other[alg].public.to_jwk(), "alg": alg},
        ]
    results = xverify.verify_jwts_with_jwk(jobs, work_dir)
    for alg, (good, tampered, wrong_key) in zip(
        JWT_ALGS, zip(*[iter(results)] * 3, strict=True), strict=True
    ):
        assert good["status"] == "VALID", (alg, good)
        assert good["header"]["alg"] == alg
        expected = verify_vc_jwt(obhub_signed[f"jwt:{alg}"], LocalResolver())
        assert good["payload"] == {**expected.credential, **expected.claims}
        assert tampered["status"] == "INVALID", (alg, tampered)
        assert wrong_key["status"] == "INVALID", (alg, wrong_key)


# ---- Digital Bazaar → obhub ---------------------------------------------------------


@pytest.fixture(scope="module")
def db_signed(xverify: Xverify, work_dir: Path) -> dict[tuple[str, str], str]:
    """sign.mjs output by (input, format): both DI suites and VC-JWT, seed ``SEED``.

    The JWT ``--created`` (its ``iat``) is the issuance date, which is what obhub puts
    in ``iat`` too, so the two tokens can be compared byte for byte.
    """
    in_dir = work_dir / "unsigned"
    in_dir.mkdir()
    did = did_key_pair(SEED).controller or ""
    keys: list[tuple[str, str]] = []
    jobs: list[SignJob] = []
    for name in INPUTS:
        credential = issued_by(load_input(name), did)
        unsigned = write_json(in_dir / f"{name}.json", credential)
        for suite in DI_SUITES:
            key_out = (
                work_dir / "db-key.json" if (name, suite) == (INPUTS[0], DI_SUITES[0]) else None
            )
            jobs.append(SignJob(unsigned, SEED.hex(), CREATED, "di", suite, key_out))
            keys.append((name, suite))
        jobs.append(SignJob(unsigned, SEED.hex(), issuance_date(credential), "jwt"))
        keys.append((name, "jwt"))
    return dict(zip(keys, xverify.sign_many(jobs), strict=True))


def expected_unsigned(name: str) -> dict[str, Any]:
    return issued_by(load_input(name), did_key_pair(SEED).controller or "")


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("suite", DI_SUITES)
def test_obhub_verifies_digital_bazaar_data_integrity_proofs(
    suite: str, name: str, db_signed: dict[tuple[str, str], str]
) -> None:
    document = json.loads(db_signed[name, suite])
    key = did_key_pair(SEED)
    checks = verify_document(document, LocalResolver())
    assert_all_valid(checks)
    if suite == "eddsa-rdfc-2022":
        assert (checks[0].type, checks[0].cryptosuite) == ("DataIntegrityProof", suite)
    else:
        assert checks[0].type == suite
    assert checks[0].verification_method == key.id
    assert checks[0].resolved is not None
    assert checks[0].resolved.controller == key.controller


@pytest.mark.parametrize("name", INPUTS)
def test_obhub_verifies_digital_bazaar_vc_jwts(
    name: str, db_signed: dict[tuple[str, str], str]
) -> None:
    key = did_key_pair(SEED)
    result = verify_vc_jwt(db_signed[name, "jwt"], LocalResolver())
    assert (result.alg, result.vc_style, result.verification_method) == (
        "EdDSA",
        "vc-claim",
        key.id,
    )
    assert result.credential == expected_unsigned(name)


@pytest.mark.parametrize("name", INPUTS)
def test_obhub_reproduces_digital_bazaars_eddsa_rdfc_2022_proof_value_byte_for_byte(
    name: str, db_signed: dict[tuple[str, str], str]
) -> None:
    """Same seed, same ``created``: identical signed document, hence identical canonical
    N-Quads (accents, control characters, @language/@direction, VCDM 1.1 included)."""
    theirs = json.loads(db_signed[name, "eddsa-rdfc-2022"])
    ours = add_proof(expected_unsigned(name), did_key_pair(SEED), created=CREATED)
    assert ours["proof"]["proofValue"] == theirs["proof"]["proofValue"]
    assert ours == theirs


@pytest.mark.parametrize("name", INPUTS)
def test_obhub_vc_claim_jwt_is_byte_identical_to_digital_bazaars(
    name: str, db_signed: dict[tuple[str, str], str]
) -> None:
    """Same header and claims in the same order, same JSON serialization (raw UTF-8,
    same control-character escapes), same Ed25519 signature."""
    key = did_key_pair(SEED)
    ours = sign_vc_jwt(expected_unsigned(name), key, kid=key.id, vc_claim=True)
    assert ours == db_signed[name, "jwt"].strip()


def test_obhub_reads_the_key_file_digital_bazaar_writes(
    work_dir: Path, db_signed: dict[tuple[str, str], str]
) -> None:
    exported = json.loads((work_dir / "db-key.json").read_text(encoding="utf-8"))
    key = KeyPair.from_export(exported)
    expected = did_key_pair(SEED)
    assert (key.id, key.controller) == (expected.id, expected.controller)
    assert key.ed25519_seed() == SEED
    assert key.public.to_jwk() == exported["publicKeyJwk"]
    ours = add_proof(expected_unsigned(INPUTS[0]), key, created=CREATED)
    assert ours == json.loads(db_signed[INPUTS[0], DI_SUITES[0]])


# ---- negative, both ways -------------------------------------------------------------


@pytest.mark.parametrize("name", INPUTS)
def test_digital_bazaar_rejects_obhub_credentials_tampered_after_signing(
    name: str, db_verdicts: dict[str, Verdict]
) -> None:
    verdict = db_verdicts[f"di-tampered:{name}"]
    assert verdict.status == "INVALID", verdict.run.describe()
    assert "[proof signature alone: invalid]" in verdict.reason, verdict.run.describe()


def test_digital_bazaar_rejects_an_obhub_vc_jwt_tampered_after_signing(
    db_verdicts: dict[str, Verdict],
) -> None:
    verdict = db_verdicts["jwt-tampered:EdDSA"]
    assert verdict.status == "INVALID", verdict.run.describe()
    assert verdict.reason.startswith("JWS signature"), verdict.run.describe()


TAMPERERS: dict[str, Callable[[str], str]] = {
    "eddsa-rdfc-2022": lambda text: json.dumps(tamper_achievement_name(json.loads(text))),
    "Ed25519Signature2020": lambda text: json.dumps(tamper_achievement_name(json.loads(text))),
    "jwt": tamper_jwt,
}


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("fmt", [*DI_SUITES, "jwt"])
def test_obhub_rejects_digital_bazaar_credentials_tampered_after_signing(
    fmt: str, name: str, db_signed: dict[tuple[str, str], str]
) -> None:
    tampered = TAMPERERS[fmt](db_signed[name, fmt])
    if fmt == "jwt":
        with pytest.raises(SignatureError):
            verify_vc_jwt(tampered, LocalResolver())
        return
    checks = verify_document(json.loads(tampered), LocalResolver())
    assert [(c.status, c.code) for c in checks] == [("invalid", SignatureError.code)]
    assert overall(checks) == "invalid"


def test_the_text_direction_is_signed_on_both_sides(
    db_verdicts: dict[str, Verdict], db_signed: dict[tuple[str, str], str]
) -> None:
    """Flipping ``@direction`` (rtl → ltr) after signing breaks the signature both ways:
    neither side drops the direction when canonicalizing."""
    verdict = db_verdicts["di-direction-flipped"]
    assert verdict.status == "INVALID", verdict.run.describe()
    assert "[proof signature alone: invalid]" in verdict.reason, verdict.run.describe()
    for suite in DI_SUITES:
        theirs = flip_direction(json.loads(db_signed["ob3-language-direction", suite]))
        checks = verify_document(theirs, LocalResolver())
        assert [(c.status, c.code) for c in checks] == [("invalid", SignatureError.code)], suite
