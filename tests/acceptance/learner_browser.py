"""A learner in a browser, as an OAuth consent needs one: opens the authorization
address, signs in with the email link if asked (the hub on defaults writes its mail
to ``var/outbox``), and accepts the consent form; what it reads is only the pages
(their forms and buttons), never the hub's code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from acceptance.hub import HubOnDefaults, wait_for
from acceptance.ob_api_client import Transcript, logged_client

WAIT_S = 90
MAX_HOPS = 10
ACCEPT_WORDS = ("autoriser", "accepter", "allow", "accept", "approve", "authorize", "consent")
REFUSE_WORDS = ("refuser", "deny", "decline", "refuse", "annuler", "cancel")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str | None, str | None, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._button: list[str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if name:
                self._form.names.add(name)
            if kind == "submit":
                self._form.buttons.append((name, a.get("value"), a.get("value") or ""))
            elif name is not None and (
                kind in ("hidden", "text", "email")
                or (kind in ("checkbox", "radio") and "checked" in a)
            ):
                self._form.fields[name] = a.get("value") or ""
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button = [a.get("name"), a.get("value")]
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self._form is not None:
            name, value = self._button
            self._form.buttons.append((name, value, " ".join("".join(self._text).split())))
            self._button = None
        elif tag == "form":
            self._form = None


def forms(page: str) -> list[Form]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def outbox(hub: HubOnDefaults) -> list[tuple[Path, EmailMessage]]:
    folder = hub.workdir / "var" / "outbox"
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        message = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        found.append((path, message))
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


class LearnerBrowser:
    """One learner's browser (its cookies), its exchanges in the transcript."""

    def __init__(self, hub: HubOnDefaults, email: str, transcript: Transcript) -> None:
        self.hub = hub
        self.email = email
        self.transcript = transcript
        self.http = logged_client(transcript, f"learner {email}", base_url=hub.base)
        self.seen_mail = {path for path, _m in outbox(hub)}
        self.consent_page = ""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> LearnerBrowser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def consent(self, authorize_url: str, redirect_uri: str) -> str:
        """Open ``authorize_url``, sign in if asked, accept; the address the browser is
        finally sent to (on ``redirect_uri``: the client's to read)."""
        self.transcript.note(f"the learner {self.email} opens the authorization address")
        answer = self.http.get(authorize_url)
        signed_in = False
        for _hop in range(MAX_HOPS):
            if answer.is_redirect:
                location = urljoin(str(answer.url), answer.headers["location"])
                if location.startswith(redirect_uri):
                    return location
                answer = self.http.get(location)
                continue
            assert answer.status_code == 200, f"{answer.status_code} {answer.text[:2000]}"
            page_forms = forms(answer.text)
            sign_in = [f for f in page_forms if "email" in f.names and f.method == "post"]
            if sign_in and not signed_in:
                answer = self._sign_in(answer, sign_in[0])
                signed_in = True
                if not answer.is_redirect or not self._goes_on(answer, authorize_url):
                    answer = self.http.get(authorize_url)
                continue
            self.consent_page = answer.text
            form, button = self._accepting(page_forms)
            data = dict(form.fields)
            if button[0]:
                data[button[0]] = button[1] or ""
            self.transcript.note(f"the learner accepts: « {button[2]} »")
            answer = self.http.post(self._target(answer, form), data=data)
        raise AssertionError(f"no way back to {redirect_uri} after {MAX_HOPS} pages")

    @staticmethod
    def _goes_on(answer: httpx.Response, authorize_url: str) -> bool:
        location = urljoin(str(answer.url), answer.headers["location"])
        return urlsplit(location).path == urlsplit(authorize_url).path

    @staticmethod
    def _target(answer: httpx.Response, form: Form) -> str:
        return urljoin(str(answer.url), form.action) if form.action else str(answer.url)

    @staticmethod
    def _accepting(page_forms: list[Form]) -> tuple[Form, tuple[str | None, str | None, str]]:
        """The post form and submit button that accept (by their words), not refuse."""
        for form in page_forms:
            if form.method != "post":
                continue
            for button in form.buttons:
                words = f"{button[1] or ''} {button[2]}".lower()
                if any(w in words for w in ACCEPT_WORDS) and not any(
                    w in words for w in REFUSE_WORDS
                ):
                    return form, button
        raise AssertionError(f"no accept button among {[f.buttons for f in page_forms]}")

    def _sign_in(self, page: httpx.Response, form: Form) -> httpx.Response:
        """The email sign-in: ask for the link, take it from the outbox, confirm."""
        self.transcript.note(f"the learner signs in with the link sent to {self.email}")
        data = {**form.fields, "email": self.email}
        asked = self.http.post(self._target(page, form), data=data)
        assert asked.status_code in (200, 303), asked.text[:2000]
        mail = wait_for(
            "the sign-in email",
            lambda: [
                m
                for path, m in outbox(self.hub)
                if path not in self.seen_mail
                and m["To"] == self.email
                and "/connexion/lien?jeton=" in text_of(m)
            ],
            timeout_s=WAIT_S,
        )[-1]
        self.seen_mail = {path for path, _m in outbox(self.hub)}
        link = re.search(r"https?://\S+/connexion/lien\?jeton=\S+", text_of(mail))
        assert link is not None
        confirm = self.http.get(link.group(0))
        assert confirm.status_code == 200, confirm.text[:2000]
        confirm_form = [f for f in forms(confirm.text) if f.method == "post"][-1]
        signed = self.http.post(self._target(confirm, confirm_form), data=confirm_form.fields)
        assert signed.status_code in (302, 303), signed.text[:2000]
        return signed
