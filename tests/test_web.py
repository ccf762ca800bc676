"""The subscription pages through Flask's test client: double opt-in, one-
click unsubscribe, preferences; forged tokens, CSRF, rate limit, no
enumeration, languages."""

import re
from email import message_from_bytes, policy

import pytest
from itsdangerous import TimestampSigner

from newsletter.core.config import load_config
from newsletter.core.urls import Tokens
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import Store
from newsletter.store import subscribers as subs
from newsletter.web import create_app
from newsletter.web.outgoing import deliver_queued

from .conftest import BOTH, SQLITE


@pytest.fixture
def site(project, database_url):
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                   "NEWSLETTER_BASE_URL": "http://localhost"})
    store = Store(database_url, config.secret())
    transport = MemoryTransport()
    app = create_app(config, store, lambda: transport, mail_thread=False)
    yield app.test_client(), store, transport, config
    store.close()


def csrf(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def subscribe(client, email="anna@example.org", **fields):
    token = csrf(client.get("/subscribe"))
    data = {"csrf": token, "email": email, "name": "", "language": "it", "privacy": "yes",
            "website": "", **fields}
    page = client.post("/subscribe", data=data)
    deliver_queued(client.application)  # what the mail thread does after the answer
    return page


def last_mail(transport):
    return message_from_bytes(transport.sent[-1][0], policy=policy.default)


def link_in(message, kind: str) -> str:
    return re.search(rf"http://localhost(/{kind}/\S+)", message.get_content()).group(1)


@BOTH
def test_subscribe_confirm_unsubscribe(site):
    client, store, transport, _ = site
    page = subscribe(client, name="Anna Rossi", language="en")
    assert page.status_code == 200
    assert "Controlla la tua casella di posta" in page.get_data(as_text=True)
    assert subs.get(store, key="anna@example.org").status == "pending"

    message = last_mail(transport)
    assert message["To"] == "Anna Rossi <anna@example.org>"
    assert message["Subject"] == "Confirm your subscription to Work in Progress"
    assert message["Content-Language"] == "en"
    confirm = link_in(message, "confirm")

    shown = client.get(confirm)  # a link scanner's GET confirms nothing
    assert '<form method="post">' in shown.get_data(as_text=True)
    assert subs.get(store, key="anna@example.org").status == "pending"
    assert '<html lang="en"' in shown.get_data(as_text=True)  # the subscriber's language
    done = client.post(confirm, data={"csrf": csrf(shown)})
    assert "Subscription confirmed" in done.get_data(as_text=True)
    subscriber = subs.get(store, key="anna@example.org")
    assert (subscriber.status, subscriber.language, subscriber.consent_method) == \
        ("active", "en", "form")
    assert subscriber.consent_ip == "127.0.0.1" and subscriber.privacy_version == "2024-01"

    replay = client.post(confirm, data={"csrf": csrf(shown)})
    assert "was already confirmed" in replay.get_data(as_text=True)

    token = Tokens(b"k" * 32, 3600).unsubscribe(subscriber.uid)
    page = client.get(f"/unsubscribe/{token}")
    assert "anna@example.org" in page.get_data(as_text=True)
    assert subs.get(store, key="anna@example.org").status == "active"
    one_click = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert subs.get(store, key="anna@example.org").status == "unsubscribed"
    assert subs.events(store, subscriber.id)[-1][1:] == ("unsubscribed", "one-click (RFC 8058)")


@SQLITE
def test_forged_and_expired_tokens_get_a_polite_page(site, monkeypatch):
    client, store, _transport, config = site
    subscribe(client)
    uid = subs.get(store, key="anna@example.org").uid
    for url in ("/confirm/forged", "/unsubscribe/forged", "/preferences/forged",
                "/confirm/" + Tokens(b"k" * 32, 10).unsubscribe(uid)):  # a token of another kind
        page = client.get(url)
        assert page.status_code == 400
        assert "Link non valido" in page.get_data(as_text=True)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_000_000_000)
    old = Tokens(config.secret(), config.confirm_hours * 3600).confirm(uid)
    monkeypatch.undo()
    page = client.post(f"/confirm/{old}", data={"csrf": csrf(client.get("/subscribe"))})
    assert page.status_code == 410 and "Link scaduto" in page.get_data(as_text=True)
    assert subs.get(store, key="anna@example.org").status == "pending"


@SQLITE
def test_erased_subscriber_link(site):
    client, store, _, _ = site
    subscribe(client)
    subscriber = subs.get(store, key="anna@example.org")
    subs.erase(store, subscriber.email_key)
    token = Tokens(b"k" * 32, 3600).unsubscribe(subscriber.uid)
    page = client.post(f"/unsubscribe/{token}")
    assert "non è più nella nostra lista" in page.get_data(as_text=True)
    assert subs.get(store, key="anna@example.org") is None


@SQLITE
def test_same_answer_for_known_and_unknown_addresses(site):
    client, store, transport, _ = site
    email, key = "known@example.org", "known@example.org"
    subs.add(store, email, key, None, "it", subs.Consent("cli", "1"))

    def answer(address):
        return re.sub(r'value="[^"]+"', "", subscribe(client, address).get_data(as_text=True))

    assert answer("known@example.org") == answer("unknown@example.org")
    # active: nothing to confirm, the address gets its own links instead
    assert [m[2] for m in transport.sent] == [["known@example.org"], ["unknown@example.org"]]
    assert last_mail(transport)["Subject"] == "Conferma la tua iscrizione a Work in Progress"


