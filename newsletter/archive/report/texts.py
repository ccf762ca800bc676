"""The report's words: the office's own texts from ``issues/report-YYYY/``
(all optional) and the headings and sentences the report prints in each of
its languages.

    issues/report-2024/
      report.yaml            title, subtitle, highlights: [ids, in order], exclude: [ids]
      introduction.it.md     the mayor's introduction; lines after a "--" line are the signature
      focus/01-housing.it.md a focus page: "# Title", then Markdown

``title`` and ``subtitle`` are a text or one per language ({it: …, en: …}).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from babel import Locale
from markupsafe import Markup

from newsletter.content.markdown import to_html
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

WORDS: dict[str, dict[str, str]] = {
    "it": {
        "title": "Relazioni internazionali – Rapporto {year}",
        "contents": "Indice",
        "introduction": "Introduzione",
        "overview": "L'anno in cifre",
        "highlights": "In primo piano",
        "missions": "Missioni all'estero",
        "delegations": "Delegazioni ricevute",
        "events": "Eventi per mese",
        "networks": "Reti e progetti",
        "networks_only": "Reti",
        "projects_only": "Progetti",
        "page": "Pagina {page}",
        "month": "Mese",
        "country": "Paese",
        "count": "Numero",
        "date": "Data",
        "destination": "Destinazione",
        "by_month": "Delegazioni per mese",
        "by_country": "Delegazioni per Paese",
        "activity": "Attività per mese",
        "activity_description": "Le notizie del bollettino per mese di inizio.",
        "by_country_description": "Il numero di delegazioni straniere ricevute, per Paese di provenienza.",
        "map": "I Paesi delle delegazioni e delle missioni",
        "map_description": "Planisfero: in colore i Paesi da cui sono arrivate delegazioni e quelli "
                           "visitati in missione.",
        "legend_delegation": "Delegazioni ricevute",
        "legend_mission": "Missioni",
        "legend_both": "Delegazioni e missioni",
        "total": "Totale",
        "delegations_one": "{count} delegazione straniera",
        "delegations_other": "{count} delegazioni straniere",
        "countries_one": "proveniente da {count} Paese",
        "countries_other": "provenienti da {count} Paesi",
    },
    "en": {
        "title": "International relations – {year} report",
        "contents": "Contents",
        "introduction": "Introduction",
        "overview": "The year in figures",
        "highlights": "Highlights",
        "missions": "Missions abroad",
        "delegations": "Delegations received",
        "events": "Events by month",
        "networks": "Networks and projects",
        "networks_only": "Networks",
        "projects_only": "Projects",
        "page": "Page {page}",
        "month": "Month",
        "country": "Country",
        "count": "Number",
        "date": "Date",
        "destination": "Destination",
        "by_month": "Delegations by month",
        "by_country": "Delegations by country",
        "activity": "Activity by month",
        "activity_description": "The bulletin's news by the month it starts.",
        "by_country_description": "The number of foreign delegations received, by country of origin.",
        "map": "The countries of delegations and missions",
        "map_description": "World map: the countries delegations came from and those visited on "
                           "missions are shaded.",
        "legend_delegation": "Delegations received",
        "legend_mission": "Missions",
        "legend_both": "Delegations and missions",
        "total": "Total",
        "delegations_one": "{count} foreign delegation",
        "delegations_other": "{count} foreign delegations",
        "countries_one": "from {count} country",
        "countries_other": "from {count} countries",
    },
    "fr": {
        "title": "Relations internationales – Rapport {year}",
        "contents": "Sommaire",
        "introduction": "Introduction",
        "overview": "L'année en chiffres",
        "highlights": "À la une",
        "missions": "Missions à l'étranger",
        "delegations": "Délégations reçues",
        "events": "Événements par mois",
        "networks": "Réseaux et projets",
        "networks_only": "Réseaux",
        "projects_only": "Projets",
        "page": "Page {page}",
        "month": "Mois",
        "country": "Pays",
        "count": "Nombre",
        "date": "Date",
        "destination": "Destination",
        "by_month": "Délégations par mois",
        "by_country": "Délégations par pays",
        "activity": "Activité par mois",
        "activity_description": "Les nouvelles du bulletin selon le mois où elles commencent.",
        "by_country_description": "Le nombre de délégations étrangères reçues, par pays d'origine.",
        "map": "Les pays des délégations et des missions",
        "map_description": "Planisphère : en couleur les pays d'où sont venues des délégations et "
                           "ceux visités en mission.",
        "legend_delegation": "Délégations reçues",
        "legend_mission": "Missions",
        "legend_both": "Délégations et missions",
        "total": "Total",
        "delegations_one": "{count} délégation étrangère",
        "delegations_other": "{count} délégations étrangères",
        "countries_one": "venant de {count} pays",
        "countries_other": "venant de {count} pays",
    },
}

SIGNATURE = "--"


def words(lang: str) -> dict[str, str]:
    return WORDS[lang]


def plural(lang: str, key: str, count: int) -> str:
    """``key_one`` or ``key_other`` as CLDR's plural rule for ``lang`` says."""
    form = "one" if Locale.parse(lang).plural_form(count) == "one" else "other"
    return WORDS[lang][f"{key}_{form}"].format(count=count)


