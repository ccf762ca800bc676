"""Dates render exactly as in DESIGN.md's table, per language."""

from datetime import date

import pytest

from newsletter.content.dates import DateError, When, format_period, format_when, parse_when

DECEMBER_2023 = date(2023, 12, 1)

# kind, value in the source, it, en, fr — the table of DESIGN.md
TABLE = [
    ("day", "2023-12-02", "2 dicembre", "December 2nd", "2 décembre"),
    ("range", {"from": "2023-11-27", "to": "2023-11-30"},
     "27–30 novembre", "November 27th–30th", "27-30 novembre"),
    ("range across months", {"from": "2023-11-30", "to": "2023-12-03"},
     "30 novembre – 3 dicembre", "November 30th – December 3rd", "30 novembre – 3 décembre"),
    ("until", {"until": "2024-01-14"}, "fino al 14 gennaio", "until January 14th",
     "jusqu'au 14 janvier"),
    ("from", {"from": "2023-12-09"}, "a partire dal 9 dicembre", "from December 9th",
     "à partir du 9 décembre"),
    ("deadline", {"by": "2023-12-31"}, "entro il 31 dicembre", "by December 31st",
     "avant le 31 décembre"),
    ("month", "2023-12", "dicembre", "December", "décembre"),
    ("first of month", "2023-12-01", "1° dicembre", "December 1st", "1er décembre"),
]


@pytest.mark.parametrize(("kind", "value", "it", "en", "fr"), TABLE, ids=[r[0] for r in TABLE])
def test_design_table(kind, value, it, en, fr):
    when = parse_when(value)
    assert [format_when(when, lang, DECEMBER_2023) for lang in ("it", "en", "fr")] == [it, en, fr]


@pytest.mark.parametrize(("day", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                           (11, "11th"), (12, "12th"), (13, "13th"),
                                           (21, "21st"), (22, "22nd"), (23, "23rd"), (31, "31st")])
def test_english_ordinals(day, text):
    assert format_when(When("day", date(2023, 12, day)), "en", DECEMBER_2023) == f"December {text}"


def test_year_hidden_when_near_the_issue_even_in_another_year():
    # The December 2023 issue says "fino al 14 gennaio", not "... 2024".
    when = parse_when({"until": "2024-01-14"})
    assert format_when(when, "it", DECEMBER_2023) == "fino al 14 gennaio"


def test_year_shown_when_far_and_in_another_year():
    when = parse_when("2024-09-20")
    assert format_when(when, "it", DECEMBER_2023) == "20 settembre 2024"
    assert format_when(when, "en", DECEMBER_2023) == "September 20th, 2024"
    assert format_when(parse_when("2024-09"), "fr", DECEMBER_2023) == "septembre 2024"


def test_year_hidden_for_same_year_even_if_far():
    assert format_when(parse_when("2023-01-10"), "it", DECEMBER_2023) == "10 gennaio"


def test_range_across_years_always_shows_both_years():
    when = parse_when({"from": "2023-12-30", "to": "2024-01-02"})
    assert format_when(when, "it", DECEMBER_2023) == "30 dicembre 2023 – 2 gennaio 2024"
    assert format_when(when, "en", DECEMBER_2023) == "December 30th, 2023 – January 2nd, 2024"
    assert format_when(when, "fr", DECEMBER_2023) == "30 décembre 2023 – 2 janvier 2024"


@pytest.mark.parametrize(("value", "text"), [
    ({"until": "2023-12-08"}, "fino all'8 dicembre"),
    ({"from": "2023-12-11"}, "a partire dall'11 dicembre"),
    ({"by": "2023-12-08"}, "entro l'8 dicembre"),
    ({"until": "2024-01-01"}, "fino al 1° gennaio"),
])
def test_italian_elision(value, text):
    assert format_when(parse_when(value), "it", DECEMBER_2023) == text


def test_french_first_of_month_in_bounds():
    assert format_when(parse_when({"until": "2024-01-01"}), "fr", DECEMBER_2023) == \
        "jusqu'au 1er janvier"


@pytest.mark.parametrize(("lang", "text"), [
    ("it", "dal 1° al 30 novembre"),
    ("en", "from November 1st to 30th"),
    ("fr", "du 1er au 30 novembre"),
])
def test_delegation_period(lang, text):
    assert format_period(date(2023, 11, 1), date(2023, 11, 30), lang, DECEMBER_2023) == text


def test_period_across_months():
    assert format_period(date(2023, 10, 8), date(2023, 11, 11), "it", DECEMBER_2023) == \
        "dall'8 ottobre all'11 novembre"
    assert format_period(date(2023, 10, 15), date(2023, 11, 14), "en", DECEMBER_2023) == \
        "from October 15th to November 14th"


@pytest.mark.parametrize(("value", "words"), [
    ("2023-11-31", "November 2023 has 30 days, there is no day 31"),
    ("2023-02-29", "February 2023 has 28 days"),
    ("2023-13-01", "there is no month 13"),
    ("2 dicembre", "write it as YYYY-MM-DD"),
    ({"from": "2023-12-05", "to": "2023-12-01"}, "ends (2023-12-01) before it starts"),
    ({"since": "2023-12-05"}, "is not a date"),
])
def test_bad_dates_are_explained(value, words):
    with pytest.raises(DateError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_when(value)


def test_leap_day_is_accepted():
    assert parse_when("2024-02-29") == When("day", date(2024, 2, 29))
