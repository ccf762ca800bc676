"""The old news archive, every format: both layouts of the office's old site
(month headings over bulleted entries; later pages of glued runs of text) in
English, French and Italian, as HTML and as a browser's text; every entry
accounted for; the review file's round trip through the CLI."""

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from newsletter.archive.legacy import LegacyError, page_text, read_legacy
from newsletter.archive.legacy_dates import read_date
from newsletter.archive.legacy_split import split_title
from newsletter.cli import cli

PAGES = Path(__file__).resolve().parent / "fixtures" / "legacy"


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args], catch_exceptions=False)


def read(name: str):
    path = PAGES / name
    return read_legacy(page_text(path), path.suffixes[0][1:], name)


def when(value) -> str | None:
    if value is None:
        return None
    return value.start.isoformat() if value.kind == "day" else f"{value.start}..{value.end}"


# Every entry of each page, in the page's order: the date as written, as read,
# the title, the start of the body, and what is to review ("date", "split").
# The marker counts the page's entries independently of the importer.
EXPECTED = {
    "news-2008.en.html": ("<li>", [
        ("March 27th 2008", "2008-03-27", "Delegation from Lyon - France",
         "A delegation from Lyon led by", ""),
        ("February 28th-March 2nd 2008", "2008-02-28..2008-03-02",
         "Torino at the MIPIM fair in Cannes", "The City of Torino presented", ""),
        ("", None, "The City at the Olympic torch relay", "Torino welcomed the Olympic", "date"),
        ("March 3rd 2008", "2008-03-03", "Consul of the U.S.A.", "The Mayor of Torino met", ""),
        ("February 14th-16th 2008", "2008-02-14..2008-02-16", "EUROCITIES Culture Forum",
         "Torino hosted the Culture Forum of EUROCITIES, the network of Europe's", ""),
        ("February 5th 2008", "2008-02-05", "Ambassador of Japan", "The Mayor of Torino met", ""),
    ]),
    "actualites-2009.fr.html": ("<li>", [
        ("12-14 juin 2009", "2009-06-12..2009-06-14", "Délégation de Lyon",
         "Une délégation de la Ville de Lyon", ""),
        # the title on the line after the date
        ("1er juin 2009", "2009-06-01", "Journée de l’Europe à Torino",
         "La Ville de Torino a célébré l’Europe", ""),
        ("28 mai-2 juin 2009", "2009-05-28..2009-06-02", "Mission à Chambéry",
         "Le Maire de Torino a conduit", ""),
        ("15 mai 2009", "2009-05-15", "Consul général de France", "Le Maire de Torino a reçu", ""),
        ("4-6 mai 2009", "2009-05-04..2009-05-06", "Forum des villes alpines",
         "Torino a accueilli le forum", ""),
    ]),
    "notizie-2008.it.html": ("<li>", [
        ("20-22 ottobre 2008", "2008-10-20..2008-10-22", "Delegazione da Shenzhen - Cina",
         "Una delegazione della città di Shenzhen", ""),
        ("1° ottobre 2008", "2008-10-01", "Ambasciatore del Giappone", "Il Sindaco di Torino", ""),
        ("30 settembre-2 ottobre 2008", "2008-09-30..2008-10-02", "Torino a Lione",
         "Dal 30 settembre al 2 ottobre", ""),
        ("dal 15 al 17 settembre 2008", "2008-09-15..2008-09-17", "Salone del Gusto",
         "Le delegazioni estere", ""),
    ]),
    "news-2019.en.html": ("<li>", [
        ("December 30th 2019-January 2nd 2020", "2019-12-30..2020-01-02", "New Year in Torino",
         "A delegation from the twin city", ""),
        ("October 3rd-5th 2019", "2019-10-03..2019-10-05", "Expo 2020",
         "The Mayor of Torino presented", ""),
        ("June 4th 2019", "2019-06-04", "SmartCity Lab", "The lab of the City", ""),
        ("05/06/2019", "2019-06-05", "Smart Mobility Forum", "The City hosted", "date"),
        ("May 15th 2019", "2019-05-15", "Agreement with Grenoble", "Torino and Grenoble signed",
         "split"),
        ("", None, "Twinning with Chambéry", "The City of Torino and the City of Chambéry", "date"),
        ("April 10th 2019", "2019-04-10", "Youth Forum", '"We want to be heard", said', ""),
        ("April 2nd 2019", "2019-04-02", "Climate Summit", "“The city must lead the way”, said",
         ""),
        ("March 12th 2019", "2019-03-12", "Mediterranean Exhibition MEDEX",
         "The third edition of the exhibition", ""),
        ("March 3rd-5th 2019", "2019-03-03..2019-03-05", "Urban Mobility Days",
         "The City of Torino took part", ""),
    ]),
    "actualites-2022.fr.html": ('class="actu"', [
        ("28 novembre-2 décembre 2022", "2022-11-28..2022-12-02", "Salon InnoLab",
         "La Ville de Torino a participé", ""),
        ("30 février 2021", None, "Rencontre des jumelages", "Les villes jumelles", "date"),
        ("1er février 2021", "2021-02-01", "Nuit Blanche", "À Paris, la Ville de Torino", ""),
        ("", None, "Visite du Consul général de France", "Le Consul général de France à Turin",
         "date"),
        ("4-6 mars 2020", "2020-03-04..2020-03-06", "Forum des maires",
         "« Les villes sont l’avenir de l’Europe »", ""),
        ("12 mars 2019", "2019-03-12", "Accord avec Grenoble", "La Ville de Torino a signé", ""),
        ("12 mars 2019", "2019-03-12", "Accord avec Grenoble", "L’accord prévoit des échanges", ""),
    ]),
    "notizie-2019.it.html": ('class="notizia"', [
        ("3 giugno 2019", "2019-06-03", "Salone del Libro", "È stato inaugurato il Salone", ""),
        ("12 giugno", None, "Settimana europea dell’energia", "La Città ha aderito", "date"),
        ("20 maggio 2019", "2019-05-20", "Accordo con Grenoble", "Torino e Grenoble hanno firmato",
         "split"),
        ("15 maggio 2019", "2019-05-15", "Presentazione del progetto UNESCO",
         "Il sito delle Residenze Sabaude", ""),
        ("1° maggio 2019", "2019-05-01", "Festa del lavoro", "Dal Comune un saluto", ""),
        ("2-4 aprile 2019", "2019-04-02..2019-04-04", "Delegazione da Osaka",
         "Una delegazione della città di Osaka", ""),
        ("30 dicembre 2018-2 gennaio 2019", "2018-12-30..2019-01-02", "Capodanno a Torino",
         "Il Sindaco di Lione ha trascorso", ""),
    ]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_entry_of_every_page_is_read_and_accounted_for(name):
    marker, expected = EXPECTED[name]
    report = read(name)
    assert len(report.entries) == (PAGES / name).read_text().count(marker) == len(expected)
    assert report.imported == len(report.entries)  # nothing dropped
    dated_ok = sum(1 for e in report.entries if not e.date_problem)
    split_ok = sum(1 for e in report.entries if not e.split_problem)
    assert dated_ok + report.dates_to_review == split_ok + report.splits_to_review == len(expected)
    found = [(e.date_text, when(e.when), e.title, e.body[:len(row[3])],
              "date" if e.date_problem else "split" if e.split_problem else "")
             for e, row in zip(report.entries, expected, strict=True)]
    assert found == expected


def test_bodies_keep_their_paragraphs_and_the_page_furniture_is_noted():
    report = read("news-2008.en.html")
    assert report.entries[1].body.endswith(
        "in Cannes.\n\nThe stand was shared with the Province of Torino and the Piedmont Region.")
    assert report.skipped == [
        "line 9: 'International Relations' is not part of an entry",
        "line 10: 'Navigation Menu' is not part of an entry",
        "line 38: 'Text written by The International Affairs Service. For more informatio' is "
        "not part of an entry"]
    osaka = read("notizie-2019.it.html").entries[5]
    assert osaka.body.endswith("Sindaca di Torino.\n\nLa visita si è conclusa al Museo Egizio.")


def test_entries_go_under_their_heading_their_date_or_their_neighbours_month():
    months = {name: [(m.slug, len(m.items)) for m in read(name).months] for name in EXPECTED}
    assert months["news-2008.en.html"] == [("2008-03", 4), ("2008-02", 2)]
    assert months["actualites-2009.fr.html"] == [("2009-06", 3), ("2009-05", 2)]
    # Without headings: by date; the impossible 30 février with the entry before it.
    assert months["actualites-2022.fr.html"] == [("2022-11", 2), ("2021-02", 2), ("2020-03", 1),
                                                 ("2019-03", 2)]
    undated = read("news-2019.en.html").entries[5]
    assert undated.month.isoformat() == "2019-05-01"
    assert undated.date_problem == ("No date was found at the start of the entry. It is filed "
                                    "under 2019-05, with the entries next to it.")


def test_a_text_page_mixing_both_layouts_is_read_entry_by_entry():
    page = ("International Relations\n\n2019 March\n\n"
            "  • March 3rd-5th 2019 Urban Mobility DaysThe City of Torino took part in the days.\n\n"
            "  • March 12th 2019 - Delegation from Lyon\n\n    A delegation from Lyon met the Mayor.\n\n"
            "  • March 20th Youth DayThe young people of the twin cities met in Torino.\n")
    report = read_legacy(page, "en")
    assert [(e.title, e.body, when(e.when), e.certain) for e in report.entries] == [
        ("Urban Mobility Days", "The City of Torino took part in the days.",
         "2019-03-03..2019-03-05", True),
        ("Delegation from Lyon", "A delegation from Lyon met the Mayor.", "2019-03-12", True),
        ("Youth Day", "The young people of the twin cities met in Torino.", "2019-03-20", True),
    ]


def test_a_text_page_of_paragraphs_has_its_undated_entries_between_dated_ones():
    page = ("Relations Internationales\n\n"
            "12 mars 2019 Accord avec GrenobleLa Ville de Torino a signé un accord.\n\n"
            "Visite du ConsulLe Consul a rencontré la Maire.\n\n"
            "4-6 mars 2020 Forum des mairesLes maires des villes alpines se sont réunis.\n\n"
            "Texte rédigé par le Service des Relations Internationales.\n")
    report = read_legacy(page, "fr")
    assert [(e.title, e.date_problem != "") for e in report.entries] == [
        ("Accord avec Grenoble", False), ("Visite du Consul", True), ("Forum des maires", False)]
    assert len(report.skipped) == 2


def test_a_page_that_is_not_the_archive_is_refused():
    with pytest.raises(LegacyError, match=r"no month heading .* and no dated entry"):
        read_legacy("just some text\n", "en")


# -- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang", "expected", "rest"), [
    ("March 3rd-5th 2019 Urban", "en", "2019-03-03..2019-03-05", "Urban"),
    ("October 3rd-5th 2019 Forum", "en", "2019-10-03..2019-10-05", "Forum"),
    ("May 5th-June 1st 2007 - Torino", "en", "2007-05-05..2007-06-01", "Torino"),
    ("December 30th 2018-January 2nd 2019 Eve", "en", "2018-12-30..2019-01-02", "Eve"),
    ("March 3rd, 2019: Title", "en", "2019-03-03", "Title"),
    ("Sept. 21st 2019 Title", "en", "2019-09-21", "Title"),
    ("12 mars 2019 Accord", "fr", "2019-03-12", "Accord"),
    ("1er février 2021 Nuit", "fr", "2021-02-01", "Nuit"),
    ("4-6 mars 2020 Salon", "fr", "2020-03-04..2020-03-06", "Salon"),
    ("28 novembre-2 décembre 2022 Salon", "fr", "2022-11-28..2022-12-02", "Salon"),
    ("28 novembre-2 decembre 2022 Salon", "fr", "2022-11-28..2022-12-02", "Salon"),
    ("du 4 au 6 août 2020 Fête", "fr", "2020-08-04..2020-08-06", "Fête"),
    ("12 mars 2019 20 ans de jumelage", "fr", "2019-03-12", "20 ans de jumelage"),
    ("2-4 aprile 2019 Delegazione", "it", "2019-04-02..2019-04-04", "Delegazione"),
    ("30 dicembre 2018-2 gennaio 2019 Capodanno", "it", "2018-12-30..2019-01-02", "Capodanno"),
    ("30 dicembre-2 gennaio 2019 Capodanno", "it", "2018-12-30..2019-01-02", "Capodanno"),
    ("1° maggio 2019 Festa", "it", "2019-05-01", "Festa"),
    ("5 giugno 2019 - 3 giorni di festa", "it", "2019-06-05", "3 giorni di festa"),
    ("13/04/2019 Fiera", "it", "2019-04-13", "Fiera"),
    ("04/13/2019 Fair", "en", "2019-04-13", "Fair"),
])
def test_dates_in_every_form_are_read(text, lang, expected, rest):
    reading = read_date(text, lang)
    assert (when(reading.when), reading.rest, reading.problem) == (expected, rest, "")