def delegations_sentence(lang: str, delegations: int, countries: int) -> str:
    """"52 delegazioni straniere provenienti da 26 Paesi"."""
    return f"{plural(lang, 'delegations', delegations)} {plural(lang, 'countries', countries)}"


@dataclass(frozen=True)
class Prose:
    """Markdown written by the office, and its sanitized HTML."""

    source: str

    @property
    def html(self) -> Markup:
        return Markup(to_html(self.source))


@dataclass(frozen=True)
class Introduction:
    body: Prose
    signature: tuple[str, ...]


@dataclass(frozen=True)
class Focus:
    title: str
    body: Prose


@dataclass(frozen=True)
class OfficeTexts:
    title: str
    subtitle: str
    introduction: Introduction | None
    focus: tuple[Focus, ...]
    highlights: tuple[str, ...]
    exclude: tuple[str, ...]


def report_folder(issues_dir: Path, year: int) -> Path:
    return issues_dir / f"report-{year}"


def read_texts(issues_dir: Path, year: int, lang: str) -> OfficeTexts:
    """The office's texts for the report of ``year`` in ``lang``; defaults
    where the folder or a file is missing."""
    folder = report_folder(issues_dir, year)
    settings = _settings(folder / "report.yaml")
    return OfficeTexts(
        title=_localized(settings.get("title"), lang) or WORDS[lang]["title"].format(year=year),
        subtitle=_localized(settings.get("subtitle"), lang),
        introduction=_introduction(folder / f"introduction.{lang}.md"),
        focus=tuple(_focus(path) for path in sorted((folder / "focus").glob(f"*.{lang}.md"))),
        highlights=_ids(settings, "highlights", folder / "report.yaml"),
        exclude=_ids(settings, "exclude", folder / "report.yaml"),
    )


def _settings(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"{path}:{line + 1}" if line is not None else str(path)
        raise NewsletterError(_("{where}: not valid YAML: {problem}").format(
            where=where, problem=getattr(exc, "problem", exc))) from None
    if not isinstance(settings, dict):
        raise NewsletterError(_("{file}: write title, subtitle, highlights and exclude as "
                                "`key: value` lines").format(file=path))
    return settings


def _localized(value: object, lang: str) -> str:
    if isinstance(value, dict):
        value = value.get(lang, "")
    return str(value or "").strip()


def _ids(settings: dict, key: str, path: Path) -> tuple[str, ...]:
    value = settings.get(key) or []
    if not isinstance(value, list):
        raise NewsletterError(_("{file}: {key}: write a list of item ids, e.g. [luci-artista, "
                                "salone-libro]").format(file=path, key=key))
    return tuple(str(v) for v in value)


def _introduction(path: Path) -> Introduction | None:
    if not path.is_file():
        return None
    body, _sep, signature = path.read_text(encoding="utf-8").partition(f"\n{SIGNATURE}\n")
    lines = tuple(line.strip() for line in signature.splitlines() if line.strip())
    return Introduction(Prose(body.strip()), lines)


def _focus(path: Path) -> Focus:
    first, _sep, rest = path.read_text(encoding="utf-8").lstrip().partition("\n")
    if not first.startswith("# "):
        raise NewsletterError(_("{file}:1: a focus page starts with its title, as `# Title`")
                              .format(file=path))
    return Focus(first[2:].strip(), Prose(rest.strip()))
