"""The content model's optional fields in the editorial workspace: an
item's kind, places and highlight; a delegation's country code and the
counterpart's role; the role in the translation page."""

from __future__ import annotations

import re

import pytest
import yaml

from newsletter.content import load_issue
from newsletter.content.model import Place

from .workspace import workspace

ITEM = "/editor/issues/2023-12/items/top_news/luci-d-artista"
CONSULATE = "/editor/issues/2023-12/items/consulates/giorno-nazionale-romania"
DELEGATION = "/editor/issues/2023-12/items/delegations/taipei"
LUCI = {"title": "Luci d'Artista", "date_kind": "until", "date_until": "2024-01-14",
        "body": "La rassegna torna.", "tags_cities": "Torino", "tags_projects": "Luci d'Artista"}


@pytest.fixture
def ws(tmp_path):
    return workspace(tmp_path)


def words(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def top_news(ws, item_id: str):
    return next(i for i in load_issue(ws.config, "2023-12").editions["it"].top_news
                if i.id == item_id)


def delegation(ws, lang: str, item_id: str):
    issue = load_issue(ws.config, "2023-12")
    return next(d for d in issue.editions[lang].delegations.received if d.id == item_id)


def test_the_item_form_shows_kind_highlight_and_places(ws):
    page = words(ws.sign_in("editor").get(ITEM))
    assert '<option value="event" selected>event in Torino</option>' in page
    assert 'id="highlight" name="highlight" value="1" checked' in page
    assert '<option value="IT" selected>Italy</option>' in page  # named in the UI's language
    assert 'name="place_city_0" value="Torino"' in page
    assert 'name="place_country_2"' in page and 'name="place_country_3"' not in page


def test_kind_highlight_and_places_are_saved_and_comments_kept(ws):
    before = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    editor = ws.sign_in("editor")
    answer = editor.submit(ITEM, {**LUCI, "kind": "mission", "highlight": "1",
                                  "place_country_0": "BE", "place_city_0": "Bruxelles",
                                  "place_country_1": "fr", "place_city_1": "",
                                  "place_country_2": "", "place_city_2": "Nowhere"})
    assert answer.status_code == 302, words(answer)
    item = top_news(ws, "luci-d-artista")
    assert item.kind == "mission" and item.highlight is True
    assert item.places == (Place("BE", "Bruxelles"), Place("FR", None))
    after = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in after.splitlines() for line in comments)
    assert "    places:\n      - {country: BE, city: Bruxelles}\n      - {country: FR}\n" in after
    # Unchecked, none and no rows: the keys go.
    answer = editor.submit(ITEM, {**LUCI, "kind": "", "place_country_0": ""})
    assert answer.status_code == 302, words(answer)
    entry = next(e for e in yaml.safe_load((ws.folder() / "it.yaml").read_text())["top_news"]
                 if e["id"] == "luci-d-artista")
    assert not {"kind", "places", "highlight"} & set(entry)


def test_a_consulate_and_a_new_item_take_the_fields_too(ws):
    editor = ws.sign_in("editor")
    answer = editor.submit(CONSULATE, {"date_kind": "month", "date_month": "2023-12",
                                       "body": "Flash mob.", "kind": "call",
                                       "place_country_0": "RO", "place_city_0": "Bucarest"})
    assert answer.status_code == 302, words(answer)
    consulate = next(c for c in load_issue(ws.config, "2023-12").editions["it"].consulates
                     if c.id == "giorno-nazionale-romania")
    assert consulate.kind == "call" and consulate.places == (Place("RO", "Bucarest"),)
    answer = editor.submit("/editor/issues/2023-12/items/top_news/new", {
        "title": "Missione a Lione", "date_kind": "day", "date_day": "2023-12-05",
        "body": "Testo.", "kind": "mission", "highlight": "1", "place_country_0": "FR",
        "place_city_0": "Lione"})
    assert answer.status_code == 302, words(answer)
    added = next(i for i in load_issue(ws.config, "2023-12").editions["it"].top_news
                 if i.title == "Missione a Lione")
    assert (added.kind, added.highlight, added.places) == ("mission", True,
                                                           (Place("FR", "Lione"),))