@SQLITE
def test_form_errors_are_explained_and_accessible(site):
    client, store, _, _ = site
    page = subscribe(client, email="not an address", privacy="")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'aria-invalid="true" aria-describedby="email-error"' in html
    assert "Scrivi un indirizzo email valido" in html
    assert "devi accettare l&#39;informativa" in html
    assert 'value="not an address"' in html  # nothing the person typed is lost
    assert list(subs.listing(store)) == []


@SQLITE
def test_posts_without_csrf_token_change_nothing(site):
    client, store, _, _ = site
    page = client.post("/subscribe", data={"email": "anna@example.org", "privacy": "yes"})
    assert page.status_code == 400 and "Il modulo è scaduto" in page.get_data(as_text=True)
    assert list(subs.listing(store)) == []


@SQLITE
def test_subscribe_is_rate_limited_per_client(site):
    client, store, _, config = site
    for n in range(config.subscribe_per_hour):
        assert subscribe(client, f"p{n}@example.org").status_code == 200
    flooded = subscribe(client, "one-too-many@example.org")
    assert flooded.status_code == 429
    assert subs.get(store, key="one-too-many@example.org") is None
    other = client.get("/subscribe", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    token = csrf(other)
    fine = client.post("/subscribe", environ_base={"REMOTE_ADDR": "198.51.100.9"}, data={
        "csrf": token, "email": "elsewhere@example.org", "language": "it", "privacy": "yes"})
    assert fine.status_code == 200


@SQLITE
def test_honeypot_catches_robots(site):
    client, store, transport, _ = site
    page = subscribe(client, website="http://spam.example")
    assert page.status_code == 200 and transport.sent == []
    assert list(subs.listing(store)) == []


@SQLITE
def test_pages_follow_the_browser_language_with_a_switcher(site):
    client, _, _, _ = site
    french = client.get("/subscribe", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    html = french.get_data(as_text=True)
    assert '<html lang="fr"' in html and "S&#39;abonner à Work in Progress" in html
    assert 'href="/subscribe?lang=en" lang="en"' in html
    english = client.get("/subscribe?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english
    assert '<html lang="en"' in client.get("/subscribe").get_data(as_text=True)  # remembered


@SQLITE
def test_name_with_line_breaks_cannot_inject_headers(site):
    client, store, transport, _ = site
    subscribe(client, name="Anna\r\nBcc: victim@example.org")
    raw = transport.sent[-1][0].decode()
    assert "\r\nBcc:" not in raw
    assert subs.get(store, key="anna@example.org").name == "Anna Bcc: victim@example.org"


@SQLITE
def test_html_in_name_is_escaped_on_pages(site):
    client, _store, transport, _ = site
    subscribe(client, name="<script>alert(1)</script>")
    confirm = link_in(last_mail(transport), "confirm")
    assert "<script>" not in client.get(confirm).get_data(as_text=True)


@SQLITE
def test_preferences_change_the_language(site):
    client, store, _, _ = site
    subscriber = subs.add(store, "anna@example.org", "anna@example.org", None, "it",
                          subs.Consent("cli", "1"))
    url = f"/preferences/{Tokens(b'k' * 32, 10).preferences(subscriber.uid)}"
    page = client.get(url)
    assert 'id="language-it" name="language" value="it" checked' in page.get_data(as_text=True)
    saved = client.post(url, data={"csrf": csrf(page), "language": "fr"})
    assert "Preferenze salvate" in saved.get_data(as_text=True)
    assert subs.get(store, uid=subscriber.uid).language == "fr"


@SQLITE
def test_unsubscribe_request_sends_a_personal_link(site):
    client, store, transport, _ = site
    subs.add(store, "anna@example.org", "anna@example.org", None, "en", subs.Consent("cli", "1"))
    page = client.get("/unsubscribe")
    done = client.post("/unsubscribe", data={"csrf": csrf(page), "email": "Anna@Example.org"})
    unknown = client.post("/unsubscribe", data={"csrf": csrf(page), "email": "x@example.org"})
    assert done.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert transport.sent == []  # not from inside the request: from the queue
    deliver_queued(client.application)
    message = last_mail(transport)
    assert message["Subject"] == "Your subscription to Work in Progress"
    client.post(link_in(message, "unsubscribe"))
    assert subs.get(store, key="anna@example.org").status == "unsubscribed"


@SQLITE
def test_security_headers(site):
    client, _, _, _ = site
    response = client.get("/subscribe")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get("/assets/site.css").status_code == 200
    assert client.get("/assets/fonts/titillium-web-latin-400-normal.woff2").status_code == 200
    assert client.get("/assets/../newsletter.toml").status_code == 404


@SQLITE
def test_head_and_get_on_the_one_click_link_change_nothing(site):
    """Link checkers and mail scanners send HEAD (and GET) to every link of a
    message; only RFC 8058's POST unsubscribes."""
    client, store, _, _ = site
    subs.add(store, "anna@example.org", "anna@example.org", None, "it", subs.Consent("cli", "1"))
    subscriber = subs.get(store, key="anna@example.org")
    token = Tokens(b"k" * 32, 3600).unsubscribe(subscriber.uid)
    assert client.head(f"/unsubscribe/{token}").status_code == 200
    assert client.get(f"/unsubscribe/{token}").status_code == 200
    assert subs.get(store, key="anna@example.org").status == "active"
    client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert subs.get(store, key="anna@example.org").status == "unsubscribed"


@SQLITE
def test_a_huge_request_body_is_refused_unread(site):
    client, store, _, _ = site
    page = client.post("/subscribe", data={"email": "a@example.org", "name": "x" * 20_000_000})
    assert page.status_code == 413
    assert subs.get(store, key="a@example.org") is None
