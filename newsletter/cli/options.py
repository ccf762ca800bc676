"""Options several commands share (as sqlite-utils' shared decorators):
one definition each, so their spelling and help never drift apart."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.core.config import SUPPORTED_LANGUAGES

LANGUAGE = click.Choice(SUPPORTED_LANGUAGES)


def month(function):
    """The issue's month, YYYY-MM."""
    return click.argument("month", metavar="YYYY-MM")(function)


def langs(help: str):
    """``--lang`` (repeatable) into ``langs``: which editions."""
    return click.option("--lang", "langs", multiple=True, type=LANGUAGE, help=help)


def fallback(function):
    return click.option(
        "--fallback", is_flag=True,
        help="Subscribers whose language has no complete edition get the primary one.")(function)


def quiet(help: str = "No progress bar; the summary only."):
    return click.option("--quiet", "-q", is_flag=True, help=help)


def out(help: str):
    """``--out DIR``: a folder to write to or read a build from."""
    return click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=help)


def host_port(port: int):
    """``--host`` and ``--port`` of a server command."""
    def decorate(function):
        function = click.option("--port", default=port, show_default=True,
                                help="Port to listen on.")(function)
        return click.option("--host", default="127.0.0.1", show_default=True,
                            help="Address to listen on.")(function)
    return decorate
