"""The year compiled from its issues: a generated year of twelve issues plus
the December 2023 sample, counted against what the factory wrote."""

from __future__ import annotations

from datetime import date

import pytest

from newsletter.content import check_issue, load_issue
from newsletter.content.places import country_name
from newsletter.content.yearly import compile_year, complete_languages, report_gaps, year_warnings
from newsletter.core.config import load_config
from tests.conftest import MINIMAL, SAMPLE, make_project, write_issue
from tests.year_factory import make_year

MONTHS_2024 = tuple(f"2024-{m:02d}" for m in range(1, 13))


@pytest.fixture(scope="module")
def year_project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("year"))
    return project, make_year(project)


@pytest.fixture(scope="module")
def year_config(year_project):
    return load_config(year_project[0], {})


@pytest.fixture(scope="module")
def expected(year_project):
    return year_project[1]


def test_every_generated_issue_checks_clean(year_config):
    for month in MONTHS_2024:
        checked = check_issue(year_config, month, strict=True)
        assert checked.errors == [] and checked.warnings == [], month
        assert all(e.complete for e in checked.issue.editions.values())


def test_every_item_appears_once_in_date_order(year_config, expected):
    year = compile_year(year_config, 2024, "it")
    assert year.issues == MONTHS_2024 and year.missing == () and year.problems == ()
    assert len(year.entries) == expected["entries"]
    assert {e.id for e in year.entries} == set(expected["ids"])
    occurrences = [(e.id, e.months[0]) for e in year.entries]
    assert len(occurrences) == len(set(occurrences))
    dated = [e for e in year.entries if e.start or e.end]
    assert dated == list(year.entries[:len(dated)])  # the undated last
    firsts = [e.start or e.end for e in dated]
    assert firsts == sorted(firsts)
    assert {e.kind for e in year.entries} == {"event", "mission", "delegation", "call", "other"}
    assert all(e.lang == "it" for e in year.entries)


def test_delegations_and_countries_match_the_sources(year_config, expected):
    year = compile_year(year_config, 2024, "it")
    assert len(year.visits) == expected["delegations"]
    assert len({v.country_code for v in year.visits}) == expected["countries"]
    by_month = {m: sum(v.month == m for v in year.visits) for m in MONTHS_2024}
    assert by_month == expected["delegations_by_month"]
    by_country = {code: sum(v.country_code == code for v in year.visits)
                  for code in {v.country_code for v in year.visits}}
    assert by_country == expected["delegations_by_country"]
    assert [v.month for v in year.visits] == sorted(v.month for v in year.visits)
    assert all(v.country == country_name(v.country_code, "it") for v in year.visits)


def test_an_event_reported_in_three_issues_is_one_entry(year_config, expected):
    luci = [e for e in compile_year(year_config, 2024, "it").entries if e.id == "luci-d-artista"]
    # the 2023–24 edition (the sample's, carried into January) and the 2024–25 one
    assert [e.months for e in luci] == [("2023-12", "2024-01"), expected["repeated"]["luci-d-artista"]]
    assert (luci[1].start, luci[1].end) == (date(2024, 10, 25), date(2025, 1, 12))
    assert luci[1].highlight and luci[1].source.startswith("issues/2024-10/it.yaml:")


def test_an_event_across_years_belongs_to_both(year_config):
    in_2025 = compile_year(year_config, 2025, "it")
    assert [e.id for e in in_2025.entries] == ["luci-d-artista"]
    assert in_2025.missing == tuple(f"2025-{m:02d}" for m in range(1, 13))
    in_2023 = compile_year(year_config, 2023, "it")
    assert "2024-01" in next(e for e in in_2023.entries if e.id == "luci-d-artista").months
    # the January issue lists December's delegations: they count in 2023
    assert {v.month for v in in_2023.visits} == {"2023-11", "2023-12"}


def test_the_english_year(year_config, expected):
    year = compile_year(year_config, 2024, "en")
    assert len(year.entries) == expected["entries"] and year.missing == ()
    assert all(e.lang == "en" for e in year.entries)
    assert {v.country for v in year.visits} >= {"France", "Germany"}
    assert complete_languages(year_config, 2024) == ["it", "en"]
    assert year_warnings(year_config, 2024) == []


