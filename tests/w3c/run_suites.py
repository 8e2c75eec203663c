"""Run the five W3C / W3C-CCG conformance suites against ``obhub serve`` over HTTPS.

``make test-w3c`` (called by ``make test``) runs this script. It

1. copies the offline suites (``$OBHUB_W3C_SUITES``, default ``../shared/w3c-suites``
   from the repository root, read-only in CI) into ``.cache/w3c-suites/`` and installs
   their npm dependencies there, again only when a suite's ``package.json`` (or a
   packed dependency it names) changed;
2. generates a self-signed certificate for 127.0.0.1, migrates a throw-away SQLite data
   directory, creates an OAuth client (scope ``admin``) and starts ``obhub serve`` over
   TLS on a free port. ``OBHUB_PUBLIC_BASE_URL`` is left unset so that issuers are
   did:key (the vc-di-eddsa suite resolves only did:key): the URLs obhub mints, status
   lists included, then come from the request, ``https://127.0.0.1:PORT``;
3. writes each suite's ``localConfig.cjs`` (the Region's did:key as the issuer), runs
   mocha with the JSON reporter (Node trusts the certificate through
   ``NODE_EXTRA_CA_CERTS``), and fails unless every test passes except those listed in
   ``expected-failures.json`` (exact titles, each with the reason it is the suite's own).
   An expected failure that passes is reported too: the list must be kept exact.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import fcntl
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from node_cache import sync_sources  # noqa: E402
from tls_certs import write_self_signed  # noqa: E402

SUITES = (
    "vc-data-model-2.0-test-suite",
    "vc-di-eddsa-test-suite",
    "vc-bitstring-status-list-test-suite",
    "vc-api-issuer-test-suite",
    "vc-api-verifier-test-suite",
)
EXPECTATIONS = HERE / "expected-failures.json"
CACHE = ROOT / ".cache" / "w3c-suites"
STAMP = ".w3c-install.sha256"
IMPL_NAME = "obhub"
NPM_INSTALL = ("install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error")
NPM_TIMEOUT_S = 600
MOCHA_TIMEOUT_S = 240
START_TIMEOUT_S = 30


def _log(message: str) -> None:
    print(f"[w3c] {message}", file=sys.stderr, flush=True)


DEFAULT_SUITES = ROOT.parent / "shared" / "w3c-suites"


class UnavailableError(Exception):
    """What the suites need is not on this machine (the reason is the message)."""


def preflight(env: Mapping[str, str], *, default: Path = DEFAULT_SUITES) -> Path | None:
    """The suites' directory when they can run here; ``None`` when they are skipped.

    Without the suites (or Node.js and npm) a developer's ``make test`` skips them with a
    message saying why and how to run them; in CI (``CI=true``) or when
    ``OBHUB_W3C_SUITES`` names a directory, their absence is an error (``SystemExit``).
    """
    strict = env.get("CI") == "true" or bool(env.get("OBHUB_W3C_SUITES"))
    try:
        return _prerequisites(env, default)
    except UnavailableError as exc:
        if strict:
            raise SystemExit(f"[w3c] {exc}") from None
        print(
            f"[w3c] SKIPPED: the W3C conformance suites were not run: {exc}.\n"
            "[w3c] To run them, set OBHUB_W3C_SUITES to the directory holding the five "
            "suites (and install Node.js >= 20 with npm); with CI=true or "
            "OBHUB_W3C_SUITES set, a missing prerequisite fails the run.",
            file=sys.stderr,
            flush=True,
        )
        return None


def _prerequisites(env: Mapping[str, str], default: Path) -> Path:
    configured = env.get("OBHUB_W3C_SUITES")
    path = Path(configured) if configured else default
    if not (path / "README.md").is_file():
        raise UnavailableError(f"no W3C suites at {path} (set OBHUB_W3C_SUITES to their directory)")
    for tool in ("node", "npm"):
        if shutil.which(tool, path=env.get("PATH", os.defpath)) is None:
            raise UnavailableError(f"{tool} is not on PATH (the suites need Node.js >= 20 and npm)")
    return path.resolve()


def _install_digest(suite_dir: Path) -> str:
    """The package file and every packed dependency it points at."""
    digest = hashlib.sha256()
    package = suite_dir / "package.json"
    digest.update(package.read_bytes())
    for spec in sorted(json.loads(package.read_text())["dependencies"].values()):
        if spec.startswith("file:"):
            digest.update((suite_dir / spec.removeprefix("file:")).resolve().read_bytes())
    return digest.hexdigest()


def install_suite(suite: str) -> None:
    suite_dir = CACHE / suite
    digest = _install_digest(suite_dir)
    stamp = suite_dir / STAMP
    installed = (suite_dir / "node_modules").is_dir() and stamp.is_file()
    if installed and stamp.read_text().strip() == digest:
        return
    stamp.unlink(missing_ok=True)
    _log(f"npm install in {suite_dir}")
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("[w3c] npm is not on PATH: the W3C suites need Node.js >= 20 and npm")
    proc = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, *NPM_INSTALL],
        cwd=suite_dir,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"[w3c] npm install failed in {suite_dir}:\n{proc.stdout}\n{proc.stderr}")
    stamp.write_text(digest + "\n")


def prepare_suites(source: Path, wanted: list[str]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    sync_sources(source / "_deps", CACHE / "_deps")
    sync_sources(source / "localConfig", CACHE / "localConfig")
    for suite in wanted:
        sync_sources(source / suite, CACHE / suite)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(install_suite, wanted))


# --------------------------------------------------------------------------- the service


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _obhub() -> str:
    return str(Path(sys.executable).with_name("obhub"))


@dataclass
class Service:
    base_url: str
    cert: Path
    token: str
    issuer_did: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _service_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    env.update(
        OBHUB_DATA_DIR=str(work / "data"),
        OBHUB_ACCESS_TOKEN_TTL_SECONDS="7200",
        OBHUB_LOG_LEVEL="WARNING",
    )
    return env


def _run_obhub(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(  # noqa: S603 - our console script, fixed arguments
        [_obhub(), *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"[w3c] obhub {args[0]} failed (exit {proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def start_service(work: Path) -> Service:
    tls = write_self_signed(work / "tls")
    env = _service_env(work)
    _run_obhub(["migrate"], env)
    created = _run_obhub(
        ["clients", "create", "--name", "w3c-suites", "--scope", "admin", "--json"], env
    )
    client = json.loads(created)
    port = _free_port()
    base_url = f"https://127.0.0.1:{port}"
    log = work / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our console script, fixed arguments
            [
                _obhub(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--tls-cert",
                str(tls.cert),
                "--tls-key",
                str(tls.key),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    trust = ssl.create_default_context(cafile=str(tls.cert))
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=base_url, verify=trust, trust_env=False, timeout=10) as http:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit(f"[w3c] obhub serve did not start:\n{log.read_text(errors='replace')}")
            try:
                http.get("/healthz").raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.2)
        basic = base64.b64encode(
            f"{client['client_id']}:{client['client_secret']}".encode()
        ).decode()
        answer = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "admin"},
            headers={"Authorization": f"Basic {basic}"},
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        region = http.get("/admin/issuers/region", headers={"Authorization": f"Bearer {token}"})
        region.raise_for_status()
        issuer_did = region.json()["did"]
    if not issuer_did.startswith("did:key:"):
        process.kill()
        sys.exit(f"[w3c] the Region is {issuer_did}; the suites need a did:key issuer")
    return Service(base_url, tls.cert, token, issuer_did, process, log)


# --------------------------------------------------------------------------- the suites


@dataclass(frozen=True)
class Outcome:
    suite: str
    total: int  # tests run: the suite skips some for this implementation's tags
    skipped: int
    passed: list[str]
    failed: dict[str, str]  # full title -> error message


def run_suite(suite: str, service: Service, work: Path) -> Outcome:
    suite_dir = CACHE / suite
    shutil.copyfile(CACHE / "localConfig" / f"{suite}.cjs", suite_dir / "localConfig.cjs")
    output = work / f"{suite}.json"
    env = dict(os.environ)
    env.update(
        BASE_URL=service.base_url,
        ISSUER_ID=service.issuer_did,
        OBHUB_TOKEN=service.token,
        IMPL_NAME=IMPL_NAME,
        ISSUER_NAME_JWT=IMPL_NAME,
        NODE_EXTRA_CA_CERTS=str(service.cert),
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    mocha = suite_dir / "node_modules" / ".bin" / "mocha"
    proc = subprocess.run(  # noqa: S603 - the suite's own mocha, fixed arguments
        [
            str(mocha),
            "tests/",
            "--reporter",
            "json",
            "--reporter-option",
            f"output={output}",
            "--timeout",
            "15000",
            "--preserve-symlinks",
        ],
        cwd=suite_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=MOCHA_TIMEOUT_S,
        check=False,
    )
    if not output.is_file():
        sys.exit(f"[w3c] {suite}: mocha wrote no report (exit {proc.returncode}):\n{proc.stderr}")
    report: dict[str, Any] = json.loads(output.read_text())
    return Outcome(
        suite=suite,
        total=len(report["passes"]) + len(report["failures"]),
        skipped=len(report["pending"]),
        passed=[t["fullTitle"] for t in report["passes"]],
        failed={
            t["fullTitle"]: str(t.get("err", {}).get("message", "")) for t in report["failures"]
        },
    )


def load_expectations() -> dict[str, dict[str, str]]:
    """``{suite: {full title: reason}}`` from ``expected-failures.json``."""
    raw: dict[str, list[dict[str, str]]] = json.loads(EXPECTATIONS.read_text())
    return {
        suite: {item["title"]: item["reason"] for item in items} for suite, items in raw.items()
    }


def judge(outcomes: list[Outcome], expected: dict[str, dict[str, str]]) -> bool:
    ok = True
    print("\nW3C conformance (obhub over https, did:key issuer)")
    for outcome in outcomes:
        allowed = expected.get(outcome.suite, {})
        unexpected = {t: m for t, m in outcome.failed.items() if t not in allowed}
        expected_failing = [t for t in outcome.failed if t in allowed]
        now_passing = [t for t in allowed if t in outcome.passed]
        missing = [t for t in allowed if t not in outcome.passed and t not in outcome.failed]
        print(
            f"  {outcome.suite}: {len(outcome.passed)}/{outcome.total} passed"
            + (f", {len(expected_failing)} expected failure(s)" if expected_failing else "")
            + (f" ({outcome.skipped} skipped by the suite)" if outcome.skipped else "")
        )
        for title, message in unexpected.items():
            ok = False
            print(f"    FAIL {title}\n         {message[:300]}")
        for title in expected_failing:
            print(f"    expected: {title}\n         ({allowed[title]})")
        for title in now_passing:
            ok = False
            print(f"    NOW PASSES (remove from {EXPECTATIONS.name}): {title}")
        for title in missing:
            ok = False
            print(f"    NOT RUN (listed in {EXPECTATIONS.name}): {title}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", help=f"default: all five ({', '.join(SUITES)})")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    wanted: list[str] = list(args.suites) or list(SUITES)
    unknown = sorted(set(wanted) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}")
    started = time.monotonic()
    suites = preflight(os.environ)
    if suites is None:
        return 0
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with (CACHE.parent / f"{CACHE.name}.lock").open("w") as lock:  # one run per checkout
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _run(suites, wanted, keep=args.keep, started=started)


def _run(suites: Path, wanted: list[str], *, keep: bool, started: float) -> int:
    prepare_suites(suites, wanted)
    _log(f"suites ready in {time.monotonic() - started:.0f}s")
    work = Path(tempfile.mkdtemp(prefix="obhub-w3c-"))
    service = start_service(work)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(lambda s: run_suite(s, service, work), wanted))
    finally:
        service.stop()
    ok = judge(outcomes, load_expectations())
    if keep or not ok:
        print(f"  ({time.monotonic() - started:.0f}s; reports and service log in {work})")
    else:
        print(f"  ({time.monotonic() - started:.0f}s)")
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
