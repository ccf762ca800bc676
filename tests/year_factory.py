"""A year of realistic issues for the tests of the yearly report.

``make_year(project)`` writes ``issues/2024-01`` … ``2024-12`` (Italian and,
when asked, complete English translations), deterministic for a seed, and
returns the figures a report of that year must show, counted here from what
was written (not by the code under test). The December 2023 sample stays in
place: its Luci d'Artista (until 14 January) is carried into January, as
`newsletter new --from` does, and is the same event; the next edition runs
from October to January and is reported in October, November and December.
"""

from __future__ import annotations

import calendar
import json
import random
import textwrap
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from newsletter.content.places import country_name

CURATED_BY = {"it": "a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali",
              "en": "edited by the Mayor's Cabinet – International Relations"}
KINDS = ("event", "mission", "delegation", "call", "other")

# (ISO code, city as the Italian edition writes it, in English)
ABROAD = [
    ("FR", "Lione", "Lyon"), ("FR", "Lille", "Lille"), ("BE", "Bruxelles", "Brussels"),
    ("DE", "Colonia", "Cologne"), ("ES", "Barcellona", "Barcelona"), ("PT", "Lisbona", "Lisbon"),
    ("AT", "Vienna", "Vienna"), ("CH", "Ginevra", "Geneva"), ("NL", "Amsterdam", "Amsterdam"),
    ("PL", "Cracovia", "Krakow"), ("GB", "Glasgow", "Glasgow"), ("US", "Detroit", "Detroit"),
    ("JP", "Nagoya", "Nagoya"), ("CN", "Shenyang", "Shenyang"), ("BR", "Belo Horizonte",
                                                                 "Belo Horizonte"),
    ("MA", "Rabat", "Rabat"), ("SE", "Göteborg", "Gothenburg"), ("CA", "Montréal", "Montreal"),
    ("KR", "Seul", "Seoul"), ("TN", "Tunisi", "Tunis"), ("SN", "Dakar", "Dakar"),
]
# the dozen countries delegations come from
VISITORS = [
    ("FR", "Grenoble", "Grenoble"), ("DE", "Monaco di Baviera", "Munich"),
    ("CN", "Pechino", "Beijing"), ("JP", "Nagoya", "Nagoya"), ("US", "Chicago", "Chicago"),
    ("BR", "San Paolo", "São Paulo"), ("MA", "Casablanca", "Casablanca"),
    ("ES", "Valencia", "Valencia"), ("CH", "Berna", "Bern"), ("PL", "Breslavia", "Wroclaw"),
    ("KR", "Busan", "Busan"), ("TN", "Sfax", "Sfax"),
]
ROLES = [(None, None), ("Sindaco", "Mayor"), ("Ambasciatore", "Ambassador"),
         ("Console Generale", "Consul General"), (None, None)]
TOPICS = [("mobilità sostenibile", "sustainable mobility"),
          ("transizione energetica", "the energy transition"),
          ("inclusione sociale", "social inclusion"), ("innovazione digitale", "digital innovation"),
          ("politiche giovanili", "youth policies"), ("cultura e turismo", "culture and tourism"),
          ("verde urbano", "urban green spaces"), ("sicurezza dei grandi eventi",
                                                   "the safety of large events")]
PROJECTS = ["APPRAISE", "FEMACT-Cities", "TrialsNet", "Mentor 2", "URBACT", "Interreg Alcotra"]
NETWORKS = ["Eurocities", "POLIS Network", "LUCI", "CDIA", "ICLEI", "BJCEM"]
VENUES = [("Torino", "Turin"), ("Torino", "Turin"), ("Torino", "Turin"), ("Milano", "Milan")]


