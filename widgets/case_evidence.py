"""A case's evidence as thumbnails. Snapshot URLs may be inline pictures
(``data:``, from ``case.attach``: decoded here, cached by case and index),
files, http(s) (fetched without blocking) or references the console cannot
open (a platform's ``demo:`` or internal ids, ``rtsp://`` clips): those get a
placeholder that still says which camera took it and when."""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QRectF, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from console import theme
from console.evidence import is_data_url, short_url
from console.protocol import Evidence
from widgets import case_format as fmt
from widgets.evidence_image import pixmap_from_data_url

THUMB = QSize(168, 96)
MAX_BYTES = 8 * 1024 * 1024
LOADED = Qt.ItemDataRole.UserRole + 1     # the thumbnail is the real image
INLINE_CACHE = 256                         # decoded inline thumbnails kept


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
        # (case id, index) -> thumbnail: evidence is only ever appended, and
        # the detail panel re-shows the case on every change of it
        self._inline: OrderedDict[tuple[str, int], QPixmap | None] = OrderedDict()

    def show_evidence(self, evidence: tuple[Evidence, ...], camera_name: str, case_id: str = "") -> None:
        for reply in list(self._replies):
            reply.abort()
        self._replies.clear()
        self.clear()
        for index, ev in enumerate(evidence):
            when = fmt.hall_time(ev.ts, with_date=False)
            item = QListWidgetItem(f"{camera_name or '—'} {when}")
            item.setToolTip(short_url(ev.url, 300))
            item.setData(Qt.ItemDataRole.UserRole, ev.url)
            if is_data_url(ev.url):
                thumb = self._inline_thumb(ev, item, (case_id, index), camera_name, when)
            else:
                thumb = self._thumb(ev, item, camera_name, when)
            item.setIcon(QIcon(thumb))
            self.addItem(item)

    def _inline_thumb(self, ev: Evidence, item: QListWidgetItem, key: tuple[str, int],
                      camera: str, when: str) -> QPixmap:
        if key[0] and key in self._inline:
            self._inline.move_to_end(key)
            thumb = self._inline[key]
        else:
            pm = pixmap_from_data_url(ev.url)
            thumb = None if pm is None else pm.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation)
            if key[0]:
                self._inline[key] = thumb
                while len(self._inline) > INLINE_CACHE:
                    self._inline.popitem(last=False)
        if thumb is None:
            return placeholder(camera or "—", when, ev.kind)
        item.setData(LOADED, True)
        return thumb

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
