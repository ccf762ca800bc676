"""``newsletter report YYYY``: the report of a year, per complete language,
as ``report.pdf``, ``report.docx`` and ``index.html`` in ``out/<lang>/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.archive.report import figures as figuring
from newsletter.archive.report.document import render_html, render_pdf, report_view
from newsletter.archive.report.docx_out import render_docx
from newsletter.archive.report.texts import read_texts
from newsletter.content import yearly
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError, Problem
from newsletter.core.i18n import _

OUTPUT_FILES = ("report.pdf", "report.docx", "index.html")


class NoIssues(NewsletterError):
    """The year asked for has no issue under issues/."""


@dataclass(frozen=True)
class Plan:
    """Which languages a build writes, those skipped with the months whose
    edition in that language is missing or incomplete, and the errors of the
    issues left out of the report."""

    languages: tuple[str, ...]
    skipped: dict[str, tuple[str, ...]]
    problems: tuple[Problem, ...] = ()


def year_issues(config: Config, year: int) -> list[str]:
    """The months of ``year`` that have an issue folder, in order."""
    return sorted(path.name for path in config.issues_dir.glob(f"{year}-[01][0-9]") if path.is_dir())


def plan(config: Config, year: int, langs: tuple[str, ...] | None = None) -> Plan:
    if not year_issues(config, year):  # before reading: no month of the year at all
        raise NoIssues(_("no issue of {year} in issues/: nothing to report").format(year=year))
    issues = year_issues(config, year)
    complete = yearly.complete_languages(config, year)
    wanted = tuple(config.languages) if langs is None else tuple(langs)
    skipped = {lang: _without(config, year, lang, issues) for lang in wanted if lang not in complete}
    problems = yearly.compile_year(config, year, config.primary_language).problems
    return Plan(tuple(lang for lang in wanted if lang in complete), skipped, problems)


def _without(config: Config, year: int, lang: str, issues: list[str]) -> tuple[str, ...]:
    """The months of ``year`` that have an issue but no complete ``lang`` edition."""
    usable = set(yearly.compile_year(config, year, lang).issues)
    return tuple(month for month in issues if month not in usable)


def build_report(config: Config, year: int, out: Path, langs: tuple[str, ...] | None = None
                 ) -> list[Path]:
    """Write the report of ``year`` for each complete language asked for
    (all of the project's when None) and return the files written."""
    written: list[Path] = []
    for lang in plan(config, year, langs).languages:
        written += write_language(config, year, lang, out / lang)
    return written


def write_language(config: Config, year: int, lang: str, folder: Path) -> list[Path]:
    view = report(config, year, lang)
    outputs = {
        "report.pdf": render_pdf(view, config.templates_dir),
        "report.docx": render_docx(view),
        "index.html": render_html(view, config.templates_dir, web=True).encode("utf-8"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in outputs.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in outputs]


def report(config: Config, year: int, lang: str):
    """The report's view in ``lang``: the year's figures and the office's texts."""
    texts = read_texts(config.issues_dir, year, lang)
    computed = figuring.compute(yearly.compile_year(config, year, lang), texts.highlights,
                                texts.exclude)
    return report_view(computed, texts, lang, config.office.name_lines(lang))
