"""The issue source: the sample reads completely; every mistake an editor
can make is reported as ``file:line: field: what is wrong``."""

from datetime import date

import pytest

from newsletter.content.reader import check_issue, load_issue
from newsletter.core.errors import UnknownIssue

from .conftest import MINIMAL, SAMPLE, partial_english, write_issue


def problems(config, month="2024-03"):
    checked = check_issue(config, month)
    return [str(p) for p in checked.errors], [str(p) for p in checked.warnings]


def test_sample_issue_is_complete_in_italian(sample_config):
    issue = load_issue(sample_config, SAMPLE)
    it = issue.editions["it"]
    assert it.complete
    assert len(it.top_news) == 16
    assert it.top_news[0].title == "Luci d'Artista"
    assert it.top_news[-1].title == "Corpo Europeo di Solidarietà"
    assert len(it.consulates) == 2
    assert it.delegations.start == date(2023, 11, 1)
    assert it.delegations.end == date(2023, 11, 30)
    assert len(it.delegations.received) == 10
    assert it.delegations.received[-1].name.startswith("Commissaria europea Iliana IVANOVA")
    assert "Lione" in it.top_news[6].tags.cities


def test_sample_english_edition_is_complete(sample_config):
    issue = load_issue(sample_config, SAMPLE)
    en = issue.editions["en"]
    assert en.complete
    assert [i.lang for i in en.top_news] == ["en"] * 16
    assert [i.id for i in en.top_news] == [i.id for i in issue.editions["it"].top_news]


def test_a_partial_english_edition_falls_back_to_italian(project, config):
    partial_english(project)
    en = load_issue(config, SAMPLE).editions["en"]
    assert not en.complete
    assert [i.lang for i in en.top_news[:5]] == ["en"] * 5
    assert en.top_news[5].lang == "it"  # falls back to the Italian text
    assert "mentor-2-tirocinanti" in en.missing
    assert all(d.lang == "en" for d in en.delegations.received)
    assert en.top_news[0].when == load_issue(config, SAMPLE).editions["it"].top_news[0].when


def test_check_reports_the_missing_translations(project, config):
    partial_english(project)
    _, warnings = problems(config, SAMPLE)
    incomplete = [w for w in warnings if "incomplete translation" in w]
    assert len(incomplete) == 1
    assert incomplete[0].startswith("issues/2023-12/en.yaml: ")
    assert "mentor-2-tirocinanti" in incomplete[0] and "insights" in incomplete[0]


def test_links_without_address_are_warned_about(sample_config):
    _, warnings = problems(sample_config, SAMPLE)
    assert ("issues/2023-12/it.yaml:17: top_news[luci-d-artista].body: the link "
            "\"Luci d'Artista\" has no address yet (#): it is shown as plain text") in warnings


def test_unknown_month_lists_the_known_ones(config):
    with pytest.raises(UnknownIssue, match=r"no issue '2031-05' in issues/; known issues: 2023-12"):
        check_issue(config, "2031-05")


def test_minimal_issue_is_valid(project, config):
    write_issue(project, {"it.yaml": MINIMAL})
    assert problems(config) == ([], [])


def test_yaml_syntax_error(project, config):
    write_issue(project, {"it.yaml": MINIMAL + "  - id: [broken\n"})
    errors, _ = problems(config)
    assert len(errors) == 1
    assert errors[0].startswith("issues/2024-03/it.yaml:8: YAML syntax error")


def test_unknown_field(project, config):
    write_issue(project, {"it.yaml": MINIMAL + "    subtitle: Non previsto\n"})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[prima].subtitle: unknown field "
                      "(allowed here: id, title, date, body, image, tags, recurring, kind, places, "
                      "highlight)"]


def test_missing_title(project, config):
    write_issue(project, {"it.yaml": MINIMAL.replace("    title: Prima notizia\n", "")})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:4: top_news[prima].title: is required but missing"]


def test_impossible_date(project, config):
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03-04", "2023-11-31")})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:6: top_news[prima].date: '2023-11-31': "
                      "November 2023 has 30 days, there is no day 31"]


def test_range_ending_before_it_starts(project, config):
    source = MINIMAL.replace("date: 2024-03-04", "date:\n      from: 2024-03-10\n      to: 2024-03-04")
    write_issue(project, {"it.yaml": source})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[prima].date.to: the range ends "
                      "(2024-03-04) before it starts (2024-03-10)"]


def test_image_without_alt(project, config):
    folder = write_issue(project, {"it.yaml": MINIMAL + "    image: {file: foto.jpg}\n"})
    (folder / "foto.jpg").write_bytes(b"\xff\xd8\xff")
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[prima].image.alt: is required but missing"]


def test_image_file_must_exist(project, config):
    write_issue(project, {"it.yaml": MINIMAL + "    image: {file: manca.jpg, alt: Una foto}\n"})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[prima].image.file: 'manca.jpg': "
                      "no such file in 2024-03/"]


def test_translation_with_unknown_id(project, config):
    english = "top_news:\n  - id: seconda\n    title: Second\n    body: Text.\n"
    write_issue(project, {"it.yaml": MINIMAL, "en.yaml": english})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/en.yaml:2: top_news[seconda].id: 'seconda' is not an id of "
                      "top_news in it.yaml: a translation uses the original's ids"]


