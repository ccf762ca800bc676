"""The issue's images as readers download them: an image heavier than
``MAX_BYTES`` or wider than twice the email's width (sharp on high-density
screens, and no more) is reduced at build time; the email, the web page and
the PDF use the reduced copy and the build publishes it, never the original.
``check`` warns about such images, with the limits."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image as Picture
from PIL import ImageOps, ImageSequence, UnidentifiedImageError

from newsletter.content.model import Edition, Image, Issue, Item
from newsletter.core.errors import Problem

MAX_BYTES = 2 * 1024 * 1024
EMAIL_WIDTH = 640  # when the template does not say (templates/email/issue.mjml.j2, <mj-body width>)
_BODY_WIDTH = re.compile(r"<mj-body\b[^>]*\bwidth=\"(\d+)px\"")
_QUALITY = 85


@dataclass(frozen=True)
class Measured:
    """An image of the issue, its weight and its width as shown (EXIF rotation applied)."""

    path: Path
    field: str  # where the issue uses it: top_news[id].image
    size: int
    width: int | None  # None: not readable as an image


@cache
def email_width(templates_dir: Path) -> int:
    """The email's width in pixels, as its template sets it."""
    template = templates_dir / "email" / "issue.mjml.j2"
    found = _BODY_WIDTH.search(template.read_text(encoding="utf-8")) if template.is_file() else None
    return int(found.group(1)) if found else EMAIL_WIDTH


def max_width(templates_dir: Path) -> int:
    return 2 * email_width(templates_dir)


def measure(issue: Issue) -> list[Measured]:
    """Every image of the issue, once."""
    found: dict[Path, Measured] = {}
    for edition in issue.editions.values():
        for item in edition.top_news:
            if item.image and item.image.file not in found:
                path = item.image.file
                found[path] = Measured(path, f"top_news[{item.id}].image", path.stat().st_size,
                                       _width(path))
    return list(found.values())


def warnings(issue: Issue, templates_dir: Path,
             display: Callable[[Path], str] = str) -> list[Problem]:
    """What is wrong with the issue's images: unreadable, too heavy or too wide."""
    limit = max_width(templates_dir)
    found = []
    for image in measure(issue):
        where, file, width = display(image.path), image.path.name, image.width
        if width is None:
            found.append(Problem(where, None, image.field,
                                 f"the file {file} cannot be read as an image: save it again "
                                 "as JPEG or PNG"))
            continue
        if width > limit:
            found.append(Problem(where, None, image.field, (
                f"the image is {width} px wide, more than {limit} px (twice the email's width): "
                f"the build reduces it to {limit} px, and the email and the web page use the "
                "reduced copy")))
        if image.size > MAX_BYTES:
            size, most = f"{image.size / 2**20:.1f}", f"{MAX_BYTES / 2**20:.0f}"
            found.append(Problem(where, None, image.field, (
                f"the image weighs {size} MB, more than {most} MB: the build reduces it, and the "
                "email and the web page use the reduced copy")))
    return found


def prepare(issue: Issue, folder: Path, templates_dir: Path) -> dict[Path, Path]:
    """Put every image of the issue in ``folder``, reduced where it is too
    heavy or too wide; returns where each source image's copy is."""
    limit = max_width(templates_dir)
    copies = {}
    for image in measure(issue):
        target = folder / image.path.name
        if image.width is not None and (image.width > limit or image.size > MAX_BYTES):
            _reduce(image.path, target, limit)
        else:
            shutil.copy2(image.path, target)
        copies[image.path] = target
    return copies


def with_copies(edition: Edition, copies: dict[Path, Path]) -> Edition:
    """The edition with its images read from their prepared copies."""
    def moved(item: Item) -> Item:
        if item.image is None or item.image.file not in copies:
            return item
        return dataclasses.replace(item, image=Image(copies[item.image.file], item.image.alt))
    return dataclasses.replace(edition, top_news=tuple(moved(i) for i in edition.top_news))


def _width(path: Path) -> int | None:
    try:
        with Picture.open(path) as picture:
            width, height = picture.size
            turned = picture.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF orientation: 90°
            return height if turned else width
    except (UnidentifiedImageError, OSError):
        return None


def _reduce(source: Path, target: Path, limit: int) -> None:
    """Write ``source`` at most ``limit`` px wide and ``MAX_BYTES`` heavy (else as
    small as a few tries make it): each try narrows it by a fifth."""
    with Picture.open(source) as picture:
        kind = picture.format
        frames = [ImageOps.exif_transpose(frame.copy()) for frame in ImageSequence.Iterator(picture)]
        info = dict(picture.info)
    width = min(limit, frames[0].width)
    for _ in range(8):
        _save([_scaled(frame, width, kind) for frame in frames], target, kind, info)
        if target.stat().st_size <= MAX_BYTES:
            return
        width = int(width * 0.8)


def _scaled(frame: Picture.Image, width: int, kind: str | None) -> Picture.Image:
    if frame.mode not in ("RGB", "RGBA", "L", "LA"):
        frame = frame.convert("RGBA")
    if kind == "JPEG" and frame.mode != "RGB":
        frame = frame.convert("RGB")
    height = max(1, round(frame.height * width / frame.width))
    return frame.resize((width, height), Picture.Resampling.LANCZOS)


def _save(frames: list[Picture.Image], target: Path, kind: str | None, info: dict) -> None:
    options = {"optimize": True}
    if kind in ("JPEG", "WEBP"):
        options["quality"] = _QUALITY
    if len(frames) > 1:  # an animation keeps its frames and timing
        options.update(save_all=True, append_images=frames[1:], loop=info.get("loop", 0),
                       duration=info.get("duration", 100))
    frames[0].save(target, format=kind, **options)