@pytest.mark.parametrize(("text", "lang", "year", "problem"), [
    ("30 février 2021 Rencontre", "fr", None, "The date “30 février 2021” is not a day of the "
                                              "calendar."),
    ("12 giugno Settimana", "it", None, "The date “12 giugno” has no year."),
    ("6-4 mars 2020 Salon", "fr", None, "The date “6-4 mars 2020” ends before it starts."),
    ("05/06/2019 Forum", "en", None, "The date “05/06/2019” could be read day first or month "
                                     "first; it was read day first, as 2019-06-05."),
    ("Twinning with Lyon", "en", None, "No date was found at the start of the entry."),
    ("March 20th Youth Day", "en", 2019, ""),  # the year of the month heading
])
def test_dates_that_are_missing_or_ambiguous_say_why(text, lang, year, problem):
    assert read_date(text, lang, year).problem == problem


# -- splitting title and body ----------------------------------------------------------


@pytest.mark.parametrize(("text", "lang", "title", "certain"), [
    ("Urban Mobility DaysThe City of Torino took part in the days.", "en",
     "Urban Mobility Days", True),
    ("Accord avec GrenobleLa Ville de Torino a signé un accord.", "fr", "Accord avec Grenoble", True),
    ("Delegazione da OsakaUna delegazione ha incontrato il Sindaco.", "it", "Delegazione da Osaka",
     True),
    # titles ending in a brand or an acronym
    ("Salon InnoLabLa Ville de Torino a participé au salon.", "fr", "Salon InnoLab", True),
    ("Mediterranean Exhibition MEDEXThe third edition opened in Torino.", "en",
     "Mediterranean Exhibition MEDEX", True),
    ("Presentazione del progetto UNESCOIl sito è stato presentato.", "it",
     "Presentazione del progetto UNESCO", True),
    ("Forum MEDEXA delegation of twenty companies visited the fair.", "en", "Forum MEDEX", False),
    # titles with digits
    ("Expo 2015The exhibition closed with record numbers.", "en", "Expo 2015", True),
    ("Torino 2030La Ville a présenté son plan.", "fr", "Torino 2030", True),
    # bodies opening with a quotation
    ("Climate Summit“The city must lead the way”, said the Mayor.", "en", "Climate Summit", True),
    ('Youth Forum"We want to be heard", said the delegates.', "en", "Youth Forum", True),
    ("Forum des maires« Les villes sont l’avenir », a dit la Maire.", "fr", "Forum des maires",
     True),
    ('Festival "Torino"La Ville a accueilli le festival.', "fr", 'Festival "Torino"', True),
    # elisions, accented capitals, abbreviations in the title
    ("Accord avec GrenobleL’accord prévoit des échanges.", "fr", "Accord avec Grenoble", True),
    ("Salone del LibroÈ stato inaugurato il Salone.", "it", "Salone del Libro", True),
    ("Dr. Rossi in visitaIl dottor Rossi ha visitato la città.", "it", "Dr. Rossi in visita", True),
    # a title alone
    ("Consul of the U.S.A.", "en", "Consul of the U.S.A.", True),
    # guesses: the body does not open like a sentence; no glue at all
    ("Accordo con GrenobleTorino e Grenoble hanno firmato un accordo.", "it",
     "Accordo con Grenoble", False),
    ("Urban Mobility Days The City of Torino took part in the days.", "en",
     "Urban Mobility Days", False),
])
def test_the_title_is_split_from_the_body(text, lang, title, certain):
    split = split_title(text, lang)
    assert split.title == title
    assert text.replace(" ", "").endswith(split.body.replace(" ", ""))  # nothing lost
    assert (split.problem == "") is certain


