"""A case's evidence as thumbnails. Snapshot URLs may be files, http(s)
(fetched without blocking) or references the console cannot open (a
platform's ``demo:`` or internal ids): those get a placeholder that still
says which camera took it and when."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QRectF, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from console import theme
from console.protocol import Evidence
from widgets import case_format as fmt

THUMB = QSize(168, 96)
MAX_BYTES = 8 * 1024 * 1024
LOADED = Qt.ItemDataRole.UserRole + 1     # the thumbnail is the real image


def placeholder(camera: str, when: str, kind: str = "snapshot") -> QPixmap:
    """A thumbnail that says what it stands for."""
    pm = QPixmap(THUMB)
    pm.fill(QColor(theme.PANEL_ALT))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(theme.BORDER), 1))
    p.drawRect(QRectF(0.5, 0.5, THUMB.width() - 1, THUMB.height() - 1))
    font = QFont()
    font.setPointSize(9)
    p.setFont(font)
    p.setPen(QColor(theme.MUTED))
    p.drawText(QRectF(8, 8, THUMB.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, kind)
    p.setPen(QColor(theme.TEXT))
    p.drawText(QRectF(8, 30, THUMB.width() - 16, 40),
               Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, camera)
    p.setPen(QColor(theme.MUTED))
    p.drawText(QRectF(8, THUMB.height() - 24, THUMB.width() - 16, 18), Qt.AlignmentFlag.AlignLeft, when)
    p.end()
    return pm


def local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if not parts.scheme and url.startswith("/"):
        return Path(url)
    return None


class EvidenceStrip(QListWidget):
    """Thumbnails in a row; a double click opens the camera (the bus does)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("EvidenceStrip")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(THUMB)
        self.setFixedHeight(THUMB.height() + 44)
        self.setMovement(QListView.Movement.Static)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._net = QNetworkAccessManager(self)
        self._net.finished.connect(self._on_reply)
        self._replies: dict[QNetworkReply, QListWidgetItem] = {}

    def show_evidence(self, evidence: tuple[Evidence, ...], camera_name: str) -> None:
        for reply in list(self._replies):
            reply.abort()
        self._replies.clear()
        self.clear()
        for ev in evidence:
            when = fmt.hall_time(ev.ts, with_date=False)
            item = QListWidgetItem(f"{camera_name or '—'} {when}")
            item.setToolTip(ev.url)
            item.setData(Qt.ItemDataRole.UserRole, ev.url)
            item.setIcon(QIcon(self._thumb(ev, item, camera_name, when)))
            self.addItem(item)

    def _thumb(self, ev: Evidence, item: QListWidgetItem, camera: str, when: str) -> QPixmap:
        path = local_path(ev.url)
        if path is not None and path.is_file() and path.stat().st_size <= MAX_BYTES:
            pm = QPixmap(str(path))
            if not pm.isNull():
                item.setData(LOADED, True)
                return pm.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        if urlsplit(ev.url).scheme in ("http", "https"):
            reply = self._net.get(QNetworkRequest(QUrl(ev.url)))
            self._replies[reply] = item
        return placeholder(camera or "—", when, ev.kind)

    def _on_reply(self, reply: QNetworkReply) -> None:
        item = self._replies.pop(reply, None)
        try:
            if item is None or reply.error() != QNetworkReply.NetworkError.NoError:
                return
            pm = QPixmap()
            if pm.loadFromData(reply.read(MAX_BYTES)):
                item.setData(LOADED, True)
                item.setIcon(QIcon(pm.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)))
        finally:
            reply.deleteLater()

    def loaded_count(self) -> int:
        """Thumbnails that are real images (tests and the detail panel's hint)."""
        return sum(1 for i in range(self.count()) if self.item(i).data(LOADED))
