"""Item bodies: links, e-mail addresses and sanitizing."""

from newsletter.content.markdown import to_html, to_text_blocks


def test_unknown_link_target_is_plain_text():
    assert to_html("La rassegna [Luci d'Artista](#) torna.") == \
        "<p>La rassegna Luci d'Artista torna.</p>"


def test_email_addresses_become_mailto_links():
    html = to_html("Scrivere a evs.torino@comune.torino.it per informazioni.")
    assert '<a href="mailto:evs.torino@comune.torino.it">evs.torino@comune.torino.it</a>' in html


def test_bare_www_addresses_become_https_links():
    html = to_html("Sul sito (www.comune.torino.it/relint) i resoconti.")
    assert '<a href="https://www.comune.torino.it/relint">www.comune.torino.it/relint</a>)' in html


def test_scripts_styles_and_handlers_are_removed():
    html = to_html('Testo <script>alert("x")</script><style>p{}</style>'
                   '<img src=x onerror="alert(1)"> <a href="#" onclick="steal()">a</a> fine.')
    for bad in ("<script", "alert", "<style", "onerror", "onclick", "<img"):
        assert bad not in html


def test_javascript_urls_never_become_links():
    html = to_html("[premi](javascript:alert(1)) e <a href=\"javascript:alert(2)\">qui</a>")
    assert 'href="javascript' not in html


def test_lists_and_emphasis_are_kept():
    html = to_html("Temi:\n\n- *energia*\n- **clima**\n")
    assert "<ul>" in html and "<em>energia</em>" in html and "<strong>clima</strong>" in html


def test_plain_text_cites_links_as_numbered_references():
    references = ["https://earlier.example.org/"]
    blocks = to_text_blocks("Vedi [il bando](https://trialsnet.eu/open-call/) e "
                            "<https://trialsnet.eu/>, scrivi a a@comune.torino.it.", references)
    assert blocks[0].text == ("Vedi il bando [2] e https://trialsnet.eu/, scrivi a "
                              "a@comune.torino.it.")
    assert references == ["https://earlier.example.org/", "https://trialsnet.eu/open-call/"]


def test_plain_text_lists():
    blocks = to_text_blocks("1. uno\n2. due\n", [])
    assert [(b.bullet, b.text) for b in blocks] == [("1.", "uno"), ("2.", "due")]
