"""Build an issue: render every edition, pass the quality gates, then write
each edition's outputs and digest where ``render.output`` says.

Nothing is written unless every edition asked for renders and passes: the
outputs are prepared in a temporary folder and moved into place at the end.
Images too heavy or too wide for an email are reduced (``render.images``).
A draft build allows the placeholders of `newsletter new`, builds
incomplete translations with their fallbacks, marks every edition as a
draft in its title and leaves a ``.draft`` file that dispatch refuses.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.content import load_issue
from newsletter.content.model import Edition, Issue
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError, RenderFailed
from newsletter.core.i18n import _, ngettext
from newsletter.render import gates, images, output
from newsletter.render.context import edition_view
from newsletter.render.email import render_email
from newsletter.render.pdf import render_pdf
from newsletter.render.text import render_text
from newsletter.render.typography import typeset
from newsletter.render.web import render_web

# Put before the title of a draft, in the edition's language.
DRAFT_MARKS = {"it": "[BOZZA]", "en": "[DRAFT]", "fr": "[BROUILLON]"}
DRAFT_NOTE = "Built with `newsletter build --draft`: a draft, never sent. Build again without --draft.\n"


class EditionUnavailable(NewsletterError):
    """The edition asked for does not exist or is not complete."""


@dataclass(frozen=True)
class Rendered:
    lang: str
    email_html: str
    email_text: str
    pdf: bytes
    web_html: str
    digest: str = ""  # of what it was rendered from (render.output.edition_digest)
    draft: bool = False

    def files(self) -> dict[str, bytes]:
        files = {
            output.EMAIL_HTML: self.email_html.encode("utf-8"),
            output.EMAIL_TEXT: self.email_text.encode("utf-8"),
            output.PDF: self.pdf,
            output.WEB_PAGE: self.web_html.encode("utf-8"),
            output.DIGEST_FILE: b"" if self.draft else self.digest.encode("ascii"),
        }
        if self.draft:
            files[output.DRAFT_FILE] = DRAFT_NOTE.encode("utf-8")
        return files


@dataclass
class BuildReport:
    month: str
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    folder: Path | None = None
    issue: Issue | None = None  # as it was read for this build
    draft: bool = False


def select_editions(issue: Issue, langs: tuple[str, ...] | None,
                    allow_incomplete: bool) -> tuple[list[Edition], list[str]]:
    """The editions to build, and why the others are skipped."""
    chosen, skipped = [], []
    for lang in langs or tuple(issue.editions):
        edition = issue.editions.get(lang)
        if edition is None:
            raise EditionUnavailable(_(
                "{month} has no {lang} edition: write issues/{month}/{lang}.yaml (editions "
                "available: {available})").format(month=issue.slug, lang=lang,
                                                   available=", ".join(issue.editions)))
        if edition.complete or allow_incomplete:
            chosen.append(edition)
            continue
        count = len(edition.missing)
        reason = ngettext("{lang}: incomplete translation ({count} part missing: {parts}); build "
                          "it with --allow-incomplete to show it in the original language",
                          "{lang}: incomplete translation ({count} parts missing: {parts}); build "
                          "it with --allow-incomplete to show them in the original language",
                          count).format(lang=lang, count=count, parts=", ".join(edition.missing[:4])
                                        + (", …" if count > 4 else ""))
        if langs:
            raise EditionUnavailable(reason)
        skipped.append(reason)
    return chosen, skipped


def render_edition_email(edition: Edition, config: Config) -> tuple[str, str]:
    """The email of one edition: (HTML, plain text)."""
    view = edition_view(edition, config, "absolute")
    return render_email(view, config.templates_dir), render_text(edition, view, config)


def render_edition(edition: Edition, issue: Issue, config: Config,
                   other_langs: tuple[str, ...], archive: bool = False, *,
                   images_dir: Path | None = None) -> Rendered:
    """Every output of one edition, in memory (its images read from
    ``images_dir`` when they were prepared there)."""
    templates = config.templates_dir
    email_html, email_text = render_edition_email(edition, config)
    allowed = (issue.folder, images_dir) if images_dir else (issue.folder,)
    return Rendered(
        lang=edition.lang,
        email_html=email_html,
        email_text=email_text,
        pdf=render_pdf(edition_view(edition, config, "file", other_langs), templates,
                       allowed=allowed),
        web_html=render_web(edition_view(edition, config, "web", other_langs, archive), templates),
        digest=output.edition_digest(config, issue, edition.lang),
    )


def gate(rendered: Rendered, edition: Edition, config: Config) -> list[str]:
    """Every quality-gate failure of one rendered edition, each naming its file."""
    titles = [typeset(item.title, item.lang) for item in edition.top_news if item.title]
    where = f"{edition.slug}/{edition.lang}"
    found = {
        output.EMAIL_HTML: gates.check_email_html(rendered.email_html, edition.lang, titles,
                                                  config.base_url),
        output.EMAIL_TEXT: gates.check_text(rendered.email_text, titles),
        output.PDF: gates.check_pdf(rendered.pdf, titles),
        output.WEB_PAGE: gates.check_web_html(rendered.web_html, edition.lang, titles),
    }
    return [f"{where}/{name}: {problem}" for name, problems in found.items() for problem in problems]


def render_issue(config: Config, month: str, langs: tuple[str, ...] | None = None,
                 allow_incomplete: bool = False, archive: bool = False, *, draft: bool = False,
                 images_dir: Path | None = None) -> tuple[Issue, list[Rendered], list[str]]:
    """Load, render and gate; raise on any problem, write nothing (but the
    images prepared in ``images_dir``, when given, which the outputs use).

    A ``draft`` allows placeholders and incomplete translations, and is marked."""
    issue = load_issue(config, month, draft=draft)
    allow_incomplete = allow_incomplete or draft
    editions, skipped = select_editions(issue, langs, allow_incomplete)
    shown = tuple(lang for lang, e in issue.editions.items() if e.complete or allow_incomplete)
    copies = images.prepare(issue, images_dir, config.templates_dir) if images_dir else {}
    rendered, problems = [], []
    for edition in editions:
        others = tuple(lang for lang in shown if lang != edition.lang)
        shown_edition = _marked(images.with_copies(edition, copies), draft)
        result = render_edition(shown_edition, issue, config, others, archive,
                                images_dir=images_dir)
        problems += gate(result, edition, config)
        rendered.append(dataclasses.replace(result, draft=draft))
    if problems:
        raise RenderFailed(problems)
    return issue, rendered, skipped


def build_issue(config: Config, month: str, out: Path, langs: tuple[str, ...] | None = None,
                allow_incomplete: bool = False, archive: bool = False, *,
                draft: bool = False) -> BuildReport:
    with tempfile.TemporaryDirectory(prefix="newsletter-images-") as prepared:
        issue, rendered, skipped = render_issue(config, month, langs, allow_incomplete, archive,
                                                draft=draft, images_dir=Path(prepared))
        target = output.issue_folder(out, issue.slug)
        _write_atomically(target, rendered, sorted(Path(prepared).iterdir()))
    return BuildReport(issue.slug, [r.lang for r in rendered], skipped, target, issue, draft)


def _marked(edition: Edition, draft: bool) -> Edition:
    """A draft says so in its title: the masthead, the subject, the page's title."""
    if not draft:
        return edition
    return dataclasses.replace(edition, title=f"{DRAFT_MARKS[edition.lang]} {edition.title}")


def _write_atomically(target: Path, rendered: list[Rendered], images: list[Path]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".build-") as tmp:
        staging = Path(tmp)
        for result in rendered:
            folder = staging / result.lang
            folder.mkdir()
            for name, data in result.files().items():
                (folder / name).write_bytes(data)
        if images:
            (staging / output.IMAGES).mkdir()
            for image in images:
                shutil.copy2(image, staging / output.IMAGES / image.name)
        for name in [r.lang for r in rendered] + ([output.IMAGES] if images else []):
            _replace(staging / name, target / name)


def _replace(new: Path, old: Path) -> None:
    """Swap a finished folder into place, keeping the previous one until the end.
    (Two builds of the same issue at once, e.g. two schedulers: the last wins.)"""
    retired = old.with_name(f".old-{old.name}-{uuid.uuid4().hex[:8]}")
    try:
        old.rename(retired)
    except FileNotFoundError:
        retired = None
    try:
        new.rename(old)
    except OSError:  # a concurrent build put its own copy in place first: keep that one
        shutil.rmtree(new, ignore_errors=True)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
