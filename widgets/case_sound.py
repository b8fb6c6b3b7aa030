"""The P1 chime: a new top-priority case is heard, not only seen.

QSoundEffect plays ``resources/sounds/p1.wav`` when the machine has an audio
output; otherwise (a headless test, a wall PC without speakers) it falls back
to ``QApplication.beep()``, which never fails. QtMultimedia is imported only
when a real display is present: offscreen it would only log audio-backend
noise.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from console.resources import resource_path

log = logging.getLogger("console.queue")
MIN_GAP_S = 2.0      # a burst of P1 cases chimes once, not once per case


class Chime(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.played = 0
        self.backend: str | None = None
        self._effect = None
        self._last = -MIN_GAP_S

    def play(self) -> bool:
        """Chime unless it just did; True when it sounded."""
        now = time.monotonic()
        if now - self._last < MIN_GAP_S:
            return False
        self._last = now
        self.played += 1
        try:
            if self._ensure() == "effect":
                self._effect.play()
            else:
                QApplication.beep()
        except Exception:       # a sound must never take the queue down
            log.exception("could not play the P1 chime")
        return True

    def _ensure(self) -> str:
        if self.backend is None:
            self.backend = self._make_effect()
        return self.backend

    def _make_effect(self) -> str:
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            return "beep"
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError:
            return "beep"
        if not QMediaDevices.audioOutputs():
            return "beep"
        self._effect = QSoundEffect(self)
        self._effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds", "p1.wav"))))
        self._effect.setVolume(0.8)
        return "effect"
