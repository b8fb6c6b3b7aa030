"""The UI language: Chinese (zh_CN) by default, English switchable.

Qt strings in widgets and panels go through ``self.tr()`` / ``QCoreApplication.translate``
and are translated by Qt's ``.qm`` files in ``resources/i18n/`` (one ``.ts`` per
component, compiled by ``python -m console.i18n_tool``). The source strings are
English; the zh_CN files carry the Chinese. Domain names (categories, statuses,
units, grid levels) come in pairs from the domain tables; :func:`pick` chooses.
"""
from __future__ import annotations

from typing import Sequence

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_current = DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    return _current


def is_chinese() -> bool:
    return _current == "zh_CN"


def pick(pair: Sequence[str]) -> str:
    """``("中文", "English")`` -> the one for the current language."""
    return pair[0] if is_chinese() else pair[1]
