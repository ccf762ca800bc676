"""The editorial workspace's store (issue 12): the audit log, the revisions
of the sources, the review of each issue with its approvals and the
translation marks, on SQLite and PostgreSQL."""

import difflib
import threading
from datetime import timedelta

import pytest

from newsletter.store import audit, now, revisions, workflow
from newsletter.store import users as people
from newsletter.store.workflow import MOVES, Move, ReviewState, WorkflowError

from .conftest import BOTH, SQLITE

MONTH = "2024-03"
DIGESTS = {"it": "a" * 64, "en": "b" * 64}
S = ReviewState


# -- the audit log -----------------------------------------------------------------------


@BOTH
def test_the_audit_log_is_read_newest_first_and_filtered(store):
    before = now()
    audit.record(store, "anna@example.org", "login")
    audit.record(store, "anna@example.org", "save", MONTH, "it.yaml")
    audit.record(store, "bruno@example.org", "approve", MONTH, "it, en")
    audit.record(store, "bruno@example.org", "save", "2024-04", "it.yaml")
    entries = audit.listing(store)
    assert [(e.actor, e.action, e.month) for e in entries] == [
        ("bruno@example.org", "save", "2024-04"), ("bruno@example.org", "approve", MONTH),
        ("anna@example.org", "save", MONTH), ("anna@example.org", "login", None)]
    assert entries[0].at.tzinfo is not None and entries[-1].detail == ""
    assert [e.detail for e in audit.listing(store, month=MONTH)] == ["it, en", "it.yaml"]
    assert [e.month for e in audit.listing(store, action="save")] == ["2024-04", MONTH]
    assert [e.action for e in audit.listing(store, actor="anna@example.org")] == ["save", "login"]
    assert len(audit.listing(store, actor="bruno@example.org", action="save", month=MONTH)) == 0
    assert len(audit.listing(store, since=before, until=now() + timedelta(seconds=1))) == 4
    assert audit.listing(store, since=now() + timedelta(minutes=1)) == []
    assert audit.listing(store, until=before) == []
    assert [e.action for e in audit.listing(store, limit=2)] == ["save", "approve"]
    assert audit.actions(store) == ["approve", "login", "save"]


# -- revisions -----------------------------------------------------------------------


@BOTH
def test_revisions_keep_each_text_once_and_can_be_compared(store):
    first = revisions.record(store, MONTH, "it.yaml", "anna@example.org", "title: Prima\n")
    same = revisions.record(store, MONTH, "it.yaml", "bruno@example.org", "title: Prima\n")
    assert same == first  # nothing changed: nothing added, the latest is returned
    second = revisions.record(store, MONTH, "it.yaml", "bruno@example.org", "title: Seconda\n")
    english = revisions.record(store, MONTH, "en.yaml", "carla@example.org", "title: Second\n")
    revisions.record(store, "2024-04", "it.yaml", "dario@example.org", "title: Aprile\n")
    assert first.digest == revisions.text_digest("title: Prima\n") and len(first.digest) == 64
    assert first.at.tzinfo is not None
    assert [r.id for r in revisions.listing(store, MONTH)] == [english.id, second.id, first.id]
    assert [r.id for r in revisions.listing(store, MONTH, "it.yaml")] == [second.id, first.id]
    assert revisions.get(store, first.id) == first and revisions.get(store, 10_000) is None
    diff = list(difflib.unified_diff(revisions.get(store, first.id).text.splitlines(),
                                     revisions.get(store, second.id).text.splitlines(),
                                     lineterm=""))
    assert diff[-2:] == ["-title: Prima", "+title: Seconda"]
    back = revisions.record(store, MONTH, "it.yaml", "anna@example.org", "title: Prima\n")
    assert back.id != first.id  # the same text again, after another: a new revision
    assert revisions.by_digest(store, MONTH, "it.yaml", first.digest) == back
    assert revisions.by_digest(store, MONTH, "en.yaml", first.digest) is None
    assert revisions.authors_since(store, MONTH, None) == {
        "anna@example.org", "bruno@example.org", "carla@example.org"}
    assert revisions.authors_since(store, MONTH, english.at) == {"anna@example.org"}
    assert revisions.authors_since(store, MONTH, now()) == set()


