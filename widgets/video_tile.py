"""One video tile: a header (camera name, last-frame age, status badge), an
optional red alarm banner, and the picture.

The header and banner sit *above* the picture, not over it: under X11 libVLC
draws into its own native child window, which would cover any Qt widget laid
over it. The picture surface is a native window (``set_xwindow`` /
``set_hwnd``) or, where there is none (offscreen), paints the frame that
libVLC's video callbacks decoded into memory.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QMimeData, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console import theme
from widgets import video_stream as vs

CAMERA_MIME = "application/x-citybrain-camera"
TILE_MIME = "application/x-citybrain-tile"

BADGE_LEVELS = {vs.LIVE: theme.OK, vs.CONNECTING: theme.ACCENT, vs.STALLED: theme.WARN,
                vs.OFFLINE: theme.OFFLINE, vs.PAUSED: theme.MUTED, vs.IDLE: theme.MUTED,
                vs.UNAVAILABLE: theme.WARN}


def age_text(seconds: float | None) -> str:
    """How long ago the last frame arrived (the tile header)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return QCoreApplication.translate("VideoTile", "{0} s ago").format(int(seconds))
    if seconds < 3600:
        return QCoreApplication.translate("VideoTile", "{0} min ago").format(int(seconds // 60))
    return QCoreApplication.translate("VideoTile", "{0} h ago").format(int(seconds // 3600))


def camera_elide_mode(short: str | None) -> Qt.TextElideMode:
    """Where to cut a camera's (short) name that does not fit: a numbered
    camera ("乌达-海勃湾段 08") keeps its number, others keep their start
    ("人民路与新华…", "海北农贸…")."""
    if short and short[-1].isdigit():
        return Qt.TextElideMode.ElideMiddle
    return Qt.TextElideMode.ElideRight


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when its text does not fit (a
    camera name in a small tile); ``text()`` stays the whole text. A
    ``short`` form, if set, is shown before anything is cut, and
    ``elide_mode`` says where the cut goes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.short: str | None = None
        self.elide_mode = Qt.TextElideMode.ElideRight

    def set_text(self, text: str, short: str | None = None) -> None:
        self.short = short
        self.setText(text)
        self.update()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """What fits: the text, else the short form, else one of them cut."""
        text = self.text()
        if self.short:
            text += "\x9c" + self.short   # Qt's separator of length variants
        return self.fontMetrics().elidedText(text, self.elide_mode, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        area = self.contentsRect()
        text = self.shown_text()
        self.style().drawItemText(p, area, int(self.alignment()), self.palette(), self.isEnabled(),
                                  text, self.foregroundRole())
        p.end()


class VideoSurface(QWidget):
    """Where the picture goes. ``native`` surfaces hand their window to libVLC;
    callback surfaces paint the stream's frame buffer."""

    def __init__(self, native: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.native = native
        self.stream: vs.VideoStream | None = None
        self.message = ""
        self.setMinimumSize(64, 36)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if native:
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAutoFillBackground(False)

    def set_message(self, text: str) -> None:
        if text != self.message:
            self.message = text
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#05080b"))
        frames = self.stream.frames if self.stream is not None else None
        showing = self.stream is not None and self.stream.status in (vs.LIVE, vs.STALLED)
        if frames is not None and showing:
            self._paint_frame(p, frames)
        elif self.native and showing:
            self._paint_window(p)
        if self.message:
            self._paint_message(p)
        p.end()

    def _paint_frame(self, p: QPainter, frames: vs.FrameBuffer) -> None:
        target = _fit(self.rect(), frames.width, frames.height)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.width() < frames.width)
        with frames.lock:
            img = QImage(frames.data, frames.width, frames.height, frames.stride,
                         QImage.Format.Format_RGB32)
            p.drawImage(target, img)

    def _paint_window(self, p: QPainter) -> None:
        """libVLC draws into its own child of this native window, which X
        keeps above anything Qt paints here; so on screen this is hidden. It
        matters when the window is rendered elsewhere (``QWidget.grab()``:
        the console's ``--screenshot``): the picture is read back from the
        X server, or the tile would come out black."""
        screen = self.screen()
        if screen is not None and self.isVisible():
            shot = screen.grabWindow(int(self.winId()))
            if not shot.isNull():
                p.drawPixmap(0, 0, shot)

    def _paint_message(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(14.0, self.height() / 16)))
        p.setFont(font)
        p.setPen(QColor(theme.MUTED))
        p.drawText(self.rect().adjusted(8, 8, -8, -8),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)


def _fit(area: QRect, w: int, h: int) -> QRect:
    """The largest w:h rectangle centred in ``area`` (letterboxed)."""
    scale = min(area.width() / w, area.height() / h)
    tw, th = int(w * scale), int(h * scale)
    return QRect(area.x() + (area.width() - tw) // 2, area.y() + (area.height() - th) // 2, tw, th)


class VideoTile(QFrame):
    clicked = Signal(int)
    double_clicked = Signal(int)
    camera_dropped = Signal(int, str)       # tile index, camera id
    tile_dropped = Signal(int, int)         # target index, source index
    banner_clicked = Signal(str)            # case id
    context_requested = Signal(int, QPoint)

    def __init__(self, index: int, native: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.camera_id: str | None = None
        self.alarm_case: str | None = None
        self.selected = False
        self.is_alarm_tile = False
        self.stream: vs.VideoStream | None = None
        self._drag_from: QPoint | None = None
        self._shown: tuple[str, str, str, str] | None = None
        self.setObjectName("VideoTile")
        # every cell of a layout the same size, whatever its header holds
        # (the alarm tile's tag would otherwise widen its column in a narrow dock)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.name = ElidedLabel(self)
        self.age = QLabel(self)
        self.badge = QLabel(self)
        self.alarm_tag = QLabel(self.tr("Alarm tile"), self)
        self.banner = ElidedLabel(self)     # a long case title ends in "…"
        self.surface = VideoSurface(native, self)
        self._build()

    def _build(self) -> None:
        header = QWidget(self)
        header.setObjectName("VideoTileHeader")
        row = QHBoxLayout(header)
        row.setContentsMargins(6, 2, 4, 2)
        row.setSpacing(6)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.age.setStyleSheet(f"color: {theme.MUTED};")
        self.age.setToolTip(self.tr("When the last picture arrived"))
        self.alarm_tag.setVisible(False)
        self.alarm_tag.setToolTip(self.tr("Cameras of new alarms open in this tile"))
        self.alarm_tag.setStyleSheet(
            f"color: {theme.ALARM}; border: 1px solid {theme.ALARM}; border-radius: 3px;"
            " padding: 0 4px;")
        self.name.setStyleSheet("font-weight: bold;")
        row.addWidget(self.alarm_tag)
        row.addWidget(self.name, 1)
        row.addWidget(self.age)
        row.addWidget(self.badge)
        self.banner.setVisible(False)
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.banner.setCursor(Qt.CursorShape.PointingHandCursor)
        self.banner.setStyleSheet(
            f"background: {theme.ALARM}; color: white; font-weight: bold; padding: 3px 8px;")
        col = QVBoxLayout(self)
        col.setContentsMargins(2, 2, 2, 2)
        col.setSpacing(0)
        col.addWidget(header)
        col.addWidget(self.banner)
        col.addWidget(self.surface, 1)
        self._restyle()

    # --- what the panel sets ----------------------------------------------------
    def attach(self, stream: vs.VideoStream | None) -> None:
        self.stream = stream
        self.surface.stream = stream
        if stream is not None:
            if self.surface.native:
                stream.set_window(int(self.surface.winId()))
            stream.frame_ready.connect(self.surface.update)

    def set_camera(self, camera_id: str | None, name: str, tooltip: str = "",
                   short: str | None = None) -> None:
        """``short``: the name to show when the whole one does not fit."""
        self.camera_id = camera_id
        self.name.elide_mode = camera_elide_mode(short)
        self.name.set_text(name, short)
        self.name.setToolTip(tooltip)

    def set_alarm(self, case_id: str | None, title: str = "") -> None:
        self.alarm_case = case_id
        self.banner.setVisible(case_id is not None)
        self.banner.setText(f"⚠  {title}" if case_id else "")
        self.banner.setToolTip(f"{title}\n" + self.tr("Alarm: click to open the case") if case_id else "")
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self._restyle()

    def set_alarm_tile(self, flag: bool) -> None:
        if flag != self.is_alarm_tile:
            self.is_alarm_tile = flag
            self.alarm_tag.setVisible(flag)

    def show_status(self, status: str, badge: str, age: str, message: str) -> None:
        """Called for every visible tile once a second: touch only what
        changed. A style sheet costs a re-polish, and repainting a native
        surface paints over libVLC's picture until its next frame."""
        shown = (status, badge, age, message)
        if shown == self._shown:
            return
        old_status = self._shown[0] if self._shown else None
        self._shown = shown
        if status != old_status:
            color = BADGE_LEVELS.get(status, theme.MUTED)
            self.badge.setStyleSheet(
                f"color: {theme.BG if status == vs.LIVE else color}; background: "
                f"{color if status == vs.LIVE else 'transparent'}; border: 1px solid {color};"
                " border-radius: 3px; padding: 0 5px; font-weight: bold;")
        if badge != self.badge.text() or old_status is None:
            self.badge.setText(badge)
            self.badge.setVisible(bool(badge))
        if age != self.age.text():
            self.age.setText(age)
        self.surface.set_message(message)
        if status != old_status:
            self.surface.update()

    def _restyle(self) -> None:
        if self.alarm_case:
            border = theme.ALARM
        elif self.selected:
            border = theme.ACCENT
        else:
            border = theme.BORDER
        self.setStyleSheet(
            f"QFrame#VideoTile {{ background: {theme.PANEL}; border: 2px solid {border}; }}"
            f" QWidget#VideoTileHeader {{ background: {theme.HEADER}; }}")

    # --- mouse, drag and drop ------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            if self.banner.isVisible() and self.banner.geometry().contains(event.position().toPoint()):
                self.banner_clicked.emit(self.alarm_case or "")
            self._drag_from = event.position().toPoint()
            self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._drag_from
        if (start is None or not self.camera_id
                or (event.position().toPoint() - start).manhattanLength() < 12):
            return
        self._drag_from = None
        mime = QMimeData()
        mime.setData(TILE_MIME, str(self.index).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.double_clicked.emit(self.index)

    def contextMenuEvent(self, event) -> None:
        self.context_requested.emit(self.index, event.globalPos())

    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(CAMERA_MIME) or mime.hasFormat(TILE_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(CAMERA_MIME):
            self.camera_dropped.emit(self.index, bytes(mime.data(CAMERA_MIME)).decode())
            event.acceptProposedAction()
        elif mime.hasFormat(TILE_MIME):
            source = int(bytes(mime.data(TILE_MIME)).decode())
            if source != self.index:
                self.tile_dropped.emit(self.index, source)
            event.acceptProposedAction()