def make_year(project: Path, year: int = 2024, *, items_per_issue: int = 20,
              languages=("it", "en"), seed: int = 7) -> dict:
    """Write the twelve issues of ``year`` under ``project/issues`` and return
    the expected figures: ``entries`` (events of the year, each once),
    ``ids`` of the generated entries, ``delegations``, ``countries``,
    ``delegations_by_month`` (the month they were received: an issue lists
    its previous month's), ``delegations_by_country``, ``repeated`` (id →
    months of the event reported in three issues), ``highlights``."""
    if not set(languages) <= {"it", "en"} or "it" not in languages:
        raise ValueError("the factory writes Italian and, optionally, English")
    rng = random.Random(seed)
    events: dict[tuple[str, int], list[str]] = {}  # (id, edition) → months
    visits: list[tuple[str, str]] = []  # (month received, country code)
    highlights: list[str] = []
    for number in range(1, 13):
        first = date(year, number, 1)
        month = f"{first:%Y-%m}"
        consulates = _consulates(rng, first, min(2, max(0, items_per_issue - 3)))
        items = _items(rng, first, items_per_issue - len(consulates))
        received = _delegations(rng, first)
        for item in (*items, *consulates):
            events.setdefault((item["id"], item.get("edition", 0)), []).append(month)
            if item.get("highlight") and item["id"] not in highlights:
                highlights.append(item["id"])
        period = first - timedelta(days=1)
        visits += [(f"{period:%Y-%m}", d["code"]) for d in received]
        folder = project / "issues" / month
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "it.yaml").write_text(_primary(first, items, consulates, received),
                                        encoding="utf-8")
        if "en" in languages:
            (folder / "en.yaml").write_text(_english(first, items, consulates, received),
                                            encoding="utf-8")
    in_year = [(m, code) for m, code in visits if m.startswith(f"{year}-")]
    by_month = Counter(m for m, _code in in_year)
    return {
        "year": year,
        "entries": len(events),
        "ids": sorted({item_id for item_id, _edition in events}),
        "delegations": len(in_year),
        "countries": len({code for _m, code in in_year}),
        "delegations_by_month": {f"{year}-{m:02d}": by_month.get(f"{year}-{m:02d}", 0)
                                 for m in range(1, 13)},
        "delegations_by_country": dict(Counter(code for _m, code in in_year)),
        "repeated": {"luci-d-artista": tuple(events[("luci-d-artista", 1)])},
        "highlights": highlights,
        "languages": list(languages),
    }


# -- the items of one issue ---------------------------------------------------------


def _items(rng: random.Random, first: date, count: int) -> list[dict]:
    """``count`` Top News: the recurring notice, Luci d'Artista when it runs,
    and items of every kind (the first mission of the month highlighted)."""
    items = [_solidarity(first)]
    if first.month == 1:
        items.append(_luci(first, carried=True))
    if first.month >= 10:
        items.append(_luci(first, carried=False))
    extra = max(1, count - len(items))
    kinds = list(KINDS)[:extra] + [rng.choice(KINDS) for _ in range(extra - len(KINDS))]
    rng.shuffle(kinds)
    for index, kind in enumerate(kinds, 1):
        item = _item(rng, first, kind, index)
        item["highlight"] = kind == "mission" and not any(i.get("highlight") for i in items)
        items.append(item)
    return items


def _item(rng: random.Random, first: date, kind: str, index: int) -> dict:
    topic_it, topic_en = rng.choice(TOPICS)
    project = rng.choice(PROJECTS)
    network = rng.choice(NETWORKS)
    item = {"id": f"{kind}-{first:%Y-%m}-{index}", "kind": kind, "date": _date(rng, first, kind),
            "tags": {"projects": [project], "networks": [network]}}
    if kind in ("mission", "delegation"):
        code, city_it, city_en = rng.choice(ABROAD)
        country_it, country_en = country_name(code, "it"), country_name(code, "en")
        item["places"] = [(code, city_it)]
        item["tags"]["cities"] = [city_it]
    else:
        (city_it, city_en), code = rng.choice(VENUES), "IT"
        country_it, country_en = "Italia", "Italy"
        item["places"] = [(code, city_it)] if kind == "event" or rng.random() < 0.5 else []
    words = dict(city_it=city_it, city_en=city_en, country_it=country_it, country_en=country_en,
                 topic_it=topic_it, topic_en=topic_en, project=project, network=network)
    title_it, title_en, body_it, body_en = TEXTS[kind]
    item.update(title_it=title_it.format(**words), title_en=title_en.format(**words),
                body_it=" ".join(body_it).format(**words), body_en=" ".join(body_en).format(**words))
    return item


def _date(rng: random.Random, first: date, kind: str):
    last = calendar.monthrange(first.year, first.month)[1]
    day = rng.randint(1, last - 3)
    if kind == "call":
        return {"by": f"{first:%Y-%m}-{rng.randint(day, last):02d}"}
    if rng.random() < 0.5:
        return f"{first:%Y-%m}-{day:02d}"
    return {"from": f"{first:%Y-%m}-{day:02d}", "to": f"{first:%Y-%m}-{day + rng.randint(1, 3):02d}"}


def _luci(first: date, carried: bool) -> dict:
    """Luci d'Artista: the 2023–24 edition carried into January (same dates as
    the December 2023 sample), the next one reported from October."""
    year = first.year
    when = {"until": f"{year}-01-14"} if carried else {"from": f"{year}-10-25", "to": f"{year + 1}-01-12"}
    edition = 0 if carried else 1
    return {"id": "luci-d-artista", "edition": edition, "kind": "event", "date": when,
            "places": [("IT", "Torino")], "highlight": not carried,
            "tags": {"cities": ["Torino"], "projects": ["Luci d'Artista"]},
            "title_it": "Luci d'Artista", "title_en": "Luci d'Artista – Artist's Lights",
            "body_it": "La rassegna Luci d'Artista illumina le strade e le piazze di Torino, "
                       "trasformando la città in un museo a cielo aperto. Le opere luminose di "
                       "artisti di fama internazionale accompagnano cittadini e turisti per "
                       "tutto l'inverno.",
            "body_en": "The Luci d'Artista festival lights up the streets and squares of Torino, "
                       "turning the city into an open-air museum. Light works by internationally "
                       "renowned artists accompany residents and visitors all winter long."}


