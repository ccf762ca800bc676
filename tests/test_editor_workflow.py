"""The workspace as editors and approvers use it, through Flask's test
client: forms that write the same YAML the CLI reads (comments kept), two
people saving the same issue, revisions, translation states, the preview
refreshed after a save, a test send, and the review and approval tied to
what is sent."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.content import check_issue, load_issue
from newsletter.store import audit, revisions, workflow

from .workspace import hidden, workspace

ITEM = "/editor/issues/2023-12/items/top_news/luci-d-artista"


@pytest.fixture
def ws(tmp_path):
    return workspace(tmp_path)


def words(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_a_save_through_the_form_keeps_the_hand_written_file(ws):
    before = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    editor = ws.sign_in("editor")
    answer = editor.submit(ITEM, {"title": "Luci d'Artista 2023", "date_kind": "until",
                                  "date_until": "2024-01-14", "body": "Testo *nuovo*.",
                                  "tags_cities": "Torino", "tags_projects": "Luci d'Artista"})
    assert answer.status_code == 302
    after = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in after.splitlines() for line in comments)
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert any("Luci d'Artista 2023" in line for line in changed)
    assert len(changed) <= 4, changed  # the title and the body, nothing else rewritten
    issue = load_issue(ws.config, "2023-12")
    item = issue.editions["it"].top_news[0]
    assert (item.title, item.body) == ("Luci d'Artista 2023", "Testo *nuovo*.")
    result = CliRunner().invoke(cli, ["--project", str(ws.project), "check", "2023-12"])
    assert result.exit_code == 0, result.output


def test_every_kind_of_date_from_the_form_reads_back_in_check(ws):
    editor = ws.sign_in("editor")
    kinds = {"day": {"date_day": "2023-12-05"},
             "range": {"date_from": "2023-12-05", "date_to": "2023-12-09"},
             "until": {"date_until": "2024-01-10"}, "from": {"date_from": "2023-12-01"},
             "by": {"date_by": "2023-12-20"}, "month": {"date_month": "2023-12"}}
    for kind, fields in kinds.items():
        answer = editor.submit("/editor/issues/2023-12/items/top_news/new", {
            "title": f"Notizia {kind}", "date_kind": kind, "body": f"Testo {kind}.", **fields})
        assert answer.status_code == 302, words(answer)
    issue = load_issue(ws.config, "2023-12")
    added = {item.title: item for item in issue.editions["it"].top_news}
    for kind in kinds:
        assert added[f"Notizia {kind}"].when is not None
        assert added[f"Notizia {kind}"].when.kind == kind
    page = editor.get(answer.headers["Location"])
    assert "dicembre" in words(page)  # the date as the Italian edition prints it


def test_a_wrong_date_is_explained_next_to_its_field_and_nothing_is_lost(ws):
    editor = ws.sign_in("editor")
    before = (ws.folder() / "it.yaml").read_bytes()
    answer = editor.submit(ITEM, {"title": "Titolo che resta", "date_kind": "range",
                                  "date_from": "2023-12-09", "date_to": "2023-12-01",
                                  "body": "Il testo che ho scritto."})
    assert answer.status_code == 400
    page = words(answer)
    assert 'id="field-date" class="invalid"' in page
    assert "Titolo che resta" in page and "Il testo che ho scritto." in page
    assert (ws.folder() / "it.yaml").read_bytes() == before


def test_two_people_saving_the_same_issue_the_later_is_refused_nothing_lost(ws):
    first, second = ws.sign_in("editor"), ws.sign_in("editor2")
    page_one, page_two = first.get(ITEM), second.get(ITEM)
    answer = first.client.post(ITEM, data={
        "csrf": hidden(page_one, "csrf"), "version": hidden(page_one, "version"),
        "title": "Versione di Edi", "date_kind": "until", "date_until": "2024-01-14",
        "body": "Testo di Edi."})
    assert answer.status_code == 302
    refused = second.client.post(ITEM, data={
        "csrf": hidden(page_two, "csrf"), "version": hidden(page_two, "version"),
        "title": "Versione di Eda", "date_kind": "until", "date_until": "2024-01-14",
        "body": "Testo di Eda, lungo e prezioso."})
    assert refused.status_code == 409
    page = words(refused)
    assert "Someone else saved this issue" in page
    assert "Testo di Eda, lungo e prezioso." in page  # still in the form
    assert "+ title: Versione di Edi" in page  # what the other person changed
    assert load_issue(ws.config, "2023-12").editions["it"].top_news[0].title == "Versione di Edi"
    # Sent again from the refreshed form, it is saved.
    again = second.client.post(ITEM, data={
        "csrf": hidden(refused, "csrf"), "version": hidden(refused, "version"),
        "title": "Versione di Eda", "date_kind": "until", "date_until": "2024-01-14",
        "body": "Testo di Eda, lungo e prezioso."})
    assert again.status_code == 302
    assert {r.author for r in revisions.listing(ws.store, "2023-12", "it.yaml")} >= {
        "edi@example.org", "eda@example.org"}


def test_items_are_added_reordered_and_removed_without_javascript(ws):
    editor = ws.sign_in("editor")
    first_ids = [i.id for i in load_issue(ws.config, "2023-12").editions["it"].top_news]
    answer = editor.submit("/editor/issues/2023-12/", {"direction": "down"},
                           action=f"/editor/issues/2023-12/items/top_news/{first_ids[0]}/move")
    assert answer.status_code == 302
    ids = [i.id for i in load_issue(ws.config, "2023-12").editions["it"].top_news]
    assert ids[:2] == [first_ids[1], first_ids[0]]
    editor.submit("/editor/issues/2023-12/", {},
                  action=f"/editor/issues/2023-12/items/top_news/{first_ids[2]}/remove")
    ids = [i.id for i in load_issue(ws.config, "2023-12").editions["it"].top_news]
    assert first_ids[2] not in ids and len(ids) == len(first_ids) - 1
    delegation = editor.submit("/editor/issues/2023-12/items/delegations/new", {
        "name": "Delegazione di Lyon", "city": "Lione", "country": "Francia"})
    assert delegation.status_code == 302
    received = load_issue(ws.config, "2023-12").editions["it"].delegations.received
    assert received[-1].name == "Delegazione di Lyon" and received[-1].country == "Francia"


def test_revisions_show_what_changed_and_restore(ws):
    editor = ws.sign_in("editor")
    editor.submit(ITEM, {"title": "Titolo sbagliato", "date_kind": "until",
                         "date_until": "2024-01-14", "body": "Testo."})
    listed = revisions.listing(ws.store, "2023-12", "it.yaml")
    original = listed[-1]  # kept when the form was first opened
    page = editor.get(f"/editor/issues/2023-12/revisions/{listed[0].id}")
    assert "+ title: Titolo sbagliato" in words(page)
    restored = editor.submit(f"/editor/issues/2023-12/revisions/{original.id}", {},
                             action=f"/editor/issues/2023-12/revisions/{original.id}/restore")
    assert restored.status_code == 302
    assert (ws.folder() / "it.yaml").read_text(encoding="utf-8") == original.text
    assert load_issue(ws.config, "2023-12").editions["it"].top_news[0].title == "Luci d'Artista"


def test_translation_states_missing_translated_stale_and_the_file_made_on_first_use(ws):
    editor = ws.sign_in("editor")
    assert not (ws.folder() / "fr.yaml").exists()
    page = words(editor.get("/editor/issues/2023-12/translate/fr"))
    assert "does not exist yet" in page and "state-missing" in page
    saved = editor.submit("/editor/issues/2023-12/translate/fr", {
        "part": "top_news:luci-d-artista", "title": "Luci d'Artista",
        "body": "La manifestation Luci d'Artista illumine Turin."})
    assert saved.status_code == 302
    assert (ws.folder() / "fr.yaml").is_file()
    checked = check_issue(ws.config, "2023-12")
    assert not checked.errors
    item = checked.issue.editions["fr"].top_news[0]
    assert item.lang == "fr" and "illumine Turin" in item.body
    page = editor.get("/editor/issues/2023-12/translate/fr")
    section = words(page).split('id="item-top_news-luci-d-artista"')[1].split("</h2>")[0]
    assert "state-translated" in section
    editor.submit(ITEM, {"title": "Luci d'Artista", "date_kind": "until",
                         "date_until": "2024-01-14", "body": "Un testo italiano cambiato."})
    page = editor.get("/editor/issues/2023-12/translate/fr")
    section = words(page).split('id="item-top_news-luci-d-artista"')[1].split("</h2>")[0]
    assert "state-stale" in section


def test_the_preview_shows_the_saved_change_and_a_test_goes_to_the_editor(ws):
    editor = ws.sign_in("editor")
    before = editor.get("/editor/view/2023-12/it/email.html").get_data(as_text=True)
    assert "Luci d&#39;Artista" in before or "Luci d’Artista" in before or "Luci d'Artista" in before
    editor.submit(ITEM, {"title": "Luminarie d'autore", "date_kind": "until",
                         "date_until": "2024-01-14", "body": "Testo."})
    after = editor.get("/editor/view/2023-12/it/email.html").get_data(as_text=True)
    assert "Luminarie d" in after
    text = editor.get("/editor/view/2023-12/it/email.txt").get_data(as_text=True)
    assert "Luminarie d" in text
    sent = editor.submit("/editor/issues/2023-12/preview/it", {},
                         action="/editor/issues/2023-12/preview/it/test")
    assert sent.status_code == 302
    assert "A test copy was sent to edi@example.org" in words(editor.get(sent.headers["Location"]))
    data, _sender, recipients = ws.transport.sent[-1]
    assert recipients == ["edi@example.org"]
    message = message_from_bytes(data, policy=policy.default)
    assert message["Subject"].startswith("[TEST] ")


def test_review_approval_and_what_voids_it(ws, tmp_path):
    editor, approver = ws.sign_in("editor"), ws.sign_in("approver")
    assert editor.submit("/editor/issues/2023-12/", {},
                         action="/editor/issues/2023-12/approve").status_code == 403
    assert editor.submit("/editor/issues/2023-12/", {},
                         action="/editor/issues/2023-12/submit").status_code == 302
    back = approver.submit("/editor/issues/2023-12/", {"comment": "Manca la foto."},
                           action="/editor/issues/2023-12/send-back")
    assert back.status_code == 302
    assert "Manca la foto." in words(editor.get("/editor/issues/2023-12/"))
    editor.submit("/editor/issues/2023-12/", {}, action="/editor/issues/2023-12/submit")
    approved = approver.submit("/editor/issues/2023-12/", {},
                               action="/editor/issues/2023-12/approve")
    assert approved.status_code == 302
    assert workflow.review(ws.store, "2023-12").state == "approved"
    # `send` accepts it now (accounts exist: approval is required) ...
    runner = CliRunner()
    env = {"NEWSLETTER_DATABASE_URL": ws.store.url, "NEWSLETTER_SECRET_KEY": "k" * 32}
    out = tmp_path / "out"
    assert runner.invoke(cli, ["--project", str(ws.project), "build", "2023-12", "--out",
                                str(out)], env=env).exit_code == 0
    # ... and an edit after the approval voids it, visibly, and `send` refuses.
    saved = editor.submit(ITEM, {"title": "Cambiato dopo", "date_kind": "until",
                                 "date_until": "2024-01-14", "body": "Testo."})
    assert "voided=1" in saved.headers["Location"]
    assert "voided the issue&#39;s approval" in words(editor.get(saved.headers["Location"])) \
        or "voided the issue's approval" in words(editor.get(saved.headers["Location"]))
    assert "approval was voided" in words(editor.get("/editor/issues/2023-12/"))
    runner.invoke(cli, ["--project", str(ws.project), "build", "2023-12", "--out", str(out)],
                  env=env)
    refused = runner.invoke(cli, ["--project", str(ws.project), "send", "2023-12", "--fallback",
                                   "--out", str(out)], env=env)
    assert refused.exit_code == 1
    assert "approv" in refused.output
    actions = [e.action for e in audit.listing(ws.store, month="2023-12")]
    assert {"submitted for review", "sent back", "approved", "saved",
            "approval voided"} <= set(actions)


def test_an_approver_cannot_approve_their_own_change(ws):
    approver = ws.sign_in("approver")
    approver.submit(ITEM, {"title": "Cambiato da chi approva", "date_kind": "until",
                           "date_until": "2024-01-14", "body": "Testo."})
    approver.submit("/editor/issues/2023-12/", {}, action="/editor/issues/2023-12/submit")
    refused = approver.submit("/editor/issues/2023-12/", {},
                              action="/editor/issues/2023-12/approve")
    assert refused.status_code == 409
    assert "another approver" in words(refused)
    assert workflow.review(ws.store, "2023-12").state == "review"


def test_placeholders_block_submission(ws):
    editor = ws.sign_in("editor")
    started = editor.submit("/editor/", {"month": "2024-01", "from": ""},
                            action="/editor/issues", version=False)
    assert started.status_code == 302
    page = words(editor.get("/editor/issues/2024-01/"))
    assert "DA SCRIVERE" in page and "to fix before it can be submitted" in page
    refused = editor.submit("/editor/issues/2024-01/", {}, action="/editor/issues/2024-01/submit")
    assert refused.status_code == 409
    assert workflow.review(ws.store, "2024-01").state == "draft"


def test_a_new_issue_from_the_previous_month(ws):
    editor = ws.sign_in("editor")
    answer = editor.submit("/editor/", {"month": "2024-01", "from": "2023-12"},
                           action="/editor/issues", version=False)
    assert answer.status_code == 302
    issue = load_issue(ws.config, "2024-01", draft=True)
    ids = [item.id for item in issue.editions["it"].top_news]
    assert "luci-d-artista" in ids  # still running in January
    assert "festival-del-classico" not in ids  # over
    assert issue.editions["it"].delegations is None or \
        issue.editions["it"].delegations.start.isoformat() == "2023-12-01"
    assert [e.action for e in audit.listing(ws.store, month="2024-01")] == ["issue started"]


def test_schedule_needs_the_current_approval_and_the_delivery_page(ws):
    editor, approver = ws.sign_in("editor"), ws.sign_in("approver")
    refused = approver.submit("/editor/issues/2023-12/", {"at": "2030-01-05T09:00"},
                              action="/editor/issues/2023-12/schedule")
    assert refused.status_code == 409
    editor.submit("/editor/issues/2023-12/", {}, action="/editor/issues/2023-12/submit")
    approver.submit("/editor/issues/2023-12/", {}, action="/editor/issues/2023-12/approve")
    scheduled = approver.submit("/editor/issues/2023-12/", {"at": "2030-01-05T09:00",
                                                            "fallback": "1"},
                                action="/editor/issues/2023-12/schedule")
    assert scheduled.status_code == 302
    page = words(approver.get("/editor/issues/2023-12/"))
    assert "state-scheduled" in page and "2030-01-05 09:00" in page
    link = re.search(r'href="(/editor/issues/2023-12/deliveries/\d+)"', page).group(1)
    delivery = words(approver.get(link))
    assert "Recipients" in delivery and "scheduled" in delivery
    cancelled = approver.submit("/editor/issues/2023-12/", {},
                                action="/editor/issues/2023-12/cancel")
    assert cancelled.status_code == 302
    assert "state-scheduled" not in words(approver.get("/editor/issues/2023-12/"))


def test_the_translation_page_shows_the_delegations_already_translated(ws):
    # A translation's delegations are a plain list (the primary's are under
    # `received`): the form must show them, or saving would erase them.
    editor = ws.sign_in("editor")
    page = words(editor.get("/editor/issues/2023-12/translate/en"))
    section = page.split('id="item-delegations-lione"')[1].split("</section>")[0]
    assert 'name="name" value="Delegation from Lyon"' in section