# -- the review ------------------------------------------------------------------------


def test_the_moves_as_a_table():
    assert MOVES == {Move.SUBMIT: (S.DRAFT, S.REVIEW), Move.APPROVE: (S.REVIEW, S.APPROVED),
                     Move.SEND_BACK: (S.REVIEW, S.DRAFT), Move.VOID: (S.APPROVED, S.DRAFT)}


@BOTH
def test_submit_approve_and_send_back(store):
    fresh = workflow.review(store, MONTH)
    assert (fresh.state, fresh.submitted_by, fresh.approvals) == (S.DRAFT, None, {})
    assert workflow.reviews(store) == {}
    with pytest.raises(WorkflowError, match=r"not waiting for review .* must submit it first"):
        workflow.approve(store, MONTH, "bruno@example.org", DIGESTS)
    submitted = workflow.submit(store, MONTH, "anna@example.org")
    assert (submitted.state, submitted.submitted_by) == (S.REVIEW, "anna@example.org")
    with pytest.raises(WorkflowError, match=f"{MONTH} is already waiting for review"):
        workflow.submit(store, MONTH, "anna@example.org")
    with pytest.raises(WorkflowError, match="sent back with a comment"):
        workflow.send_back(store, MONTH, "bruno@example.org", "  ")
    back = workflow.send_back(store, MONTH, "bruno@example.org", " The date of item 2 is wrong ")
    assert (back.state, back.reviewed_by, back.comment) == (
        S.DRAFT, "bruno@example.org", "The date of item 2 is wrong")
    with pytest.raises(WorkflowError, match="not waiting for review"):
        workflow.send_back(store, MONTH, "bruno@example.org", "again")
    assert workflow.submit(store, MONTH, "anna@example.org").comment is None
    with pytest.raises(WorkflowError, match="nothing to approve"):
        workflow.approve(store, MONTH, "bruno@example.org", {})
    approved = workflow.approve(store, MONTH, "bruno@example.org", DIGESTS)
    assert (approved.state, approved.reviewed_by, approved.approvals) == (
        S.APPROVED, "bruno@example.org", DIGESTS)
    assert approved.approved_at == approved.reviewed_at is not None
    assert workflow.approved_digests(store, MONTH) == DIGESTS
    assert workflow.approved_digests(store, "2024-04") == {}
    assert workflow.reviews(store) == {MONTH: workflow.review(store, MONTH)}
    for step in (lambda: workflow.submit(store, MONTH, "anna@example.org"),
                 lambda: workflow.approve(store, MONTH, "carla@example.org", DIGESTS),
                 lambda: workflow.send_back(store, MONTH, "carla@example.org", "no")):
        with pytest.raises(WorkflowError, match=f"{MONTH} is already approved"):
            step()


@BOTH
def test_a_change_voids_the_approval_and_a_change_in_review_keeps_it_in_review(store):
    assert workflow.changed(store, MONTH, "anna@example.org") is False  # a draft stays a draft
    workflow.submit(store, MONTH, "anna@example.org")
    assert workflow.changed(store, MONTH, "anna@example.org") is False
    in_review = workflow.review(store, MONTH)
    assert (in_review.state, in_review.changed_by) == (S.REVIEW, "anna@example.org")
    workflow.approve(store, MONTH, "bruno@example.org", DIGESTS)
    assert workflow.changed(store, MONTH, "carla@example.org") is True
    voided = workflow.review(store, MONTH)
    assert (voided.state, voided.voided_by, voided.changed_by, voided.approvals) == (
        S.DRAFT, "carla@example.org", "carla@example.org", {})
    assert voided.voided_at == voided.changed_at is not None
    assert workflow.approved_digests(store, MONTH) == {}
    assert workflow.changed(store, MONTH, "carla@example.org") is False  # nothing left to void
    resubmitted = workflow.submit(store, MONTH, "carla@example.org")
    assert (resubmitted.voided_at, resubmitted.voided_by) == (None, None)


