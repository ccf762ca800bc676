"""What comes back after a delivery: the corpus (tests/fixtures/bounces/)
classified, and `newsletter bounces process` and `review` through the CLI on
a real store, with the message on standard input as a Postfix pipe gives it,
or in a Maildir."""

from __future__ import annotations

import logging
import mailbox
import re
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.dispatch.feedback.classify import Kind, classify
from newsletter.dispatch.feedback.mailboxes import from_imap
from newsletter.dispatch.feedback.process import process
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import feedback as store_feedback
from newsletter.store import subscribers as subs
from newsletter.store.addresses import normalize
from newsletter.store.states import ConsentMethod

from . import bounce_corpus as corpus
from .conftest import BOTH, MINIMAL, SECRET, SQLITE, write_issue

VERP = corpus.verp(SECRET)
ADDRESS = VERP.address(12, 345)
KEY = "c" * 32  # NEWSLETTER_SECRET_KEY of the CLI tests
START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


# -- the corpus, classified ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(corpus.EXPECTED))
def test_each_message_of_the_corpus_is_classified(name):
    kind, status, words = corpus.EXPECTED[name]
    forged = name == corpus.FORGED
    found = classify(corpus.message(name, corpus.forged(ADDRESS) if forged else ADDRESS), VERP)
    assert (found.kind, found.status, found.forged) == (kind, status, forged)
    assert words in found.diagnostic
    assert found.message_id and found.message_id.startswith("<")
    assert found.recipients == (() if forged or name == "unrelated.eml" else ((12, 345),))


def test_a_complaint_names_the_recipient_from_the_verp_address_alone():
    # Microsoft's reports hide the recipient; Yahoo's is sent to the FBL address,
    # not the VERP one: the original envelope sender (Original-Mail-From, the
    # returned headers' Return-Path) names them.
    for name in ("arf-microsoft-jmrp.eml", "arf-yahoo-aol-abuse.eml"):
        found = classify(corpus.message(name, ADDRESS), VERP)
        assert (found.kind, found.feedback_type, found.recipients) == ("complaint", "abuse",
                                                                      ((12, 345),))


def test_a_forged_verp_token_is_logged_and_names_nobody(caplog):
    with caplog.at_level(logging.WARNING, logger="newsletter.bounces"):
        found = classify(corpus.message("postfix-5.1.1-user-unknown.eml",
                                        corpus.forged(ADDRESS)), VERP)
    assert found.forged and found.recipients == ()
    assert corpus.forged(ADDRESS) in caplog.text and "does not verify" in caplog.text


def test_a_token_signed_under_another_key_is_forged():
    other = corpus.verp(b"another key").address(12, 345)
    found = classify(corpus.message("gmail-5.1.1-does-not-exist.eml", other), VERP)
    assert found.forged and found.recipients == ()


def test_without_verp_a_bounce_is_recognized_but_names_nobody():
    found = classify(corpus.message("postfix-5.1.1-user-unknown.eml", ADDRESS), None)
    assert (found.kind, found.recipients, found.forged) == ("hard", (), False)


def test_an_other_feedback_type_is_not_a_complaint():
    raw = corpus.message("arf-yahoo-aol-abuse.eml", ADDRESS).replace(
        b"Feedback-Type: abuse", b"Feedback-Type: not-spam")
    found = classify(raw, VERP)
    assert found.kind == "unknown" and "not-spam" in found.reason


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe\x80 not a message at all",
    b"Subject: =?utf-8?q?broken\r\nContent-Type: multipart/report; report-type=delivery-status\r\n"
    b"\r\nno boundary, no parts",
    b"From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; boundary=x\n\n--x\n"
    b"Content-Type: message/delivery-status\n\nStatus: garbled\nAction: bogus\n",
    b"From: MAILER-DAEMON@example.org\nContent-Type: multipart/mixed; boundary=\"unterminated\n\n"
    b"--unterminated\nContent-Type: message/rfc822\n\n\xff\xfe",
    b"Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n"
    b"!!!not base64!!!",
    b"To: " + b"<" * 5000 + b"\n\n",
])
def test_broken_input_is_unknown_never_an_exception(raw):
    found = classify(raw, VERP)
    assert found.kind == "unknown" and found.reason and found.recipients == ()


def test_a_delivery_status_without_a_failure_is_not_a_bounce():
    raw = corpus.message("postfix-5.1.1-user-unknown.eml", ADDRESS).replace(
        b"Action: failed\nStatus: 5.1.1", b"Action: delivered\nStatus: 2.0.0")
    assert classify(raw, VERP).kind == "unknown"


