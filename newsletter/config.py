"""Configuration, loaded and validated once at start-up and passed explicitly.

Layers: built-in defaults → ``newsletter.toml`` at the project root →
environment variables (``NEWSLETTER_*``). No other module reads the
environment.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

CONFIG_FILE = "newsletter.toml"
SUPPORTED_LANGUAGES = ("it", "en", "fr")


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
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def primary_language(self) -> str:
        return self.languages[0]

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
    """Read ``root/newsletter.toml`` and apply the environment's overrides."""
    path = root / CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    reader = _Reader(path, data)
    languages = tuple(reader.get("newsletter.languages", ["it", "en", "fr"]))
    for lang in languages:
        if lang not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                f"{path}: newsletter.languages: {lang!r} is not supported "
                f"(choose among {', '.join(SUPPORTED_LANGUAGES)})"
            )
    timezone = reader.get("newsletter.timezone", "Europe/Rome")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: newsletter.timezone: unknown time zone {timezone!r}") from None
    base_url = environ.get("NEWSLETTER_BASE_URL") or reader.get("newsletter.base_url")
    if not base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{path}: newsletter.base_url: {base_url!r} must start with https://")
    sender_address = reader.get("sender.address")
    office_name = reader.get("office.name", {})
    return Config(
        root=root,
        title=reader.get("newsletter.title", "Work in Progress"),
        base_url=base_url.rstrip("/"),
        languages=languages,
        timezone=timezone,
        sender_name=reader.get("sender.name", ""),
        sender_address=sender_address,
        reply_to=reader.get("sender.reply_to", sender_address),
        office=Office(
            name={lang: tuple(lines) for lang, lines in office_name.items()},
            address=tuple(reader.get("office.address", [])),
            email=reader.get("office.email", sender_address),
            website=reader.get("office.website", ""),
        ),
        database_url=environ.get("NEWSLETTER_DATABASE_URL")
        or f"sqlite:///{root / 'subscribers' / 'newsletter.sqlite3'}",
        smtp_url=environ.get("NEWSLETTER_SMTP_URL") or None,
        secret_key=environ.get("NEWSLETTER_SECRET_KEY") or None,
        privacy_version=str(reader.get("privacy.version", "1")),
        privacy_url=reader.get("privacy.url", ""),
        subscribe_per_hour=reader.get("web.subscribe_per_hour", 5),
        trusted_proxies=reader.get("web.trusted_proxies", 0),
        confirm_hours=reader.get("web.confirm_hours", 72),
        extra=data,
    )


class _Reader:
    """Dotted-key access to the TOML document, with errors naming the key."""

    _MISSING = object()

    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data

    def get(self, dotted: str, default: object = _MISSING):
        node: object = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is self._MISSING:
                    raise ConfigError(f"{self.path}: {dotted}: missing (see README, Configuration)")
                return default
            node = node[part]
        if default is not self._MISSING and default is not None and type(node) is not type(default):
            kind = type(default).__name__
            raise ConfigError(f"{self.path}: {dotted}: expected a {kind}, got {node!r}")
        return node