def test_translation_cannot_change_dates(project, config):
    english = "top_news:\n  - id: prima\n    title: First\n    date: 2024-03-05\n    body: Text.\n"
    write_issue(project, {"it.yaml": MINIMAL, "en.yaml": english})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/en.yaml:4: top_news[prima].date: unknown field "
                      "(allowed here: id, title, body, image_alt)"]


def test_duplicate_ids(project, config):
    second = MINIMAL.split("top_news:\n")[1]
    write_issue(project, {"it.yaml": MINIMAL + second})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[prima].id: 'prima' is already used "
                      "at line 4: ids must be unique"]


def test_duplicate_keys(project, config):
    write_issue(project, {"it.yaml": MINIMAL + "    title: Ancora\n"})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: top_news[#1].title: appears twice (first at "
                      "line 5); keep one"]


def test_month_must_match_folder(project, config):
    write_issue(project, {"it.yaml": MINIMAL.replace("month: 2024-03", "month: 2024-04")})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:1: month: says 2024-04 but the file is in the "
                      "folder 2024-03: make them agree"]


def test_relative_and_script_links_are_refused(project, config):
    body = "Vedi [qui](/relint) e [là](javascript:alert(1))."
    write_issue(project, {"it.yaml": MINIMAL.replace("Testo della prima notizia.", body)})
    errors, _ = problems(config)
    assert errors == [
        "issues/2024-03/it.yaml:7: top_news[prima].body: a link uses a script or file address: "
        "only https://, mailto: and tel: links are allowed",
        "issues/2024-03/it.yaml:7: top_news[prima].body: the link 'qui' goes to '/relint': "
        "write the full address, starting with https://",
    ]


def test_html_in_body_is_a_warning(project, config):
    body = "Testo <script>alert(1)</script> finito."
    write_issue(project, {"it.yaml": MINIMAL.replace("Testo della prima notizia.", body)})
    errors, warnings = problems(config)
    assert errors == []
    assert warnings == ["issues/2024-03/it.yaml:7: top_news[prima].body: contains HTML, which "
                        "is removed from bodies: write Markdown instead"]


def test_top_news_needs_at_least_one_item(project, config):
    source = MINIMAL.split("top_news:")[0] + "top_news: []\n"
    write_issue(project, {"it.yaml": source})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:3: top_news: needs at least one entry"]


def test_missing_primary_edition(project, config):
    write_issue(project, {"en.yaml": "top_news: []\n"})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml: missing: the primary edition's file is required"]


def test_schema_errors_come_before_date_errors(project, config):
    source = MINIMAL.replace("2024-03-04", "2023-11-31").replace("    title: Prima notizia\n", "")
    write_issue(project, {"it.yaml": source})
    errors, _ = problems(config)
    # Dates are read once the file matches the schema: one round of fixes at a time.
    assert len(errors) == 1
    assert "title: is required but missing" in errors[0]


def test_send_at_must_be_a_time(project, config):
    write_issue(project, {"it.yaml": MINIMAL + 'send_at: "domani mattina"\n'})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:8: send_at: 'domani mattina' is not a time: "
                      "write it as YYYY-MM-DD HH:MM (Europe/Rome), e.g. 2023-12-01 09:00"]


def test_not_utf8(project, config):
    folder = write_issue(project, {})
    (folder / "it.yaml").write_bytes(MINIMAL.replace("–", "-").encode() + "città".encode("latin-1"))
    errors, _ = problems(config)
    assert errors[0].startswith("issues/2024-03/it.yaml: not UTF-8 text")


@pytest.mark.parametrize(("written", "what"), [
    ('"Prima\\rnotizia"', "a line break (carriage return)"),
    ('"Prima\\nnotizia"', "a line break"),
    ('"Prima\\0notizia"', "a NUL character"),
    ('"Prima\\Lnotizia"', "a line separator (U+2028)"),
    ('"Prima\\u202enotizia"', "an invisible control character (U+202E)"),
])
def test_control_characters_in_a_one_line_field_are_refused(project, config, written, what):
    """A title ends up in the Subject header, a PDF bookmark and <title>: a
    line break or a control character there is refused by check, located."""
    write_issue(project, {"it.yaml": MINIMAL.replace("title: Prima notizia", f"title: {written}")})
    errors, _ = problems(config)
    assert errors == [f"issues/2024-03/it.yaml:5: top_news[prima].title: contains {what}: write it "
                      "on one line, as plain text (retype it if it was pasted from another program)"]


def test_a_nul_in_a_body_is_refused_but_line_breaks_are_fine(project, config):
    source = MINIMAL.replace("body: Testo della prima notizia.",
                             'body: "Due righe\\nbuone\\0e una cattiva"')
    write_issue(project, {"it.yaml": source})
    errors, _ = problems(config)
    assert errors == ["issues/2024-03/it.yaml:7: top_news[prima].body: contains a NUL character, "
                      "which is not text: delete it (retype the passage if it was pasted from "
                      "another program)"]