def test_an_unrecognized_bounce_is_kept_rather_than_taken_for_an_auto_reply():
    raw = (b"From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.org>\n"
           b"To: " + ADDRESS.encode() + b"\nAuto-Submitted: auto-replied\n"
           b"Subject: Undeliverable mail\n\nSomething went wrong, in no known format.\n")
    found = classify(raw, VERP)
    assert found.kind == "unknown" and "looks like a bounce" in found.reason


# -- the command, on a real store ----------------------------------------------------------


class Office:
    """A project with VERP configured, its store and the CLI, as the IT
    person runs it."""

    def __init__(self, project: Path, database_url: str):
        self.project = project
        toml = project / "newsletter.toml"
        text = toml.read_text(encoding="utf-8")
        setting = f'address = "{corpus.BOUNCE_ADDRESS}"\n'
        text = re.sub(r"^\[bounces\]\n", lambda m: m[0] + setting, text, flags=re.M) \
            if re.search(r"^\[bounces\]$", text, flags=re.M) else text + "\n[bounces]\n" + setting
        toml.write_text(text, encoding="utf-8")
        self.env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": KEY,
                    "NEWSLETTER_SMTP_URL": ""}
        self.store = Store(database_url, KEY.encode())
        self.verp = corpus.verp(KEY.encode())

    def run(self, *args: str, input: bytes | None = None):
        return CliRunner(env=self.env).invoke(cli, ["--project", str(self.project), *args],
                                              input=input, catch_exceptions=False)

    def subscriber(self, email: str) -> subs.Subscriber:
        address, key = normalize(email)
        return subs.get(self.store, key=key) or subs.add(
            self.store, address, key, None, "it", subs.Consent(ConsentMethod.CLI, "1"))

    def delivery(self, month: str = "2024-03") -> ledger.Delivery:
        return ledger.find(self.store, month, "it") or ledger.create(
            self.store, month, "it", "Work in Progress")

    def address(self, email: str, month: str = "2024-03") -> str:
        return self.verp.address(self.delivery(month).id, self.subscriber(email).id)

    def status(self, email: str) -> str:
        return subs.get(self.store, key=normalize(email)[1]).status

    def bounce(self, name: str, email: str, message_id: str | None = None, *args: str):
        return self.run("bounces", "process", *args,
                        input=corpus.message(name, self.address(email), message_id))


@pytest.fixture
def office(project, database_url):
    office = Office(project, database_url)
    yield office
    office.store.close()


def on_day(monkeypatch, day: int) -> None:
    """The store's clock on START + ``day`` days (the bounce score counts days)."""
    monkeypatch.setattr(store_feedback, "now", lambda: START + timedelta(days=day))


def outbox(project: Path) -> set[Path]:
    return set((project / "outbox").glob("*.eml"))


@BOTH
def test_a_hard_bouncing_subscriber_reaches_the_threshold_and_is_no_longer_sent(
        office, project, monkeypatch):
    write_issue(project, {"it.yaml": MINIMAL})
    for email in ("anna@example.org", "bruno@example.org"):
        assert office.run("subscribers", "add", email).exit_code == 0
    office.run("build", "2024-03")
    assert office.run("send", "2024-03").exit_code == 0
    for day in range(5):
        on_day(monkeypatch, day)
        result = office.bounce("postfix-5.1.1-user-unknown.eml", "anna@example.org",
                               f"<bounce-{day}@mail.example.org>")
        assert result.exit_code == 0, result.output
        assert office.status("anna@example.org") == ("bounced" if day == 4 else "active")
    assert result.output.startswith("1 message read; hard bounces: 1, soft bounces: 0")
    assert "subscribers now bounced: 1" in result.output
    history = subs.events(office.store, office.subscriber("anna@example.org").id)
    assert [event for _at, event, _detail in history][-2:] == ["bounce-hard", "bounced"]
    assert "5.1.1" in history[-1][2] and "User unknown" in history[-2][2]
    assert "anna@example.org" not in history[-2][2]  # the diagnostic is kept without the address

    before = outbox(project)
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03", "2024-04")}, month="2024-04")
    office.run("build", "2024-04")
    assert office.run("send", "2024-04").exit_code == 0
    sent = [path.read_text(encoding="utf-8") for path in outbox(project) - before]
    assert len(sent) == 1 and "bruno@example.org" in sent[0]


