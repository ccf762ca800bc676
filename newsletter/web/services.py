"""What the blueprints of one application share, made once by create_app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from newsletter.core.config import Config
from newsletter.core.urls import Urls
from newsletter.dispatch.transports import Transport
from newsletter.store import Store
from newsletter.web.outgoing import Outgoing


@dataclass(frozen=True)
class Services:
    config: Config
    store: Store | None
    transports: Callable[[], Transport] | None
    urls: Urls  # the one URL builder (and Tokens) of the application
    archive: Path | None  # a built archive site, served at the root
    outgoing: Outgoing | None = None  # where transactional mail is queued


def services() -> Services:
    return current_app.extensions["newsletter"]
