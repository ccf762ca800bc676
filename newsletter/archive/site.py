"""The online archive: a static site of every past issue (and the legacy
news archive) that any web server can host and ``newsletter serve`` serves.

    DIR/index.html                    home (primary language)
    DIR/<lang>/index.html             home: the latest issue, the subscribe form
    DIR/<lang>/archive.html           every issue by year and month
    DIR/<lang>/search.html            search, in the browser, from search-index.js
    DIR/<lang>/feed.xml               Atom feed
    DIR/YYYY-MM/<lang>/index.html     an issue's web page, with issue.pdf beside it
    DIR/legacy/YYYY-MM/<lang>/        a month of the old news archive
    DIR/assets/                       style, search script, font

Incremental: a manifest (``DIR/.archive.json``) keeps a digest of each
issue's sources and of the templates; an issue is rebuilt (PDF included)
only when its digest changed, the indexes only when some page changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from newsletter.archive.legacy import LegacyMonth, legacy_folder, load_month
from newsletter.content import known_months, markdown
from newsletter.content.dates import format_month, format_when, issue_month_title
from newsletter.content.model import Issue
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.urls import Urls
from newsletter.render.build import build_issue
from newsletter.render.context import subject
from newsletter.render.labels import ARCHIVE, LABELS, SITE
from newsletter.render.output import digest_files, templates_digest
from newsletter.render.templating import environment

MANIFEST = ".archive.json"
FORMAT = 1  # bump to rebuild every archive after a change to this module


@dataclass
class Entry:
    title: str
    date: str
    text: str
    tags: str
    anchor: str


@dataclass
class Page:
    month: str
    lang: str
    kind: str  # issue or legacy
    url: str  # from the site's root, e.g. "2023-12/it/"
    title: str
    summary: str
    pdf: bool
    items: list[Entry] = field(default_factory=list)


@dataclass
class ArchiveReport:
    rebuilt: list[str] = field(default_factory=list)
    unchanged: int = 0
    legacy: int = 0
    indexes: bool = False
    problems: list[str] = field(default_factory=list)
    future: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build_archive(config: Config, out: Path, today: date | None = None) -> ArchiveReport:
    started = time.perf_counter()
    report = ArchiveReport()
    today = today or datetime.now(config.zone).date()
    out.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(out)
    templates = _templates_digest(config)
    pages: list[Page] = []
    digests: list[str] = [templates]
    for month in known_months(config):
        if month > f"{today:%Y-%m}":
            report.future.append(month)  # not sent yet: not public
            continue
        digest = digest_files(templates, sorted((config.issues_dir / month).iterdir()))
        found = _issue_pages(config, out, month, digest, manifest, report)
        pages += found
        digests.append(f"{month}:{manifest['issues'].get(month, {}).get('digest', '')}")
    for path in sorted(legacy_folder(config.root).glob("*.yaml")):
        digest = digest_files(templates, [path])
        pages += _legacy_pages(config, out, path, digest, manifest, report)
        digests.append(f"{path.name}:{digest}")
    index_digest = hashlib.sha256("\n".join(digests).encode()).hexdigest()
    if index_digest != manifest.get("index") or not (out / "index.html").exists():
        _write_indexes(config, out, pages)
        manifest["index"] = index_digest
        report.indexes = True
    _save_manifest(out, manifest)
    report.seconds = time.perf_counter() - started
    return report


# -- issues -------------------------------------------------------------------------------


def _issue_pages(config, out, month, digest, manifest, report) -> list[Page]:
    previous = manifest["issues"].get(month)
    if previous and previous["digest"] == digest and all(
            (out / p["url"] / "index.html").exists() for p in previous["pages"]):
        report.unchanged += 1
        return [_page(p) for p in previous["pages"]]
    try:
        issue = build_issue(config, month, out, archive=True).issue
    except NewsletterError as exc:
        report.problems.append(f"{month}: not rebuilt: {exc}".splitlines()[0])
        return [_page(p) for p in previous["pages"]] if previous else []
    pages = pages_of(issue, config)
    manifest["issues"][month] = {"digest": digest, "pages": [asdict(p) for p in pages]}
    report.rebuilt.append(month)
    return pages


def pages_of(issue: Issue, config: Config) -> list[Page]:
    pages = []
    for lang, edition in issue.editions.items():
        if not edition.complete:
            continue
        items = [Entry(item.title or "", format_when(item.when, lang, edition.month) if item.when
                      else "", _plain(item.body), " ".join(item.tags.all()), item.id)
                 for item in edition.top_news]
        items += [Entry(item.title or LABELS[lang]["consulates"], "", _plain(item.body), "", item.id)
                  for item in edition.consulates]
        if edition.delegations:
            names = [d.name for d in edition.delegations.received]
            places = [" ".join(filter(None, (d.city, d.country))) for d in edition.delegations.received]
            items.append(Entry(LABELS[lang]["delegations"].format(period="").strip(), "",
                              "; ".join(names), " ".join(places), "delegations"))
        pages.append(Page(month=issue.slug, lang=lang, kind="issue", url=f"{issue.slug}/{lang}/",
                          title=subject(edition), pdf=True, items=items,
                          summary=" · ".join(i.title for i in items[:4])))
    return pages


def _plain(source: str) -> str:
    return " ".join(block.text for block in markdown.to_text_blocks(source, []))


# -- the legacy archive ---------------------------------------------------------------------


def _legacy_pages(config, out, path, digest, manifest, report) -> list[Page]:
    previous = manifest["legacy"].get(path.name)
    if previous and previous["digest"] == digest and (out / previous["page"]["url"]).exists():
        return [_page(previous["page"])]
    month = load_month(path)
    page = _legacy_page(month)
    folder = out / page.url
    folder.mkdir(parents=True, exist_ok=True)
    html = _render(config, "archive/legacy.html.j2", month.lang, root="../../../", page="",
                   heading=page.title, entry=_legacy_view(page))
    (folder / "index.html").write_text(html, encoding="utf-8")
    manifest["legacy"][path.name] = {"digest": digest, "page": asdict(page)}
    report.legacy += 1
    return [page]


def _legacy_page(month: LegacyMonth) -> Page:
    lang = month.lang
    items = [Entry(item.title, format_when(item.when, lang, month.month) if item.when else "",
                  item.body, "", f"n{index}") for index, item in enumerate(month.items, 1)]
    title = ARCHIVE[lang]["legacy_title"].format(month=issue_month_title(month.month, lang))
    return Page(month=month.slug, lang=lang, kind="legacy", url=f"legacy/{month.slug}/{lang}/",
                title=title, summary=" · ".join(i.title for i in items[:4]), pdf=False, items=items)


def _legacy_view(page: Page) -> dict:
    return {"lang": page.lang, "title": page.title, "entries": [
        {"title": i.title, "date": i.date, "anchor": i.anchor,
         "paragraphs": [p for p in i.text.split("\n\n") if p]} for i in page.items]}


# -- indexes ----------------------------------------------------------------------------------


def _write_indexes(config: Config, out: Path, pages: list[Page]) -> None:
    issues = sorted((p for p in pages if p.kind == "issue"), key=lambda p: p.month, reverse=True)
    primary = config.primary_language
    for lang in config.languages:
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        latest = _in_language([p for p in issues if p.month == issues[0].month], lang, primary) \
            if issues else None
        words = ARCHIVE[lang]
        pages_by_name = {
            "index.html": _render(config, "archive/home.html.j2", lang, root="../", page="",
                                  heading=config.title, latest=latest),
            "archive.html": _render(config, "archive/index.html.j2", lang, root="../",
                                    page="archive.html", heading=words["archive_title"],
                                    years=_years(pages, lang)),
            "search.html": _render(config, "archive/search.html.j2", lang, root="../",
                                   page="search.html", heading=words["search_title"]),
            "feed.xml": _feed(config, lang, [p for p in issues if p.lang == lang]),
            "search-index.js": _search_index(pages, lang, primary),
        }
        for name, text in pages_by_name.items():
            (folder / name).write_text(text, encoding="utf-8")
    latest = _in_language([p for p in issues if p.month == issues[0].month], primary, primary) \
        if issues else None
    (out / "index.html").write_text(_render(config, "archive/home.html.j2", primary, root="",
                                            page="", heading=config.title, latest=latest),
                                    encoding="utf-8")
    _copy_assets(config, out)


def _in_language(pages: list[Page], lang: str, primary: str) -> Page | None:
    by_lang = {p.lang: p for p in pages}
    return by_lang.get(lang) or by_lang.get(primary) or (pages[0] if pages else None)


def _years(pages: list[Page], lang: str) -> list[tuple[int, list[dict]]]:
    months: dict[str, list[Page]] = {}
    for page in pages:
        months.setdefault(page.month, []).append(page)
    years: dict[int, list[dict]] = {}
    for month in sorted(months, reverse=True):
        first = date.fromisoformat(f"{month}-01")
        editions = sorted(months[month], key=lambda p: (p.lang != lang, p.kind, p.lang))
        years.setdefault(first.year, []).append({
            "month_label": format_month(first, lang).capitalize(),
            "editions": [{"url": p.url, "lang": p.lang, "title": p.title} for p in editions]})
    return sorted(years.items(), reverse=True)


def _search_index(pages: list[Page], lang: str, primary: str) -> str:
    documents = []
    by_month: dict[str, list[Page]] = {}
    for page in pages:
        by_month.setdefault(f"{page.kind}:{page.month}", []).append(page)
    for group in by_month.values():
        page = _in_language(group, lang, primary) if group[0].kind == "issue" else None
        for chosen in ([page] if page else group):
            for item in chosen.items:
                documents.append({"url": f"../{chosen.url}#{item.anchor}", "title": item.title,
                                  "text": item.text, "tags": item.tags, "date": item.date,
                                  "issue": chosen.title, "lang": chosen.lang})
    documents.sort(key=lambda d: d["issue"], reverse=False)
    return "window.WIP_SEARCH = " + json.dumps(documents, ensure_ascii=False,
                                               separators=(",", ":")) + ";\n"


def _feed(config: Config, lang: str, pages: list[Page]) -> str:
    entries = [{"title": p.title, "url": p.url, "lang": p.lang, "pdf": p.pdf, "summary": p.summary,
                "updated": f"{p.month}-01T08:00:00Z"} for p in pages[:30]]
    updated = entries[0]["updated"] if entries else "2000-01-01T00:00:00Z"
    return _render(config, "archive/feed.xml.j2", lang, root="", page="", heading="",
                   entries=entries, updated=updated)


def _render(config: Config, template: str, lang: str, **values) -> str:
    return environment(config.templates_dir).get_template(template).render(
        lang=lang, l=LABELS[lang], s=ARCHIVE[lang], w=SITE[lang], site_title=config.title,
        language_label=LABELS[lang]["language"], base_url=config.base_url,
        subscribe_url=Urls(config.base_url).subscribe(), office=config.office,
        office_name=config.office.name_lines(lang),
        languages=[(code, LABELS[code]["language"]) for code in config.languages], **values)


def _copy_assets(config: Config, out: Path) -> None:
    assets = out / "assets"
    (assets / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("archive.css", "search.js"):
        shutil.copy2(config.templates_dir / "archive" / name, assets / name)
    for weight in ("400", "700"):
        name = f"titillium-web-latin-{weight}-normal.woff2"
        shutil.copy2(config.templates_dir / "fonts" / name, assets / "fonts" / name)


# -- the manifest ----------------------------------------------------------------------------


def _page(data: dict) -> Page:
    return Page(**{**data, "items": [Entry(**item) for item in data["items"]]})


def _load_manifest(out: Path) -> dict:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        manifest = {}
    if manifest.get("format") != FORMAT:
        manifest = {"format": FORMAT}
    manifest.setdefault("issues", {})
    manifest.setdefault("legacy", {})
    return manifest


def _save_manifest(out: Path, manifest: dict) -> None:
    partial = out / f"{MANIFEST}.part"
    partial.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    partial.replace(out / MANIFEST)


def _templates_digest(config: Config) -> str:
    seed = f"{FORMAT}:{config.base_url}:{','.join(config.languages)}"
    return f"{seed}:{templates_digest(config)}"