def test_a_guess_says_what_else_the_title_could_be():
    glued_twice = split_title("Accordo con GrenobleIl Sindaco ha firmato a LioneLa cerimonia si è "
                              "svolta in Comune.", "it")
    assert glued_twice.problem == ("The title was taken as “Accordo con Grenoble”; it could also "
                                   "be “Accordo con GrenobleIl Sindaco ha firmato a Lione”.")
    acronym = split_title("Forum MEDEXA delegation of twenty companies visited the fair.", "en")
    assert acronym.problem == ("The title was taken as “Forum MEDEX”; the capital “A” after it "
                               "could also belong to the title.")
    proper_noun = split_title("Accordo con GrenobleTorino e Grenoble hanno firmato.", "it")
    assert proper_noun.problem == ("The title was taken as “Accordo con Grenoble”, but the body's "
                                   "first words, “Torino e Grenoble hanno”, do not clearly begin "
                                   "a sentence.")
    nothing = split_title("Torino hosted the annual conference of the network of cities and "
                          "welcomed the mayors of twenty cities of Europe.", "en")
    assert (nothing.body, nothing.problem) == ("", "No clear boundary between the title and the "
                                               "body was found; the whole text was taken as the "
                                               "title.")


# -- the command and the review file ---------------------------------------------------