def test_a_delegation_gets_a_country_code_and_a_role(ws):
    editor = ws.sign_in("editor")
    page = words(editor.get(DELEGATION))
    assert '<option value="TW" selected>' in page and 'name="role"' in page
    answer = editor.submit(DELEGATION, {"name": "Delegazione di Vienna", "city": "Vienna",
                                        "country_code": "AT", "role": "Sindaco"})
    assert answer.status_code == 302, words(answer)
    mine = delegation(ws, "it", "taipei")
    assert (mine.country_code, mine.role, mine.country) == ("AT", "Sindaco", "Austria")
    assert delegation(ws, "en", "taipei").country == "Austria"  # CLDR's English name
    source = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    assert "      country_code: AT\n      role: Sindaco\n" in source


def test_a_free_text_country_is_kept_or_replaced_by_a_code(ws):
    editor = ws.sign_in("editor")
    text = (ws.folder() / "it.yaml").read_text(encoding="utf-8")
    (ws.folder() / "it.yaml").write_text(text.replace(
        "      country_code: FR\n      city: Lione\n", "      city: Lione\n", 1), encoding="utf-8")
    url = "/editor/issues/2023-12/items/delegations/lione"
    page = words(editor.get(url))
    assert '<option value="" selected>(as written: Francia)</option>' in page
    answer = editor.submit(url, {"name": "Delegazione di Lione", "city": "Lione",
                                 "country_code": "", "country": "Francia"})
    assert answer.status_code == 302
    mine = delegation(ws, "it", "lione")
    assert (mine.country, mine.country_code) == ("Francia", None)
    answer = editor.submit(url, {"name": "Delegazione di Lione", "city": "Lione",
                                 "country_code": "FR", "country": "Francia"})
    assert answer.status_code == 302
    entry = yaml.safe_load((ws.folder() / "it.yaml").read_text())["delegations"]["received"][0]
    assert entry["country_code"] == "FR" and "country" not in entry
    answer = editor.submit(url, {"name": "Delegazione di Lione", "country_code": "-",
                                 "country": ""})
    assert answer.status_code == 302
    entry = yaml.safe_load((ws.folder() / "it.yaml").read_text())["delegations"]["received"][0]
    assert not {"country", "country_code", "city"} & set(entry)


def test_an_unknown_code_is_explained_beside_its_field_and_nothing_is_lost(ws):
    editor = ws.sign_in("editor")
    before = (ws.folder() / "it.yaml").read_bytes()
    answer = editor.submit(DELEGATION, {"name": "Il nome che ho scritto", "city": "Taipei",
                                        "country_code": "UK", "role": "Rappresentante"})
    assert answer.status_code == 400
    page = words(answer)
    assert 'id="field-country_code"' in page and "did you mean GB" in page
    assert re.search(r'field invalid" id="field-country_code"', page)
    assert "Il nome che ho scritto" in page and "Rappresentante" in page
    assert '<option value="UK" selected>' in page
    assert (ws.folder() / "it.yaml").read_bytes() == before
    answer = editor.submit(ITEM, {**LUCI, "place_country_0": "XX", "place_city_0": "Dove"})
    assert answer.status_code == 400
    page = words(answer)
    assert 'id="field-places" class="invalid"' in page and "is not an ISO 3166 code" in page
    assert 'value="Dove"' in page
    assert (ws.folder() / "it.yaml").read_bytes() == before


def test_the_translation_page_saves_a_delegations_role(ws):
    editor = ws.sign_in("editor")
    url = "/editor/issues/2023-12/translate/en"
    page = words(editor.get(url))
    assert "Role of the counterpart" in page
    answer = editor.submit(url, {"part": "delegations:vietnam", "name": "Ambassador of Vietnam",
                                 "country": "Vietnam", "city": "",
                                 "role": "Ambassador to Italy"})
    assert answer.status_code == 302, words(answer)
    assert delegation(ws, "en", "vietnam").role == "Ambassador to Italy"
