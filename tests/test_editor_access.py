"""The workspace's doors and locks, through Flask's test client, as a person
(or someone who is not one of them) would meet them: every page refused
without a session, each role kept to its own pages, forms refused without
their CSRF token, the login's answers and limits, the session's life, and
script typed into any field shown as text, never run."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import inspect, text

from newsletter.core.config import Config, load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import Store, now, revisions, sessions, workflow
from newsletter.store import deliveries as ledger
from newsletter.store import users as people
from newsletter.store.users import LOCKED_FOR, MAX_FAILED_LOGINS
from newsletter.web import create_app

from .conftest import make_project

MONTH = "2023-12"
PASSWORD = "correct horse battery staple"
EDITOR, APPROVER, ADMIN = "ed@example.org", "ap@example.org", "ad@example.org"
PICTURE = "luci.png"  # a picture beside the issue's sources, for /editor/view/<month>/images/
HTMX = "/assets/htmx.min.js"
SCRIPT = "<script>alert(1)</script>"
BREAK_OUT = '"><img src=x onerror=alert(1)>'
HTMX_ATTACK = '<div hx-get="/editor/people" hx-trigger="load">x</div>'
PAYLOAD = SCRIPT + BREAK_OUT
SCRIPT_LINKS = ('[click](javascript:alert(1)) <a href="javascript:alert(1)">a</a> '
                "[b](JaVaScRiPt:alert(1)) [c](data:text/html,<script>alert(1)</script>)")
PUBLIC = {"editor.login", "editor.welcome"}  # the only pages open without a session


# -- a workspace of its own for each test ------------------------------------------------


@dataclass
class Workspace:
    project: Path
    config: Config
    store: Store
    app: Flask

    def client(self, *, base_url: str = "http://localhost") -> FlaskClient:
        """A browser that has opened the login page (in English, whatever the catalogs say)."""
        client = self.app.test_client()
        assert client.get("/editor/login?ui=en", base_url=base_url).status_code == 200
        return client

    def signed_in(self, email: str) -> FlaskClient:
        client = self.client()
        answer = login(client, email)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    @property
    def folder(self) -> Path:
        return self.project / "issues" / MONTH


def build(folder: Path, *, base_url: str = "http://localhost", workspace: str = "") -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    project = make_project(folder)
    if workspace:  # make_project took the [workspace] table out: a new one is allowed
        with (project / "newsletter.toml").open("a", encoding="utf-8") as toml:
            toml.write(f"\n[workspace]\n{workspace}\n")
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                   "NEWSLETTER_BASE_URL": base_url})
    store = Store(f"sqlite:///{folder / 't.sqlite3'}", config.secret())
    app = create_app(config, store, lambda: MemoryTransport(), mail_thread=False)
    for email, name, role in ((EDITOR, "Eda Editor", "editor"), (APPROVER, "Aldo Approver",
                              "approver"), (ADMIN, "Ada Admin", "admin")):
        people.add(store, email, name, role)
        people.set_password_directly(store, email, PASSWORD)
    return Workspace(project, config, store, app)


@pytest.fixture
def ws(tmp_path):
    built = build(tmp_path)
    yield built
    built.store.close()


# -- what a browser sees ---------------------------------------------------------------------


def csrf_in(answer) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', answer.get_data(as_text=True))
    assert found, answer.get_data(as_text=True)
    return found.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD, next_: str = "", **kw):
    token = csrf_in(client.get("/editor/login", **kw))
    return client.post("/editor/login", data={"email": email, "password": password,
                                              "csrf": token, "next": next_}, **kw)


def token(client: FlaskClient) -> str:
    """The CSRF token the signed-in person's pages carry."""
    return csrf_in(client.get("/editor/"))


def post(client: FlaskClient, url: str, data: dict | None = None, **kw):
    return client.post(url, data={"csrf": token(client), **(data or {})}, **kw)


class Page(HTMLParser):
    """A page as a browser builds it: its elements, its text, its forms."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.words: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._area: tuple[str, list[str]] | None = None
        self._select: dict | None = None
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.elements.append((tag, values))
        if tag == "form":
            self._form = {"action": values.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and values.get("name"):
            kind = values.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in values:
                return
            if kind not in ("file", "submit", "button", "image"):
                self._form["fields"][values["name"]] = values.get("value", "")
        elif tag == "textarea" and values.get("name"):
            self._area = (values["name"], [])
        elif tag == "select" and values.get("name"):
            self._select = {"name": values["name"], "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in values:
                self._select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._area and self._form is not None:
            name, parts = self._area
            self._form["fields"][name] = "".join(parts).removeprefix("\n")
            self._area = None
        elif tag == "select" and self._select and self._form is not None:
            chosen = self._select["chosen"]
            self._form["fields"][self._select["name"]] = chosen if chosen is not None \
                else self._select["first"] or ""
            self._select = None

    def handle_data(self, data):
        self.words.append(data)
        if self._area is not None:
            self._area[1].append(data)

    def form_with(self, field: str, value: str | None = None) -> dict[str, str]:
        """The fields of the first form that has ``field`` (with ``value``)."""
        for form in self.forms:
            if field in form["fields"] and (value is None or form["fields"][field] == value):
                return dict(form["fields"])
        raise AssertionError(f"no form with {field}={value!r}")


def page_of(answer) -> Page:
    return Page(answer.get_data(as_text=True))


def message(answer) -> str:
    """The page's words, as a person reads them (a refusal, a notice)."""
    return page_of(answer).text


