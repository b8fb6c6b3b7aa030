"""Connection health, always in sight: the status-bar indicator and the
banner across the top of the window that says when the data may be stale.

:func:`health` turns the client's status into words and a level; the main
window refreshes both widgets from it once a second and on every status
change, so a countdown ("reconnecting in 3 s") keeps moving.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta, timezone

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from console import theme
from console.client import ConnectionStatus
from console.i18n import pick
from console.store import LiveStore

HALL_TZ = timezone(timedelta(hours=8), "UTC+8")   # Wuhai keeps Beijing time
ROLE_NAMES = {"dispatcher": ("调度员", "Dispatcher"), "supervisor": ("值班长", "Supervisor"),
              "viewer": ("查看员", "Viewer"), "wall": ("大屏", "Video wall"),
              "feeder": ("接入系统", "Feeder")}


translate = QCoreApplication.translate  # lupdate extracts translate("Context", "…")


@dataclass(frozen=True)
class Health:
    state: str              # connected, connecting, reconnecting, unauthorized, closed
    level: str              # ok, warn, alarm (theme levels)
    short: str              # the status bar's words
    banner: str | None      # None while the data is live

    @property
    def live(self) -> bool:
        return self.banner is None


def health(status: ConnectionStatus, now: float | None = None) -> Health:
    """What to tell the dispatcher about the connection right now."""
    now = time.monotonic() if now is None else now
    st = status.state
    stale = translate("Connection", "The data shown may be out of date")
    if st == "connected":
        return Health(st, "ok", translate("Connection", "Connected"), None)
    if st == "connecting":
        return Health(st, "warn", translate("Connection", "Connecting…"),
                      translate("Connection", "Connecting to the command center… no live data yet"))
    if st == "reconnecting":
        if status.retry_at is not None and status.retry_at > now:
            secs = str(math.ceil(status.retry_at - now))
            short = translate("Connection", "Reconnecting in %1 s").replace("%1", secs)
            lost = translate("Connection", "Connection to the command center lost — "
                                           "reconnecting in %1 s…").replace("%1", secs)
        else:
            short = translate("Connection", "Reconnecting…")
            lost = translate("Connection", "Connection to the command center lost — reconnecting now…")
        return Health(st, "warn", short, f"{lost} {stale}")
    if st == "unauthorized":
        reason = status.message or translate("Connection", "login refused")
        refused = translate("Connection", "The hub refused the login (%1) — log in again.")
        return Health(st, "alarm", translate("Connection", "Not authorized"),
                      f"{refused.replace('%1', reason)} {stale}")
    offline = translate("Connection", "Not connected to the command center — log in to receive live data.")
    return Health("closed", "alarm", translate("Connection", "Offline"), f"{offline} {stale}")


def age_text(age: float | None) -> str:
    if age is None:
        return translate("Connection", "No data yet")
    if age < 60:
        return translate("Connection", "Data %1 s ago").replace("%1", str(int(age)))
    if age < 3600:
        return translate("Connection", "Data %1 min ago").replace("%1", str(int(age // 60)))
    return translate("Connection", "Data %1 h ago").replace("%1", str(int(age // 3600)))


def role_name(role: str | None) -> str:
    return pick(ROLE_NAMES.get(role, (role, role))) if role else ""


class ConnectionBanner(QFrame):
    """A bar across the top of the window, shown only while data may be stale."""
    login_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ConnectionBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel(wordWrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.login_button = QPushButton(self.tr("Log in…"))
        self.login_button.clicked.connect(self.login_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.login_button)
        self.hide()

    def show_health(self, h: Health) -> None:
        if h.live:
            self.hide()
            return
        self.label.setText("⚠  " + h.banner)
        theme.set_level(self, h.level)
        theme.set_level(self.label, h.level)   # (a parent's property does not re-polish children)
        self.login_button.setVisible(h.state in ("unauthorized", "closed"))
        self.show()


class ConnectionStatusWidget(QWidget):
    """State · data age · hub clock (UTC+8) · user and role, in the status bar."""

    def __init__(self, store: LiveStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.state_label = QLabel(objectName="ConnectionState")
        self.age_label = QLabel(objectName="DataAge")
        self.clock_label = QLabel(objectName="HubClock")
        self.user_label = QLabel(objectName="UserRole")
        self.clock_label.setFont(theme.mono_font(self.font().pointSize()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for i, w in enumerate((self.state_label, self.age_label, self.clock_label, self.user_label)):
            if i:
                layout.addWidget(QLabel("│", objectName="StatusSeparator"))
            layout.addWidget(w)

    def refresh(self, h: Health) -> None:
        self.state_label.setText("● " + h.short)
        theme.set_level(self.state_label, h.level)
        self.age_label.setText(age_text(self.store.data_age_s()))
        theme.set_level(self.age_label, "muted" if h.live else "warn")
        self.clock_label.setText(self._clock_text())
        self.user_label.setText(self._user_text())

    def _clock_text(self) -> str:
        now = self.store.hub_now().astimezone(HALL_TZ)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        text = translate("Connection", "Hub time %1").replace("%1", stamp) + " (UTC+8)"
        rate = self.store.clock_rate
        return text + (f"  ×{rate:g}" if rate != 1.0 else "")

    def _user_text(self) -> str:
        user = self.store.user or self.store.status.user
        if not user:
            return translate("Connection", "Not logged in")
        role = role_name(self.store.role or self.store.status.role)
        return f"{user} · {role}" if role else user