def test_unknown_country_codes_are_errors_with_a_suggestion(project, config):
    text = MINIMAL + "    places: [{country: UK, city: Londra}]\n" + (
        "delegations:\n  period: {from: 2024-02-01, to: 2024-02-29}\n  received:\n"
        "    - id: parigi\n      name: Delegazione di Parigi\n      country_code: Francia\n")
    write_issue(project, {"it.yaml": text})
    errors = [str(p) for p in check_issue(config, "2024-03").errors]
    assert errors == [
        "issues/2024-03/it.yaml:8: top_news[prima].places[#1].country: 'UK' is not an ISO 3166 "
        "code: did you mean GB (United Kingdom)?",
        "issues/2024-03/it.yaml:14: delegations.received[parigi].country_code: 'Francia' is not "
        "an ISO 3166 code: did you mean FR (France)?"]


def test_a_country_given_by_its_code_is_named_in_each_language(sample_config):
    issue = load_issue(sample_config, SAMPLE)
    taipei = {lang: next(d for d in e.delegations.received if d.id == "taipei")
              for lang, e in issue.editions.items()}
    assert (taipei["it"].country, taipei["en"].country) == ("Taiwan", "Taiwan")
    berna = next(d for d in issue.editions["en"].delegations.received if d.id == "berna")
    assert (berna.country, berna.country_code, berna.role) == ("Switzerland", "CH", "Mayor")


def test_disagreeing_dates_are_a_warning_naming_both_files(project, config):
    write_issue(project, {"it.yaml": MINIMAL})
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03-04", "2024-03-05")
                          .replace("month: 2024-03", "month: 2024-04")}, "2024-04")
    warnings = [str(p) for p in year_warnings(config, 2024)]
    assert warnings == [
        "issues/2024-04/it.yaml:6: top_news[prima].date: 'prima' is dated March 5th here but "
        "March 4th in issues/2024-03/it.yaml:6: if it is the same event, make the dates agree; "
        "if it is another one, give it another id"]
    on_check = [str(p) for p in check_issue(config, "2024-03").warnings]
    assert any("issues/2024-03/it.yaml:6" in w and "issues/2024-04/it.yaml:6" in w
               for w in on_check)


def test_an_id_reused_months_later_is_another_event(project, config):
    write_issue(project, {"it.yaml": MINIMAL})
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03", "2024-09")}, "2024-09")
    year = compile_year(config, 2024, "it")
    assert [e.months for e in year.entries if e.id == "prima"] == [("2024-03",), ("2024-09",)]
    assert year_warnings(config, 2024) == []


def test_report_gaps_are_located(project, config):
    write_issue(project, {"it.yaml": MINIMAL})
    gaps = [str(p) for p in report_gaps(config, 2024)]
    assert gaps[0] == ("issues/2024-03/it.yaml:4: top_news[prima].kind: has no kind: add `kind:` "
                       "event, mission, delegation, call or other, so that the report puts it in "
                       "its section")
    assert any("no item of 2024 is marked `highlight: true`" in g for g in gaps)
    assert "issues/2024-01: no issue for 2024-01: the report has nothing from that month" in gaps
    assert len([g for g in gaps if "no issue for" in g]) == 11


def test_a_year_with_no_issues_is_empty(config):
    year = compile_year(config, 2030, "it")
    assert (year.entries, year.visits, year.issues) == ((), (), ())
    assert year.missing == tuple(f"2030-{m:02d}" for m in range(1, 13))
    assert complete_languages(config, 2030) == []


def test_a_year_in_italian_only(tmp_path):
    project = make_project(tmp_path)
    make_year(project, languages=("it",), items_per_issue=8)
    config = load_config(project, {})
    assert complete_languages(config, 2024) == ["it"]
    assert compile_year(config, 2024, "en").missing == MONTHS_2024


def test_the_sample_checks_clean_with_its_report_fields(sample_config):
    checked = check_issue(sample_config, SAMPLE, strict=True)
    assert checked.errors == []
    edition = checked.issue.editions["it"]
    assert all(item.kind for item in (*edition.top_news, *edition.consulates))
    assert [i.id for i in edition.top_news if i.highlight] == [
        "luci-d-artista", "local-climate-action-summit-cop28", "paysalia-lione"]
    year = compile_year(sample_config, 2023, "it")
    assert len(year.visits) == 10 and len({v.country_code for v in year.visits} - {None}) == 7
