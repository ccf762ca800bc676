"""Domain exceptions: raised by the library, turned into one clear line (and
a non-zero exit) only at the CLI boundary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.core.i18n import _


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an issue's source, located."""

    file: Path | str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class NewsletterError(Exception):
    """Base class of every error a user can cause and fix."""


class ConfigError(NewsletterError):
    """newsletter.toml or an environment variable is wrong."""


class UnknownIssue(NewsletterError):
    """The month asked for has no folder under issues/."""

    def __init__(self, month: str, known: list[str]):
        self.month, self.known = month, known
        listing = ", ".join(known) if known else _(
            "none yet (create one with `newsletter new YYYY-MM`)")
        super().__init__(_("no issue {month!r} in issues/; known issues: {listing}").format(
            month=month, listing=listing))


class IssueInvalid(NewsletterError):
    """The issue's source has errors; each names file, line and field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RenderFailed(NewsletterError):
    """A rendered output breaks a quality gate (size, remote resource, ...)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
