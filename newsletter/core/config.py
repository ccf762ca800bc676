"""Configuration, loaded and validated once at start-up and passed explicitly.

Layers: built-in defaults → ``newsletter.toml`` at the project root →
environment variables (``NEWSLETTER_*``). No other module reads the
environment or the TOML file.

Every section of the file is a typed model below (the registry
``SECTIONS``): an unknown section or key, a value of the wrong type or out
of range is refused when the configuration is loaded, with the file, the
line and the key, so that a mistake in ``[dkim]`` shows at start-up rather
than at send time.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

CONFIG_FILE = "newsletter.toml"
SUPPORTED_LANGUAGES = ("it", "en", "fr")

Positive = Annotated[int, Field(ge=1)]
PositiveFloat = Annotated[float, Field(gt=0)]


class Section(BaseModel):
    """A section of newsletter.toml: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NewsletterSection(Section):
    title: str = Field("Work in Progress", description="the bulletin's name")
    base_url: str = Field(description="where the web pages are served; every link in an email "
                                      "is made absolute against it (NEWSLETTER_BASE_URL)")
    languages: list[str] = Field(["it", "en", "fr"],
                                 description="the editions; the first is the primary one")
    timezone: str = Field("Europe/Rome", description="the office's time zone")

    @field_validator("languages")
    @classmethod
    def _supported(cls, value: list[str]) -> list[str]:
        for lang in value:
            if lang not in SUPPORTED_LANGUAGES:
                raise ValueError(f"{lang!r} is not supported (choose among "
                                 f"{', '.join(SUPPORTED_LANGUAGES)})")
        if not value:
            raise ValueError("list at least one language")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