def test_the_summary_of_an_import(project):
    result = run(project, "archive", "import", str(PAGES / "news-2019.en.html"))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "news-2019.en.html: 10 entries read, 10 imported into archive/legacy/ by month: "
        "2019-12 (1), 2019-10 (1), 2019-06 (2), 2019-05 (2), 2019-04 (2), 2019-03 (2).",
        "Dates: 8 certain, 2 to review (1 undated).",
        "Splits between title and body: 9 certain, 1 to review.",
        "3 entries to review are listed above: add --review FILE.yaml to write them to a file "
        "you can correct and import again.",
    ]
    assert ("news-2019.en.html:16: The title was taken as “Agreement with Grenoble”, but the "
            "body's first words, “Torino and Grenoble signed”, do not clearly begin a sentence."
            ) in result.stderr.splitlines()
    assert "news-2019.en.html:15: The date “05/06/2019” could be read" in result.stderr
    may = yaml.safe_load((project / "archive" / "legacy" / "2019-05.en.yaml").read_text())
    assert [item["title"] for item in may["items"]] == ["Agreement with Grenoble",
                                                        "Twinning with Chambéry"]


def test_a_page_with_nothing_to_review(project):
    result = run(project, "archive", "import", str(PAGES / "actualites-2009.fr.html"))
    assert result.stdout.splitlines()[1:] == [
        "Dates: 5 certain, 0 to review (0 undated).",
        "Splits between title and body: 5 certain, 0 to review.",
        "Nothing to review."]


