"""What every command needs, opened on first use: the configuration and
the store. Shared by the command modules."""

from __future__ import annotations

import os
from pathlib import Path

import click

from newsletter.core.config import Config, find_root, load_config
from newsletter.core.i18n import use_language
from newsletter.store import Store


class Project:
    """Loads the configuration (and opens the store) on first use, so --help
    works anywhere."""

    def __init__(self, project: Path | None):
        self.project = project
        self._config: Config | None = None
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config.database_url, self.config.secret(),
                                idle_transaction_seconds=self.config.dispatch.lease_seconds)
            click.get_current_context().call_on_close(self._store.close)
        return self._store

    @property
    def config(self) -> Config:
        if self._config is None:
            root = self.project.resolve() if self.project else find_root(Path.cwd())
            self._config = load_config(root, os.environ)
            use_language(self._config.workspace.language)  # messages from here on
        return self._config


pass_config = click.make_pass_decorator(Project)
