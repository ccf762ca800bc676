"""The one place that knows a built issue's folder::

    OUT/YYYY-MM/<lang>/email.html   the email body
    OUT/YYYY-MM/<lang>/email.txt    its plain-text alternative
    OUT/YYYY-MM/<lang>/issue.pdf    the printable bulletin
    OUT/YYYY-MM/<lang>/index.html   the web page
    OUT/YYYY-MM/<lang>/.digest      what these were rendered from (below)
    OUT/YYYY-MM/<lang>/.draft       present when built with --draft: never sent
    OUT/YYYY-MM/images/             the issue's images, when it has any

The digest of an edition is a SHA-256 over everything that decides its
output: the primary source and the edition's own file, its images, every
template, the configuration that appears in it and the code that renders
it. A build writes it beside the outputs; dispatch and the scheduler
compare it with the digest of the sources as they are now, instead of
rendering again to find out whether a build is stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsletter.content.model import Issue
from newsletter.core.config import Config

EMAIL_HTML, EMAIL_TEXT, PDF, WEB_PAGE = "email.html", "email.txt", "issue.pdf", "index.html"
OUTPUT_FILES = (EMAIL_HTML, EMAIL_TEXT, PDF, WEB_PAGE)
DIGEST_FILE = ".digest"
DRAFT_FILE = ".draft"
IMAGES = "images"
_CODE = Path(__file__).resolve().parent.parent  # the package: render/ and content/ decide outputs


def issue_folder(out: Path, month: str) -> Path:
    return out / month


def edition_folder(out: Path, month: str, lang: str) -> Path:
    return out / month / lang


@dataclass(frozen=True)
class BuiltEdition:
    """An edition as a build left it on disk."""

    folder: Path

    @classmethod
    def at(cls, out: Path, month: str, lang: str) -> BuiltEdition:
        return cls(edition_folder(out, month, lang))

    def missing(self) -> list[str]:
        return [name for name in OUTPUT_FILES if not (self.folder / name).is_file()]

    def email(self) -> tuple[str, str]:
        """(HTML, plain text) of the email, as built."""
        return ((self.folder / EMAIL_HTML).read_text(encoding="utf-8"),
                (self.folder / EMAIL_TEXT).read_text(encoding="utf-8"))

    @property
    def draft(self) -> bool:
        """Built with --draft (placeholders allowed, marked as a draft): not for sending."""
        return (self.folder / DRAFT_FILE).exists()

    def digest(self) -> str | None:
        try:
            return (self.folder / DIGEST_FILE).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None


def edition_digest(config: Config, issue: Issue, lang: str) -> str:
    """The digest of what one edition is rendered from, as the sources are now."""
    sources = [issue.folder / f"{config.primary_language}.yaml", issue.folder / f"{lang}.yaml"]
    images = sorted({item.image.file for item in issue.editions[lang].top_news if item.image})
    settings = repr((config.title, config.base_url, config.languages, config.timezone,
                     sorted((k, v) for k, v in config.office.name.items()), config.office.address,
                     config.office.email, config.office.website))
    return digest_files(f"{lang}\n{settings}\n{_code_digest()}\n{templates_digest(config)}",
                        [*dict.fromkeys(sources), *images])


def templates_digest(config: Config) -> str:
    """A digest of every file of the templates folder."""
    folder = config.templates_dir.resolve()
    return digest_files("templates", sorted(p for p in folder.rglob("*") if p.is_file()), folder)


@cache
def _code_digest() -> str:
    # Once per process: the code changes only with a new deployment (and a restart).
    files = sorted(p for package in ("content", "render") for p in (_CODE / package).glob("*.py"))
    return digest_files("code", files, _CODE)


def digest_files(seed: str, files: Iterable[Path], relative_to: Path | None = None) -> str:
    """SHA-256 over a seed and the names and contents of files (absent ones are skipped)."""
    digest = hashlib.sha256(seed.encode("utf-8"))
    for path in files:
        if path.is_file():
            name = path.relative_to(relative_to) if relative_to else path.name
            digest.update(f"\0{name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