@BOTH
def test_nobody_approves_their_own_changes_alone(store):
    revisions.record(store, MONTH, "it.yaml", "bruno@example.org", "v1")
    workflow.submit(store, MONTH, "anna@example.org")
    with pytest.raises(WorkflowError, match="you changed 2024-03 yourself: another approver"):
        workflow.approve(store, MONTH, "bruno@example.org", DIGESTS)
    assert workflow.review(store, MONTH).state == S.REVIEW
    allowed = workflow.approve(store, MONTH, "bruno@example.org", DIGESTS, allow_own_changes=True)
    assert allowed.state == S.APPROVED
    # Bruno's earlier change was approved (by himself, as the office allows); Carla's
    # change after the approval voids it and keeps her from approving it again...
    revisions.record(store, MONTH, "it.yaml", "carla@example.org", "v2")
    workflow.changed(store, MONTH, "carla@example.org")
    workflow.submit(store, MONTH, "carla@example.org")
    # ...even once a send-back (a review, not an approval) came in between.
    workflow.send_back(store, MONTH, "dario@example.org", "one more look")
    revisions.record(store, MONTH, "it.yaml", "anna@example.org", "v3")
    workflow.submit(store, MONTH, "anna@example.org")
    with pytest.raises(WorkflowError, match=r"yourself since its last approval \(20"):
        workflow.approve(store, MONTH, "carla@example.org", DIGESTS)
    assert workflow.approve(store, MONTH, "bruno@example.org", DIGESTS).state == S.APPROVED


@BOTH
def test_of_two_approvers_at_the_same_moment_only_one_succeeds(store, monkeypatch):
    workflow.submit(store, MONTH, "anna@example.org")
    both_checked = threading.Barrier(2, timeout=10)
    checked = workflow.authors_since

    def after_both_checked(*args):
        found = checked(*args)
        both_checked.wait()  # both have read "review" and passed the checks
        return found

    monkeypatch.setattr(workflow, "authors_since", after_both_checked)
    outcomes: dict[str, object] = {}

    def approve(approver: str) -> None:
        try:
            outcomes[approver] = workflow.approve(store, MONTH, approver,
                                                  {"it": approver[0] * 64})
        except WorkflowError as exc:
            outcomes[approver] = exc

    threads = [threading.Thread(target=approve, args=(who,))
               for who in ("bruno@example.org", "carla@example.org")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [o for o in outcomes.values() if isinstance(o, WorkflowError)]
    won = [o for o in outcomes.values() if isinstance(o, workflow.Review)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    assert "is already approved" in str(refused[0])
    review = workflow.review(store, MONTH)
    assert review.reviewed_by == won[0].reviewed_by
    assert review.approvals == {"it": review.reviewed_by[0] * 64}  # the winner's, alone


# -- translation marks and accounts -------------------------------------------------------


@BOTH
def test_translation_marks_are_replaced_not_doubled(store):
    workflow.mark_translated(store, MONTH, "en", "luci-d-artista", "1" * 64)
    workflow.mark_translated(store, MONTH, "en", "cop28", "2" * 64)
    workflow.mark_translated(store, MONTH, "fr", "cop28", "3" * 64)
    workflow.mark_translated(store, MONTH, "en", "luci-d-artista", "4" * 64)
    assert workflow.translation_marks(store, MONTH, "en") == {"luci-d-artista": "4" * 64,
                                                              "cop28": "2" * 64}
    assert workflow.translation_marks(store, MONTH, "fr") == {"cop28": "3" * 64}
    assert workflow.translation_marks(store, "2024-04", "en") == {}


@SQLITE
def test_only_enabled_accounts_count(store):
    assert people.has_accounts(store) is False
    people.add(store, "anna@example.org", "Anna", "editor")
    assert people.has_accounts(store) is True
    people.disable(store, "anna@example.org")
    assert people.has_accounts(store) is False
