"""Dispatch: deliver an issue's editions to their subscribers.

``prepare`` checks that each edition is complete and built (its web page
and PDF must exist for the "view online" link), not as a draft (``build
--draft`` leaves a ``.draft`` file), and that the build is of the sources
as they are now (their digests agree: nothing is rendered
again here), and encodes its message once; ``send`` refuses editions not
approved as they are (when approval is required: ``approval``), creates the
deliveries, queues one ledger row per active subscriber and runs the
dispatcher; ``resume`` finishes what was
interrupted; ``send_test`` mails one marked copy outside the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsletter.content import load_issue
from newsletter.content.model import Edition, Issue
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _, ngettext
from newsletter.core.urls import Urls
from newsletter.core.verp import Verp
from newsletter.dispatch.approval import check_approved
from newsletter.dispatch.dispatcher import DEFAULTS, Dispatcher, Settings, Summary
from newsletter.dispatch.dkim import signer_from
from newsletter.dispatch.message import EditionMessage, Personal, Sender, message_id
from newsletter.dispatch.transports import Transport, send_now
from newsletter.render.context import subject
from newsletter.render.output import BuiltEdition, edition_digest
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs
from newsletter.store.states import RESUMABLE, SubscriberStatus


class NotReady(NewsletterError):
    """The edition cannot be sent yet: not complete, not built, or stale."""


@dataclass(frozen=True)
class Planned:
    edition: Edition
    audience: tuple[str, ...]  # the subscriber languages that receive this edition


@dataclass
class Result:
    delivery: ledger.Delivery
    summary: Summary
    counts: dict[str, int]


def sender(config: Config) -> Sender:
    slug = re.sub(r"[^a-z0-9]+", "-", config.title.lower()).strip("-")
    return Sender(
        name=config.sender_name, address=config.sender_address, reply_to=config.reply_to,
        list_id=config.list_id or f"{config.title} <{slug}.{config.sender_domain}>",
        unsubscribe_mailto=config.unsubscribe_address or config.sender_address,
    )


def plan(config: Config, store: Store, issue: Issue, langs: tuple[str, ...] | None,
         fallback: bool) -> list[Planned]:
    """Which edition goes to which subscribers; refuses what cannot be sent."""
    counts = subs.stats(store)
    waiting = {lang: counts.get((SubscriberStatus.ACTIVE, lang), 0) for lang in config.languages}
    ready = {lang for lang, e in issue.editions.items() if e.complete}
    planned: dict[str, list[str]] = {}
    missing = []
    for lang in langs or config.languages:
        if lang in ready:
            planned.setdefault(lang, []).append(lang)
        elif langs or waiting[lang]:
            missing.append(lang)
    if missing and fallback and config.primary_language in ready:
        planned.setdefault(config.primary_language, []).extend(missing)
    elif missing:
        described = ", ".join(_described(issue, lang, waiting[lang]) for lang in missing)
        raise NotReady(_("cannot send {month}: no complete edition for {editions}; finish the "
                         "translation, send the others with --lang, or add --fallback to send the "
                         "{primary} edition to those subscribers").format(
            month=issue.slug, editions=described, primary=config.primary_language))
    return [Planned(issue.editions[lang], tuple(audience)) for lang, audience in planned.items()]


def _described(issue: Issue, lang: str, waiting: int) -> str:
    """An edition that cannot be sent: why, and how many subscribers wait for it."""
    edition = issue.editions.get(lang)
    if edition is None:
        return ngettext("{lang} (no edition, {count} active subscriber)",
                        "{lang} (no edition, {count} active subscribers)", waiting).format(
            lang=lang, count=waiting)
    return ngettext("{lang} ({missing} parts untranslated, {count} active subscriber)",
                    "{lang} ({missing} parts untranslated, {count} active subscribers)",
                    waiting).format(lang=lang, missing=len(edition.missing), count=waiting)


def prepare(config: Config, issue: Issue, edition: Edition, out: Path, *,
            fresh: bool = True, subject_prefix: str = "") -> EditionMessage:
    """The edition's message, encoded once; refused if the build is missing or
    (with ``fresh``) older than the source. A delivery that has started goes
    on with the build its first recipients received (``fresh=False``)."""
    built = BuiltEdition.at(out, issue.slug, edition.lang)
    if built.draft:
        raise NotReady(_("the built {lang} edition of {month} is a draft (built with --draft): "
                         "a draft is never sent; replace its placeholders, then run `newsletter "
                         "build {month}` without --draft").format(lang=edition.lang,
                                                                  month=issue.slug))
    absent = built.missing()
    if absent:
        raise NotReady(_("the {lang} edition of {month} is not built ({folder}/ lacks {files}): "
                         "run `newsletter build {month}` first").format(
            lang=edition.lang, month=issue.slug, folder=built.folder, files=", ".join(absent)))
    if fresh and built.digest() != edition_digest(config, issue, edition.lang):
        raise NotReady(_("the built {lang} edition of {month} is older than its source: run "
                         "`newsletter build {month}` again").format(lang=edition.lang,
                                                                    month=issue.slug))
    html, text = built.email()
    return EditionMessage(html=html, text=text, subject=subject_prefix + subject(edition),
                          language=edition.lang, sender=sender(config),
                          generic_unsubscribe_url=Urls(config.base_url).unsubscribe_page(),
                          dkim=signer_from(config))


def dispatcher_for(config: Config, store: Store, message: EditionMessage,
                transports: Callable[[], Transport], settings: Settings,
                progress: Callable[[str], None] | None) -> Dispatcher:
    urls = Urls.of(config)
    return Dispatcher(store, message, transports, sender_address=config.sender_address,
                      domain=config.sender_domain, unsubscribe_url=urls.unsubscribe,
                      verp=Verp.of(config, store.secret), settings=settings, progress=progress)


def send(config: Config, store: Store, month: str, out: Path, transports: Callable[[], Transport],
         *, langs: tuple[str, ...] | None = None, resume: bool = False, fallback: bool = False,
         settings: Settings = DEFAULTS, progress: Callable[[str], None] | None = None,
         on_start: Callable[[ledger.Delivery, int], None] | None = None,
         dispatcher_ready: Callable[[Dispatcher], None] | None = None) -> list[Result]:
    """Deliver (or, with ``resume``, finish delivering) the issue's editions.

    The source must be finished (no placeholder of `newsletter new`) and, when
    the office requires it, approved as it is; a delivery already under way is
    finished with the build it started with."""
    issue = load_issue(config, month, draft=resume)
    if resume:
        work = _resumable(config, store, issue, langs, out)
    else:
        work = []
        editions = plan(config, store, issue, langs, fallback)
        for planned in editions:  # all approved, or none is started
            check_approved(config, store, issue, planned.edition.lang)
        for planned in editions:
            message = prepare(config, issue, planned.edition, out)
            delivery = ledger.create(store, issue.slug, planned.edition.lang,
                                     subject(planned.edition), audience=planned.audience)
            queued = ledger.enqueue(store, delivery.id, planned.audience)
            work.append((delivery, message, queued))
    results = []
    for delivery, message, queued in work:
        if on_start:
            on_start(delivery, queued)
        dispatcher = dispatcher_for(config, store, message, transports, settings, progress)
        if dispatcher_ready:
            dispatcher_ready(dispatcher)
        summary = dispatcher.run(delivery.id, retry_deferred=resume)
        results.append(Result(ledger.get(store, delivery.id), summary,
                              ledger.counts(store, delivery.id)))
        if summary.paused or summary.interrupted or summary.fenced:
            break
    return results


def _resumable(config, store, issue, langs, out):
    found = [d for d in ledger.listing(store, issue.slug) if not langs or d.language in langs]
    if not found:
        raise NewsletterError(_("nothing to resume: {month} has no delivery yet (start one "
                                "with `newsletter send {month}`)").format(month=issue.slug))
    work = []
    for delivery in found:
        if delivery.state not in RESUMABLE:
            continue
        message = prepare(config, issue, issue.editions[delivery.language], out, fresh=False)
        work.append((delivery, message, ledger.counts(store, delivery.id)["queued"]))
    return work


def send_test(config: Config, month: str, lang: str, address: str, out: Path,
              transport: Transport) -> str:
    """One copy marked [TEST] to ``address``; the ledger is not touched."""
    issue = load_issue(config, month)
    edition = issue.editions.get(lang)
    if edition is None:
        raise NotReady(_("{month} has no {lang} edition").format(month=month, lang=lang))
    message = prepare(config, issue, edition, out, subject_prefix="[TEST] ")
    copy = message.personalize(Personal(address, None, Urls(config.base_url).unsubscribe_page(),
                                        message_id(0, 0, config.sender_domain)))
    return send_now(transport, copy, config.sender_address, [address])
