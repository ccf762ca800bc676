"""What the pages read about an issue, kept while its files do not change:
what `check` finds, and each source's data for showing (never for saving:
a save opens the file afresh). The key is the issue folder's files, their
sizes and times, and the day (`check` compares dates with today)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path

from newsletter.content import check_issue
from newsletter.content.editing import SourceFile, open_source
from newsletter.content.reader import Checked
from newsletter.web.services import services

_KEPT = 64
_kept: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def signature(folder: Path) -> tuple:
    """The files of an issue folder as they are now (names, sizes, times)."""
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                            for p in folder.iterdir() if p.is_file()))
    except FileNotFoundError:
        return ()


def checked(month: str, *, strict: bool = True) -> Checked:
    """``check_issue`` of the month, as the files are now."""
    return _remembered(("check", month, strict),
                       lambda: check_issue(services().config, month, strict=strict), month)


def source(month: str, lang: str) -> SourceFile:
    """An edition's source for reading only (its data must not be changed)."""
    return _remembered(("source", month, lang),
                       lambda: open_source(services().config, month, lang), month)


def _remembered(what: tuple, make, month: str):
    config = services().config
    key = (*what, str(config.root), signature(config.issues_dir / month), date.today())
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    value = make()
    with _lock:
        _kept[key] = value
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
    return value


def keep_saved(month: str, saved: SourceFile) -> None:
    """A source just saved is the one the next page reads: no need to parse it again."""
    config = services().config
    key = ("source", month, saved.lang, str(config.root), signature(config.issues_dir / month),
           date.today())
    with _lock:
        _kept[key] = saved
