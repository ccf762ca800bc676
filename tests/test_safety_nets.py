"""Safety nets (issue 11), as an editor meets them on the command line:
`newsletter new`'s placeholders stop build, schedule and send (a draft
build may keep them and is never sent); check and build say with their exit
status when an edition is incomplete; a translation in the wrong language
or without its own alt text counts as not translated; titles, preheaders
and images beyond their limits are warned about, and images reduced."""

import os
import re
from email import message_from_bytes, policy

import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from newsletter.cli import cli
from newsletter.content import language
from newsletter.render.gates import html_facts

from .conftest import MINIMAL, SQLITE, partial_english, write_issue

ITALIAN_BODY = (
    "La Città di Torino partecipa al Lyon Light Festival Forum 2023, organizzato dalla rete "
    "LUCI in collaborazione con la Città di Lione, in occasione della Festa delle Luci. Il forum "
    "è una opportunità di scambio e cooperazione internazionale tra pari nel campo "
    "dell'illuminazione creativa.")
ENGLISH_BODY = (
    "The City of Torino takes part in the Lyon Light Festival Forum 2023, organised by the LUCI "
    "network together with the City of Lyon during the Festival of Lights. The forum is an "
    "opportunity for peer-to-peer exchange and international cooperation in creative lighting.")
FRENCH_BODY = (
    "La Ville de Turin participe au Lyon Light Festival Forum 2023, organisé par le réseau LUCI "
    "avec la Ville de Lyon pendant la Fête des Lumières. Le forum est une occasion d'échange et "
    "de coopération internationale entre pairs dans le domaine de l'éclairage créatif.")


def invoke(project, *args, env=None):
    return CliRunner(env=env).invoke(cli, ["--project", str(project), *args],
                                     catch_exceptions=False)


def primary(body: str = ITALIAN_BODY, image: str = "") -> str:
    return (
        "month: 2024-03\n"
        "curated_by: a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali\n"
        "top_news:\n"
        "  - id: forum\n"
        "    title: Lyon Light Festival Forum\n"
        "    date: 2024-03-04\n"
        f"{image}"
        "    body: |\n"
        f"      {body}\n")


def translation(body: str, title: str = "Lyon Light Festival Forum", extra: str = "") -> str:
    return f"top_news:\n  - id: forum\n    title: {title}\n{extra}    body: |\n      {body}\n"


# -- 1. placeholders: errors for build, schedule and send; a draft is never sent ----------------


def test_build_refuses_the_placeholders_of_new_and_writes_nothing(project):
    invoke(project, "new", "2024-01")
    result = invoke(project, "build", "2024-01", "--out", str(project / "site"))
    assert result.exit_code == 1
    assert ("error: issues/2024-01/it.yaml:15: top_news[prima-notizia].title: "
            "still has the placeholder 'DA SCRIVERE' from "
            "`newsletter new`: replace it with the real text (until then only `newsletter build "
            "--draft` builds the issue)") in result.output
    assert not (project / "site").exists()


def test_a_draft_build_is_marked_as_a_draft(project):
    invoke(project, "new", "2024-01")
    out = project / "site"
    result = invoke(project, "build", "2024-01", "--out", str(out), "--draft")
    assert result.exit_code == 0, result.output
    assert "built " in result.output and "a draft, not for sending" in result.output
    folder = out / "2024-01" / "it"
    assert (folder / ".draft").is_file()
    assert "<title>[BOZZA] Work in Progress – Gennaio 2024" in (folder / "index.html").read_text()
    assert "[BOZZA] Work in Progress" in html_facts((folder / "email.html").read_text()).visible_text
    assert "[BOZZA]" in (folder / "email.txt").read_text()


def test_a_draft_takes_incomplete_translations_with_their_fallbacks(project):
    partial_english(project)
    result = invoke(project, "build", "2023-12", "--out", str(project / "site"), "--draft")
    assert result.exit_code == 0, result.output
    english = (project / "site/2023-12/en/index.html").read_text()
    assert "[DRAFT] Work in Progress" in english


@pytest.fixture
def office(project, database_url):
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "c" * 32,
           "NEWSLETTER_SMTP_URL": ""}
    invoke(project, "subscribers", "add", "anna@example.org", env=env)
    return lambda *args: invoke(project, *args, env=env)


