"""Stock pyld, out of process: the reference side of the JSON-LD differential test.

``obcore.jsonld`` tunes pyld globally when it is imported (``_tune_pyld``), so a
comparison run in the test process compares obhub with an already patched pyld.
``test_jsonld_differential`` therefore also runs this file with the virtualenv's
Python. It imports pyld, ``obcore.contexts`` (the closed loader over the bundled
contexts) and nothing else of obhub, reads a job from standard input and writes
the results as JSON to standard output::

    {"fixtures": {"<url prefix>": "<directory>", ...},
     "jobs": [{"id": ..., "path": ..., "base": <str or null>,
               "loader": "bundled" | "fixtures"}, ...]}

Each result is ``{"nquads": <URDNA2015 N-Quads>}`` or ``{"error": <pyld error
code>}``. The report also says whether pyld was left untouched, so the test can
check that "stock" really is stock.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from obcore.contexts import document_loader

Loader = Callable[..., dict[str, Any]]


def fixture_loader(fixtures: Mapping[str, str]) -> Loader:
    """A document loader serving ``<prefix><name>`` from ``<directory>/<name>``, nothing else."""

    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        for prefix, directory in fixtures.items():
            if url.startswith(prefix):
                path = Path(directory, url.removeprefix(prefix))
                if path.is_file():
                    document = json.loads(path.read_text("utf-8"))
                    return {"contextUrl": None, "documentUrl": url, "document": document}
        raise jsonld.JsonLdError(
            f"no test fixture for {url}",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )

    return load


def normalize(document: Any, base: str | None, loader: Loader) -> str:
    """URDNA2015 N-Quads of ``document`` with the options obhub's RDF conversion uses.

    ``base`` is passed explicitly because pyld's own default (an empty base) resolves
    relative IRIs against ``http://example.org/base/`` where obhub keeps them relative
    (and drops them, or refuses them in safe mode). A private context cache keeps test
    contexts out of pyld's process-wide one.
    """
    result: str = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            "contextResolver": ContextResolver({}, loader),
            "rdfDirection": "i18n-datatype",
            "base": base,
        },
    )
    return result


def run(job: Mapping[str, Any]) -> dict[str, Any]:
    loaders: dict[str, Loader] = {
        "bundled": document_loader,
        "fixtures": fixture_loader(job.get("fixtures", {})),
    }
    results: dict[str, Any] = {}
    for item in job["jobs"]:
        document = json.loads(Path(item["path"]).read_text("utf-8"))
        try:
            results[item["id"]] = {
                "nquads": normalize(document, item["base"], loaders[item["loader"]])
            }
        except jsonld.JsonLdError as exc:
            cause: BaseException | None = exc
            while getattr(cause, "code", None) is None and cause is not None:
                cause = cause.__cause__
            results[item["id"]] = {"error": str(getattr(cause, "code", None) or exc.type)}
    return {
        "results": results,
        "keywords_type": type(jsonld.KEYWORDS).__name__,
        "is_absolute_iri": jsonld._is_absolute_iri.__qualname__,
        "obcore_jsonld_imported": "obcore.jsonld" in sys.modules,
    }


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