def _solidarity(first: date) -> dict:
    """A notice repeated every month (``recurring``): its date is the month."""
    return {"id": "corpo-europeo-di-solidarieta", "kind": "call", "date": f"{first:%Y-%m}",
            "recurring": True, "places": [], "tags": {"projects": ["Corpo Europeo di Solidarietà"]},
            "title_it": "Corpo Europeo di Solidarietà", "title_en": "European Solidarity Corps",
            "body_it": "Il programma Corpo Europeo di Solidarietà permette ai giovani di fare "
                       "un'esperienza europea di volontariato senza costi. L'ufficio della Città "
                       "raccoglie le candidature e prepara alla partenza i giovani interessati.",
            "body_en": "The European Solidarity Corps lets young people volunteer abroad in "
                       "Europe at no cost. The City's office collects applications and prepares "
                       "the young people who are interested for their departure."}


def _consulates(rng: random.Random, first: date, count: int) -> list[dict]:
    notes = []
    for index in range(1, count + 1):
        code, _city_it, _city_en = rng.choice(ABROAD)
        day = rng.randint(2, 27)
        words = dict(country_it=country_name(code, "it"), country_en=country_name(code, "en"),
                     day=day)
        notes.append({
            "id": f"consolato-{first:%Y-%m}-{index}", "date": f"{first:%Y-%m}-{day:02d}",
            "places": [("IT", "Torino")], "kind": "event" if index == 1 else None,
            "title_it": None if index == 1 else "Festa nazionale: {country_it}".format(**words),
            "title_en": None if index == 1 else "National day: {country_en}".format(**words),
            "body_it": ("Il Consolato di {country_it} a Torino organizza un concerto aperto alla "
                        "cittadinanza, con musiche e danze tradizionali. L'ingresso è libero fino "
                        "a esaurimento dei posti disponibili.").format(**words),
            "body_en": ("The Consulate of {country_en} in Torino holds a concert open to the "
                        "public, with traditional music and dances. Admission is free while "
                        "seats last.").format(**words)})
    return notes


def _delegations(rng: random.Random, first: date) -> list[dict]:
    received = []
    for index in range(1, rng.randint(2, 6) + 1):
        code, city_it, city_en = rng.choice(VISITORS)
        role_it, role_en = rng.choice(ROLES)
        received.append({
            "id": f"delegazione-{first:%Y-%m}-{index}", "code": code, "city_it": city_it,
            "city_en": city_en, "role_it": role_it, "role_en": role_en,
            "name_it": f"{role_it} di {city_it}" if role_it else f"Delegazione di {city_it}",
            "name_en": f"{role_en} of {city_en}" if role_en else f"Delegation from {city_en}",
            "country": rng.random() < 0.3})  # some also write the country's name
    return received


TEXTS = {
    "event": (
        "{project} a {city_it}: un incontro su {topic_it}",
        "{project} in {city_en}: a meeting on {topic_en}",
        ("La Città di {city_it} ospita un incontro pubblico del progetto {project} dedicato a "
         "{topic_it}.", "Amministratori, ricercatori e associazioni si confrontano sulle "
         "esperienze realizzate negli ultimi anni.", "La giornata si chiude con una visita ai "
         "luoghi della sperimentazione."),
        ("The City of {city_en} hosts a public meeting of the {project} project on {topic_en}.",
         "Officials, researchers and associations compare the experience gained over the last "
         "few years.", "The day ends with a visit to the places where the pilot was run.")),
    "mission": (
        "Missione a {city_it} per la rete {network}",
        "Mission to {city_en} for the {network} network",
        ("Una delegazione della Città di Torino partecipa a {city_it}, in {country_it}, "
         "all'incontro annuale della rete {network}.", "Al centro dei lavori ci sono le "
         "politiche locali per {topic_it} e lo scambio di buone pratiche tra le città.",
         "Torino presenta i risultati del progetto {project}."),
        ("A delegation of the City of Torino attends the yearly meeting of the {network} network "
         "in {city_en}, {country_en}.", "The sessions focus on local policies for {topic_en} and "
         "on the exchange of good practices between cities.", "Torino presents the results of "
         "the {project} project.")),
    "delegation": (
        "Una delegazione di {city_it} in visita a Torino",
        "A delegation from {city_en} visits Torino",
        ("La Città di Torino accoglie una delegazione di {city_it} ({country_it}) interessata "
         "alle politiche cittadine per {topic_it}.", "Il programma prevede incontri con gli "
         "assessori e visite ai servizi della città.", "La visita rafforza la collaborazione "
         "avviata nell'ambito della rete {network}."),
        ("The City of Torino welcomes a delegation from {city_en} ({country_en}) interested in "
         "the city's policies for {topic_en}.", "The programme includes meetings with the "
         "council members and visits to the city's services.", "The visit strengthens the "
         "cooperation begun within the {network} network.")),
    "call": (
        "Bando del progetto {project}",
        "Call for proposals of the {project} project",
        ("Il progetto europeo {project}, di cui la Città di Torino è partner, apre un bando "
         "dedicato a {topic_it}.", "Possono partecipare associazioni, imprese e centri di "
         "ricerca del territorio.", "Le candidature si presentano online entro la scadenza "
         "indicata."),
        ("The European project {project}, in which the City of Torino is a partner, opens a call "
         "on {topic_en}.", "Associations, companies and research centres of the area may "
         "apply.", "Applications are submitted online by the deadline given.")),
    "other": (
        "Incontro della rete {network}",
        "Meeting of the {network} network",
        ("Le Relazioni Internazionali della Città partecipano da remoto all'incontro della rete "
         "{network}.", "Si discute di {topic_it} e dei prossimi appuntamenti comuni.",
         "I materiali dell'incontro sono disponibili per gli uffici interessati."),
        ("The City's International Relations office joins the meeting of the {network} network "
         "online.", "The discussion covers {topic_en} and the next joint appointments.",
         "The materials of the meeting are available to the offices concerned.")),
}


