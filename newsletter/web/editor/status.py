"""Where an issue stands, as the dashboard and the issue page show it: its
state in the workflow (draft, in review, approved) or in delivery
(scheduled, sending, sent), each language's completeness, what `check`
finds, and who changed it last."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsletter.content.editing import translation_state
from newsletter.core.config import Config
from newsletter.core.errors import Problem
from newsletter.core.i18n import pgettext
from newsletter.render.output import edition_digest
from newsletter.store import Store, workflow
from newsletter.store import deliveries as ledger
from newsletter.store.states import DeliveryState, PauseCause
from newsletter.web.editor import reading

SENDING = {DeliveryState.BUILDING, DeliveryState.READY, DeliveryState.RUNNING,
           DeliveryState.PAUSED}


@dataclass(frozen=True)
class Language:
    code: str
    state: str  # complete | incomplete | absent | errors
    missing: int = 0
    stale: int = 0
    approved: bool = False  # the approval covers this edition as it is now


@dataclass
class Standing:
    month: str
    state: str  # draft | review | approved | scheduled | sending | sent
    review: workflow.Review
    languages: list[Language]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    deliveries: list[ledger.Delivery] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> tuple[str | None, datetime | None]:
        return self.review.changed_by, self.review.changed_at

    @property
    def approval_current(self) -> bool:
        """Approved, and nothing that determines the output changed since."""
        approvals = self.review.approvals
        return bool(approvals) and all(
            approvals.get(lang) == digest for lang, digest in self.digests.items()
            if lang in approvals)

    @property
    def ready_for_review(self) -> bool:
        return not self.errors


STATE_NAMES = {  # an issue's state (pgettext: "sent" is also a count of messages)
    "draft": lambda: pgettext("issue", "draft"), "review": lambda: pgettext("issue", "in review"),
    "approved": lambda: pgettext("issue", "approved"),
    "scheduled": lambda: pgettext("issue", "scheduled"),
    "sending": lambda: pgettext("issue", "sending"), "sent": lambda: pgettext("issue", "sent"),
}


def state_name(state: str) -> str:
    return STATE_NAMES[state]() if state in STATE_NAMES else state


def standing(config: Config, store: Store, month: str, *, digests: bool = False) -> Standing:
    """Everything the pages say about one issue (``digests``: also each
    edition's current digest, to tell whether the approval still holds)."""
    checked = reading.checked(month)
    review = workflow.review(store, month)
    deliveries = ledger.listing(store, month)
    languages = _languages(config, store, month, checked)
    found = Standing(month, _state(review, deliveries), review, languages, checked.errors,
                     checked.warnings, deliveries)
    if digests and checked.issue is not None:
        found.digests = {lang: edition_digest(config, checked.issue, lang)
                         for lang in checked.issue.editions}
        found.languages = [Language(**{**lang.__dict__, "approved": lang.code in found.digests
                                       and review.approvals.get(lang.code)
                                       == found.digests[lang.code]}) for lang in languages]
    return found


def _state(review: workflow.Review, deliveries: list[ledger.Delivery]) -> str:
    # A delivery stopped before anyone was queued (the issue did not build, or was
    # not approved as it is) waits for the editors: the workflow's state says more.
    states = {d.state for d in deliveries if d.paused_by != PauseCause.BUILD}
    if states & SENDING:
        return "sending"
    if DeliveryState.SCHEDULED in states:
        return "scheduled"
    if states and states <= {DeliveryState.DONE, DeliveryState.CANCELLED, DeliveryState.MISSED} \
            and DeliveryState.DONE in states:
        return "sent"
    return str(review.state)


def _languages(config: Config, store: Store, month: str, checked) -> list[Language]:
    primary_errors = bool(checked.errors)
    result = [Language(config.primary_language, "errors" if primary_errors else "complete")]
    try:
        primary = reading.source(month, config.primary_language).data
    except Exception:
        primary = None
    for lang in config.languages[1:]:
        source = _translation(config, month, lang)
        if source is None or primary is None:
            result.append(Language(lang, "absent"))
            continue
        states = translation_state(primary, source, workflow.translation_marks(store, month, lang))
        missing = sum(1 for s in states.values() if s == "missing")
        stale = sum(1 for s in states.values() if s == "stale")
        result.append(Language(lang, "complete" if not (missing or stale) else "incomplete",
                               missing, stale))
    return result


def _translation(config: Config, month: str, lang: str):
    try:
        opened = reading.source(month, lang)
    except Exception:
        return None
    return opened.data if opened.version else None
