"""The container's health probe: ``python -m issuer_api.healthcheck [PORT]``.

It asks ``/healthz`` on the loopback address, over HTTPS when the service serves TLS
itself (``OBHUB_TLS_CERT_FILE`` and ``OBHUB_TLS_KEY_FILE`` set, as ``obhub serve`` reads
them), otherwise over HTTP. The certificate is not checked: the probe talks to its own
process on 127.0.0.1, and a certificate for the public name would not match that
address anyway. Exit 0 when the service answers 200, 1 otherwise. Standard library only:
it runs every 30 seconds.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Final

DEFAULT_PORT: Final = 8000
TIMEOUT_SECONDS: Final = 4.0


def probe_url(env: Mapping[str, str], port: int = DEFAULT_PORT) -> str:
    tls = bool(env.get("OBHUB_TLS_CERT_FILE")) and bool(env.get("OBHUB_TLS_KEY_FILE"))
    return f"{'https' if tls else 'http'}://127.0.0.1:{port}/healthz"


def healthy(url: str) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # loopback, our own process (see the module doc)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS, context=context) as answer:  # noqa: S310 - fixed loopback URL
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else DEFAULT_PORT
    return 0 if healthy(probe_url(os.environ, port)) else 1


if __name__ == "__main__":
    sys.exit(main())
