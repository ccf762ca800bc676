"""``newsletter new``: a new issue's folder with a commented source file
that already validates, so an editor starts from something that works.

``new YYYY-MM --from YYYY-MM`` starts from a previous issue instead: what
is still current is carried over, the rest is left behind —

- an item marked ``recurring: true`` (a notice repeated every month, such
  as the European Solidarity Corps) is carried; if its date is over by the
  new month, its date becomes the new month;
- any other item is carried while its date still runs in the new month
  (``{until: …}`` or ``{by: …}`` not yet past, a range or day not yet over,
  an open ``{from: …}``) and dropped once it is over or when it has no date;
- Approfondimenti, the title and the curated-by line recur as they are; the
  preheader and the send time are the month's own and start afresh;
- the delegations' period becomes the new issue's previous month, with one
  placeholder delegation;
- the translations (en.yaml, fr.yaml) keep the text of the items carried,
  and the images of those items are copied.
"""

from __future__ import annotations

import calendar
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from newsletter.content.dates import When, parse_month
from newsletter.content.located import read_yaml
from newsletter.content.reader import MONTH_FOLDER, PLACEHOLDER, load_issue
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

TEMPLATE = """\
# Work in Progress — {month}. Edizione italiana (primaria).
# Scrivi i testi in Markdown: *corsivo*, **grassetto**, [testo](https://indirizzo),
# elenchi con "- ". Un link senza indirizzo, [testo](#), resta testo semplice.
# Date: 2023-12-02 (giorno), {{from: 2023-11-27, to: 2023-11-30}} (periodo),
# {{until: …}} (fino al), {{from: …}} (a partire dal), {{by: …}} (entro il),
# 2023-12 (mese). Controlla il file con: newsletter check {month}
month: {month}
title: Work in Progress
curated_by: a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali
# preheader: la riga di anteprima che i programmi di posta mostrano dopo l'oggetto
# send_at: "{send_at}"   # data e ora di invio (Europe/Rome)

top_news:
  - id: prima-notizia          # minuscole, cifre e trattini; non cambiarlo dopo l'invio
    title: {placeholder} – titolo della notizia
    date: {first_day}
    tags:
      cities: []
      countries: []
      networks: []
      projects: []
    # image: {{file: foto.jpg, alt: "che cosa mostra la foto"}}
    body: |
      {placeholder} – testo della notizia.

consulates: []
#  - id: consolato-esempio
#    date: {month}
#    body: |
#      Testo della notizia dal consolato.

insights: |
  Sul sito web (www.comune.torino.it/relint) sono disponibili i resoconti e gli
  approfondimenti degli eventi passati.

delegations:
  period: {{from: {prev_first}, to: {prev_last}}}
  received:
    - id: prima-delegazione
      name: {placeholder} – nome della delegazione
      # city: Lione
      # country: Francia
"""


class IssueExists(NewsletterError):
    pass


@dataclass
class Started:
    """What `new` wrote and, from a previous issue, what it carried or left."""

    files: list[Path]
    carried: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    dropped: list[str] = field(default_factory=list)


def new_issue(config: Config, month: str, previous: str | None = None) -> Started:
    """Create ``issues/YYYY-MM/`` (from the ``previous`` issue when given);
    refuse to overwrite an existing issue."""
    if not MONTH_FOLDER.match(month):
        raise NewsletterError(_("{month!r} is not a month: write it as YYYY-MM, e.g. 2024-01 "
                                "(digits and one hyphen, nothing else)").format(month=month))
    first = parse_month(month)
    folder = config.issues_dir / month
    if folder.exists():
        raise IssueExists(_("issues/{month}/ already exists: edit it, or choose another month")
                          .format(month=month))
    if previous is not None:
        return _from_previous(config, month, first, previous)
    prev_last = first - timedelta(days=1)
    folder.mkdir(parents=True)
    path = folder / f"{config.primary_language}.yaml"
    path.write_text(TEMPLATE.format(
        month=month, placeholder=PLACEHOLDER, first_day=first.isoformat(),
        send_at=_send_at(first),
        prev_first=prev_last.replace(day=1).isoformat(), prev_last=prev_last.isoformat(),
    ), encoding="utf-8")
    return Started([path])


def _send_at(first: date) -> str:
    return f"{first:%Y-%m}-0{_first_weekday(first).day} 09:00"


def _first_weekday(first: date) -> date:
    day = first
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# -- from a previous issue ------------------------------------------------------

FROM_HEADER = """\
# Work in Progress — {month}. Edizione italiana (primaria), ripresa da {previous}:
# restano le notizie ancora in corso e quelle segnate "recurring: true" (che
# passano anche al numero dopo); le altre sono state tolte. Aggiungi le
# notizie del mese e le delegazioni ricevute. Controlla con: newsletter check {month}
"""
FROM_TRANSLATION_HEADER = """\
# Work in Progress — {month}, edizione {lang}, ripresa da {previous}: il testo
# delle notizie riprese. Le parti nuove si aggiungono, da tradurre, con:
# newsletter translate {month} --lang {lang} --update
"""


