"""What is sent must be what was approved.

Once the office works in the editorial workspace (someone has an account),
or when ``[workflow] require_approval`` says so, an edition leaves only if
the digest of its sources as they are now is the digest an approver
approved: a change after the approval, through the workspace or straight
in the files, stops it until someone approves it again.
"""

from __future__ import annotations

from newsletter.content.model import Issue
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.render.output import edition_digest
from newsletter.store import Store, users, workflow
from newsletter.store.workflow import ReviewState


class NotApproved(NewsletterError):
    """The edition is not approved as it is now: it cannot be sent."""


def approval_required(config: Config, store: Store) -> bool:
    """As configured; unset, required as soon as the workspace has (enabled) accounts."""
    required = config.workflow.require_approval
    return users.has_accounts(store) if required is None else required


def check_approved(config: Config, store: Store, issue: Issue, lang: str) -> None:
    """Refuse (NotApproved) an edition that is not approved as its sources are now."""
    if not approval_required(config, store):
        return
    approved = workflow.approved_digests(store, issue.slug)
    if approved.get(lang) == edition_digest(config, issue, lang):
        return
    raise NotApproved(_why(config, workflow.review(store, issue.slug), lang, approved))


def _why(config: Config, review: workflow.Review, lang: str, approved: dict[str, str]) -> str:
    month = review.month
    if review.voided_by:
        return _("{month} was approved, but {person} changed it on {date}: an approver must "
                 "approve it again before it is sent").format(
            month=month, person=review.voided_by, date=_local(config, review.voided_at))
    if lang in approved:
        return _("the {lang} edition of {month} changed after {person} approved it on {date}: "
                 "an approver must approve it again before it is sent").format(
            lang=lang, month=month, person=review.reviewed_by,
            date=_local(config, review.approved_at))
    if approved:
        return _("the {lang} edition of {month} was not approved (only {approved}): an approver "
                 "must approve it before it is sent").format(
            lang=lang, month=month, approved=", ".join(sorted(approved)))
    if review.state == ReviewState.REVIEW:
        return _("{month} is not approved yet (it is waiting for review): an approver must "
                 "approve it before it is sent").format(month=month)
    return _("{month} is not approved (it is a draft): submit it for review; an approver must "
             "approve it before it is sent").format(month=month)


def _local(config: Config, moment) -> str:
    return f"{moment.astimezone(config.zone):%Y-%m-%d %H:%M %Z}" if moment else "?"
