"""The assembled message: parses cleanly, carries every header DESIGN.md
lists, scores under 1.0 with SpamAssassin, signs with DKIM over both
List-Unsubscribe headers, refuses header injection."""

import base64
import re
import shutil
import subprocess
from email import message_from_bytes, message_from_string, policy

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from newsletter.dispatch import prepare, sender
from newsletter.dispatch.dkim import Signer
from newsletter.dispatch.message import EditionMessage, Personal, message_id

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def edition_message(sample_config, sample):
    from newsletter.render.build import build_issue

    build_issue(sample_config, SAMPLE, sample_config.root / "out")
    issue = sample[0]
    return prepare(sample_config, issue, issue.editions["it"], sample_config.root / "out")


def personal(address="anna.rossi@example.org", name="Anna Rossì") -> Personal:
    return Personal(address, name, "https://www.comune.torino.it/relint/wip/unsubscribe/"
                    "ImFiYzEyMyI.Zm9vYmFyYmF6cXV4", message_id(7, 42, "comune.torino.it"))


def test_parses_cleanly_with_every_header(edition_message):
    raw = edition_message.compose(personal())
    message = message_from_bytes(raw, policy=policy.default)
    assert message.defects == []
    assert all(not part.defects for part in message.walk())
    assert str(message["From"]) == ("Città di Torino – Relazioni Internazionali "
                                    "<international.affairs@comune.torino.it>")
    assert str(message["To"]) == "Anna Rossì <anna.rossi@example.org>"
    assert message["Subject"] == "Work in Progress – Dicembre 2023"
    assert re.fullmatch(r"<wip\.[0-9a-f]{20}@comune\.torino\.it>", message["Message-ID"])
    assert message["MIME-Version"] == "1.0" and message["Content-Language"] == "it"
    assert message["Date"].datetime.utcoffset().total_seconds() == 0
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only


def test_only_the_personal_parts_differ(edition_message):
    one = edition_message.compose(personal(), date="Fri, 01 Dec 2023 08:00:00 GMT")
    two = edition_message.compose(personal("b@example.org", None), date="Fri, 01 Dec 2023 08:00:00 GMT")
    head_one, body_one = one.split(b"\r\n\r\n", 1)
    head_two, body_two = two.split(b"\r\n\r\n", 1)
    assert body_one == body_two  # the same unsubscribe URL: the same bytes
    headers_one = message_from_bytes(head_one + b"\r\n\r\n", policy=policy.default)
    headers_two = message_from_bytes(head_two + b"\r\n\r\n", policy=policy.default)
    assert [k for k in headers_one if headers_one[k] != headers_two[k]] == ["To", "Message-ID"]


def test_internationalized_address_is_written_for_smtputf8(edition_message):
    raw = edition_message.compose(personal("josé@exämple.org", "José"))
    assert '"José" <josé@exämple.org>'.encode() in raw


NAMES = ["Anna Rossì", 'Mario "Il Grande" Rossi', "Rossi, Mario", "O'Brien", 'a\\b"c',
         "Zoë \"Z\" Ünal", "Élodie <e@evil.example>", "=?utf-8?q?Admin?=", "x@y.example, z@w.example",
         "(comment) Name", "Ünï \"quoted\" ; name", "   spaced   out   ", "", None, "Δ" * 120]