def login_error(answer) -> str:
    html = answer.get_data(as_text=True)
    found = re.search(r'<p class="error">(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1)


# -- what must never be there ------------------------------------------------------------------


DANGEROUS_URLS = ("javascript:", "vbscript:", "data:text/html")


def dangers(html: str) -> list[str]:
    """Whatever in the page could run, as a browser parses it: script elements
    other than htmx, event handler attributes, script URLs, the injected
    picture, htmx attributes from the payload. (The payload's text inside a
    quoted attribute, ``alt="<script>…&quot;>…"``, is text: not counted.)"""
    found = []
    for tag, attrs in Page(html).elements:
        if tag == "script" and attrs.get("src") != HTMX:
            found.append(f"<script {attrs}>")
        if tag == "img" and attrs.get("src") == "x":
            found.append(f"<img {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data", "poster") \
                    and "".join(value.split()).lower().startswith(DANGEROUS_URLS):
                found.append(f"<{tag} {name}={value!r}>")
            if name == "hx-trigger" and "load" in value:
                found.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                found.append(f"<{tag} srcdoc>")
    return found


def policy(answer) -> dict[str, list[str]]:
    csp = answer.headers.get("Content-Security-Policy", "")
    return {parts[0].lower(): parts[1:] for directive in csp.split(";")
            if (parts := directive.split())}


def script_sources(answer) -> list[str]:
    found = policy(answer)
    return found.get("script-src", found.get("default-src", []))


def is_preview(url: str) -> bool:
    """A rendered edition or a picture, shown in the workspace's frames."""
    return re.match(r"/editor/view/[^/]+/", url) is not None


def header_problems(url: str, answer) -> list[str]:
    """What the security headers of a workspace answer lack."""
    problems = []
    found = policy(answer)
    if not found:
        problems.append(f"{url}: no Content-Security-Policy")
    sources = script_sources(answer)
    if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources or "*" in sources:
        problems.append(f"{url}: script-src {sources}")
    if answer.headers.get("Cache-Control") != "no-store":
        problems.append(f"{url}: Cache-Control {answer.headers.get('Cache-Control')!r}")
    if answer.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no nosniff")
    if is_preview(url):
        if "sandbox" not in found or "allow-scripts" in found.get("sandbox", []):
            problems.append(f"{url}: the preview is not in a sandbox without scripts: {found}")
        if "allow-same-origin" in found.get("sandbox", []):
            problems.append(f"{url}: the preview's sandbox allows its origin")
    elif answer.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options {answer.headers.get('X-Frame-Options')!r}")
    return problems


# -- what must not change -----------------------------------------------------------------------


def files(ws: Workspace) -> dict[str, str]:
    """Every file of the project (the issues, the subscribers' folder), by its hash."""
    return {str(path.relative_to(ws.project)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(ws.project.rglob("*"))
            if path.is_file() and not path.name.startswith("t.sqlite3")}


def rows(store: Store, *, sessions_too: bool = False) -> dict[str, list[str]]:
    """Every row of every table (but the open sessions' last-seen times, which a
    signed-in person's requests move, unless ``sessions_too``)."""
    skipped = {"alembic_version"} | (set() if sessions_too else {"editor_sessions"})
    with store.transaction() as connection:
        names = inspect(connection).get_table_names()
        return {name: sorted(map(repr, connection.execute(text(f'SELECT * FROM "{name}"'))))
                for name in names if name not in skipped}


def state(ws: Workspace) -> str:
    return workflow.review(ws.store, MONTH).state


def yaml_version(ws: Workspace, lang: str = "it") -> str:
    return hashlib.sha256((ws.folder / f"{lang}.yaml").read_bytes()).hexdigest()


def picture(colour: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(out, format="PNG")
    return out.getvalue()


# -- 1. nothing without a session -----------------------------------------------------------------


def workspace_rules(app: Flask):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("editor.") and rule.endpoint not in PUBLIC),
                  key=lambda rule: rule.rule)


def url_of(rule, values: dict) -> str:
    given = {**values["*"], **values.get(rule.endpoint, {})}
    built = rule.build({name: given[name] for name in rule.arguments}, append_unknown=False)
    assert built, rule
    return built[1]


def real_values(ws: Workspace) -> dict:
    """A value for each URL parameter that names something real."""
    (ws.folder / PICTURE).write_bytes(picture())
    delivery = ledger.create(ws.store, MONTH, "en", "Work in Progress – December 2023")
    text_now = (ws.folder / "it.yaml").read_text(encoding="utf-8")
    revision = revisions.record(ws.store, MONTH, "it.yaml", EDITOR, text_now)
    return {"*": {"month": MONTH, "lang": "en", "section": "top_news",
                  "item_id": "luci-d-artista", "delivery_id": delivery.id,
                  "revision_id": revision.id, "token": "any"},
            "editor.preview_file": {"name": "email.html"},
            "editor.preview_image": {"name": PICTURE}}


def plausible_form(ws: Workspace) -> dict[str, str]:
    """What the forms of the workspace send, filled in with changes."""
    return {"version": yaml_version(ws), "title": "Changed", "body": "Changed.",
            "comment": "Changed", "at": "2024-01-10T09:00", "email": "new@example.org",
            "name": "New Person", "role": "admin", "confirmed": "1", "direction": "down",
            "part": "top_news:luci-d-artista", "month": "2024-01", "language": "it",
            "note": "a signed form", "field": "body", "token": "any", "date_kind": "day",
            "date_day": "2023-12-05", "curated_by": "Changed", "text": "Changed"}


def test_every_workspace_url_is_refused_without_a_session(ws):
    values = real_values(ws)
    rules = workspace_rules(ws.app)
    assert len(rules) > 30  # the whole workspace, not a few pages
    assert {r.endpoint for r in rules} >= {"editor.dashboard", "editor.item", "editor.approve",
                                           "editor.people", "editor.preview_file",
                                           "editor.preview_image", "editor.logout"}
    anonymous = ws.client()  # has a session (with a CSRF token) but nobody signed in
    form = {"csrf": csrf_in(anonymous.get("/editor/login")), **plausible_form(ws)}
    before_files, before_rows = files(ws), rows(ws.store, sessions_too=True)
    problems = []
    for rule in rules:
        url = url_of(rule, values)
        for client, label in ((ws.app.test_client(), "no cookie"), (anonymous, "anonymous")):
            if "GET" in rule.methods:
                answer = client.get(url)
                where = urlsplit(answer.headers.get("Location", ""))
                nxt = parse_qs(where.query).get("next", [""])[0]
                if (answer.status_code, where.netloc, where.path) != (302, "", "/editor/login") \
                        or nxt != url or urlsplit(nxt).netloc or not nxt.startswith("/editor/"):
                    problems.append(f"GET {url} ({label}): {answer.status_code} "
                                    f"{answer.headers.get('Location')}")
                problems += header_problems(url, answer)
            if "POST" in rule.methods:
                answer = client.post(url, data=form)
                if answer.status_code != 401:
                    problems.append(f"POST {url} ({label}): {answer.status_code}")
                elif label == "anonymous" and "sign in again" not in message(answer):
                    problems.append(f"POST {url}: {message(answer)!r}")
                problems += header_problems(url, answer)
    assert problems == [], "\n".join(problems)
    assert files(ws) == before_files
    # no revision, no audit line, no review, no person, no session
    assert rows(ws.store, sessions_too=True) == before_rows


@pytest.mark.parametrize("url", [f"/editor/view/{MONTH}/it/email.html",
                                 f"/editor/view/{MONTH}/en/email.html",
                                 f"/editor/view/{MONTH}/it/email.txt",
                                 f"/editor/view/{MONTH}/it/index.html",
                                 f"/editor/view/{MONTH}/it/",
                                 f"/editor/view/{MONTH}/it/issue.pdf",
                                 f"/editor/view/{MONTH}/images/{PICTURE}"])
def test_previews_never_show_their_content_without_a_session(ws, url):
    (ws.folder / PICTURE).write_bytes(picture())
    for client in (ws.app.test_client(), ws.client()):
        for method in ("GET", "HEAD", "POST"):
            answer = client.open(url, method=method)
            body = answer.get_data()
            if url.endswith("/index.html") and answer.status_code == 308:  # its short address
                assert answer.headers["Location"].endswith(url.removesuffix("index.html"))
            else:  # GET: to the login; HEAD: refused; POST: not a method of the address
                assert answer.status_code == {"GET": 302, "HEAD": 401, "POST": 405}[method], \
                    (method, answer.status_code)
            assert b"Luci" not in body and b"PNG" not in body and b"%PDF" not in body
            assert len(body) < 2000
    # signed in, the same addresses show it (so the refusal above is the session's doing)
    shown = ws.signed_in(EDITOR).get(url, follow_redirects=True)
    assert shown.status_code == 200
    body = shown.get_data()
    assert b"PNG" in body or b"Luci" in body or body.startswith(b"%PDF")


def test_previews_serve_the_issue_s_pictures_only(ws):
    client = ws.signed_in(EDITOR)
    for name in ("it.yaml", ".it.yaml.png", "..%2Fit.yaml", "it.yaml%00.png", "../../newsletter.toml"):
        answer = client.get(f"/editor/view/{MONTH}/images/{name}")
        assert answer.status_code == 404, name
        assert b"top_news" not in answer.get_data() and b"[sender]" not in answer.get_data()


# -- 2. roles ----------------------------------------------------------------------------------------


APPROVER_ACTIONS = {f"/editor/issues/{MONTH}/approve": {},
                    f"/editor/issues/{MONTH}/send-back": {"comment": "Rewrite the first item."},
                    f"/editor/issues/{MONTH}/schedule": {"at": "2030-01-10T09:00"},
                    f"/editor/issues/{MONTH}/cancel": {}}
ADMIN_PAGES = ("/editor/people", "/editor/audit", "/editor/subscribers",
               "/editor/subscribers/export", "/editor/subscribers/import")
ADMIN_ACTIONS = {
    "/editor/people": {"email": "new@example.org", "name": "New Person", "role": "admin"},
    "/editor/people/role": {"email": EDITOR, "role": "admin"},
    "/editor/people/disable": {"email": APPROVER, "confirmed": "1"},
    "/editor/people/reset": {"email": ADMIN},
    "/editor/subscribers": {"email": "reader@example.org", "name": "Reader", "language": "it",
                            "note": "a signed form"},
    "/editor/subscribers/unsubscribe": {"email": "reader@example.org", "confirmed": "1"},
    "/editor/subscribers/erase": {"email": "reader@example.org", "confirmed": "1"},
    "/editor/subscribers/import/commit": {"token": "any"},
}


def admin_actions() -> dict[str, dict]:
    """The administrators' forms, with a fresh file to upload (a file is read once)."""
    return {**ADMIN_ACTIONS, "/editor/subscribers/import": {
        "file": (io.BytesIO(b"email,language\nx@example.org,it\n"), "list.csv")}}


def test_an_editor_is_refused_the_approver_s_and_the_administrator_s_actions(ws):
    client = ws.signed_in(EDITOR)
    assert post(client, f"/editor/issues/{MONTH}/submit").status_code == 302  # theirs to do
    assert state(ws) == "review"
    before_files, before_rows = files(ws), rows(ws.store)
    for url, data in APPROVER_ACTIONS.items():
        answer = post(client, url, data)
        assert answer.status_code == 403, url
        assert "approver" in message(answer) and "editor" in message(answer), message(answer)
    for url in ADMIN_PAGES:
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert "administrator" in message(answer), message(answer)
    for url, data in admin_actions().items():
        answer = post(client, url, data)
        assert answer.status_code == 403, url
        assert "administrator" in message(answer), message(answer)
    assert state(ws) == "review"
    assert people.get(ws.store, EDITOR).role == "editor"
    assert people.get(ws.store, "new@example.org") is None
    assert not people.get(ws.store, APPROVER).disabled
    assert files(ws) == before_files
    assert rows(ws.store) == before_rows
    # the pages do not offer what the role does not allow
    html = client.get(f"/editor/issues/{MONTH}/").get_data(as_text=True)
    assert f"/editor/issues/{MONTH}/approve" not in html and "/editor/people" not in html


def test_an_approver_approves_but_is_refused_the_administrator_s_pages(ws):
    post(ws.signed_in(EDITOR), f"/editor/issues/{MONTH}/submit")
    client = ws.signed_in(APPROVER)
    before_people = rows(ws.store)["users"]
    for url in ADMIN_PAGES:
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert "administrator" in message(answer) and "approver" in message(answer)
    for url, data in admin_actions().items():
        answer = post(client, url, data)
        assert answer.status_code == 403, url
        assert "administrator" in message(answer)
    assert rows(ws.store)["users"] == before_people
    answer = post(client, f"/editor/issues/{MONTH}/approve")
    assert answer.status_code == 302, message(answer)
    assert state(ws) == "approved"
    assert "Approved" in message(client.get(answer.headers["Location"]))


def test_an_administrator_opens_every_page_and_a_new_role_applies_at_once(ws):
    client = ws.signed_in(ADMIN)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url
    people.set_role(ws.store, ADMIN, "editor")  # another administrator took the role away
    answer = client.get("/editor/people")
    assert answer.status_code == 403 and "administrator" in message(answer)


# -- 3. CSRF ---------------------------------------------------------------------------------------------


def refused_without_token(client, url: str, data: dict, ws: Workspace, **kw) -> None:
    """The form sent with its token missing, wrong, or another session's: 400, nothing changed."""
    others = ws.signed_in(ADMIN)
    before_files, before_rows = files(ws), rows(ws.store)
    for token_sent in (None, "", "wrong-" + "x" * 26, token(others)):
        sent = dict(data)
        sent.pop("csrf", None)
        if token_sent is not None:
            sent["csrf"] = token_sent
        answer = client.post(url, data=sent, **kw)
        assert answer.status_code == 400, (url, token_sent, answer.status_code)
        assert "This form has expired" in message(answer)
        assert files(ws) == before_files, url
        assert rows(ws.store) == before_rows, url


def test_forms_without_their_csrf_token_are_refused_and_change_nothing(ws):
    editor = ws.signed_in(EDITOR)
    item_url = f"/editor/issues/{MONTH}/items/top_news/luci-d-artista"
    form = page_of(editor.get(item_url)).form_with("title")
    form["title"] = "Luci d'Artista, changed"
    refused_without_token(editor, item_url, form, ws)
    assert editor.post(item_url, data=form).status_code == 302  # with its token: saved
    assert "Luci d'Artista, changed" in (ws.folder / "it.yaml").read_text(encoding="utf-8")

    translate_url = f"/editor/issues/{MONTH}/translate/en"
    form = page_of(editor.get(translate_url)).form_with("part", "top_news:luci-d-artista")
    form["title"] = "Artist's Lights, changed"
    refused_without_token(editor, translate_url, form, ws)
    assert editor.post(translate_url, data=form).status_code == 302
    assert "Artist's Lights, changed" in (ws.folder / "en.yaml").read_text(encoding="utf-8")

    submit = f"/editor/issues/{MONTH}/submit"
    refused_without_token(editor, submit, {}, ws)
    assert state(ws) == "draft"
    assert post(editor, submit).status_code == 302 and state(ws) == "review"

    approver = ws.signed_in(APPROVER)
    approve = f"/editor/issues/{MONTH}/approve"
    refused_without_token(approver, approve, {}, ws)
    assert state(ws) == "review"
    assert post(approver, approve).status_code == 302 and state(ws) == "approved"

    refused_without_token(editor, "/editor/logout", {}, ws)
    assert editor.get("/editor/").status_code == 200  # still signed in
    assert post(editor, "/editor/logout").status_code == 302
    assert editor.get("/editor/").status_code == 302  # signed out


def test_the_htmx_preview_takes_the_token_as_a_header(ws):
    editor = ws.signed_in(EDITOR)
    page = editor.get(f"/editor/issues/{MONTH}/items/top_news/luci-d-artista")
    headers = re.search(r"hx-headers='(\{[^']*\})'", page.get_data(as_text=True)).group(1)
    assert csrf_in(page) in headers  # what htmx will send
    answer = editor.post("/editor/markdown", data={"field": "body", "body": "*Torino*"},
                         headers={"X-CSRF-Token": csrf_in(page)})
    assert answer.status_code == 200
    assert "<em>Torino</em>" in answer.get_data(as_text=True)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""},
                    {"X-CSRF-Token": token(ws.signed_in(ADMIN))}):
        answer = editor.post("/editor/markdown", data={"field": "body", "body": "*Torino*"},
                             headers=headers)
        assert answer.status_code == 400, headers
        assert "<em>Torino</em>" not in answer.get_data(as_text=True)