# -- the source files ------------------------------------------------------------------


def _primary(first: date, items: list[dict], consulates: list[dict], received: list[dict]) -> str:
    lines = [f"# Work in Progress — {first:%Y-%m}, generated by tests/year_factory.py.",
             f"month: {first:%Y-%m}", "title: Work in Progress",
             f"curated_by: {CURATED_BY['it']}", "", "top_news:"]
    for item in items:
        lines += [*_entry(item, "it"), ""]
    if consulates:
        lines.append("consulates:")
        for note in consulates:
            lines += [*_entry(note, "it"), ""]
    period = first - timedelta(days=1)
    lines += ["delegations:",
              f"  period: {{from: {period:%Y-%m}-01, to: {period:%Y-%m-%d}}}", "  received:"]
    for d in received:
        lines += [f"    - id: {d['id']}", f"      name: {_quoted(d['name_it'])}",
                  f"      city: {_quoted(d['city_it'])}", f"      country_code: {d['code']}"]
        if d["country"]:
            lines.append(f"      country: {_quoted(country_name(d['code'], 'it'))}")
        if d["role_it"]:
            lines.append(f"      role: {d['role_it']}")
    return "\n".join(lines) + "\n"


def _entry(item: dict, lang: str) -> list[str]:
    lines = [f"  - id: {item['id']}"]
    if item.get(f"title_{lang}"):
        lines.append(f"    title: {_quoted(item[f'title_{lang}'])}")
    if lang == "it":
        lines.append(f"    date: {_flow(item['date'])}")
        if item.get("recurring"):
            lines.append("    recurring: true")
        if item.get("kind"):
            lines.append(f"    kind: {item['kind']}")
        if item.get("places"):
            places = ", ".join(f"{{country: {code}, city: {_quoted(city)}}}"
                               for code, city in item["places"])
            lines.append(f"    places: [{places}]")
        if item.get("highlight"):
            lines.append("    highlight: true")
        if item.get("tags"):
            lines.append("    tags:")
            lines += [f"      {name}: [{', '.join(map(_quoted, values))}]"
                      for name, values in item["tags"].items()]
    lines.append("    body: |")
    lines += ["      " + line for line in textwrap.wrap(item[f"body_{lang}"], 74)]
    return lines


def _english(first: date, items: list[dict], consulates: list[dict], received: list[dict]) -> str:
    lines = [f"# Work in Progress — {first:%Y-%m}, English edition (generated).",
             f"curated_by: {CURATED_BY['en']}", "", "top_news:"]
    for item in items:
        lines += [*_entry(item, "en"), ""]
    if consulates:
        lines.append("consulates:")
        for note in consulates:
            lines += [*_entry(note, "en"), ""]
    lines.append("delegations:")
    for d in received:
        lines += [f"  - id: {d['id']}", f"    name: {_quoted(d['name_en'])}",
                  f"    city: {_quoted(d['city_en'])}"]
        if d["country"]:
            lines.append(f"    country: {_quoted(country_name(d['code'], 'en'))}")
        if d["role_en"]:
            lines.append(f"    role: {d['role_en']}")
    return "\n".join(lines) + "\n"


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {day}" for key, day in value.items()) + "}"
    return str(value)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
