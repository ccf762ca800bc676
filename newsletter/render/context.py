"""What the templates see: an edition with its dates formatted, its bodies
turned into sanitized HTML, its interface words and its absolute URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

from newsletter.content import markdown
from newsletter.content.dates import format_month, format_period, format_when, issue_month_title
from newsletter.content.model import Edition, Item
from newsletter.core.config import Config, Office
from newsletter.core.urls import Urls
from newsletter.render.labels import LABELS

# Where images are referenced from: emails need absolute URLs, the web page
# sits two folders below the images, the PDF reads the source file.
ImageBase = Literal["absolute", "web", "file"]


@dataclass(frozen=True)
class ItemView:
    id: str
    title: str | None
    date: str | None
    body: Markup
    lang: str | None  # set only when it differs from the edition's language
    image_src: str | None
    image_alt: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class EditionView:
    lang: str
    title: str
    month_title: str
    curated_by: str
    preheader: str
    top_news_heading: str
    top_news: tuple[ItemView, ...]
    consulates: tuple[ItemView, ...]
    insights: Markup | None
    insights_lang: str | None
    delegations_heading: str | None
    delegations: tuple[tuple[str, str | None], ...]
    labels: dict[str, str]
    office_name: tuple[str, ...]
    office: Office
    web_url: str
    pdf_url: str
    unsubscribe_url: str
    subscribe_url: str
    editions: tuple[tuple[str, str], ...]  # (lang, label) of the other editions built
    archive: bool = False  # the page is part of the archive site: link back to it

    @property
    def document_title(self) -> str:
        return f"{self.title} – {self.month_title}"


def edition_view(edition: Edition, config: Config, images: ImageBase,
                 other_langs: tuple[str, ...] = (), archive: bool = False) -> EditionView:
    labels = LABELS[edition.lang]
    urls = Urls(config.base_url)
    month = format_month(edition.month, edition.lang, with_year=True)
    dels = edition.delegations
    return EditionView(
        lang=edition.lang,
        title=edition.title,
        month_title=issue_month_title(edition.month, edition.lang),
        curated_by=edition.curated_by,
        preheader=edition.preheader or _default_preheader(edition),
        top_news_heading=labels["top_news"].format(month=month),
        top_news=tuple(_item(i, edition, config, images) for i in edition.top_news),
        consulates=tuple(_item(i, edition, config, images) for i in edition.consulates),
        insights=Markup(_body(edition.insights, INSIGHTS, edition, config, images))
        if edition.insights else None,
        insights_lang=config.primary_language if "insights" in edition.missing else None,
        delegations_heading=labels["delegations"].format(
            period=format_period(dels.start, dels.end, edition.lang, edition.month)
        ) if dels else None,
        delegations=tuple(
            (d.name, d.lang if d.lang != edition.lang else None) for d in dels.received
        ) if dels else (),
        labels=labels,
        office_name=config.office.name_lines(edition.lang),
        office=config.office,
        web_url=urls.edition(edition.slug, edition.lang),
        pdf_url=urls.pdf(edition.slug, edition.lang),
        unsubscribe_url=urls.unsubscribe_page(),
        subscribe_url=urls.subscribe(),
        editions=tuple((lang, LABELS[lang]["language"]) for lang in other_langs),
        archive=archive,
    )


def subject(edition: Edition) -> str:
    """The email's subject, and the edition's title in the archive."""
    return f"{edition.title} – {issue_month_title(edition.month, edition.lang)}"


def _default_preheader(edition: Edition) -> str:
    return " · ".join(item.title or "" for item in edition.top_news[:3])


def _item(item: Item, edition: Edition, config: Config, images: ImageBase) -> ItemView:
    return ItemView(
        id=item.id,
        title=item.title,
        date=format_when(item.when, edition.lang, edition.month) if item.when else None,
        body=Markup(_body(item.body, item.id, edition, config, images)),
        lang=item.lang if item.lang != edition.lang else None,
        image_src=_image_src(item, edition, config, images),
        image_alt=item.image.alt if item.image else None,
        tags=item.tags.all(),
    )


INSIGHTS = "approfondimenti"  # Approfondimenti's links, counted as an item's


def _body(source: str, item_id: str, edition: Edition, config: Config, images: ImageBase) -> str:
    """A body's HTML; in the email ("absolute"), with ``[metrics] clicks``, its
    web links go through the counting redirect (``Urls.click``)."""
    html = markdown.to_html(source)
    if images != "absolute" or not config.metrics.clicks:
        return html
    urls = Urls(config.base_url)
    return markdown.counted_links(
        html, lambda link: urls.click(edition.slug, edition.lang, item_id, link))


def _image_src(item: Item, edition: Edition, config: Config, images: ImageBase) -> str | None:
    if item.image is None:
        return None
    name = item.image.file.name
    if images == "absolute":
        return Urls(config.base_url).image(edition.slug, name)
    if images == "web":
        return f"../images/{name}"
    return item.image.file.as_uri()