@SQLITE
def test_one_hard_bounce_a_day_counts_once_and_the_same_message_twice_is_a_duplicate(
        office, monkeypatch):
    on_day(monkeypatch, 0)
    office.bounce("gmail-5.1.1-does-not-exist.eml", "anna@example.org", "<one@example.org>")
    office.bounce("exim-permanent-error.eml", "anna@example.org", "<two@example.org>")
    again = office.bounce("gmail-5.1.1-does-not-exist.eml", "anna@example.org", "<one@example.org>")
    assert "already processed: 1" in again.output
    assert store_feedback.score(office.store, office.subscriber("anna@example.org").id)[0] == 1


@SQLITE
def test_a_soft_bounce_changes_nothing(office):
    result = office.bounce("postfix-4.4.1-delayed.eml", "anna@example.org")
    assert result.exit_code == 0 and "soft bounces: 1" in result.output
    assert office.status("anna@example.org") == "active"
    assert store_feedback.score(office.store, office.subscriber("anna@example.org").id)[0] == 0


@SQLITE
@pytest.mark.parametrize("name", ["arf-yahoo-aol-abuse.eml", "arf-microsoft-jmrp.eml"])
def test_a_complaint_unsubscribes_at_once(office, name):
    result = office.bounce(name, "anna@example.org")
    assert result.exit_code == 0 and "complaints: 1" in result.output
    assert "unsubscribed: 1" in result.output
    assert office.status("anna@example.org") == "complained"


@SQLITE
def test_a_forged_verp_token_is_ignored_and_logged(office, caplog):
    forged = corpus.forged(office.address("anna@example.org"))
    with caplog.at_level(logging.WARNING, logger="newsletter.bounces"):
        result = office.run("bounces", "process",
                            input=corpus.message(corpus.FORGED, forged))
    assert result.exit_code == 0 and "forged: 1" in result.output
    assert forged in caplog.text
    assert office.status("anna@example.org") == "active"
    assert store_feedback.score(office.store, office.subscriber("anna@example.org").id)[0] == 0
    assert "forged VERP address" in office.run("bounces", "review").output


@SQLITE
def test_an_auto_reply_is_ignored(office):
    result = office.bounce("out-of-office.eml", "anna@example.org", None, "--quiet")
    assert result.exit_code == 0 and result.output == ""
    assert office.status("anna@example.org") == "active"
    assert "no messages kept for review" in office.run("bounces", "review").output


@SQLITE
def test_an_unknown_message_is_kept_for_review_and_exits_0(office):
    result = office.run("bounces", "process", input=corpus.message("unrelated.eml", ""))
    assert result.exit_code == 0 and "unknown: 1" in result.output
    assert "kept for review" in result.output
    listing = office.run("bounces", "review").output
    assert "stdin  not a bounce, complaint or auto-reply  <q-3c9e@example.org>" in listing
    kept_id = listing.split()[0]
    shown = office.run("bounces", "review", "--show", kept_id)
    assert "Subject: Question about the March issue" in shown.output
    missing = office.run("bounces", "review", "--show", "999")
    assert missing.exit_code == 1 and "no message 999 in the review list" in missing.output


@SQLITE
def test_the_review_list_is_purged_of_old_messages(office, monkeypatch):
    on_day(monkeypatch, -40)
    office.run("bounces", "process", input=corpus.message("unrelated.eml", ""))
    monkeypatch.undo()
    assert len(store_feedback.review_list(office.store)) == 1
    result = office.run("bounces", "review", "--purge")
    assert result.output.startswith("1 message kept longer than 30 days deleted")
    assert store_feedback.review_list(office.store) == []
    # Each run of `bounces process` purges them too: a 40-day-old one never outlives it.
    on_day(monkeypatch, -40)
    office.run("bounces", "process", input=corpus.message("unrelated.eml", ""))
    monkeypatch.undo()
    office.run("bounces", "process", input=b"From: someone@example.org\n\nhello\n")
    assert len(store_feedback.review_list(office.store)) == 1


