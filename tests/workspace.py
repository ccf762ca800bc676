"""A workspace to drive in tests: a copy of the project, a store, the app,
people with roles, and signed-in clients that fill in forms as a browser
would (the CSRF token and the file's version taken from the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import Store
from newsletter.store import users as people
from newsletter.web import create_app

from .conftest import make_project

PASSWORD = "una frase lunga e facile"
PEOPLE = {"editor": "edi@example.org", "editor2": "eda@example.org",
          "approver": "appro@example.org", "admin": "admin@example.org"}


def hidden(page, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.get_data(as_text=True))
    assert found, f"no hidden {name} in the page"
    return found.group(1)


@dataclass
class Person:
    client: object
    email: str

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, page_url: str, data: dict | None = None, action: str | None = None,
               version: bool = True, **kwargs):
        """Open ``page_url`` and send its form (to ``action``) with ``data``."""
        page = self.client.get(page_url)
        assert page.status_code == 200, page.status_code
        form = {"csrf": hidden(page, "csrf")}
        if version and 'name="version"' in page.get_data(as_text=True):
            form["version"] = hidden(page, "version")
        form.update(data or {})
        return self.client.post(action or page_url, data=form, **kwargs)


@dataclass
class Workspace:
    project: Path
    config: object
    store: Store
    app: object
    transport: MemoryTransport
    people: dict[str, str] = field(default_factory=dict)
    ui: str = "en"  # tests read English unless they ask for Italian

    def folder(self, month: str = "2023-12") -> Path:
        return self.project / "issues" / month

    def sign_in(self, who: str) -> Person:
        client = self.app.test_client()
        login = client.get("/editor/login")
        answer = client.post("/editor/login", data={
            "email": PEOPLE[who], "password": PASSWORD, "csrf": hidden(login, "csrf"),
            "next": "/editor/"})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        client.get(f"/editor/?ui={self.ui}")  # the workspace's language, for the whole session
        return Person(client, PEOPLE[who])


def workspace(tmp_path: Path, toml_extra: str = "", database_url: str | None = None) -> Workspace:
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project")
    if toml_extra:
        with (project / "newsletter.toml").open("a", encoding="utf-8") as toml:
            toml.write("\n" + toml_extra + "\n")
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                   "NEWSLETTER_BASE_URL": "http://localhost"})
    store = Store(database_url or f"sqlite:///{tmp_path / 'workspace.sqlite3'}", config.secret())
    for who, email in PEOPLE.items():
        role = "editor" if who.startswith("editor") else who
        people.add(store, email, who.title(), role)
        people.set_password_directly(store, email, PASSWORD)
    transport = MemoryTransport()
    app = create_app(config, store, lambda: transport, mail_thread=False)
    return Workspace(project, config, store, app, transport, dict(PEOPLE))
