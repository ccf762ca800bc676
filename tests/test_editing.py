"""The workspace's content layer: forms edit the same YAML the CLI reads,
keeping a hand-written file's comments and order, and saves never overwrite
someone else's."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import threading
from datetime import date

import pytest

from newsletter.content import editing
from newsletter.content.editing import (
    DATE_KINDS,
    NO_DATE,
    DateInvalid,
    SourceConflict,
    SourceUnreadable,
    add_item,
    date_from_source,
    date_shown,
    date_to_source,
    dump,
    find_item,
    item_source_hash,
    move_item,
    new_item_id,
    open_source,
    remove_item,
    save_source,
    save_text,
    section_items,
    set_value,
    source_hashes,
    translation_state,
    unified_diff,
)
from newsletter.content.reader import check_issue, load_issue
from newsletter.core.errors import NewsletterError
from newsletter.render.build import render_edition_email

MONTH = "2023-12"


def _ids(config, section="top_news", lang="it"):
    edition = load_issue(config, MONTH).editions[lang]
    return [item.id for item in getattr(edition, section)]


def _changed_lines(old: str, new: str) -> list[str]:
    diff = unified_diff(old, new, "a", "b").splitlines()
    return [line for line in diff[2:] if line[:1] in "+-"]


def _save(config, source, lang="it"):
    return save_source(config, MONTH, lang, source.data, source.version)


# -- a hand-written file stays hand-written -----------------------------------------


@pytest.mark.parametrize("lang", ["it", "en"])
def test_opening_and_dumping_changes_nothing(config, lang):
    source = open_source(config, MONTH, lang)
    assert dump(source.data) == source.text
    assert source.version == hashlib.sha256(source.path.read_bytes()).hexdigest()


def test_a_change_keeps_every_comment_and_the_order(config):
    source = open_source(config, MONTH, "it")
    index = find_item(source.data, "top_news", "appraise-parco-dora")
    set_value(source.data, ("top_news", index, "title"), "Scenario pilota al Parco Dora")
    saved = _save(config, source)
    assert _changed_lines(source.text, saved.text) == [
        "-    title: Scenario pilota al Parco Dora per il progetto APPRAISE",
        "+    title: Scenario pilota al Parco Dora"]
    comments = [line for line in source.text.splitlines() if "#" in line and " [" not in line]
    assert comments and all(line in saved.text.splitlines() for line in comments)
    assert saved.path.read_text(encoding="utf-8") == saved.text


def test_the_saved_file_means_the_same_but_for_the_change(config):
    before = load_issue(config, MONTH)
    source = open_source(config, MONTH, "it")
    index = find_item(source.data, "consulates", "coro-santa-lucia-stoccolma")
    set_value(source.data, ("consulates", index, "title"), "Coro di Santa Lucia")
    _save(config, source)
    after = load_issue(config, MONTH)
    expected = before.editions["it"]
    consulates = list(expected.consulates)
    consulates[index] = dataclasses.replace(consulates[index], title="Coro di Santa Lucia")
    assert after.editions["it"] == dataclasses.replace(expected, consulates=tuple(consulates))
    assert after.editions["en"].top_news == before.editions["en"].top_news


def test_a_translation_keeps_its_comments(config):
    source = open_source(config, MONTH, "en")
    index = find_item(source.data, "top_news", "luci-d-artista")
    set_value(source.data, ("top_news", index, "title"), "Artist's Lights")
    saved = _save(config, source, "en")
    assert _changed_lines(source.text, saved.text) == [
        "-    title: Luci d'Artista – Artist's Lights", "+    title: Artist's Lights"]


def test_removing_an_optional_field_and_setting_a_new_one(config):
    source = open_source(config, MONTH, "it")
    set_value(source.data, ("preheader",), "")
    set_value(source.data, ("send_at",), "2023-12-01 09:00")
    set_value(source.data, ("top_news", 0, "tags", "cities"), None)
    set_value(source.data, ("top_news", 0, "tags", "projects"), None)
    saved = _save(config, source)
    assert "tags" not in saved.data["top_news"][0]
    assert list(saved.data)[:5] == ["month", "title", "curated_by", "send_at", "top_news"]
    issue = load_issue(config, MONTH)
    assert issue.editions["it"].preheader is None
    assert issue.editions["it"].top_news[0].tags.cities == ()
    assert f"{issue.send_at:%Y-%m-%d %H:%M}" == "2023-12-01 09:00"


# -- items ---------------------------------------------------------------------------


def test_add_remove_and_move_items(config):
    original = _ids(config)
    source = open_source(config, MONTH, "it")
    data = source.data
    index = add_item(data, "top_news", {"title": "Torino incontra Lione", "date": "2023-12-15",
                                        "body": "Una giornata di incontri."}, position=1)
    assert index == 1 and data["top_news"][1]["id"] == "torino-incontra-lione"
    remove_item(data, "top_news", "festival-del-classico")
    assert move_item(data, "top_news", "luci-d-artista", +1) == 1
    assert move_item(data, "top_news", "luci-d-artista", -5) == 0
    last = original[-1]
    assert move_item(data, "top_news", last, +1) == len(data["top_news"]) - 1
    move_item(data, "delegations", "vienna", -1)
    add_item(data, "consulates", {"body": "Una nota.\n"})
    saved = _save(config, source)
    english = open_source(config, MONTH, "en")  # a translation names only the original's ids
    remove_item(english.data, "top_news", "festival-del-classico")
    _save(config, english, "en")
    expected = original.copy()
    expected.insert(1, "torino-incontra-lione")
    expected.remove("festival-del-classico")
    assert _ids(config) == expected
    assert _ids(config, "consulates")[-1] == "notizia"
    received = [d.id for d in load_issue(config, MONTH).editions["it"].delegations.received]
    assert received[:2] == ["vienna", "lione"]
    # entries stay one blank line apart, and the section apart from the next one
    assert "    body: Una giornata di incontri.\n\n  - id: appraise-parco-dora\n" in saved.text
    assert "    body: |\n      Una nota.\n\ninsights: |" in saved.text
    assert "  received:\n    - id: vienna\n" in saved.text


def test_an_unknown_item_or_a_taken_id_is_refused(config):
    data = open_source(config, MONTH, "it").data
    with pytest.raises(NewsletterError, match="no item 'nessuna'"):
        remove_item(data, "top_news", "nessuna")
    with pytest.raises(NewsletterError, match="already used"):
        add_item(data, "consulates", {"id": "lione", "body": "x"})
    assert find_item(data, "top_news", "nessuna") is None


def test_new_ids_are_slugs_unique_across_sections(config):
    data = open_source(config, MONTH, "it").data
    assert new_item_id(data, "Città di Écully: l'incontro!") == "citta-di-ecully-l-incontro"
    assert new_item_id(data, "Luci d'Artista") == "luci-d-artista-2"
    assert new_item_id(data, "Lione") == "lione-2"  # a delegation's id
    add_item(data, "consulates", {"id": "lione-2", "body": "x"})
    assert new_item_id(data, "LIONE") == "lione-3"
    assert new_item_id(data, "???") == "notizia"
    long = new_item_id(data, "una parola " * 20)
    assert len(long) <= editing.ID_LENGTH and not long.endswith("-")


@pytest.mark.parametrize("title", ["Festival: Oriente/Occidente", "- un trattino all'inizio",
                                   "#1 in Europa", "Torino # Lione", "yes", "12:30", "@sindaco",
                                   "'citato'", '"Torino"', "2023-12-01", "null", "DA SCRIVERE"])
def test_titles_read_back_as_written(config, title):
    source = open_source(config, MONTH, "it")
    set_value(source.data, ("top_news", 0, "title"), title)
    saved = _save(config, source)
    checked = check_issue(config, MONTH)
    assert not checked.errors, checked.errors
    assert checked.issue.editions["it"].top_news[0].title == title
    assert open_source(config, MONTH, "it").data["top_news"][0]["title"] == title
    if title == "DA SCRIVERE":
        assert "    title: DA SCRIVERE\n" in saved.text


def test_a_body_of_several_paragraphs_reads_back_exactly(config):
    body = ("Primo paragrafo, con [un link](https://example.org).\n\n"
            "Secondo paragrafo:\n\n- una voce\n- un'altra voce\n\n\nUltimo.")
    source = open_source(config, MONTH, "it")
    set_value(source.data, ("top_news", 2, "body"), body.replace("\n", "\r\n"))
    saved = _save(config, source)
    assert "    body: |-\n      Primo paragrafo" in saved.text
    assert open_source(config, MONTH, "it").data["top_news"][2]["body"] == body
    assert load_issue(config, MONTH).editions["it"].top_news[2].body == body


# -- dates ---------------------------------------------------------------------------

DATE_VALUES = {
    "day": {"day": "2023-12-02"},
    "range": {"from": "2023-11-29", "to": "2023-12-03"},
    "until": {"until": "2024-01-14"},
    "from": {"from": "2023-12-09"},
    "by": {"by": "2023-12-31"},
    "month": {"month": "2023-12"},
}


def test_the_date_kinds_are_the_grammar_s():
    assert [kind.key for kind in DATE_KINDS] == list(DATE_VALUES)
    assert all(tuple(DATE_VALUES[kind.key]) == kind.fields for kind in DATE_KINDS)
    assert all(kind.label for kind in DATE_KINDS)


@pytest.mark.parametrize("kind", list(DATE_VALUES))
def test_each_kind_of_date_goes_through_the_file(config, kind):
    values = DATE_VALUES[kind]
    source = open_source(config, MONTH, "it")
    set_value(source.data, ("top_news", 0, "date"), date_to_source(kind, values))
    saved = _save(config, source)
    checked = check_issue(config, MONTH)
    assert not checked.errors, checked.errors
    assert checked.issue.editions["it"].top_news[0].when.kind == kind
    assert date_from_source(open_source(config, MONTH, "it").data["top_news"][0]["date"]) == \
        (kind, values)
    line = next(line for line in saved.text.splitlines() if line.startswith("    date:"))
    flow = ", ".join(f"{key}: {value}" for key, value in values.items())
    assert line == (f"    date: {values[kind]}" if kind in ("day", "month")
                    else f"    date: {{{flow}}}")


def test_a_consulate_s_date_can_be_removed(config):
    source = open_source(config, MONTH, "it")
    assert date_from_source(source.data["consulates"][0]["date"]) == ("month", {"month": "2023-12"})
    set_value(source.data, ("consulates", 0, "date"), date_to_source(NO_DATE, {}))
    _save(config, source)
    assert load_issue(config, MONTH).editions["it"].consulates[0].when is None
    assert date_from_source(open_source(config, MONTH, "it").data["consulates"][0].get("date")) \
        == (NO_DATE, {})


@pytest.mark.parametrize(("kind", "values", "field", "says"), [
    ("day", {}, "day", "the day is missing"),
    ("range", {"from": "2023-12-01"}, "to", "the last day is missing"),
    ("day", {"day": "2023-11-31"}, "day", "there is no day 31"),
    ("month", {"month": "2023-13"}, "month", "is not a month"),
    ("range", {"from": "2023-12-05", "to": "2023-12-01"}, "to", "ends (2023-12-01) before"),
    ("sometimes", {}, "", "not a kind of date"),
])
def test_a_wrong_date_is_explained(kind, values, field, says):
    with pytest.raises(DateInvalid, match="(?i)" + re.escape(says)) as caught:
        date_to_source(kind, values)
    assert caught.value.field == field


def test_a_hand_written_date_the_grammar_refuses_fills_the_form_for_correcting():
    assert date_from_source("30 novembre") == ("day", {"day": "30 novembre"})
    assert date_from_source({"from": "2023-12-01", "to": "2023-12-02"}) == \
        ("range", {"from": "2023-12-01", "to": "2023-12-02"})
    assert date_from_source(date(2023, 12, 2)) == ("day", {"day": "2023-12-02"})


def test_dates_are_shown_as_the_editions_print_them(config, project):
    shutil.copy(project / "issues" / MONTH / "en.yaml", project / "issues" / MONTH / "fr.yaml")
    issue = load_issue(config, MONTH)
    data = open_source(config, MONTH, "it").data
    month = date(2023, 12, 1)
    expected = {"it": ("fino al 14 gennaio", "27–30 novembre"),
                "en": ("until January 14th", "November 27th–30th"),
                "fr": ("jusqu'au 14 janvier", "27-30 novembre")}
    for lang, shown in expected.items():
        text = render_edition_email(issue.editions[lang], config)[1]
        for item, words in zip(data["top_news"][:2], shown, strict=True):
            assert date_shown(item["date"], lang, month) == words
            assert words in text
    assert date_shown(None, "it", month) == ""


# -- saving ----------------------------------------------------------------------------


def test_a_save_from_an_old_version_is_refused_and_writes_nothing(config):
    first = open_source(config, MONTH, "it")
    second = open_source(config, MONTH, "it")
    set_value(first.data, ("top_news", 0, "title"), "Prima modifica")
    saved = _save(config, first)
    set_value(second.data, ("top_news", 0, "title"), "Seconda modifica")
    with pytest.raises(SourceConflict, match="changed by someone else") as caught:
        _save(config, second)
    conflict = caught.value
    assert (conflict.base_version, conflict.current_version) == (second.version, saved.version)
    assert conflict.current_text == saved.text and conflict.path == saved.path
    assert saved.path.read_text(encoding="utf-8") == saved.text
    assert "Prima modifica" in unified_diff(second.text, conflict.current_text, "opened", "now")


def test_of_two_saves_from_the_same_version_exactly_one_wins(config):
    base = open_source(config, MONTH, "it")
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(title: str) -> None:
        source = open_source(config, MONTH, "it")
        set_value(source.data, ("top_news", 0, "title"), title)
        text = dump(source.data)
        start.wait()
        try:
            outcomes[title] = save_text(config, MONTH, "it", text, base.version)
        except SourceConflict as exc:
            outcomes[title] = exc

    threads = [threading.Thread(target=save, args=(title,)) for title in ("Uno", "Due")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [title for title, outcome in outcomes.items() if not isinstance(outcome, SourceConflict)]
    assert len(won) == 1
    assert load_issue(config, MONTH).editions["it"].top_news[0].title == won[0]
    assert sorted(p.name for p in base.path.parent.iterdir()) == [".it.yaml.lock", "en.yaml",
                                                                   "it.yaml"]


def test_a_translation_is_created_on_first_save(config):
    (config.issues_dir / MONTH / "en.yaml").unlink()
    source = open_source(config, MONTH, "en")
    assert (source.text, source.version, dict(source.data)) == ("", "", {})
    set_value(source.data, ("preheader",), "Artist's Lights and COP28")
    add_item(source.data, "top_news", {"id": "luci-d-artista", "title": "Artist's Lights",
                                       "body": "The festival is back.\n"})
    add_item(source.data, "delegations", {"id": "lione", "name": "Delegation from Lyon",
                                          "city": "Lyon", "country": "France"})
    saved = save_source(config, MONTH, "en", source.data, "")
    assert saved.version and saved.path.is_file()
    checked = check_issue(config, MONTH)
    assert not checked.errors, checked.errors
    edition = checked.issue.editions["en"]
    assert edition.top_news[0].title == "Artist's Lights"
    assert edition.delegations.received[0].name == "Delegation from Lyon"
    assert saved.text == (
        "preheader: Artist's Lights and COP28\n"
        "\n"
        "top_news:\n"
        "  - id: luci-d-artista\n"
        "    title: Artist's Lights\n"
        "    body: |\n"
        "      The festival is back.\n"
        "\n"
        "delegations:\n"
        "  - id: lione\n"
        "    name: Delegation from Lyon\n"
        "    city: Lyon\n"
        "    country: France\n")
    with pytest.raises(SourceConflict):
        save_source(config, MONTH, "en", source.data, "")  # someone created it meanwhile


def test_a_language_the_bulletin_does_not_have_is_refused(config):
    with pytest.raises(NewsletterError, match="'de' is not a language"):
        open_source(config, MONTH, "de")


def test_save_text_refuses_what_is_not_a_map_of_fields(config):
    source = open_source(config, MONTH, "it")
    before = source.path.read_bytes()
    with pytest.raises(SourceUnreadable, match=r"issues/2023-12/it.yaml:\d+: ") as caught:
        save_text(config, MONTH, "it", "month: 2023-12\ntop_news: [\n  - id: a\n", source.version)
    assert isinstance(caught.value, NewsletterError)
    with pytest.raises(SourceUnreadable, match="expected fields"):
        save_text(config, MONTH, "it", "- month\n- title\n", source.version)
    assert source.path.read_bytes() == before
    assert sorted(p.name for p in source.path.parent.iterdir()) == ["en.yaml", "it.yaml"]


@pytest.mark.parametrize(("content", "says"), [
    (b"month: 2023-12\ntitle: a\ntitle: b\n", r"it.yaml:3: this field appears twice"),
    ("month: 2023-12\ntitle: Città\n".encode("latin-1"), r"it.yaml: not UTF-8 text"),
    (b"- month\n", "expected fields"),
])
def test_a_file_that_is_not_a_map_of_fields_is_explained(config, content, says):
    (config.issues_dir / MONTH / "it.yaml").write_bytes(content)
    with pytest.raises(SourceUnreadable, match=says) as caught:
        open_source(config, MONTH, "it")
    assert caught.value.version == hashlib.sha256(content).hexdigest()
    with pytest.raises(SourceUnreadable):
        save_text(config, MONTH, "it", "", caught.value.version)


def test_save_text_restores_a_revision(config):
    source = open_source(config, MONTH, "it")
    set_value(source.data, ("top_news", 0, "title"), "Modificato")
    changed = _save(config, source)
    restored = save_text(config, MONTH, "it", source.text, changed.version)
    assert restored.path.read_text(encoding="utf-8") == source.text
    assert restored.version == source.version
    assert restored.data["top_news"][0]["title"] == "Luci d'Artista"


def test_an_unreadable_file_can_be_corrected_as_text(config):
    path = config.issues_dir / MONTH / "it.yaml"
    path.write_text("month: 2023-12\ntitle: a: b\n", encoding="utf-8")
    with pytest.raises(SourceUnreadable, match=r"it.yaml:2: .*quotes") as caught:
        open_source(config, MONTH, "it")
    assert caught.value.text == path.read_text(encoding="utf-8")
    fixed = save_text(config, MONTH, "it", caught.value.text.replace("a: b", '"a: b"'),
                      caught.value.version)
    assert fixed.data["title"] == "a: b"


def test_unified_diff():
    assert unified_diff("a\nb\n", "a\nc\n", "old", "new") == \
        "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    assert unified_diff("a\n", "a\n", "old", "new") == ""
    assert unified_diff("a", "b", "x", "y").endswith("+b\n\\ No newline at end of file\n")


# -- translations ----------------------------------------------------------------------


def test_translation_state(config):
    primary = open_source(config, MONTH, "it").data
    translation = open_source(config, MONTH, "en").data
    marks = source_hashes(primary)
    state = translation_state(primary, translation, marks)
    assert set(state) == set(marks)
    assert {"top_news:luci-d-artista", "consulates:giorno-nazionale-romania", "delegations:lione",
            "meta:preheader", "meta:insights"} <= set(state)
    assert set(state.values()) == {"translated"}

    remove_item(translation, "top_news", "appraise-parco-dora")
    index = find_item(translation, "consulates", "giorno-nazionale-romania")
    set_value(translation, ("consulates", index, "body"), "DA TRADURRE")
    set_value(primary, ("top_news", 0, "title"), "Luci d'Artista 2023")
    set_value(primary, ("top_news", 2, "body"), "Un altro testo.")
    del marks[f"top_news:{primary['top_news'][2]['id']}"]  # translated before marks existed
    state = translation_state(primary, translation, marks)
    assert state["top_news:appraise-parco-dora"] == "missing"
    assert state["consulates:giorno-nazionale-romania"] == "missing"
    assert state["top_news:luci-d-artista"] == "stale"
    assert state[f"top_news:{primary['top_news'][2]['id']}"] == "translated"
    assert state["top_news:festival-del-classico"] == "translated"

    set_value(primary, ("top_news", 3, "image"), {"file": "foto.jpg", "alt": "La piazza"})
    assert translation_state(primary, translation, marks)[
        f"top_news:{primary['top_news'][3]['id']}"] == "missing"  # its alt text is not
    assert set(translation_state(primary, None, {}).values()) == {"missing"}
    del primary["insights"]
    assert "meta:insights" not in translation_state(primary, translation, marks)


def test_the_source_hash_covers_the_translatable_text_only(config):
    item = dict(open_source(config, MONTH, "it").data["top_news"][0])
    first = item_source_hash(item)
    assert item_source_hash({**item, "date": "2023-12-25", "tags": {}}) == first
    assert item_source_hash({**item, "image": {"file": "a.jpg", "alt": "Una piazza"}}) != first
    assert item_source_hash({**item, "body": item["body"] + "Altro."}) != first
    assert section_items(open_source(config, MONTH, "it").data, "delegations")[0]["id"] == "lione"
