"""The command hall's dark theme: one palette every panel shares.

Colours mean something and only one thing each, so a dispatcher can read the
screen from across the room: red is an alarm or an overdue case, amber a
warning or a case about to be due, green a healthy state, the accent marks
what is selected or interactive; everything else stays grey-blue.

Panels import the constants (``from console import theme``;
``theme.ALARM``) for painting, and mark widgets with the ``level`` property
(:func:`set_level`) to get the shared QSS colours (``resources/themes/dark.qss``).
"""
from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from console.resources import resource_path

# --- the palette -------------------------------------------------------------
BG = "#0e1319"            # window background: near-black blue-grey
PANEL = "#151c24"         # dock and panel surfaces
PANEL_ALT = "#1a232d"     # alternate table rows, raised surfaces
HEADER = "#1d2732"        # dock titles, table headers
BORDER = "#2b3744"
TEXT = "#e8eef4"          # high contrast on BG/PANEL
MUTED = "#8a99a8"         # secondary text, idle states
DISABLED = "#56636f"
ACCENT = "#3d9be9"        # selection, focus, primary buttons (restrained blue)
ACCENT_DIM = "#1e4a70"    # selection background
OK = "#3fb950"            # healthy / online / normal
WARN = "#f2a33a"          # warning / due soon (amber)
ALARM = "#f0483e"         # alarm / overdue / unauthorized (red)
OFFLINE = "#6b7785"       # offline sensor or camera: grey, not red

WARN_BG = "#3a2a10"       # amber banner background
ALARM_BG = "#43161a"      # red banner background

# what the domain's states look like
SENSOR_STATE_COLORS = {"normal": OK, "warn": WARN, "alarm": ALARM, "offline": OFFLINE}
SLA_COLORS = {"ok": OK, "amber": WARN, "red": ALARM}          # console.domain.sla.sla_level
CAMERA_STATUS_COLORS = {"online": OK, "offline": OFFLINE}
PRIORITY_COLORS = {1: ALARM, 2: WARN, 3: TEXT, 4: MUTED}
LEVEL_COLORS = {"ok": OK, "warn": WARN, "alarm": ALARM, "muted": MUTED, "accent": ACCENT,
                "offline": OFFLINE}

# --- type ----------------------------------------------------------------------
# Noto Sans CJK SC first: with Qt's generic fallback, Han characters take
# Japanese letterforms under the C locale (MACHINE.md §6).
FONT_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                 "Microsoft YaHei", "PingFang SC", "Noto Sans", "DejaVu Sans"]
MONO_FAMILIES = ["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"]
FONT_PT = 10
WALL_FONT_PT = 16          # the video wall is read from across the hall


def app_font(wall: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(WALL_FONT_PT if wall else FONT_PT)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def mono_font(point_size: int | None = None) -> QFont:
    font = QFont()
    font.setFamilies(MONO_FAMILIES)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(point_size or FONT_PT)
    return font


def color(name_or_hex: str) -> QColor:
    """``color("ALARM")`` or ``color("#f0483e")``."""
    return QColor(globals().get(name_or_hex, name_or_hex))


# --- applying it -------------------------------------------------------------
def palette() -> QPalette:
    """The Fusion palette, so widgets the QSS does not reach still match."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG, QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL, QPalette.ColorRole.AlternateBase: PANEL_ALT,
        QPalette.ColorRole.Text: TEXT, QPalette.ColorRole.Button: HEADER,
        QPalette.ColorRole.ButtonText: TEXT, QPalette.ColorRole.Highlight: ACCENT_DIM,
        QPalette.ColorRole.HighlightedText: TEXT, QPalette.ColorRole.ToolTipBase: HEADER,
        QPalette.ColorRole.ToolTipText: TEXT, QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Link: ACCENT, QPalette.ColorRole.BrightText: ALARM,
        QPalette.ColorRole.Mid: BORDER, QPalette.ColorRole.Dark: BG, QPalette.ColorRole.Light: HEADER,
    }
    for role, hex_ in roles.items():
        p.setColor(role, QColor(hex_))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED))
    return p


def stylesheet(wall: bool = False) -> str:
    """``dark.qss`` with its ``@NAME@`` placeholders filled from this module."""
    text = resource_path("themes", "dark.qss").read_text(encoding="utf-8")
    values = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, (str, int))}
    values["BASE_PT"] = WALL_FONT_PT if wall else FONT_PT
    values["TITLE_PT"] = (WALL_FONT_PT if wall else FONT_PT) + 1
    values["BANNER_PT"] = (WALL_FONT_PT if wall else FONT_PT) + 2
    values["COUNT_PT"] = (WALL_FONT_PT if wall else FONT_PT) * 2
    values["THEME_DIR"] = resource_path("themes").as_posix()   # for url(): the theme's images
    return re.sub(r"@([A-Z_]+)@", lambda m: str(values[m.group(1)]), text)


def apply(app: QApplication, wall: bool = False) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(palette())
    app.setFont(app_font(wall))
    app.setStyleSheet(stylesheet(wall))


def set_level(widget: QWidget, level: str | None) -> None:
    """Colour a widget by meaning (``ok``, ``warn``, ``alarm``, ``muted``,
    ``accent``, ``offline``) through the QSS; ``None`` clears it."""
    if widget.property("level") == level:
        return
    widget.setProperty("level", level)
    repolish(widget)


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
