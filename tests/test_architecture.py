"""The layout a newcomer reads: one package per pipeline stage, each
importing only from the stages below it (import-linter's contracts in
pyproject.toml), and SQL only in the store."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsletter.store import states
from newsletter.store.states import (
    DELIVERY_MOVES,
    RECIPIENT_MOVES,
    DeliveryState,
    IllegalMove,
    RecipientState,
    check_delivery_move,
    check_recipient_move,
)

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "newsletter"


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run([*command, "--no-cache"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_package_has_at_most_ten_entries():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= 10, entries
    assert {"content", "render", "store", "dispatch", "scheduling", "web", "archive",
            "cli"} <= set(entries)


def test_no_module_outside_the_store_imports_sqlalchemy():
    offenders = [str(path.relative_to(REPO)) for path in PACKAGE.rglob("*.py")
                 if "store" not in path.relative_to(PACKAGE).parts[:1]
                 and any(line.lstrip().startswith(("import sqlalchemy", "from sqlalchemy",
                                                   "import psycopg", "from psycopg"))
                         for line in path.read_text(encoding="utf-8").splitlines())]
    assert offenders == []


# -- the state machines, as tables ---------------------------------------------------

D, R = DeliveryState, RecipientState


@pytest.mark.parametrize(("current", "target"), [
    (D.SCHEDULED, D.BUILDING), (D.SCHEDULED, D.MISSED), (D.BUILDING, D.RUNNING),
    (D.BUILDING, D.PAUSED), (D.READY, D.RUNNING), (D.RUNNING, D.PAUSED), (D.RUNNING, D.DONE),
    (D.PAUSED, D.RUNNING), (D.PAUSED, D.SCHEDULED), (D.MISSED, D.SCHEDULED),
])
def test_allowed_delivery_moves(current, target):
    check_delivery_move(current, target)


@pytest.mark.parametrize(("current", "target"), [
    (D.DONE, D.RUNNING), (D.DONE, D.SCHEDULED), (D.SCHEDULED, D.DONE), (D.MISSED, D.RUNNING),
    (D.READY, D.SCHEDULED), (D.CANCELLED, D.RUNNING),
])
def test_forbidden_delivery_moves(current, target):
    with pytest.raises(IllegalMove, match=f"from {current} to {target}"):
        check_delivery_move(current, target)


@pytest.mark.parametrize(("current", "target", "allowed"), [
    (R.QUEUED, R.CLAIMED, True), (R.CLAIMED, R.SENDING, True), (R.CLAIMED, R.QUEUED, True),
    (R.CLAIMED, R.CANCELLED, True), (R.SENDING, R.SENT, True), (R.SENDING, R.UNCERTAIN, True),
    (R.DEFERRED, R.QUEUED, True), (R.SENT, R.QUEUED, False), (R.UNCERTAIN, R.SENDING, False),
    (R.QUEUED, R.SENT, False), (R.FAILED, R.QUEUED, False),
])
def test_recipient_moves(current, target, allowed):
    if allowed:
        check_recipient_move(current, target)
    else:
        with pytest.raises(IllegalMove):
            check_recipient_move(current, target)


def test_every_state_has_its_moves_and_final_states_have_none():
    assert set(DELIVERY_MOVES) == set(DeliveryState)
    assert set(RECIPIENT_MOVES) == set(RecipientState)
    assert not DELIVERY_MOVES[D.DONE] and not RECIPIENT_MOVES[R.SENT]
    assert set(states.UNFINISHED) | {R.SENT, R.FAILED, R.UNCERTAIN, R.CANCELLED} == set(R)
