"""``newsletter users …``: the people who use the editorial workspace, their
role, and the one-time link where each chooses a password."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from newsletter.cli.project import Project, pass_config
from newsletter.core.config import Config
from newsletter.core.i18n import _, ngettext
from newsletter.core.urls import Urls
from newsletter.store import Store, audit, now, users, utc
from newsletter.store.addresses import InvalidAddress, normalize

ROLES = tuple(role.value for role in users.Role)
ROLE_METAVAR = "|".join(ROLES)
VALID_HOURS = int(users.SETUP_VALID_FOR.total_seconds() // 3600)


def _role(value: str) -> str:
    # Checked here rather than by click.Choice: a wrong role is one line and exit 1,
    # like every other refusal of these commands.
    if value not in ROLES:
        raise users.UserError(_("{role!r} is not a role: use editor, approver or admin").format(
            role=value))
    return value


def _person(store: Store, email: str) -> users.User:
    try:
        address, key = normalize(email)
    except InvalidAddress as exc:
        raise users.UserError(_("{email!r} is not an e-mail address: {reason}").format(
            email=email, reason=exc)) from None
    user = users.get(store, key)
    if user is None:
        raise users.UserError(_("{email} has no account").format(email=address))
    return user


def _show_link(config: Config, token: str) -> None:
    click.echo(Urls(config.base_url).welcome(token))
    click.echo(ngettext("The link is valid for {hours} hour and is shown only now.",
                        "The link is valid for {hours} hours and is shown only now.",
                        VALID_HOURS).format(hours=VALID_HOURS))


def _record(project: Project, action: str, detail: str) -> None:
    """The audit log's line for a change made from the command line (actor "cli")."""
    audit.record(project.store, "cli", action, detail=detail)


def _read_password() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


@click.group("users")
def users_group() -> None:
    """Manage the people of the editorial workspace: add, list, disable, role, reset."""


@users_group.command()
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as the workspace shows it.")
@click.option("--role", required=True, metavar=ROLE_METAVAR,
              help="editor: write, translate, preview, submit for review; approver: also "
                   "approve, schedule and cancel; admin: also people and subscribers.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input and set it now "
                   "(for scripts); without it, print the one-time link where they choose it.")
@pass_config
def add(project: Project, email: str, name: str, role: str, password_stdin: bool) -> None:
    """Give a person an account and print the one-time link where they choose a password."""
    role = _role(role)
    password = _read_password() if password_stdin else None
    problem = users.password_problem(password) if password is not None else None
    if problem:  # before adding, so a refused password leaves no half-made account
        raise users.UserError(problem)
    user, token = users.add(project.store, email, name, role)
    _record(project, "person added", f"{user.email} as {user.role}")
    if password is not None:
        users.set_password_directly(project.store, user.email, password)
        _record(project, "password set", user.email)
        click.echo(_("Added {name} <{email}> as {role}: the account is ready, they can log in "
                     "now.").format(name=user.name, email=user.email, role=user.role))
        return
    click.echo(_("Added {name} <{email}> as {role}. Send them this link to choose their "
                 "password:").format(name=user.name, email=user.email, role=user.role))
    _show_link(project.config, token)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list (email, name, role, state, created_at, locked_until) "
                   "for scripts.")
@pass_config
def list_(project: Project, as_json: bool) -> None:
    """Show every account: email, name, role, state (invited, active, disabled, locked) and
    the day it was created."""
    people = users.listing(project.store)
    at = now()
    if as_json:
        click.echo(json.dumps([_as_dict(user, at) for user in people], indent=2,
                              ensure_ascii=False))
        return
    if not people:
        click.echo(_("No one has an account yet: add one with `newsletter users add`."))
        return
    rows = [(user.email, user.name, user.role, _state(user, at),
             utc(user.created_at).date().isoformat()) for user in people]
    header = (_("email"), _("name"), _("role"), _("state"), _("created"))
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        click.echo("  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=True))
                   .rstrip())
    click.echo(ngettext("{count} account", "{count} accounts", len(people)).format(
        count=len(people)), err=True)


def _state(user: users.User, at: datetime) -> str:
    """invited, active or disabled as the store says, or locked after repeated failed logins."""
    locked = user.locked_until is not None and utc(user.locked_until) > at
    return "locked" if locked and not user.disabled else user.state


def _as_dict(user: users.User, at: datetime) -> dict:
    locked_until = utc(user.locked_until)
    return {"email": user.email, "name": user.name, "role": user.role,
            "state": _state(user, at), "created_at": utc(user.created_at).isoformat(),
            "locked_until": locked_until.isoformat() if locked_until else None}


@users_group.command()
@click.argument("email")
@pass_config
def disable(project: Project, email: str) -> None:
    """Stop a person logging in (their account and its history are kept)."""
    user = users.disable(project.store, email)
    _record(project, "person disabled", user.email)
    click.echo(_("{email} is disabled: they can no longer log in.").format(email=user.email))


@users_group.command()
@click.argument("email")
@click.argument("role", metavar=ROLE_METAVAR)
@pass_config
def role(project: Project, email: str, role: str) -> None:
    """Change what a person may do: editor, approver or admin."""
    user = users.set_role(project.store, email, _role(role))
    _record(project, "role changed", f"{user.email} to {user.role}")
    click.echo(_("{email} is now {role}.").format(email=user.email, role=user.role))


@users_group.command()
@click.argument("email")
@pass_config
def reset(project: Project, email: str) -> None:
    """Print a new one-time link where a person chooses a new password (a forgotten one).

    Any earlier link of theirs stops working; their current password keeps
    working until they choose the new one.
    """
    user = _person(project.store, email)
    if user.disabled:
        raise users.UserError(_("{email} is disabled: a new link would not let them log "
                                "in").format(email=user.email))
    token = users.reset(project.store, user.email)
    _record(project, "password link renewed", user.email)
    click.echo(_("A new link for {email} to choose a password:").format(email=user.email))
    _show_link(project.config, token)
