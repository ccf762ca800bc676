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


# -- the year, around a year boundary ---------------------------------------

JANUARY_2024 = date(2024, 1, 1)

# value in the source, it, en, fr — under "Top News gennaio 2024"
EARLIER_YEAR = [
    ("2023-10-25", "25 ottobre 2023", "October 25th, 2023", "25 octobre 2023"),
    ("2023-12-01", "1° dicembre 2023", "December 1st, 2023", "1er décembre 2023"),
    ("2023-12", "dicembre 2023", "December 2023", "décembre 2023"),
    ({"from": "2023-12-04", "to": "2023-12-08"},
     "4–8 dicembre 2023", "December 4th–8th, 2023", "4-8 décembre 2023"),
    ({"from": "2023-11-30", "to": "2023-12-03"}, "30 novembre – 3 dicembre 2023",
     "November 30th – December 3rd, 2023", "30 novembre – 3 décembre 2023"),
    ({"from": "2023-12-30", "to": "2024-01-02"}, "30 dicembre 2023 – 2 gennaio 2024",
     "December 30th, 2023 – January 2nd, 2024", "30 décembre 2023 – 2 janvier 2024"),
    ({"until": "2023-12-31"}, "fino al 31 dicembre 2023", "until December 31st, 2023",
     "jusqu'au 31 décembre 2023"),
    ({"from": "2023-12-08"}, "a partire dall'8 dicembre 2023", "from December 8th, 2023",
     "à partir du 8 décembre 2023"),
    ({"by": "2023-12-01"}, "entro il 1° dicembre 2023", "by December 1st, 2023",
     "avant le 1er décembre 2023"),
]


@pytest.mark.parametrize(("value", "it", "en", "fr"), EARLIER_YEAR,
                         ids=[str(row[0]) for row in EARLIER_YEAR])
def test_year_shown_for_a_date_of_an_earlier_year(value, it, en, fr):
    # "25 ottobre" under "Top News gennaio 2024" would read as the coming October.
    when = parse_when(value)
    assert [format_when(when, lang, JANUARY_2024) for lang in ("it", "en", "fr")] == [it, en, fr]


@pytest.mark.parametrize(("value", "issue", "text"), [
    ("2024-07-20", JANUARY_2024, "20 luglio"),  # six months ahead: near enough
    ("2024-08-20", JANUARY_2024, "20 agosto 2024"),  # seven, in the same year
    ({"until": "2024-08-20"}, JANUARY_2024, "fino al 20 agosto 2024"),
    ({"from": "2024-08-01", "to": "2024-08-03"}, JANUARY_2024, "1°–3 agosto 2024"),
    ("2024-06-10", DECEMBER_2023, "10 giugno"),
    ("2024-07-01", DECEMBER_2023, "1° luglio 2024"),
    ("2024-01", DECEMBER_2023, "gennaio"),
])
def test_year_shown_more_than_six_months_ahead(value, issue, text):
    assert format_when(parse_when(value), "it", issue) == text


@pytest.mark.parametrize(("start", "end", "issue", "it", "en", "fr"), [
    (date(2023, 12, 1), date(2023, 12, 31), JANUARY_2024, "dal 1° al 31 dicembre 2023",
     "from December 1st to 31st, 2023", "du 1er au 31 décembre 2023"),
    (date(2023, 11, 15), date(2023, 12, 14), JANUARY_2024, "dal 15 novembre al 14 dicembre 2023",
     "from November 15th to December 14th, 2023", "du 15 novembre au 14 décembre 2023"),
    (date(2023, 12, 15), date(2024, 1, 14), date(2024, 2, 1),
     "dal 15 dicembre 2023 al 14 gennaio 2024", "from December 15th, 2023 to January 14th, 2024",
     "du 15 décembre 2023 au 14 janvier 2024"),
])
def test_delegation_period_of_an_earlier_year(start, end, issue, it, en, fr):
    assert [format_period(start, end, lang, issue) for lang in ("it", "en", "fr")] == [it, en, fr]