@SQLITE
def test_a_draft_build_is_never_sent_not_even_as_a_test(office, project):
    assert office("build", "2023-12", "--draft").exit_code == 0
    for command in (["send", "2023-12", "--lang", "it"],
                    ["send", "2023-12", "--test", "editor@example.org"]):
        refused = office(*command)
        assert refused.exit_code == 1, command
        assert ("error: the built it edition of 2023-12 is a draft (built with --draft): a draft "
                "is never sent") in refused.output
    assert not list((project / "outbox").glob("*.eml"))
    assert office("build", "2023-12").exit_code == 0  # the real build replaces the draft
    sent = office("send", "2023-12", "--test", "editor@example.org")
    assert sent.exit_code == 0, sent.output
    message = message_from_bytes(next((project / "outbox").glob("*.eml")).read_bytes(),
                                 policy=policy.default)
    assert "[BOZZA]" not in message["Subject"]


@SQLITE
def test_send_and_schedule_refuse_placeholders(office, project):
    write_issue(project, {"it.yaml": MINIMAL.replace("Prima notizia", "DA SCRIVERE – titolo")})
    assert office("build", "2024-03", "--draft").exit_code == 0
    for command in (["send", "2024-03"], ["send", "2024-03", "--test", "editor@example.org"],
                    ["schedule", "2024-03", "--at", "2031-03-04 09:00", "--lang", "it"]):
        refused = office(*command)
        assert refused.exit_code == 1, command
        assert ("error: issues/2024-03/it.yaml:5: top_news[prima].title: "
                "still has the placeholder 'DA SCRIVERE'"
                in refused.output), command
    assert office("schedule", "list").output == "nothing scheduled\n"


# -- 3. a translation in another language, or without its own alt text ----------------------------


def test_italian_pasted_into_the_french_edition_is_not_translated(project):
    write_issue(project, {"it.yaml": primary(), "en.yaml": translation(ENGLISH_BODY),
                          "fr.yaml": translation(ITALIAN_BODY)})
    result = invoke(project, "check", "2024-03")
    assert result.exit_code == 3, result.output
    assert ("warning: issues/2024-03/fr.yaml:4: top_news[forum].body: this text is in Italian, "
            "not in French: translate it; until then it counts as not translated") in result.output
    assert "2024-03 fr: 1 Top News, incomplete (1 missing)" in result.output
    assert "2024-03 en: 1 Top News, complete" in result.output
    assert "en.yaml:4" not in result.output


def test_real_translations_and_short_texts_give_no_false_alarm(project):
    # The titles are Italian proper names, the same in every edition: too short to judge.
    write_issue(project, {"it.yaml": primary(), "en.yaml": translation(ENGLISH_BODY),
                          "fr.yaml": translation(FRENCH_BODY, title="Festival del Classico")})
    result = invoke(project, "check", "2024-03")
    assert result.exit_code == 0, result.output
    assert "not translated" not in result.output and "warning" not in result.output


def test_english_full_of_italian_names_is_still_english():
    names = "Visit of the Delegazione della Città Metropolitana di Lione to the Palazzo Civico"
    assert language.untranslated_text(names, "Visita della delegazione di Lione", "en") is None
    assert language.detect(ITALIAN_BODY) == "it" and language.detect(FRENCH_BODY) == "fr"
    assert language.detect("Luci d'Artista") is None  # a few words: no opinion
    pasted = "Intelligenza artificiale nelle città: un confronto a livello globale"
    assert language.untranslated_text(pasted, pasted, "fr").startswith("this text is in Italian")
    english_in_both = "Decoding Digital Multimodal Mobility Platforms: what Torino learnt since 2019"
    assert language.untranslated_text(english_in_both, english_in_both, "en") is None


