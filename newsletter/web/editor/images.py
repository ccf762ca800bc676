"""An image uploaded with an item: checked to be a picture, turned upright,
reduced to twice the email's width (sharp on high-density screens) and
saved again by Pillow (which drops what was hidden in the original file:
location data, a script disguised as a picture) beside the issue's sources."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image as Picture
from PIL import ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from newsletter.content import issue_folder
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.render.images import max_width
from newsletter.web.services import services

KINDS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".png"}
MAX_PIXELS = 40_000_000  # a photo from a good camera; more is a mistake (or an attack)


class NotAnImage(NewsletterError):
    """The uploaded file is not a picture the email can show."""


def save_upload(month: str, item_id: str, upload: FileStorage) -> str:
    """The file name (in the issue's folder) of the uploaded picture, reduced."""
    config = services().config
    folder = issue_folder(config, month)
    try:
        with Picture.open(upload.stream) as picture:
            kind = picture.format
            if kind not in KINDS:
                raise NotAnImage(_("{name} is not a JPEG, PNG, WebP or GIF picture").format(
                    name=upload.filename))
            if picture.width * picture.height > MAX_PIXELS:
                raise NotAnImage(_("{name} is too large ({width}×{height} pixels): use a "
                                   "smaller picture").format(name=upload.filename,
                                                             width=picture.width,
                                                             height=picture.height))
            frame = ImageOps.exif_transpose(picture.copy())
    except (UnidentifiedImageError, OSError, Picture.DecompressionBombError):
        raise NotAnImage(_("{name} is not a picture (or it is damaged): choose a JPEG or PNG "
                           "file").format(name=upload.filename)) from None
    limit = max_width(config.templates_dir)
    if frame.width > limit:
        frame = frame.resize((limit, max(1, round(frame.height * limit / frame.width))),
                             Picture.Resampling.LANCZOS)
    kind = "PNG" if kind == "GIF" else kind
    if kind == "JPEG" and frame.mode != "RGB":
        frame = frame.convert("RGB")
    elif frame.mode not in ("RGB", "RGBA", "L", "LA"):
        frame = frame.convert("RGBA")
    target = _free_name(folder, item_id, KINDS[kind])
    _write(frame, kind, target)
    return target.name


def _free_name(folder: Path, item_id: str, suffix: str) -> Path:
    target, number = folder / f"{item_id}{suffix}", 2
    while target.exists():
        target, number = folder / f"{item_id}-{number}{suffix}", number + 1
    return target


def _write(frame: Picture.Image, kind: str, target: Path) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=target.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            frame.save(out, format=kind, optimize=True, **({"quality": 85} if kind != "PNG" else {}))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