ADDRESSES = ["anna@example.org", "ünï@exämple.org"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_to_header_parses_back_to_one_mailbox(edition_message, address):
    """Whatever a subscriber's name holds (quotes, commas, angle brackets,
    backslashes, encoded-word look-alikes, letters outside ASCII), the To:
    header is one mailbox with that address and that name."""
    for name in NAMES:
        head = edition_message.compose(personal(address, name)).split(b"\r\n\r\n", 1)[0]
        parsed = message_from_string(head.decode("utf-8") + "\r\n\r\n", policy=policy.SMTPUTF8)
        mailboxes = parsed["To"].addresses
        assert len(mailboxes) == 1, (name, parsed["To"])
        assert mailboxes[0].addr_spec == address, name
        assert mailboxes[0].display_name == " ".join((name or "").split()), name
        defects = [d for d in parsed["To"].defects if not address_is_utf8(d)]
        assert not defects, (name, defects)


def address_is_utf8(defect) -> bool:
    """Python flags a non-ASCII local part, which SMTPUTF8 (RFC 6531) allows."""
    return type(defect).__name__ == "NonASCIILocalPartDefect"


def test_message_id_is_the_same_for_a_second_copy():
    key = b"k" * 32
    first = message_id(7, 42, "comune.torino.it", key)
    assert first == message_id(7, 42, "comune.torino.it", key)  # the second copy's
    assert first != message_id(7, 43, "comune.torino.it", key)
    assert "42" not in first.split("@")[0]  # says nothing about anybody's place in the list
    assert message_id(0, 0, "x.example") != message_id(0, 0, "x.example")  # test copies


def test_header_injection_is_impossible(edition_message):
    raw = edition_message.compose(personal(name="Anna\r\nBcc: victim@example.org"))
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Bcc"] is None
    with pytest.raises(ValueError, match="line break in the Subject header"):
        EditionMessage(html="<p>x</p>", text="x", subject="Hi\r\nBcc: x@example.org",
                       language="it", sender=edition_message.sender,
                       generic_unsubscribe_url="https://x.example.org/unsubscribe")


@pytest.mark.skipif(not shutil.which("spamassassin"),
                    reason="spamassassin (Debian package) is not installed")
def test_spamassassin_scores_under_one(edition_message, tmp_path):
    raw = edition_message.compose(personal())
    report = subprocess.run(["spamassassin", "-L", "-t"], input=raw, capture_output=True,
                            timeout=120).stdout.decode()
    score = float(report.split("Content analysis details:")[1].split("(")[1].split(" points")[0])
    assert score < 1.0, report.split("Content analysis details:")[1]


def test_dkim_signature_covers_both_list_unsubscribe_headers(sample_config, edition_message,
                                                             tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (tmp_path / "dkim.key").write_bytes(pem)
    public = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    signed = EditionMessage(html=edition_message.html, text=edition_message.text,
                            subject="Work in Progress – Dicembre 2023", language="it",
                            sender=sender(sample_config),
                            generic_unsubscribe_url=f"{sample_config.base_url}/unsubscribe",
                            dkim=Signer("comune.torino.it", "wip", tmp_path / "dkim.key"))
    raw = signed.compose(personal())
    assert raw.startswith(b"DKIM-Signature:")
    signature = raw.split(b"\r\n\r\n")[0].split(b"\r\nFrom:")[0].replace(b"\r\n", b"")
    signed_headers = signature.split(b"h=")[1].split(b";")[0].replace(b" ", b"").split(b":")
    assert {b"list-unsubscribe", b"list-unsubscribe-post"} <= {h.lower() for h in signed_headers}

    def dns(name, timeout=5):
        assert name == b"wip._domainkey.comune.torino.it."
        return f"v=DKIM1; k=rsa; p={public}".encode()

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"unsubscribe/ImFiYzEyMyI", b"unsubscribe/ImV2aWwiIg", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_smtp_form_is_dot_stuffed_once_and_exactly(edition_message):
    # Lines that start with "." must be doubled on the wire (RFC 5321 §4.5.2).
    tricky = EditionMessage(
        html='<p>x</p>\n.hidden\n<a href="https://x.example.org/unsubscribe">u</a>\n.',
        text=".net at the start\nmiddle . dot\n..two\nhttps://x.example.org/unsubscribe\n.",
        subject="S", language="it", sender=edition_message.sender,
        generic_unsubscribe_url="https://x.example.org/unsubscribe")
    person = Personal("a@example.org", None, "https://x.example.org/unsubscribe/" + "a.b" * 40,
                      "<m@x>")
    plain = tricky.compose(person, date="D")
    wire = tricky.compose(person, date="D", for_smtp=True)
    assert wire.endswith(b"\r\n.\r\n")
    assert wire[:-3].replace(b"\r\n..", b"\r\n.") == plain
    assert b"\r\n.net" not in wire and b"\r\n..net" in wire