@pytest.mark.parametrize(("alt", "why"), [
    ("", "2: top_news[forum].image_alt: the image has no alt text in English: add image_alt"),
    ("    image_alt: Le luci della piazza di sera\n",
     "4: top_news[forum].image_alt: the alt text is the original's, copied: describe the image "
     "in English"),
])
def test_an_image_without_its_own_alt_text_is_not_translated(project, alt, why):
    Image.new("RGB", (40, 20), "navy").save(project / "luci.png")
    folder = write_issue(project, {
        "it.yaml": primary(image="    image: {file: luci.png, alt: Le luci della piazza di sera}\n"),
        "en.yaml": translation(ENGLISH_BODY, extra=alt)})
    (project / "luci.png").rename(folder / "luci.png")
    result = invoke(project, "check", "2024-03")
    assert result.exit_code == 3, result.output
    assert f"warning: issues/2024-03/en.yaml:{why}" in result.output
    own = translation(ENGLISH_BODY, extra="    image_alt: The square's lights at night\n")
    write_issue(project, {"en.yaml": own})
    assert invoke(project, "check", "2024-03").exit_code == 0


# -- 4. limits: long titles and preheaders, heavy or wide images -----------------------------------


def test_long_title_and_preheader_are_warned_with_their_limit(project):
    title = "Un titolo " * 13
    source = MINIMAL.replace("Prima notizia", title.strip()) + "preheader: " + "parola " * 16 + "\n"
    write_issue(project, {"it.yaml": source})
    result = invoke(project, "check", "2024-03")
    assert result.exit_code == 0, result.output
    assert ("warning: issues/2024-03/it.yaml:5: top_news[prima].title: the title is 129 "
            "characters long; keep it within 120") in result.output
    assert ("warning: issues/2024-03/it.yaml:8: preheader: the preheader is 111 characters "
            "long; keep it within 100") in result.output


def test_a_heavy_wide_image_is_reduced_at_build(project):
    folder = write_issue(project, {"it.yaml": primary(
        image="    image: {file: foto.jpg, alt: La piazza illuminata}\n")})
    noise = Image.frombytes("RGB", (3000, 1500), os.urandom(3000 * 1500 * 3))
    noise.save(folder / "foto.jpg", quality=95)
    assert (folder / "foto.jpg").stat().st_size > 2 * 1024 * 1024
    checked = invoke(project, "check", "2024-03")
    assert checked.exit_code == 0, checked.output
    assert ("warning: issues/2024-03/foto.jpg: top_news[forum].image: the image is 3000 px wide, "
            "more than 1280 px (twice the email's width): the build reduces it to 1280 px"
            ) in checked.output
    assert "top_news[forum].image: the image weighs" in checked.output
    assert "more than 2 MB: the build reduces it" in checked.output

    out = project / "site"
    built = invoke(project, "build", "2024-03", "--out", str(out))
    assert built.exit_code == 0, built.output
    published = out / "2024-03" / "images" / "foto.jpg"
    with Image.open(published) as image:
        assert image.width <= 1280
    assert published.stat().st_size <= 2 * 1024 * 1024
    assert (folder / "foto.jpg").stat().st_size > 2 * 1024 * 1024  # the source is untouched
    assert 'src="../images/foto.jpg"' in (out / "2024-03/it/index.html").read_text()
    assert "/2024-03/images/foto.jpg" in (out / "2024-03/it/email.html").read_text()
    assert (out / "2024-03/it/issue.pdf").stat().st_size < 2 * 1024 * 1024


def test_a_small_image_is_published_as_it_is(project):
    folder = write_issue(project, {"it.yaml": primary(
        image="    image: {file: logo.png, alt: Il logo del forum}\n")})
    Image.new("RGB", (600, 300), "teal").save(folder / "logo.png")
    result = invoke(project, "build", "2024-03", "--out", str(project / "site"))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert (project / "site/2024-03/images/logo.png").read_bytes() == \
        (folder / "logo.png").read_bytes()


# -- 5. new --from, translate -----------------------------------------------------------------------