def test_the_review_file_round_trip(project):
    page, review = PAGES / "news-2019.en.html", project / "review.yaml"
    first = run(project, "archive", "import", str(page), "--review", str(review))
    assert first.stdout.splitlines()[-1] == (
        f"3 entries to review are in {review}: correct them there, set certain: true on each, "
        "and run the same command again.")
    written = yaml.safe_load(review.read_text())["entries"]
    assert [(e["source"], e["entry"], e["line"], e["date_text"], e["title"], e["certain"])
            for e in written] == [
        ("news-2019.en.html", 4, 15, "05/06/2019", "Smart Mobility Forum", False),
        ("news-2019.en.html", 5, 16, "May 15th 2019", "Agreement with Grenoble", False),
        ("news-2019.en.html", 6, 17, "", "Twinning with Chambéry", False),
    ]
    assert written[1]["body"].startswith("Torino and Grenoble signed")
    assert written[2]["date"] is None and written[2]["reasons"][0].startswith("No date was found")

    # The editor: the forum was on May 6th (month first); the Grenoble title was right;
    # the twinning was renewed on May 20th; and one more word belongs to a title.
    written[0].update(date="2019-05-06", certain=True)
    written[1].update(certain=True)
    written[2].update(date="2019-05-20", title="Twinning with Chambéry renewed", certain=True)
    review.write_text(yaml.safe_dump({"entries": written}, allow_unicode=True))

    again = run(project, "archive", "import", str(page), "--review", str(review))
    assert again.exit_code == 0
    assert again.stdout.splitlines()[1:] == [
        "Dates: 10 certain, 0 to review (0 undated).",
        "Splits between title and body: 10 certain, 0 to review.",
        f"3 entries were taken as corrected from {review}.",
        "Nothing to review."]
    may = yaml.safe_load((project / "archive" / "legacy" / "2019-05.en.yaml").read_text())
    assert [(item["title"], item["date"]) for item in may["items"]] == [
        ("Smart Mobility Forum", "2019-05-06"), ("Agreement with Grenoble", "2019-05-15"),
        ("Twinning with Chambéry renewed", "2019-05-20")]
    june = yaml.safe_load((project / "archive" / "legacy" / "2019-06.en.yaml").read_text())
    assert [item["title"] for item in june["items"]] == ["SmartCity Lab"]
    # The corrections stay in the file, so the next import applies them again.
    kept = yaml.safe_load(review.read_text())["entries"]
    assert [(e["title"], e["certain"]) for e in kept] == [
        ("Smart Mobility Forum", True), ("Agreement with Grenoble", True),
        ("Twinning with Chambéry renewed", True)]
    third = run(project, "archive", "import", str(page), "--review", str(review))
    assert third.stdout == again.stdout