# -- 4. login -----------------------------------------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(ws):
    people.add(ws.store, "invited@example.org", "Invited", "editor")  # no password yet
    people.add(ws.store, "gone@example.org", "Gone", "editor")
    people.set_password_directly(ws.store, "gone@example.org", PASSWORD)
    people.disable(ws.store, "gone@example.org")
    answers = {label: login(ws.client(), email, password) for label, email, password in (
        ("wrong password", EDITOR, "not the password at all"),
        ("unknown address", "nobody@example.org", PASSWORD),
        ("not an address", "nobody", PASSWORD),
        ("invited", "invited@example.org", PASSWORD),
        ("disabled", "gone@example.org", PASSWORD))}
    statuses = {label: answer.status_code for label, answer in answers.items()}
    errors = {label: login_error(answer) for label, answer in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    assert len(set(errors.values())) == 1, errors
    assert "not right" in errors["unknown address"]
    assert all(answer.headers.get("Location") is None for answer in answers.values())


def test_five_failures_lock_the_account_with_the_same_answer(ws, monkeypatch):
    wrong = login(ws.client(), EDITOR, "not the password at all")
    for _ in range(MAX_FAILED_LOGINS - 1):
        login(ws.client(), EDITOR, "not the password at all")
    locked = login(ws.client(), EDITOR, PASSWORD)  # the right password
    assert locked.status_code == wrong.status_code == 401
    assert login_error(locked) == login_error(wrong)
    assert ws.client().get("/editor/").status_code == 302
    assert people.get(ws.store, EDITOR).locked_until is not None
    # another person is not locked out by these failures
    assert login(ws.client(), APPROVER).status_code == 302
    # the lock ends after LOCKED_FOR
    later = now() + LOCKED_FOR + timedelta(minutes=1)
    monkeypatch.setattr(people, "now", lambda: later)
    assert login(ws.client(), EDITOR).status_code == 302


def test_too_many_failures_from_one_client_are_answered_429(tmp_path):
    ws = build(tmp_path, workspace="logins_per_hour = 3")
    try:
        assert ws.config.workspace.logins_per_hour == 3
        for number in range(3):
            answer = login(ws.client(), f"nobody{number}@example.org", PASSWORD)
            assert answer.status_code == 401
        answer = login(ws.client(), EDITOR, PASSWORD)  # the right password, too late
        assert answer.status_code == 429
        assert "Too many failed attempts" in login_error(answer)
        assert ws.client().get("/editor/").status_code == 302  # not signed in
        assert people.get(ws.store, EDITOR).failed_logins == 0  # not the account's fault
        # another computer is not held back
        other = ws.app.test_client()
        answer = login(other, EDITOR, PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert answer.status_code == 302
    finally:
        ws.store.close()


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_gives_a_new_session_and_a_new_csrf_token(ws):
    client = ws.client()
    page = client.get("/editor/login")
    before, old_token = session_cookie(client), csrf_in(page)
    assert before
    answer = client.post("/editor/login", data={"email": EDITOR, "password": PASSWORD,
                                                "csrf": old_token, "next": ""})
    assert answer.status_code == 302
    after = session_cookie(client)
    assert after and after != before
    assert token(client) != old_token
    # the token of before the login no longer sends a form
    assert client.post("/editor/logout", data={"csrf": old_token}).status_code == 400
    # the cookie of before the login (say, planted by someone else) signs nobody in
    planted = ws.app.test_client()
    planted.set_cookie("session", before)
    assert planted.get("/editor/").status_code == 302


def test_an_idle_session_ends(ws, monkeypatch):
    client = ws.signed_in(EDITOR)
    real = sessions.now
    idle = ws.config.workspace.session_idle_minutes * 60

    def after(seconds):  # the clock the store's sessions read
        monkeypatch.setattr(sessions, "now", lambda: real() + timedelta(seconds=seconds))

    after(idle - 60)  # a click just before the limit keeps it open
    assert client.get("/editor/").status_code == 200
    after(idle - 60 + idle - 60)
    assert client.get("/editor/").status_code == 200
    after(idle - 60 + idle - 60 + idle + 60)  # then a pause longer than the limit
    answer = client.get(f"/editor/issues/{MONTH}/")
    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/editor/login"
    answer = client.post(f"/editor/issues/{MONTH}/submit", data={"csrf": "anything"})
    assert answer.status_code == 401
    monkeypatch.undo()
    assert client.get("/editor/").status_code == 302  # ended for good, not just refused once
    assert state(ws) == "draft"


def test_disabling_an_account_ends_its_sessions(ws):
    editor = ws.signed_in(EDITOR)
    admin = ws.signed_in(ADMIN)
    answer = post(admin, "/editor/people/disable", {"email": EDITOR, "confirmed": "1"})
    assert answer.status_code == 302
    assert editor.get("/editor/").status_code == 302
    assert editor.post(f"/editor/issues/{MONTH}/submit", data={"csrf": "x"}).status_code == 401
    assert login(ws.client(), EDITOR).status_code == 401
    assert state(ws) == "draft"


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(ws):
    first, second = ws.signed_in(EDITOR), ws.signed_in(EDITOR)
    people.set_password_directly(ws.store, EDITOR, "another long passphrase")
    for client in (first, second):
        assert client.get("/editor/").status_code == 302
    assert login(ws.client(), EDITOR, PASSWORD).status_code == 401
    assert login(ws.client(), EDITOR, "another long passphrase").status_code == 302


def test_a_copy_of_the_cookie_does_not_outlive_signing_out(ws):
    client, elsewhere = ws.signed_in(EDITOR), ws.signed_in(EDITOR)
    copy = session_cookie(client)  # a shared computer, a cookie taken by someone
    thief = ws.app.test_client()
    thief.set_cookie("session", copy)
    assert thief.get("/editor/").status_code == 200  # the copy works while the session is open
    assert post(client, "/editor/logout").status_code == 302
    assert thief.get("/editor/").status_code == 302
    assert thief.post(f"/editor/issues/{MONTH}/submit", data={"csrf": token(elsewhere)}
                      ).status_code == 401
    assert elsewhere.get("/editor/").status_code == 200  # the session on another computer stays
    assert state(ws) == "draft"


def set_cookie_flags(answer) -> set[str]:
    """The attributes of the session cookie the answer sets: httponly, samesite=lax…"""
    cookies = [value for key, value in answer.headers.items()
               if key == "Set-Cookie" and value.startswith("session=")]
    assert cookies, answer.headers
    return {part.strip().lower() for part in cookies[-1].split(";")[1:]}


def test_the_session_cookie_is_httponly_lax_and_secure_on_https(ws, tmp_path):
    client = ws.client()
    answer = login(client, EDITOR)
    flags = set_cookie_flags(answer)
    assert {"httponly", "samesite=lax"} <= flags
    assert "secure" not in flags  # http://localhost: a secure cookie would never come back

    secure = build(tmp_path / "https", base_url="https://example.org")
    try:
        client = secure.app.test_client()
        answer = login(client, EDITOR, base_url="https://example.org")
        assert answer.status_code == 302
        assert {"httponly", "samesite=lax", "secure"} <= set_cookie_flags(answer)
        assert client.get("/editor/", base_url="https://example.org").status_code == 200
    finally:
        secure.store.close()


OFF_SITE = ["https://evil.example/", "//evil.example", "//evil.example/editor/",
            "/\\evil.example", "\\\\evil.example/editor/", "https:evil.example",
            "http:/evil.example/editor/", "javascript:alert(1)", " //evil.example",
            "\t//evil.example", "/%2F/evil.example", "https://localhost.evil.example/editor/",
            "/editor/\r\nLocation: https://evil.example/", "/editor/\nhttps://evil.example/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_sends_a_person_to_another_site(ws, target):
    client = ws.client()
    answer = login(client, EDITOR, next_=target)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    where = urlsplit(location)
    assert where.netloc in ("", "localhost") and where.scheme in ("", "http"), location
    assert where.path.startswith("/editor/") and not location.startswith("//"), location
    assert "evil" not in location
    # signed in already, the login page sends on as well: still at home
    answer = client.get("/editor/login", query_string={"next": target})
    assert answer.status_code == 302
    assert "evil" not in answer.headers["Location"]


def test_login_keeps_a_workspace_target(ws):
    answer = login(ws.client(), EDITOR, next_=f"/editor/issues/{MONTH}/")
    assert answer.headers["Location"] == f"/editor/issues/{MONTH}/"
    refused = ws.client().get(f"/editor/issues/{MONTH}/revisions?x=1")
    assert parse_qs(urlsplit(refused.headers["Location"]).query)["next"] == [
        f"/editor/issues/{MONTH}/revisions?x=1"]


# -- 5. script typed into any field -------------------------------------------------------------------


def test_script_typed_into_any_field_is_shown_as_text(ws):
    admin = ws.signed_in(ADMIN)
    # a person whose name is a script, who then edits the issue
    answer = post(admin, "/editor/people", {"email": "x@example.org", "name": PAYLOAD,
                                            "role": "editor"})
    assert answer.status_code == 200, message(answer)
    people.set_password_directly(ws.store, "x@example.org", PASSWORD)
    xss = ws.signed_in("x@example.org")
    assert post(xss, f"/editor/issues/{MONTH}/submit").status_code == 302
    approver = ws.signed_in(APPROVER)
    assert post(approver, f"/editor/issues/{MONTH}/send-back",
                {"comment": PAYLOAD}).status_code == 302
    assert state(ws) == "draft"

    item = f"/editor/issues/{MONTH}/items/top_news/luci-d-artista"
    form = page_of(xss.get(item)).form_with("title")
    form.update(title=PAYLOAD, body=f"{SCRIPT}\n\n{BREAK_OUT}\n\n{HTMX_ATTACK}\n\n{SCRIPT_LINKS}",
                tags_cities=PAYLOAD, tags_countries=SCRIPT, tags_networks=BREAK_OUT,
                tags_projects=HTMX_ATTACK, image_alt=PAYLOAD,
                image_file_upload=(io.BytesIO(picture()), "pic.png"))
    answer = xss.post(item, data=form)
    assert answer.status_code == 302, message(answer)
    # a script link: shown as text on the item's page, and an error of the issue ...
    for url in (item, f"/editor/issues/{MONTH}/"):
        answer = xss.get(url)
        assert answer.status_code == 200
        assert dangers(answer.get_data(as_text=True)) == [], url
    assert "a link uses a script" in message(xss.get(f"/editor/issues/{MONTH}/"))
    # ... so it goes, for the previews to be shown with the rest
    form = page_of(xss.get(item)).form_with("title")
    form["body"] = form["body"].replace(SCRIPT_LINKS, "").strip()
    assert xss.post(item, data=form).status_code == 302
    delegation = f"/editor/issues/{MONTH}/items/delegations/lione"
    form = page_of(xss.get(delegation)).form_with("name")
    form.update(name=PAYLOAD, city=PAYLOAD, country=PAYLOAD)
    assert xss.post(delegation, data=form).status_code == 302
    consulate = f"/editor/issues/{MONTH}/items/consulates/new"
    form = page_of(xss.get(consulate)).form_with("title")
    form.update(title=PAYLOAD, body=PAYLOAD)
    answer = xss.post(consulate, data=form)
    assert answer.status_code == 302, message(answer)
    new_consulate = answer.headers["Location"].split("?")[0]
    metadata = f"/editor/issues/{MONTH}/metadata"
    form = page_of(xss.get(metadata)).form_with("curated_by")
    form.update(preheader=PAYLOAD, curated_by=PAYLOAD, insights=PAYLOAD + "\n\n" + HTMX_ATTACK)
    assert xss.post(metadata, data=form).status_code == 302
    translate = f"/editor/issues/{MONTH}/translate/en"
    for part, fields in (("top_news:luci-d-artista", ("title", "body", "image_alt")),
                         ("meta:preheader", ("text",)), ("meta:insights", ("text",)),
                         ("delegations:lione", ("name", "city", "country"))):
        form = page_of(xss.get(translate)).form_with("part", part)
        assert set(fields) <= set(form), (part, form)
        form.update({field: PAYLOAD for field in fields})
        assert xss.post(translate, data=form).status_code == 302, part
    assert post(admin, "/editor/subscribers", {"email": "reader@example.org", "name": PAYLOAD,
                                               "language": "en", "note": PAYLOAD}
                ).status_code == 302
    saved = (ws.folder / "it.yaml").read_text(encoding="utf-8")
    assert SCRIPT in saved and "onerror" in saved  # kept as typed: the pages must escape it

    ids = [r.id for r in revisions.listing(ws.store, MONTH)]
    assert len(ids) >= 5
    pages = {who: [] for who in ("xss", "admin")}
    pages["xss"] = ["/editor/", f"/editor/issues/{MONTH}/", item, delegation, new_consulate,
                    metadata, translate, f"/editor/issues/{MONTH}/revisions",
                    *(f"/editor/issues/{MONTH}/revisions/{i}" for i in ids),
                    f"/editor/issues/{MONTH}/preview/it", f"/editor/issues/{MONTH}/preview/en",
                    f"/editor/issues/{MONTH}/date?date_kind=day&date_day={quote(PAYLOAD)}",
                    f"/editor/issues/{MONTH}/date?date_kind={quote(PAYLOAD)}"]
    pages["admin"] = ["/editor/audit", "/editor/people", "/editor/subscribers",
                      f"/editor/subscribers?q={quote(PAYLOAD)}",
                      f"/editor/audit?actor={quote(PAYLOAD)}&action={quote(PAYLOAD)}",
                      f"/editor/audit?month={quote(PAYLOAD)}&since={quote(PAYLOAD)}",
                      f"/editor/issues/{MONTH}/"]
    previews = [f"/editor/view/{MONTH}/{lang}/{name}" for lang in ("it", "en")
                for name in ("email.html", "index.html", "", "email.txt")]
    problems, shown = [], {}
    clients = {"xss": xss, "admin": admin}
    for who, urls in pages.items():
        for url in urls:
            answer = clients[who].get(url)
            if answer.status_code not in (200, 400):
                problems.append(f"{url}: {answer.status_code}")
            problems += [f"{url}: {d}" for d in dangers(answer.get_data(as_text=True))]
            problems += header_problems(url, answer)
            shown[url] = message(answer)
    for url in previews:
        answer = xss.get(url, follow_redirects=True)  # index.html: to its short address
        if answer.status_code != 200:
            problems.append(f"{url}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
        if url.endswith(".txt"):
            assert answer.mimetype == "text/plain", url
        else:
            problems += [f"{url}: {d}" for d in dangers(answer.get_data(as_text=True))]
            shown[url] = message(answer)
        problems += header_problems(url, answer)
    # the htmx fragments and the reflected values
    fragment = xss.post("/editor/markdown", data={"field": "body",
                                                  "body": PAYLOAD + HTMX_ATTACK + SCRIPT_LINKS},
                        headers={"X-CSRF-Token": token(xss)})
    problems += [f"/editor/markdown: {d}" for d in dangers(fragment.get_data(as_text=True))]
    problems += header_problems("/editor/markdown", fragment)
    anonymous = ws.client()
    for url in (f"/editor/login?next={quote('/editor/' + PAYLOAD)}",
                f"/editor/login?next={quote(PAYLOAD)}", f"/editor/welcome/{quote(BREAK_OUT)}"):
        answer = anonymous.get(url)
        problems += [f"{url}: {d}" for d in dangers(answer.get_data(as_text=True))]
        problems += header_problems(url, answer)
    failed = anonymous.post("/editor/login", data={"email": PAYLOAD, "password": "x",
                                                   "csrf": csrf_in(anonymous.get("/editor/login")),
                                                   "next": "/editor/" + PAYLOAD})
    problems += [f"failed login: {d}" for d in dangers(failed.get_data(as_text=True))]
    assert problems == [], "\n".join(problems)
    # and the typed text is there, as text, where a person looks for it
    for url in (item, delegation, metadata, translate, f"/editor/issues/{MONTH}/",
                "/editor/audit", "/editor/people", "/editor/subscribers",
                f"/editor/view/{MONTH}/it/email.html", f"/editor/view/{MONTH}/en/email.html",
                f"/editor/view/{MONTH}/it/"):
        assert "alert(1)" in shown[url], url
    assert "<script>alert(1)</script>" in shown[f"/editor/issues/{MONTH}/"]  # the comment


# -- 6. response headers ------------------------------------------------------------------------------------


def test_every_workspace_answer_carries_the_security_headers(ws):
    values = real_values(ws)
    admin = ws.signed_in(ADMIN)
    problems = []
    for rule in workspace_rules(ws.app):
        if "GET" not in rule.methods:
            continue
        url = url_of(rule, values)
        answer = admin.get(url)
        if answer.status_code >= 500:
            problems.append(f"{url}: {answer.status_code}")
        problems += header_problems(url, answer)
        if answer.mimetype == "text/html" and not is_preview(url):
            problems += [f"{url}: {d}" for d in dangers(answer.get_data(as_text=True))]
    editor = ws.signed_in(EDITOR)
    for url, answer in (("/editor/login", ws.client().get("/editor/login")),
                        ("/editor/login", login(ws.client(), EDITOR, "wrong password here")),
                        ("/editor/welcome/any", ws.client().get("/editor/welcome/any")),
                        ("/editor/people", editor.get("/editor/people")),  # 403
                        (f"/editor/issues/{MONTH}/submit",
                         editor.post(f"/editor/issues/{MONTH}/submit")),  # 400
                        (f"/editor/issues/{MONTH}/submit",
                         ws.app.test_client().post(f"/editor/issues/{MONTH}/submit")),  # 401
                        ("/editor/issues/1999-01/", editor.get("/editor/issues/1999-01/")),  # 404
                        (f"/editor/view/{MONTH}/it/nothing.html",
                         editor.get(f"/editor/view/{MONTH}/it/nothing.html"))):  # 404
        problems += header_problems(url, answer)
    assert problems == [], "\n".join(problems)