def test_new_from_the_previous_issue_keeps_what_is_still_current(project):
    result = invoke(project, "new", "2024-01", "--from", "2023-12")
    assert result.exit_code == 0, result.output
    assert ("from 2023-12: kept 3 items: luci-d-artista (still running), "
            "fantascienza-cinese-mufant (open-ended), corpo-europeo-di-solidarieta (recurring); "
            "dropped as over or undated: 15") in result.output
    assert "created issues/2024-01/it.yaml\ncreated issues/2024-01/en.yaml\n" in result.output
    source = yaml.safe_load((project / "issues/2024-01/it.yaml").read_text())
    assert [i["id"] for i in source["top_news"]] == [
        "luci-d-artista", "fantascienza-cinese-mufant", "corpo-europeo-di-solidarieta"]
    assert source["top_news"][2]["date"] == "2024-01"  # recurring, its month over: the new one
    assert source["consulates"] == []
    period = source["delegations"]["period"]
    assert (str(period["from"]), str(period["to"])) == ("2023-12-01", "2023-12-31")
    assert "preheader" not in source
    english = yaml.safe_load((project / "issues/2024-01/en.yaml").read_text())
    assert [i["id"] for i in english["top_news"]] == [i["id"] for i in source["top_news"]]
    checked = invoke(project, "check", "2024-01")
    assert checked.exit_code == 1  # the placeholder delegation
    assert "issues/2024-01/it.yaml" in checked.output and "DA SCRIVERE" in checked.output
    draft = invoke(project, "check", "2024-01", "--draft")
    assert draft.exit_code == 3, draft.output  # English lacks the new delegation only
    assert "2024-01 en: incomplete translation, 1 part not translated" in draft.output


def test_new_from_an_unknown_issue_lists_the_known_ones(project):
    result = invoke(project, "new", "2024-01", "--from", "2023-11")
    assert result.exit_code == 1
    assert "no issue '2023-11' in issues/; known issues: 2023-12" in result.output
    assert not (project / "issues/2024-01").exists()


def test_translate_writes_every_id_with_the_italian_beside_it(project):
    result = invoke(project, "translate", "2023-12", "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote issues/2023-12/fr.yaml: 31 parts to translate, 0 kept")
    text = (project / "issues/2023-12/fr.yaml").read_text()
    assert "  - id: luci-d-artista\n    # it: Luci d'Artista\n    title: DA TRADURRE\n" in text
    assert "    # it: |\n    #   La rassegna [Luci d'Artista](#) torna a illuminare" in text
    assert "  - id: lione\n    # it: Delegazione di Lione\n    name: DA TRADURRE\n" in text
    french = yaml.safe_load(text)
    assert len(french["top_news"]) == 16 and len(french["delegations"]) == 10
    checked = invoke(project, "check", "2023-12")
    assert checked.exit_code == 3
    assert "2023-12 fr: 16 Top News, incomplete (31 missing)" in checked.output
    assert not re.search(r"fr\.yaml:\d", checked.output)  # DA TRADURRE: no warning of its own


def test_translate_never_overwrites_unless_asked(project):
    partial_english(project)
    english = project / "issues/2023-12/en.yaml"
    before = english.read_text()
    refused = invoke(project, "translate", "2023-12", "--lang", "en")
    assert refused.exit_code == 1
    assert ("error: issues/2023-12/en.yaml already exists: translate it there (`newsletter "
            "check 2023-12` lists what is missing), add the parts it lacks with --update"
            ) in refused.output
    assert english.read_text() == before

    updated = invoke(project, "translate", "2023-12", "--lang", "en", "--update")
    assert updated.exit_code == 0, updated.output
    assert "wrote issues/2023-12/en.yaml: 14 parts to translate, 17 kept" in updated.output
    text = english.read_text()
    assert "title: A pilot scenario at Parco Dora for the APPRAISE project" in text
    assert "  - id: mentor-2-tirocinanti\n    # it: Mentor 2 - Incontro dei tirocinanti" in text
    checked = invoke(project, "check", "2023-12")
    assert checked.exit_code == 3
    assert "2023-12 en: 16 Top News, incomplete (14 missing)" in checked.output

    forced = invoke(project, "translate", "2023-12", "--lang", "en", "--force")
    assert forced.exit_code == 0
    assert "A pilot scenario" not in english.read_text()


def test_translate_refuses_the_original_language(project):
    result = invoke(project, "translate", "2023-12", "--lang", "it")
    assert result.exit_code == 1
    assert "--lang it: choose a translation of this bulletin (en, fr); it is the original" \
        in result.output