def _from_previous(config: Config, month: str, first: date, previous: str) -> Started:
    issue = load_issue(config, previous, draft=True)
    primary = config.primary_language
    source, _problems = read_yaml(issue.folder / f"{primary}.yaml", f"{primary}.yaml")
    data = source.data
    started = Started([])
    carried: dict[str, list[dict]] = {}
    base = issue.editions[primary]
    for section, items in (("top_news", base.top_news), ("consulates", base.consulates)):
        carried[section] = []
        for entry, item in zip(data.get(section) or [], items, strict=True):
            why = _carried(entry, item.when, first)
            if why is None:
                started.dropped.append(item.id)
                continue
            carried[section].append(_dated(entry, item.when, first))
            started.carried.append((item.id, why))
    folder = config.issues_dir / month
    folder.mkdir(parents=True)
    path = folder / f"{primary}.yaml"
    path.write_text(_primary_text(data, carried, month, first, previous), encoding="utf-8")
    started.files.append(path)
    kept = {item_id for item_id, _why in started.carried}
    for lang in config.languages[1:]:
        translation = issue.folder / f"{lang}.yaml"
        if translation.is_file():
            located, _problems = read_yaml(translation, translation.name)
            target = folder / translation.name
            target.write_text(_translation_text(located.data, kept, "insights" in data, month,
                                                lang, previous), encoding="utf-8")
            started.files.append(target)
    for item in base.top_news:
        if item.id in kept and item.image:
            shutil.copy2(item.image.file, folder / item.image.file.name)
    return started


def _carried(entry: dict, when: When | None, first: date) -> str | None:
    """Why an item goes on into the issue of ``first``'s month, or None."""
    if entry.get("recurring") is True:
        return _("recurring")
    if when is None:
        return None
    last = _last_day(when)
    if last is None:
        return _("open-ended")
    return _("still running") if last >= first else None


def _last_day(when: When) -> date | None:
    """The last day a date refers to (None for an open ``{from: …}``)."""
    if when.kind == "from":
        return None
    if when.kind == "month":
        return when.start.replace(day=calendar.monthrange(when.start.year, when.start.month)[1])
    return when.end or when.start


def _dated(entry: dict, when: When | None, first: date) -> dict:
    """A recurring item whose date is over takes the new month as its date."""
    last = _last_day(when) if when else None
    if when is not None and last is not None and last < first:
        return {**entry, "date": f"{first:%Y-%m}"}
    return entry


def _primary_text(data: dict, carried: dict[str, list[dict]], month: str, first: date,
                  previous: str) -> str:
    prev_last = first - timedelta(days=1)
    head = {"month": month, "title": data.get("title"), "curated_by": data.get("curated_by")}
    top_news = carried["top_news"] or [{
        "id": "prima-notizia", "title": f"{PLACEHOLDER} – titolo della notizia",
        "date": first.isoformat(), "body": f"{PLACEHOLDER} – testo della notizia.\n"}]
    delegations = {
        "period": {"from": prev_last.replace(day=1).isoformat(), "to": prev_last.isoformat()},
        "received": [{"id": "prima-delegazione", "name": f"{PLACEHOLDER} – nome della delegazione"}],
    }
    parts = [
        FROM_HEADER.format(month=month, previous=previous),
        _dump({k: v for k, v in head.items() if v is not None}),
        "# preheader: la riga di anteprima che i programmi di posta mostrano dopo l'oggetto\n"
        f'# send_at: "{_send_at(first)}"   # data e ora di invio (Europe/Rome)\n',
        _dump({"top_news": top_news}),
        _dump({"consulates": carried["consulates"]}),
    ]
    if data.get("insights"):
        parts.append(_dump({"insights": data["insights"]}))
    parts.append(_dump({"delegations": delegations}))
    return "\n".join(parts)


def _translation_text(data: object, kept: set[str], insights: bool, month: str, lang: str,
                      previous: str) -> str:
    data = data if isinstance(data, dict) else {}
    parts = [FROM_TRANSLATION_HEADER.format(month=month, lang=lang, previous=previous)]
    head = {key: data[key] for key in ("title", "curated_by") if data.get(key)}
    if head:
        parts.append(_dump(head))
    for section in ("top_news", "consulates"):
        entries = [e for e in data.get(section) or [] if isinstance(e, dict) and e.get("id") in kept]
        if entries:
            parts.append(_dump({section: entries}))
    if insights and data.get("insights"):
        parts.append(_dump({"insights": data["insights"]}))
    return "\n".join(parts)


# -- writing YAML as an editor would ----------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists, literal blocks for text over several
    lines, flow style for dates, images, periods and tag lists, and dates
    left unquoted (the reader does not take them for timestamps either)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
_FLOW_KEYS = {"date", "image", "period"}


def _text(dumper: yaml.SafeDumper, value: str):
    # several lines: a literal block; one: plain when it reads back the same, else quoted
    style = "|" if "\n" in value else None if _reads_back(value) else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _reads_back(value: str) -> bool:
    try:
        return yaml.load(f"k: {value}", Loader=_PlainLoader) == {"k": value}
    except yaml.YAMLError:
        return False


class _PlainLoader(yaml.SafeLoader):
    """Reads dates as text, as the issue reader does."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Flow(dict):
    pass


class _FlowList(list):
    pass


_Dumper.add_representer(str, _text)
_Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value, flow_style=True))
_Dumper.add_representer(_FlowList, lambda dumper, value: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", value, flow_style=True))


def _flowing(value: object, key: str = "") -> object:
    """Mark the small collections that read best on one line."""
    if isinstance(value, dict):
        marked = {k: _flowing(v, k) for k, v in value.items()}
        return _Flow(marked) if key in _FLOW_KEYS else marked
    if isinstance(value, list):
        marked = [_flowing(v) for v in value]
        return _FlowList(marked) if all(not isinstance(v, dict | list) for v in value) else marked
    return value


def _dump(data: dict) -> str:
    text = yaml.dump(_flowing(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("  - ") and lines and not lines[-1].endswith(":"):
            lines.append("")  # a blank line between a section's entries, as editors write them
        lines.append(line)
    return "\n".join(lines) + "\n"