@SQLITE
def test_maildir_removes_what_it_classified_and_leaves_the_rest_seen(office, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    bounce = box.add(corpus.message("office365-5.1.10-recipient-not-found.eml",
                                    office.address("anna@example.org")))
    reply = box.add(corpus.message("out-of-office.eml", office.address("anna@example.org")))
    unknown = box.add(corpus.message("unrelated.eml", ""))
    result = office.run("bounces", "process", "--maildir", str(tmp_path / "Maildir"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 messages read; hard bounces: 1")
    assert "auto-replies: 1, unknown: 1" in result.output
    box = mailbox.Maildir(tmp_path / "Maildir", create=False)
    assert set(box.keys()) == {unknown} and bounce != reply
    left = box.get_message(unknown)
    assert left.get_subdir() == "cur" and "S" in left.get_flags()
    assert [kept.source for kept in store_feedback.review_list(office.store)] == \
        [f"maildir:new/{unknown}"]
    again = office.run("bounces", "process", "--maildir", str(tmp_path / "Maildir"))
    assert again.output.startswith("0 messages read")


@SQLITE
def test_a_bounce_for_a_subscriber_erased_since_is_dropped(office):
    address = office.address("anna@example.org")
    subs.erase(office.store, normalize("anna@example.org")[1])
    result = office.run("bounces", "process",
                        input=corpus.message("postfix-5.1.1-user-unknown.eml", address))
    assert result.exit_code == 0 and "for nobody known: 1" in result.output
    assert store_feedback.review_list(office.store) == []


class IMAPMailbox(socketserver.StreamRequestHandler):
    """Just enough of an IMAP4rev1 server (RFC 3501) on loopback for imaplib:
    one folder, messages by UID with their flags."""

    messages: dict[int, tuple[bytes, set[str]]]

    def handle(self) -> None:
        self.say("* OK IMAP4rev1 ready")
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            tag, command, *args = line.split(" ")
            if command == "LOGOUT":
                self.say("* BYE", f"{tag} OK")
                return
            self.say(*self.answer(command.upper(), args), f"{tag} OK done")

    def answer(self, command: str, args: list[str]) -> list[str]:
        if command == "CAPABILITY":
            return ["* CAPABILITY IMAP4rev1 UIDPLUS"]
        if command == "SELECT":
            return [f"* {len(self.messages)} EXISTS"]
        if command == "EXPUNGE" or args[:1] == ["EXPUNGE"]:
            for uid in [uid for uid, (_raw, flags) in self.messages.items() if "\\Deleted" in flags]:
                del self.messages[uid]
            return []
        if args[:1] == ["SEARCH"]:
            return ["* SEARCH " + " ".join(str(uid) for uid, (_raw, flags) in self.messages.items()
                                           if not flags & {"\\Seen", "\\Deleted"})]
        if args[:1] == ["FETCH"]:
            raw = self.messages[int(args[1])][0]
            self.wfile.write(f"* 1 FETCH (UID {args[1]} BODY[] {{{len(raw)}}}\r\n".encode()
                             + raw + b")\r\n")
            return []
        if args[:1] == ["STORE"]:
            self.messages[int(args[1])][1].add(args[3].strip("()"))
        return []  # LOGIN and the rest: fine

    def say(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())


@SQLITE
def test_imap_removes_what_it_classified_and_leaves_the_rest_unseen(office, project):
    address = office.address("anna@example.org")
    IMAPMailbox.messages = {
        1: (corpus.message("gmail-5.1.1-does-not-exist.eml", address), set()),
        2: (corpus.message("out-of-office.eml", address), set()),
        3: (corpus.message("unrelated.eml", ""), set()),
        4: (corpus.message("postfix-5.1.1-user-unknown.eml", address), {"\\Seen"}),  # a person's
    }
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), IMAPMailbox) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"imap://bounces:s%40cret@127.0.0.1:{server.server_address[1]}/INBOX"
        summary = process(load_config(project, office.env), office.store, from_imap(url))
        server.shutdown()
    assert (summary.hard, summary.autoreplies, summary.unknown) == (1, 1, 1)
    assert {uid: flags for uid, (_raw, flags) in IMAPMailbox.messages.items()} == \
        {3: set(), 4: {"\\Seen"}}
    assert [kept.source for kept in store_feedback.review_list(office.store)] == ["imap:INBOX/3"]


@SQLITE
def test_imap_without_its_url_says_what_to_set(office):
    result = office.run("bounces", "process", "--imap")
    assert result.exit_code == 1 and "--imap needs NEWSLETTER_BOUNCE_IMAP_URL" in result.output


def test_an_unreachable_database_exits_75_so_postfix_retries(project):
    env = {"NEWSLETTER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "NEWSLETTER_SECRET_KEY": KEY}
    result = CliRunner(env=env).invoke(cli, ["--project", str(project), "bounces", "process"],
                                       input=corpus.message("unrelated.eml", ""))
    assert result.exit_code == 75 and "cannot open the database" in result.output


def test_the_corpus_kinds_are_the_classifier_s():
    assert {kind for kind, _status, _words in corpus.EXPECTED.values()} == set(Kind)
