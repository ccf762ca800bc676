"""Where each issue stands in its review, and what was approved.

An issue is a *draft* until an editor submits it for *review*; an approver
then approves it (each edition's digest is kept: what is sent must be
what was approved) or sends it back to draft with a comment. A change to
an approved issue voids the approval: it is a draft again. Nobody approves
their own changes alone: whoever saved a revision since the last approval
needs another approver (unless the office allows it).

Every move is one conditional UPDATE (``… WHERE state = 'review'``), so of
two approvers clicking at the same moment only one succeeds; the other is
told what happened meanwhile. The moves are the table ``MOVES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.store import Store, now, utc
from newsletter.store.revisions import authors_since
from newsletter.store.tables import approvals
from newsletter.store.tables import reviews as review_rows
from newsletter.store.tables import translation_marks as marks


class ReviewState(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"


class Move(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send back"
    VOID = "void"  # a change to an approved issue


# Each move: the state it starts from and the state it leads to.
MOVES: dict[Move, tuple[ReviewState, ReviewState]] = {
    Move.SUBMIT: (ReviewState.DRAFT, ReviewState.REVIEW),
    Move.APPROVE: (ReviewState.REVIEW, ReviewState.APPROVED),
    Move.SEND_BACK: (ReviewState.REVIEW, ReviewState.DRAFT),
    Move.VOID: (ReviewState.APPROVED, ReviewState.DRAFT),
}


class WorkflowError(NewsletterError):
    """A review step refused, explained."""


@dataclass(frozen=True)
class Review:
    month: str
    state: ReviewState = ReviewState.DRAFT
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    reviewed_by: str | None = None  # who approved it or sent it back, last
    reviewed_at: datetime | None = None
    comment: str | None = None  # why it was sent back
    changed_by: str | None = None  # the last change to its source
    changed_at: datetime | None = None
    voided_at: datetime | None = None  # when a change undid its approval
    voided_by: str | None = None
    approvals: dict[str, str] = field(default_factory=dict)  # language → approved digest
    approved_at: datetime | None = None  # the last approval, even voided


def review(store: Store, month: str) -> Review:
    """The month's review; a month never submitted nor changed is a draft."""
    with store.transaction() as connection:
        row = connection.execute(select(review_rows).where(review_rows.c.month == month)).first()
        digests = _digests(connection, month)
    return _review(row, digests) if row else Review(month)


def reviews(store: Store) -> dict[str, Review]:
    """Every month that has a review row, by month."""
    with store.transaction() as connection:
        rows = connection.execute(select(review_rows).order_by(review_rows.c.month)).all()
        approved = connection.execute(select(approvals)).all()
    digests: dict[str, dict[str, str]] = {}
    for row in approved:
        digests.setdefault(row.month, {})[row.language] = row.digest
    return {row.month: _review(row, digests.get(row.month, {})) for row in rows}


def changed(store: Store, month: str, by: str) -> bool:
    """Note a change to the month's source; True when it voided an approval."""
    at = now()
    with store.transaction() as connection:
        _ensure(connection, month)
        voided = _move(connection, month, Move.VOID, changed_by=by, changed_at=at,
                       voided_at=at, voided_by=by)
        if voided:
            connection.execute(delete(approvals).where(approvals.c.month == month))
        else:
            connection.execute(update(review_rows).where(review_rows.c.month == month).values(
                changed_by=by, changed_at=at))
    return voided


def submit(store: Store, month: str, by: str) -> Review:
    """Ask for review: a draft goes to the approvers."""
    with store.transaction() as connection:
        _ensure(connection, month)
        moved = _move(connection, month, Move.SUBMIT, submitted_by=by, submitted_at=now(),
                      comment=None, voided_at=None, voided_by=None)
    return _moved_or_refused(store, month, Move.SUBMIT, moved)