def test_an_edit_without_certain_is_applied_and_stays_to_review(project):
    page, review = PAGES / "notizie-2019.it.html", project / "review.yaml"
    run(project, "archive", "import", str(page), "--review", str(review))
    entries = yaml.safe_load(review.read_text())["entries"]
    grenoble = next(e for e in entries if e["date_text"] == "20 maggio 2019")
    grenoble["title"] = "Accordo con Grenoble firmato"
    review.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True))
    result = run(project, "archive", "import", str(page), "--review", str(review))
    assert result.stdout.splitlines()[-1].startswith("2 entries to review are in")
    may = (project / "archive" / "legacy" / "2019-05.it.yaml").read_text()
    assert "title: Accordo con Grenoble firmato" in may


def test_one_review_file_serves_several_pages(project):
    review = project / "review.yaml"
    run(project, "archive", "import", str(PAGES / "news-2019.en.html"), "--review", str(review))
    run(project, "archive", "import", str(PAGES / "actualites-2022.fr.html"), "--review",
        str(review))
    run(project, "archive", "import", str(PAGES / "news-2019.en.html"), "--review", str(review))
    sources = [e["source"] for e in yaml.safe_load(review.read_text())["entries"]]
    assert sources.count("news-2019.en.html") == 3 and sources.count("actualites-2022.fr.html") == 2


