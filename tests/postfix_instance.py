"""A private Postfix on loopback, configured and started by a test: its own
configuration, queue and data directories under a folder of the test's,
an SMTP server on a free port of 127.0.0.1 (nothing on port 25), local
delivery for one made-up domain, and the bounce address piped to a command
exactly as the README's "Postfix in production" says.

Addresses of the local domain accepted at SMTP time (``local_recipient_maps``
empty) are bounced by local(8) when it finds no such user: a real DSN
(RFC 3464, status 5.1.1), sent to the message's envelope sender. Nothing
leaves 127.0.0.1: any other destination is refused by ``default_transport``.

Postfix needs root to start; the pipe's command runs as an unprivileged user
(pipe(8) refuses root), so everything it reads must be readable by that user.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .smtp_server import free_port

POSTFIX = Path("/usr/sbin/postfix")
PIPE_USER = "nobody"
# The service the bounce address is piped to, named as in the README.
SERVICE = "newsletter-bounces"
MASTER_CF = (Path("/etc/postfix/master.cf"), Path("/usr/share/postfix/master.cf.dist"))


def unavailable() -> str | None:
    """Why a private Postfix cannot run here, or None."""
    if not POSTFIX.exists():
        return f"{POSTFIX} is missing: install the Debian package postfix (./dev test does)"
    if os.geteuid() != 0:
        return "a private Postfix instance needs root to start; these tests run as root in CI"
    try:
        pwd.getpwnam(PIPE_USER)
    except KeyError:
        return f"no user {PIPE_USER!r} for the Postfix pipe to run the bounce command as"
    if not any(path.exists() for path in MASTER_CF):
        return "no master.cf to start from (/etc/postfix/master.cf)"
    return None


@dataclass(frozen=True)
class Postfix:
    """A running private instance."""

    config_directory: Path
    port: int
    maillog: Path

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def flush(self) -> None:
        """Try the deferred messages again now."""
        subprocess.run(["postqueue", "-c", str(self.config_directory), "-f"], check=True,
                       capture_output=True)

    def log(self) -> str:
        return self.maillog.read_text(encoding="utf-8", errors="replace") \
            if self.maillog.exists() else ""


@contextmanager
def running(root: Path, *, local_domain: str, bounce_address: str, pipe_command: list[str],
            environment: dict[str, str]) -> Iterator[Postfix]:
    """A Postfix instance in a new folder ``root`` that delivers
    ``local_domain`` locally and pipes ``bounce_address`` (and each of its
    ``+`` extensions) to ``pipe_command``, run as ``PIPE_USER`` with
    ``environment`` (pipe(8) passes almost none) by a two-line script."""
    conf = root / "conf"
    for folder in (root, conf, root / "queue", root / "data"):
        folder.mkdir()
    shutil.chown(root / "data", "postfix", "postfix")  # master.lock; "postfix check" wants it
    port = free_port()
    pipe = root / "bounces-pipe"
    settings = " ".join(f"{name}={shlex.quote(value)}" for name, value in environment.items())
    pipe.write_text(f"#!/bin/sh\n{settings} exec {shlex.join(pipe_command)}\n", encoding="utf-8")
    pipe.chmod(0o755)
    (conf / "main.cf").write_text(main_cf(root, local_domain), encoding="utf-8")
    (conf / "master.cf").write_text(master_cf(port, pipe), encoding="utf-8")
    (conf / "transport").write_text(f"{bounce_address}   {SERVICE}:\n", encoding="utf-8")
    _postfix(conf, "postmap", conf / "transport")
    _postfix(conf, "postfix", "-c", conf, "check")
    _postfix(conf, "postfix", "-c", conf, "start")  # returns once master listens (master -w)
    try:
        yield Postfix(conf, port, root / "maillog")
    finally:
        _stop(conf)


def main_cf(root: Path, local_domain: str) -> str:
    return f"""\
compatibility_level = 3.6
queue_directory = {root / "queue"}
data_directory = {root / "data"}
maillog_file = {root / "maillog"}
maillog_file_prefixes = {root}
# loopback only, no DNS, nothing relayed: any other destination is an error
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost =
default_transport = error:no outside mail in tests
smtp_host_lookup = native
smtp_dns_support_level = disabled
# {local_domain} is local; any address of it is accepted at SMTP time, then
# bounced by local(8) when it finds no such user: a real DSN
myhostname = {local_domain}
mydomain = {local_domain}
myorigin = $myhostname
mydestination = {local_domain}
local_recipient_maps =
alias_maps =
alias_database =
biff = no
# the bounce address and its VERP extensions, piped one message at a time
recipient_delimiter = +
transport_maps = hash:{root / "conf" / "transport"}
{SERVICE}_destination_recipient_limit = 1
# a deferred message (the pipe's exit 75) is tried again within a second
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
bounce_queue_lifetime = 60s
maximal_queue_lifetime = 60s
delay_warning_time = 0h
"""


def master_cf(port: int, pipe: Path) -> str:
    """The installed master.cf's Postfix services, not chrooted (the queue
    directory has none of the files a chroot needs), without its ``smtp inet``
    (port 25) and its pipe examples; an SMTP server on ``port`` and the bounce
    pipe instead."""
    source = next(path for path in MASTER_CF if path.exists())
    kept, skipping = [], False
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line[0].isspace():  # an option of the entry above
            if not skipping:
                kept.append(line)
            continue
        fields = line.split()
        skipping = fields[:2] == ["smtp", "inet"] or fields[7] == "pipe"
        if not skipping:
            fields[4] = "n"
            kept.append(" ".join(fields))
    kept.append(f"127.0.0.1:{port} inet n - n - - smtpd")
    kept.append(f"{SERVICE} unix - n n - 4 pipe")
    kept.append(f"  flags=DRO user={PIPE_USER} argv={pipe}")
    return "\n".join(kept) + "\n"


def newsletter_command() -> list[str]:
    """How ``PIPE_USER`` runs this project's ``newsletter`` command: the virtual
    environment's own, or, when its interpreter is out of that user's reach
    (a pyenv Python under /root), the system Python of the same version with
    the environment's packages (the same code, the same compiled wheels)."""
    own = [str(Path(sys.prefix) / "bin" / "newsletter")]
    if _runs_as_pipe_user(own):
        return own
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    bridge = [system or version, "-S", "-c",
              "import site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'newsletter'; "
              "from newsletter.cli import main; sys.exit(main())",
              sysconfig.get_paths()["purelib"]]
    if system and _runs_as_pipe_user(bridge):
        return bridge
    raise RuntimeError(f"user {PIPE_USER} can run neither {own[0]} nor a system {version} "
                       f"with the project's packages")


def _runs_as_pipe_user(command: list[str]) -> bool:
    try:
        return subprocess.run([*command, "--help"], user=PIPE_USER, env={"PATH": "/usr/bin:/bin"},
                              cwd="/", capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


def _postfix(conf: Path, *command: str | Path) -> None:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    maillog = conf.parent / "maillog"
    log = maillog.read_text(errors="replace") if maillog.exists() else ""
    if done.returncode != 0 or "warning:" in done.stderr + log:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                           f"{done.stderr}{log}")


def _stop(conf: Path) -> None:
    """Stop the instance (``stop`` waits up to 5 s for its processes to end),
    by force if it is still running."""
    def postfix(command: str) -> int:
        return subprocess.run(["postfix", "-c", str(conf), command],
                              capture_output=True).returncode
    postfix("stop")
    if postfix("status") == 0:
        postfix("abort")