def approve(store: Store, month: str, by: str, digests: dict[str, str], *,
            allow_own_changes: bool = False) -> Review:
    """Approve the editions as they are (``digests``: language → edition digest)."""
    if not digests:
        raise WorkflowError(_("nothing to approve: {month} has no edition").format(month=month))
    current = review(store, month)
    if current.state == ReviewState.REVIEW and not allow_own_changes \
            and by in authors_since(store, month, current.approved_at):
        raise WorkflowError(_own_changes(month, current.approved_at))
    at = now()
    with store.transaction() as connection:
        moved = _move(connection, month, Move.APPROVE, reviewed_by=by, reviewed_at=at,
                      approved_at=at, comment=None)
        if moved:
            connection.execute(delete(approvals).where(approvals.c.month == month))
            connection.execute(insert(approvals), [
                {"month": month, "language": language, "digest": digest, "approved_by": by,
                 "approved_at": at} for language, digest in sorted(digests.items())])
    return _moved_or_refused(store, month, Move.APPROVE, moved)


def send_back(store: Store, month: str, by: str, comment: str) -> Review:
    """Return an issue in review to its editors, saying what must change."""
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(_("say what must change: an issue is sent back with a comment"))
    with store.transaction() as connection:
        moved = _move(connection, month, Move.SEND_BACK, reviewed_by=by, reviewed_at=now(),
                      comment=comment)
    return _moved_or_refused(store, month, Move.SEND_BACK, moved)


def approved_digests(store: Store, month: str) -> dict[str, str]:
    """What was approved of the month: language → edition digest (empty: nothing)."""
    with store.transaction() as connection:
        return _digests(connection, month)


def mark_translated(store: Store, month: str, language: str, item: str,
                    source_hash: str) -> None:
    """Note that ``item`` is translated into ``language`` from the primary text
    whose hash is ``source_hash`` (replacing an earlier mark)."""
    values = {"month": month, "language": language, "item": item, "source_hash": source_hash,
              "at": now()}
    with store.transaction() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(marks).values(**values)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["month", "language", "item"],
            set_={"source_hash": statement.excluded.source_hash, "at": statement.excluded.at}))


def translation_marks(store: Store, month: str, language: str) -> dict[str, str]:
    """The items marked translated into ``language``: item → source hash."""
    with store.transaction() as connection:
        rows = connection.execute(select(marks.c.item, marks.c.source_hash)
                                  .where(marks.c.month == month,
                                         marks.c.language == language))
        return {row.item: row.source_hash for row in rows}


# -- helpers -------------------------------------------------------------------------


def _ensure(connection: Connection, month: str) -> None:
    """A draft row for the month, unless it has one (two callers at once: one row)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(review_rows).values(month=month, state=ReviewState.DRAFT)
                       .on_conflict_do_nothing(index_elements=["month"]))


def _move(connection: Connection, month: str, move: Move, **values) -> bool:
    """The move, if the month is still in the state it starts from."""
    source, target = MOVES[move]
    return connection.execute(update(review_rows).where(
        review_rows.c.month == month, review_rows.c.state == source).values(
        state=target, **values)).rowcount == 1


def _moved_or_refused(store: Store, month: str, move: Move, moved: bool) -> Review:
    current = review(store, month)
    if not moved:
        raise WorkflowError(_refusal(month, move, current.state))
    return current


def _refusal(month: str, move: Move, state: ReviewState) -> str:
    if state == ReviewState.APPROVED:
        return _("{month} is already approved; a change to it makes it a draft again").format(
            month=month)
    if move == Move.SUBMIT:
        return _("{month} is already waiting for review").format(month=month)
    return _("{month} is not waiting for review (it is a draft): an editor must submit it "
             "first").format(month=month)


def _own_changes(month: str, since: datetime | None) -> str:
    if since is None:
        return _("you changed {month} yourself: another approver must approve it").format(
            month=month)
    return _("you changed {month} yourself since its last approval ({date}): another approver "
             "must approve it").format(month=month, date=f"{since:%Y-%m-%d %H:%M} UTC")


def _digests(connection: Connection, month: str) -> dict[str, str]:
    rows = connection.execute(select(approvals.c.language, approvals.c.digest)
                              .where(approvals.c.month == month))
    return {row.language: row.digest for row in rows}


def _review(row, digests: dict[str, str]) -> Review:
    values = row._mapping
    fields = {name: utc(values[name]) if name.endswith("_at") else values[name]
              for name in Review.__dataclass_fields__ if name != "approvals"}
    return Review(**{**fields, "state": ReviewState(values["state"])}, approvals=dict(digests))