def test_a_correction_whose_entry_left_the_page_is_kept_and_reported(project):
    page, review = PAGES / "news-2019.en.html", project / "review.yaml"
    run(project, "archive", "import", str(page), "--review", str(review))
    entries = yaml.safe_load(review.read_text())["entries"]
    entries[0]["key"] = "0000000000"
    review.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True))
    result = run(project, "archive", "import", str(page), "--review", str(review))
    assert (f"{review}:2: warning: this entry of news-2019.en.html is no longer on the page (its "
            "text changed), so its correction was not applied; check it against the page, then "
            "delete it.") in result.stderr
    keys = [e["key"] for e in yaml.safe_load(review.read_text())["entries"]]
    assert "0000000000" in keys and len(keys) == 4


def test_a_review_file_with_mistakes_stops_the_import(project):
    review = project / "review.yaml"
    review.write_text("entries:\n- source: news-2019.en.html\n  key: abc\n  title: A title\n"
                      "  date: 2019-02-30\n  certain: yes please\n")
    result = run(project, "archive", "import", str(PAGES / "news-2019.en.html"), "--review",
                 str(review))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {review}:6: entries[#1].certain: must be true or false: write true once the "
        "entry is right",
        f"error: {review}:5: entries[#1].date: '2019-02-30': February 2019 has 28 days, there is "
        "no day 30",
        "2 errors in the review file: nothing was imported. Correct them and run the command "
        "again."]
    assert not (project / "archive" / "legacy").exists()


def test_the_language_comes_from_the_page_when_the_name_does_not_say(project, tmp_path):
    page = tmp_path / "actualites.html"
    page.write_text((PAGES / "actualites-2022.fr.html").read_text(), encoding="utf-8")
    result = run(project, "archive", "import", str(page))
    assert result.exit_code == 0
    assert (project / "archive" / "legacy" / "2022-11.fr.yaml").exists()


def test_a_page_saved_in_windows_1252_is_read(project, tmp_path):
    page = tmp_path / "actualites.fr.txt"
    page.write_bytes("2 décembre 2019 Fête de l'EuropeLa Ville a fêté l'Europe.\n"
                     .encode("cp1252"))
    run(project, "archive", "import", str(page))
    december = (project / "archive" / "legacy" / "2019-12.fr.yaml").read_text()
    assert "title: Fête de l'Europe" in december


def test_a_month_emptied_by_a_correction_is_removed(project, tmp_path):
    page, review = tmp_path / "news.en.txt", project / "review.yaml"
    page.write_text("  • May 15th 2019 Agreement with LyonThe City signed an agreement.\n"
                    "  • 05/06/2019 Smart Mobility ForumThe City hosted the forum.\n")
    run(project, "archive", "import", str(page), "--review", str(review))
    legacy = project / "archive" / "legacy"
    assert sorted(p.name for p in legacy.iterdir()) == ["2019-05.en.yaml", "2019-06.en.yaml"]
    entries = yaml.safe_load(review.read_text())["entries"]
    entries[0].update(date="2019-05-06", certain=True)
    review.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True))
    result = run(project, "archive", "import", str(page), "--review", str(review))
    assert sorted(p.name for p in legacy.iterdir()) == ["2019-05.en.yaml"]
    assert ("news.en.txt: note: 2019-06.en.yaml was removed: none of the page's entries belongs "
            "to that month any more.") in result.stderr


def test_a_date_alone_on_its_line_takes_the_next_line_as_title():
    page = ("Notizie\n\n3 giugno 2019\nSalone del Libro\n    È stato inaugurato il Salone.\n\n"
            "12 giugno 2019\nSettimana dell'energiaLa Città ha aderito alla settimana.\n")
    report = read_legacy(page, "it")
    assert [(e.title, e.body, e.certain) for e in report.entries] == [
        ("Salone del Libro", "È stato inaugurato il Salone.", True),
        ("Settimana dell'energia", "La Città ha aderito alla settimana.", True)]