def _is_address(value: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


class SenderSection(Section):
    name: str = Field("", description="the From name")
    address: str = Field(description="the From address")
    reply_to: str | None = Field(None, description="where replies go (default: the address)")
    list_id: str | None = Field(None, description="the List-Id header (RFC 2919)")
    unsubscribe_address: str | None = Field(
        None, description="the mailto: of List-Unsubscribe (default: the address)")

    @field_validator("address", "reply_to", "unsubscribe_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not _is_address(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


class OfficeSection(Section):
    name: dict[str, list[str]] = Field({}, description="the office's name, lines per language")
    address: list[str] = Field([], description="postal address, one line each")
    email: str | None = Field(None, description="contact address (default: the sender's)")
    website: str = Field("", description="the office's website")


class PrivacySection(Section):
    version: str = Field("1", description="the privacy notice's version, recorded with consent")
    url: str = Field("", description="where the privacy notice is")


class WebSection(Section):
    subscribe_per_hour: Positive = Field(5, description="subscribe attempts per client per hour")
    trusted_proxies: Annotated[int, Field(ge=0)] = Field(
        0, description="reverse proxies in front of `newsletter serve`")
    confirm_hours: Positive = Field(72, description="confirmation links expire after this")


class DispatchSection(Section):
    connections: Annotated[int, Field(ge=1, le=64)] = Field(4, description="SMTP connections")
    rate: PositiveFloat | None = Field(None, description="at most this many messages a second")
    hourly_cap: Positive | None = Field(None, description="at most this many messages an hour")
    retries: Annotated[int, Field(ge=0)] = Field(3, description="quick retries of a 4xx reply")
    backoff_seconds: PositiveFloat = Field(2.0, description="before the first retry; doubles")
    bounce_limit: Positive = Field(3, description="hard bounces before 'bounced'")
    defer_minutes: PositiveFloat = Field(30.0, description="before a deferred message is retried")
    lease_seconds: Annotated[float, Field(ge=5)] = Field(
        60.0, description="a sender silent this long is taken over (renewed every sixth)")
    resend_uncertain: bool = Field(
        True, description="send a message that got no answer once more, at the end")

    @property
    def defer_for(self) -> timedelta:
        return timedelta(minutes=self.defer_minutes)


class SchedulerSection(Section):
    poll_seconds: PositiveFloat = Field(30.0, description="how often the store is looked at")
    grace_hours: PositiveFloat = Field(24.0, description="later than this, a schedule is missed")
    retry_paused_minutes: PositiveFloat = Field(5.0, description="retry a paused delivery")
    editors: list[str] = Field([], description="reminded when next month is not scheduled")
    reminder_day: Annotated[int, Field(ge=1, le=28)] = Field(20, description="day of the month")
    reminder_hour: Annotated[int, Field(ge=0, le=23)] = Field(9, description="hour of that day")


class WorkspaceSection(Section):
    language: Literal["it", "en"] | None = Field(
        None, description="the language of messages (check, build, send…); unset: the locale")
    session_idle_minutes: Positive = Field(
        60, description="a workspace session unused this long ends (log in again)")
    logins_per_hour: Positive = Field(
        20, description="failed login attempts per client address per hour")


class WorkflowSection(Section):
    require_approval: bool | None = Field(
        None, description="an issue is sent only as approved; unset: required once the "
                          "workspace has accounts")
    approve_own_changes: bool = Field(
        False, description="an approver may approve an issue they changed themselves")


class BouncesSection(Section):
    address: str | None = Field(
        None, description="the bounce mailbox: each message's return path is address+TOKEN "
                          "(VERP); unset: the sender address, no VERP")
    threshold: Positive = Field(5, description="bounce score at which a subscriber is bounced")
    score_days: Positive = Field(7, description="a bounce score older than this starts again")

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not _is_address(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        if "+" in value.rsplit("@", 1)[0]:
            raise ValueError(f"{value!r} already has a '+' in its local part: give the "
                             "mailbox itself (VERP adds +TOKEN to it)")
        return value


class MetricsSection(Section):
    clicks: bool = Field(False, description="count clicks per item and language, aggregate only: "
                                            "links go through a redirect naming no recipient")


class DkimSection(Section):
    domain: str = Field(description="the signing domain (d=)")
    selector: str = Field(description="the DNS selector (s=)")
    private_key: str = Field(description="an RSA key in PEM, relative to the project folder")


SECTIONS: dict[str, type[Section]] = {
    "newsletter": NewsletterSection,
    "sender": SenderSection,
    "office": OfficeSection,
    "privacy": PrivacySection,
    "web": WebSection,
    "dispatch": DispatchSection,
    "scheduler": SchedulerSection,
    "dkim": DkimSection,
    "workspace": WorkspaceSection,
    "workflow": WorkflowSection,
    "bounces": BouncesSection,
    "metrics": MetricsSection,
}


@dataclass(frozen=True)
class Office:
    """The office's contact block, printed at the foot of every edition."""

    name: Mapping[str, tuple[str, ...]]
    address: tuple[str, ...]
    email: str
    website: str

    def name_lines(self, lang: str) -> tuple[str, ...]:
        return self.name.get(lang) or next(iter(self.name.values()), ())


@dataclass(frozen=True)
class Dkim:
    domain: str
    selector: str
    key_file: Path


@dataclass(frozen=True)
class Config:
    root: Path
    title: str
    base_url: str
    languages: tuple[str, ...]
    timezone: str
    sender_name: str
    sender_address: str
    reply_to: str
    office: Office
    database_url: str
    smtp_url: str | None
    secret_key: str | None
    privacy_version: str = "1"
    privacy_url: str = ""
    subscribe_per_hour: int = 5
    trusted_proxies: int = 0
    confirm_hours: int = 72
    list_id: str | None = None
    unsubscribe_address: str | None = None
    dispatch: DispatchSection = field(default_factory=DispatchSection)
    scheduler: SchedulerSection = field(default_factory=SchedulerSection)
    workspace: WorkspaceSection = field(default_factory=WorkspaceSection)
    workflow: WorkflowSection = field(default_factory=WorkflowSection)
    bounces: BouncesSection = field(default_factory=BouncesSection)
    metrics: MetricsSection = field(default_factory=MetricsSection)
    dkim: Dkim | None = None
    bounce_imap_url: str | None = None  # NEWSLETTER_BOUNCE_IMAP_URL: where bounces arrive

    @property
    def primary_language(self) -> str:
        return self.languages[0]

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rsplit("@", 1)[-1]

    @property
    def issues_dir(self) -> Path:
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def subscribers_dir(self) -> Path:
        return self.root / "subscribers"

    @property
    def outbox_dir(self) -> Path:
        return self.root / "outbox"

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    def secret(self) -> bytes:
        """The key that signs links and hashes erased addresses.

        NEWSLETTER_SECRET_KEY when set; otherwise a random key kept in
        ``subscribers/secret.key`` (created once, git-ignored). It must stay
        the same for the life of a deployment: erased addresses stay
        suppressed only under the key that hashed them.
        """
        if self.secret_key:
            return self.secret_key.encode("utf-8")
        path = self.subscribers_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text(encoding="utf-8").strip().encode("utf-8")


def find_root(start: Path) -> Path:
    """The nearest folder, from ``start`` upwards, holding newsletter.toml."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILE} in {start} or any folder above it: run newsletter from the project folder"
    )


def load_config(root: Path, environ: Mapping[str, str]) -> Config:
    """Read ``root/newsletter.toml``, validate every section and apply the
    environment's overrides."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    where = _Locator(path, text)
    sections = _sections(where, data, environ)
    return _config(root, sections, environ, where)


def _sections(where: _Locator, data: dict, environ: Mapping[str, str]) -> dict[str, Section]:
    for name in data:
        if name not in SECTIONS:
            raise ConfigError(f"{where(name)}: [{name}]: unknown section (known sections: "
                              f"{', '.join(SECTIONS)})")
    values = {name: dict(data.get(name, {})) for name in SECTIONS}
    if environ.get("NEWSLETTER_BASE_URL"):
        values["newsletter"]["base_url"] = environ["NEWSLETTER_BASE_URL"]
    sections: dict[str, Section] = {}
    for name, model in SECTIONS.items():
        if name == "dkim" and name not in data:
            continue  # optional: no signing
        try:
            sections[name] = model.model_validate(values[name])
        except ValidationError as exc:
            raise ConfigError(_explain(exc, name, model, where)) from None
    return sections


def _config(root: Path, sections: dict[str, Section], environ: Mapping[str, str],
            where: _Locator) -> Config:
    main: NewsletterSection = sections["newsletter"]  # type: ignore[assignment]
    sender: SenderSection = sections["sender"]  # type: ignore[assignment]
    office: OfficeSection = sections["office"]  # type: ignore[assignment]
    web: WebSection = sections["web"]  # type: ignore[assignment]
    privacy: PrivacySection = sections["privacy"]  # type: ignore[assignment]
    if not main.base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where('newsletter', 'base_url')}: newsletter.base_url: "
                          f"{main.base_url!r} must start with https://")
    dkim = sections.get("dkim")
    return Config(
        root=root,
        title=main.title,
        base_url=main.base_url.rstrip("/"),
        languages=tuple(main.languages),
        timezone=main.timezone,
        sender_name=sender.name,
        sender_address=sender.address,
        reply_to=sender.reply_to or sender.address,
        office=Office(
            name={lang: tuple(lines) for lang, lines in office.name.items()},
            address=tuple(office.address),
            email=office.email or sender.address,
            website=office.website,
        ),
        database_url=environ.get("NEWSLETTER_DATABASE_URL")
        or f"sqlite:///{root / 'subscribers' / 'newsletter.sqlite3'}",
        smtp_url=environ.get("NEWSLETTER_SMTP_URL") or None,
        bounce_imap_url=environ.get("NEWSLETTER_BOUNCE_IMAP_URL") or None,
        secret_key=environ.get("NEWSLETTER_SECRET_KEY") or None,
        privacy_version=privacy.version,
        privacy_url=privacy.url,
        subscribe_per_hour=web.subscribe_per_hour,
        trusted_proxies=web.trusted_proxies,
        confirm_hours=web.confirm_hours,
        list_id=sender.list_id,
        unsubscribe_address=sender.unsubscribe_address,
        dispatch=sections["dispatch"],  # type: ignore[arg-type]
        workspace=sections["workspace"],  # type: ignore[arg-type]
        workflow=sections["workflow"],  # type: ignore[arg-type]
        bounces=sections["bounces"],  # type: ignore[arg-type]
        metrics=sections["metrics"],  # type: ignore[arg-type]
        scheduler=sections["scheduler"],  # type: ignore[arg-type]
        dkim=_dkim(where, root, dkim) if dkim else None,  # type: ignore[arg-type]
    )


def _dkim(where: _Locator, root: Path, section: DkimSection) -> Dkim:
    key_file = root / section.private_key
    if not key_file.is_file() or not os.access(key_file, os.R_OK):
        raise ConfigError(f"{where('dkim', 'private_key')}: dkim.private_key: cannot read "
                          f"{key_file}: give the path of the RSA private key (PEM), relative "
                          "to the project folder")
    return Dkim(section.domain, section.selector, key_file)


def _explain(exc: ValidationError, section: str, model: type[Section], where: _Locator) -> str:
    return "\n".join(_explain_one(error, section, model, where) for error in exc.errors())


def _explain_one(error, section: str, model: type[Section], where: _Locator) -> str:
    key = ".".join(str(part) for part in error["loc"]) or ""
    top = str(error["loc"][0]) if error["loc"] else ""
    dotted = f"{section}.{key}" if key else section
    kind = error["type"]
    if kind == "missing":
        message = "missing (see README, Configuration)"
    elif kind == "extra_forbidden":
        message = (f"unknown key (known keys in [{section}]: "
                   f"{', '.join(model.model_fields)})")
    elif kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
    else:
        expected = model.model_fields[top].description if top in model.model_fields else ""
        message = f"{error['msg'].lower()}, got {error.get('input')!r}"
        if expected:
            message += f" ({expected})"
    return f"{where(section, top)}: {dotted}: {message}"


class _Locator:
    """``file:line`` of a key in the TOML text (tomllib keeps no positions):
    the key's line within its section, else the section's header."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def __call__(self, section: str, key: str = "") -> str:
        line = self._find(section, key)
        return f"{self.path}:{line}" if line else str(self.path)

    def _find(self, section: str, key: str) -> int | None:
        header, current = None, None
        for number, raw in enumerate(self.lines, 1):
            stripped = raw.strip()
            if stripped.startswith("["):
                current = stripped.strip("[]").strip()
                if current == section and header is None:
                    header = number
                continue
            name = stripped.split("=", 1)[0].strip()
            if key and current == section and name == key and "=" in stripped:
                return number
        return header
