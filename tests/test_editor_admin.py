"""The administrators' pages of the workspace through Flask's test client:
only an administrator opens them; people get a working one-time link; the
audit log filters by person, action, issue and days in the office's zone;
a CSV import is shown line by line before anything is committed; the
export is the command line's; unsubscribe and erase ask first and are
logged without the address; what subscribers typed is shown escaped."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import audit
from newsletter.store import subscribers as subs
from newsletter.store import users as people
from newsletter.store.tables import audit_log
from newsletter.web import create_app

from .conftest import SQLITE

pytestmark = SQLITE

GOOD = "una frase lunga e facile"
ADMIN, EDITOR, APPROVER = "admin@example.org", "editor@example.org", "approver@example.org"
ENV = {"NEWSLETTER_SECRET_KEY": "k" * 32, "NEWSLETTER_BASE_URL": "http://localhost"}
CONSENT = subs.Consent("cli", "2024-01")
ADMIN_MODULE = "newsletter.web.editor.admin"


@pytest.fixture
def app(project, store):
    config = load_config(project, ENV)
    transport = MemoryTransport()
    for email, role in ((ADMIN, "admin"), (EDITOR, "editor"), (APPROVER, "approver")):
        people.add(store, email, role.title(), role)
        people.set_password_directly(store, email, GOOD)
    return create_app(config, store, lambda: transport, mail_thread=False)


def csrf(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def text(page) -> str:
    return page.get_data(as_text=True)


def sign_in(app, email: str = ADMIN):
    client = app.test_client()
    login = client.get("/editor/login?ui=en")  # the tests read the workspace in English
    answer = client.post("/editor/login", data={"csrf": csrf(login), "email": email,
                                                "password": GOOD, "next": "/editor/people"})
    assert answer.status_code == 302, text(answer)
    return client


def post(client, path: str, page: str = "/editor/people", **fields):
    """POST a form of ``page`` (whose CSRF token it carries)."""
    return client.post(path, data={"csrf": csrf(client.get(page)), **fields})


def add_subscriber(store, email: str, name: str | None = None, language: str = "it"):
    return subs.add(store, email, email.casefold(), name, language, CONSENT)


def admin_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of the administrators' module, from the app itself."""
    routes = []
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == ADMIN_MODULE:
            routes += [(method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


# -- who may -----------------------------------------------------------------------


def test_the_admin_pages_are_the_expected_ones(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if app.view_functions[rule.endpoint].__module__ == ADMIN_MODULE}
    assert endpoints == {f"editor.{name}" for name in (
        "people", "add_person", "person_role", "disable_person", "reset_person", "audit_log",
        "subscribers", "add_subscriber", "import_subscribers", "commit_import",
        "export_subscribers", "unsubscribe_subscriber", "erase_subscriber")}


@pytest.mark.parametrize("email", [EDITOR, APPROVER])
def test_editors_and_approvers_are_refused_every_admin_page(app, store, email):
    add_subscriber(store, "anna@example.org")
    client = sign_in(app, email)
    token = csrf(client.get("/editor/people"))  # the refusal page has the sign-out form
    routes = admin_routes(app)
    assert len(routes) >= 14
    for method, path in routes:
        answer = client.open(path, method=method, data={
            "csrf": token, "email": "anna@example.org", "name": "Someone", "role": "admin",
            "confirmed": "yes", "language": "it", "note": "asked"})
        assert answer.status_code == 403, (method, path)
        assert "This needs the role “administrator”" in text(answer), (method, path)
    assert subs.get(store, key="anna@example.org").status == "active"
    assert people.get(store, email).role != "admin"


def test_the_menu_shows_the_admin_pages_to_an_admin_only(app):
    assert 'href="/editor/people"' in text(sign_in(app).get("/editor/people"))
    assert 'href="/editor/people"' not in text(sign_in(app, EDITOR).get("/editor/people"))


# -- people ------------------------------------------------------------------------


def test_adding_a_person_shows_a_link_that_sets_their_password(app, store):
    client = sign_in(app)
    answer = post(client, "/editor/people", email="Dora@Example.org", name="Dora Bianchi",
                  role="approver")
    assert answer.status_code == 200
    assert "It is valid for 24 hours and is shown only now" in text(answer)
    link = re.search(r'value="(http://localhost/editor/welcome/[^"]+)"', text(answer)).group(1)
    assert people.get(store, "dora@example.org").role == "approver"
    assert "role: approver" not in text(client.get("/editor/people"))
    assert link not in text(client.get("/editor/people"))  # shown once

    newcomer = app.test_client()
    path = link.removeprefix("http://localhost")
    form = newcomer.get(path)
    chosen = newcomer.post(path, data={"csrf": csrf(form), "password": GOOD, "confirm": GOOD})
    assert chosen.status_code == 302
    assert people.verify(store, "dora@example.org", GOOD) is not None
    [entry] = audit.listing(store, action="person added")
    assert (entry.actor, entry.detail) == (ADMIN, "Dora@example.org as approver")


def test_adding_an_existing_person_says_so_and_keeps_the_form(app):
    client = sign_in(app)
    answer = post(client, "/editor/people", email=EDITOR, name="Again", role="editor")
    assert answer.status_code == 400
    assert f"{EDITOR} already has an account" in text(answer)
    assert 'value="Again"' in text(answer)


def test_roles_change_and_a_new_link_replaces_the_old(app, store):
    client = sign_in(app)
    assert post(client, "/editor/people/role", email=EDITOR, role="approver").status_code == 302
    assert people.get(store, EDITOR).role == "approver"
    answer = post(client, "/editor/people/reset", email=EDITOR)
    link = re.search(r'value="http://localhost(/editor/welcome/[^"]+)"', text(answer)).group(1)
    assert "A new link for Editor" in text(answer)
    assert people.verify(store, EDITOR, GOOD) is not None  # the old password still works
    assert app.test_client().get(link).status_code == 200
    actions = [entry.action for entry in audit.listing(store, actor=ADMIN)]
    assert actions[:2] == ["password link renewed", "role changed"]


def test_disabling_asks_first_and_ends_the_persons_sessions(app, store):
    admin, editor = sign_in(app), sign_in(app, EDITOR)
    asked = post(admin, "/editor/people/disable", email=EDITOR)
    assert "Disable this account?" in text(asked)
    assert not people.get(store, EDITOR).disabled
    done = admin.post("/editor/people/disable", data={"csrf": csrf(asked), "email": EDITOR,
                                                       "confirmed": "yes"})
    assert done.status_code == 302
    assert people.get(store, EDITOR).disabled
    assert "can no longer sign in" in text(admin.get(done.location))
    assert editor.get("/editor/").status_code == 302  # back to the sign-in page
    assert post(admin, "/editor/people/reset", email=EDITOR).status_code == 409
    assert audit.listing(store, action="person disabled")[0].detail == EDITOR


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_role(app, store):
    client = sign_in(app)
    refused = post(client, "/editor/people/disable", email=ADMIN, confirmed="yes")
    assert refused.status_code == 409
    assert "You cannot disable your own account: another administrator has to do it" \
        in text(refused)
    refused = post(client, "/editor/people/role", email=ADMIN, role="editor")
    assert refused.status_code == 409
    assert "You cannot take away your own administrator role" in text(refused)
    me = people.get(store, ADMIN)
    assert (me.role, me.disabled) == ("admin", 0)
    assert "This is you: you cannot take away your own administrator role" in text(
        client.get("/editor/people"))


# -- the audit log -----------------------------------------------------------------


def log_at(store, at: datetime, actor: str, action: str, month: str | None = None,
           detail: str = ""):
    with store.transaction() as connection:
        connection.execute(insert(audit_log).values(at=at, actor=actor, action=action,
                                                    month=month, detail=detail))


def rows(page) -> list[str]:
    """The log's rows as text, cells joined by |."""
    if "<tbody>" not in text(page):
        return []
    body = text(page).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" | ".join(re.sub(r"<[^>]+>", "", cell).strip()
                       for cell in re.findall(r"<td>(.*?)</td>", row, re.S)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_audit_log_filters_by_person_action_issue_and_days(app, store):
    # 23:30 UTC on 15 January is 00:30 on the 16th in Turin: the day is the office's.
    log_at(store, datetime(2024, 1, 15, 23, 30, tzinfo=UTC), EDITOR, "submitted for review",
           "2024-02")
    log_at(store, datetime(2024, 1, 14, 9, 0, tzinfo=UTC), APPROVER, "approved", "2024-01")
    log_at(store, datetime(2024, 1, 20, 9, 0, tzinfo=UTC), APPROVER, "approved", "2024-02")
    client = sign_in(app)

    everything = client.get("/editor/audit")
    assert everything.status_code == 200
    listed = rows(everything)
    assert re.fullmatch(rf"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d \| {ADMIN} \| login \|  \|",
                        listed[0])  # newest first: this test's sign-in
    assert listed[1:] == [f"2024-01-20 10:00:00 | {APPROVER} | approved | 2024-02 |",
                          f"2024-01-16 00:30:00 | {EDITOR} | submitted for review | 2024-02 |",
                          f"2024-01-14 10:00:00 | {APPROVER} | approved | 2024-01 |"]
    assert '<option value="submitted for review">' in text(everything)

    def shown(**filters):
        return rows(client.get("/editor/audit", query_string=filters))

    assert [r[:16] for r in shown(actor=APPROVER)] == ["2024-01-20 10:00", "2024-01-14 10:00"]
    assert [r[:16] for r in shown(action="approved", month="2024-02")] == ["2024-01-20 10:00"]
    assert [r[:16] for r in shown(since="2024-01-16", until="2024-01-16")] == ["2024-01-16 00:30"]
    assert shown(since="2024-01-15", until="2024-01-15") == []
    assert [r[:16] for r in shown(until="2024-01-16")] == ["2024-01-16 00:30", "2024-01-14 10:00"]

    wrong = client.get("/editor/audit", query_string={"since": "2024-02-01", "until": "2024-01-01"})
    assert wrong.status_code == 400
    assert "The end of the period is before its start" in text(wrong)
    assert client.get("/editor/audit", query_string={"month": "March"}).status_code == 400


# -- subscribers: the list, adding one ------------------------------------------------


def test_the_subscribers_page_counts_and_finds(app, store):
    add_subscriber(store, "anna@example.org", "Anna Rossi", "it")
    add_subscriber(store, "bob@example.org", "Bob Smith", "en")
    subs.remove(store, "bob@example.org")
    for number in range(51):
        add_subscriber(store, f"p{number:02}@example.net", language="fr")
    client = sign_in(app)

    page = client.get("/editor/subscribers")
    stats = text(page).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert re.search(r"active</th>\s*<td>1</td><td>0</td><td>51</td>\s*<td>52</td>", stats)
    assert re.search(r"unsubscribed</th>\s*<td>0</td><td>1</td><td>0</td>\s*<td>1</td>", stats)

    found = text(client.get("/editor/subscribers", query_string={"q": "ROSSI"}))
    assert "anna@example.org" in found and "bob@example.org" not in found
    found = text(client.get("/editor/subscribers", query_string={"status": "unsubscribed"}))
    assert "bob@example.org" in found and "anna@example.org" not in found
    assert "Unsubscribe…" not in found.split("<tbody>")[2].split("</tbody>")[0]  # already
    found = text(client.get("/editor/subscribers", query_string={"language": "fr", "limit": "50"}))
    assert found.count("@example.net</td>") == 50
    assert "More than 50 subscribers match" in found
    found = text(client.get("/editor/subscribers", query_string={"q": "100%_"}))
    assert "No subscriber matches." in found


def test_an_admin_adds_a_subscriber_with_the_consent_note(app, store):
    client = sign_in(app)
    missing = post(client, "/editor/subscribers", "/editor/subscribers",
                   email="carla@example.org", name="Carla", language="en", note="")
    assert missing.status_code == 400
    assert "Say how the person gave their consent" in text(missing)
    assert 'value="Carla"' in text(missing)  # what was typed is kept
    wrong = post(client, "/editor/subscribers", "/editor/subscribers", email="carla.example.org",
                 language="en", note="phoned")
    assert wrong.status_code == 400
    assert "“carla.example.org” is not an e-mail address: An email address must have an @-sign." \
        in text(wrong)
    done = post(client, "/editor/subscribers", "/editor/subscribers", email="Carla@Example.org",
                name="Carla", language="en", note="signed form at the desk, 3 March")
    assert done.status_code == 302
    added = subs.get(store, key="carla@example.org")
    assert (added.status, added.language, added.consent_method) == ("active", "en", "cli")
    events = [(event, detail) for _, event, detail in subs.events(store, added.id)]
    assert ("consent-note", f"noted by {ADMIN} in the workspace: signed form at the desk, "
            "3 March") in events
    assert "The subscriber was added" in text(client.get(done.location))
    [entry] = audit.listing(store, action="subscriber added")
    assert "carla" not in entry.detail
    again = post(client, "/editor/subscribers", "/editor/subscribers", email="carla@example.org",
                 language="en", note="again")
    assert again.status_code == 409 and "is already subscribed" in text(again)


def test_what_people_typed_is_shown_escaped(app, store):
    add_subscriber(store, "eve@example.org", "<script>alert(1)</script>")
    client = sign_in(app)
    page = text(client.get("/editor/subscribers"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    added = post(client, "/editor/people", email="mallory@example.org",
                 name="<script>alert(3)</script>", role="editor")
    for page in (text(added), text(client.get("/editor/people"))):
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
        assert "<script>alert" not in page


# -- importing -----------------------------------------------------------------------


CSV = ("email,name,language\n"
       "anna@example.org,Anna,it\n"
       "not-an-address,Bad,en\n"
       "anna@example.org,Anna again,it\n"
       "carla@example.org,<script>alert(2)</script>,en\n"
       'dora@example.org,"Dora,en\n')


def upload(client, content: str = CSV, name: str = "iscritti.csv"):
    form = client.get("/editor/subscribers/import")
    return client.post("/editor/subscribers/import", content_type="multipart/form-data", data={
        "csrf": csrf(form), "file": (io.BytesIO(content.encode()), name)})


def uploads(app):
    folder = app.extensions["newsletter"].config.subscribers_dir / "uploads"
    return list(folder.iterdir()) if folder.is_dir() else []


def test_an_import_is_shown_line_by_line_and_committed_only_when_confirmed(app, store):
    client = sign_in(app)
    checked = upload(client)
    page = text(checked)
    assert checked.status_code == 200
    assert "Nothing has been imported yet" in page
    assert "Import these 2 subscribers" in page
    listed = rows(checked)
    assert listed[0].startswith("3 | not-an-address | error | ")
    assert listed[1] == "4 | anna@example.org | duplicate | duplicate of line 2"
    assert listed[2].startswith("6 |  | cannot be read | a quote opened and never closed")
    assert "<script>alert(2)" not in page
    assert subs.get(store, key="anna@example.org") is None
    assert len(uploads(app)) == 1

    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post("/editor/subscribers/import/commit",
                       data={"csrf": csrf(checked), "token": token, "commit": "yes"})
    assert done.status_code == 200
    assert "2 subscribers were imported from iscritti.csv" in text(done)
    carla = subs.get(store, key="carla@example.org")
    assert (carla.name, carla.consent_method) == ("<script>alert(2)</script>", "import")
    assert "<script>alert(2)" not in text(done)
    assert uploads(app) == []
    assert audit.listing(store, action="subscribers imported")[0].detail == "2 from iscritti.csv"

    replay = client.post("/editor/subscribers/import/commit",
                         data={"csrf": csrf(checked), "token": token, "commit": "yes"})
    assert replay.status_code == 409
    assert "This import is no longer waiting" in text(replay)


def test_an_import_can_be_discarded_and_is_not_another_sessions(app, store):
    client, other = sign_in(app), sign_in(app)
    checked = upload(client)
    token = re.search(r'name="token" value="([^"]+)"', text(checked)).group(1)
    stolen = post(other, "/editor/subscribers/import/commit", "/editor/subscribers",
                  token=token, commit="yes")
    assert stolen.status_code == 409
    assert subs.get(store, key="anna@example.org") is None
    discarded = client.post("/editor/subscribers/import/commit",
                            data={"csrf": csrf(checked), "token": token, "discard": "yes"})
    assert discarded.status_code == 302
    assert uploads(app) == [] and subs.get(store, key="anna@example.org") is None


def test_a_file_that_cannot_be_imported_says_why_without_the_servers_paths(app):
    client = sign_in(app)
    answer = upload(client, "nome,lingua\nAnna,it\n", "lista.csv")
    assert answer.status_code == 400
    assert "lista.csv: line 1: no &#39;email&#39; column in the header" in text(answer)
    assert "uploads" not in text(answer)
    assert uploads(app) == []


# -- export, unsubscribe, erase ---------------------------------------------------------


def test_the_export_is_the_command_lines(app, store, project, database_url):
    add_subscriber(store, "anna@example.org", "=HYPERLINK(\"http://x\")", "it")
    add_subscriber(store, "bob@example.org", "Bob", "en")
    downloaded = sign_in(app).get("/editor/subscribers/export")
    assert downloaded.status_code == 200
    assert downloaded.mimetype == "text/csv"
    assert downloaded.headers["Content-Disposition"].startswith(
        'attachment; filename="subscribers-')
    body = downloaded.get_data(as_text=True)
    assert body.splitlines()[0].startswith("email,name,language,status,consent_at")
    assert "'=HYPERLINK" in body
    result = CliRunner(env={**ENV, "NEWSLETTER_DATABASE_URL": database_url}).invoke(
        cli, ["--project", str(project), "subscribers", "export"], catch_exceptions=False)
    assert body == result.stdout_bytes.decode()
    english = sign_in(app).get("/editor/subscribers/export", query_string={"language": "en"})
    assert "bob@example.org" in english.get_data(as_text=True)
    assert "anna@example.org" not in english.get_data(as_text=True)
    assert audit.listing(store, action="subscribers exported")[0].detail == \
        "1 (status any, language en)"


def test_unsubscribe_asks_first_and_is_logged_without_the_address(app, store):
    add_subscriber(store, "anna@example.org", "Anna")
    client = sign_in(app)
    asked = post(client, "/editor/subscribers/unsubscribe", "/editor/subscribers",
                 email="anna@example.org")
    assert "Unsubscribe this address?" in text(asked)
    assert subs.get(store, key="anna@example.org").status == "active"
    done = client.post("/editor/subscribers/unsubscribe", data={
        "csrf": csrf(asked), "email": "anna@example.org", "confirmed": "yes"})
    assert done.status_code == 302
    assert subs.get(store, key="anna@example.org").status == "unsubscribed"
    assert "The address was unsubscribed" in text(client.get(done.location))
    [entry] = audit.listing(store, action="subscriber unsubscribed")
    assert entry.detail == "#" + store.address_hash("anna@example.org")[:12]
    unknown = post(client, "/editor/subscribers/unsubscribe", "/editor/subscribers",
                   email="nobody@example.org")
    assert unknown.status_code == 404 and "nobody@example.org is not in the list" in text(unknown)


def test_erasure_asks_first_sticks_and_leaves_no_address_in_the_log(app, store):
    add_subscriber(store, "anna@example.org", "Anna")
    client = sign_in(app)
    asked = post(client, "/editor/subscribers/erase", "/editor/subscribers",
                 email="anna@example.org")
    assert "Erase this address?" in text(asked)
    assert "This cannot be undone" in text(asked)
    assert subs.get(store, key="anna@example.org") is not None
    done = client.post("/editor/subscribers/erase", data={
        "csrf": csrf(asked), "email": "anna@example.org", "confirmed": "yes"})
    assert done.status_code == 302
    assert subs.get(store, key="anna@example.org") is None
    assert "The address was erased" in text(client.get(done.location))

    again = upload(client, "email\nanna@example.org\n")
    assert "suppressed (erased)" in text(again)
    readded = post(client, "/editor/subscribers", "/editor/subscribers",
                   email="anna@example.org", language="it", note="phoned")
    assert readded.status_code == 409 and "suppression list" in text(readded)

    log = text(client.get("/editor/audit", query_string={"action": "subscriber erased"}))
    assert "#" + store.address_hash("anna@example.org")[:12] in log
    assert "anna@example.org" not in text(client.get("/editor/audit"))


def test_a_post_without_the_forms_token_is_refused(app, store):
    add_subscriber(store, "anna@example.org")
    client = sign_in(app)
    answer = client.post("/editor/subscribers/erase", data={"email": "anna@example.org",
                                                             "confirmed": "yes"})
    assert answer.status_code == 400
    assert subs.get(store, key="anna@example.org") is not None
