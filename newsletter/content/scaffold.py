"""``newsletter new``: a new issue's folder with a commented source file
that already validates, so an editor starts from something that works."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from newsletter.content.dates import parse_month
from newsletter.content.reader import MONTH_FOLDER, PLACEHOLDER
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError

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


def new_issue(config: Config, month: str) -> Path:
    """Create ``issues/YYYY-MM/it.yaml``; refuse to overwrite an existing issue."""
    if not MONTH_FOLDER.match(month):
        raise NewsletterError(f"{month!r} is not a month: write it as YYYY-MM, e.g. 2024-01 "
                              "(digits and one hyphen, nothing else)")
    first = parse_month(month)
    folder = config.issues_dir / month
    if folder.exists():
        raise IssueExists(f"issues/{month}/ already exists: edit it, or choose another month")
    prev_last = first - timedelta(days=1)
    folder.mkdir(parents=True)
    path = folder / f"{config.primary_language}.yaml"
    path.write_text(TEMPLATE.format(
        month=month, placeholder=PLACEHOLDER, first_day=first.isoformat(),
        send_at=f"{first:%Y-%m}-0{_first_weekday(first).day} 09:00",
        prev_first=prev_last.replace(day=1).isoformat(), prev_last=prev_last.isoformat(),
    ), encoding="utf-8")
    return path


def _first_weekday(first: date) -> date:
    day = first
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
