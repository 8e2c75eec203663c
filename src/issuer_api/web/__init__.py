"""The ``/verifier`` web page: verify a badge in a browser (French and English).

:data:`router` serves the page, its no-JavaScript form handler and its static
assets (``static/``, shipped as package data: nothing is loaded from elsewhere).
"""

from __future__ import annotations

from issuer_api.web.pages import router

__all__ = ["router"]
