"""The video panel: live camera tiles (1, 4, 9, 16 and big-plus-small
layouts) beside a searchable camera list; new alarms' cameras open in the
alarm tile with the case's title over them.

A thin view: cameras and cases come from the live store; what the panel itself
owns is the dispatcher's arrangement (layout, which camera in which tile, the
alarm tile), kept in settings. Playing is done by :class:`VideoStream` (one per
tile, libVLC calls off the UI thread); this module decides *what* plays where
and what may decode (hidden tiles don't).
"""
from __future__ import annotations

import concurrent.futures
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QMenu, QSplitter, QToolButton, QVBoxLayout,
    QWidget,
)

from console import labels, theme
from console.context import AppContext
from console.protocol import OPEN_STATUSES
from console.resources import resource_path
from console.store import Changes
from widgets import vlc_loader
from widgets import video_stream as vs
from widgets.snapshot_attach import SnapshotAttacher
from widgets.video_alarm import camera_for_case, pick_alarm
from widgets.video_camera_list import CameraList
from widgets.video_tile import VideoTile, age_text

MAX_TILES = 16
CAMERA_LIST_MAX_W = 260
DEFAULT_TILES = 4          # cameras put on the wall at a console's first start
# layout name -> cells (row, column, row span, column span) on an n x n grid
LAYOUTS: dict[str, list[tuple[int, int, int, int]]] = {
    "1x1": [(0, 0, 1, 1)],
    "2x2": [(r, c, 1, 1) for r in range(2) for c in range(2)],
    "3x3": [(r, c, 1, 1) for r in range(3) for c in range(3)],
    "4x4": [(r, c, 1, 1) for r in range(4) for c in range(4)],
    "1+5": [(0, 0, 2, 2), (0, 2, 1, 1), (1, 2, 1, 1), (2, 0, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)],
    "1+7": [(0, 0, 3, 3), (0, 3, 1, 1), (1, 3, 1, 1), (2, 3, 1, 1),
            (3, 0, 1, 1), (3, 1, 1, 1), (3, 2, 1, 1), (3, 3, 1, 1)],
}
LAYOUT_BUTTONS = (("1x1", "1"), ("2x2", "4"), ("3x3", "9"), ("4x4", "16"), ("1+5", "1+5"),
                  ("1+7", "1+7"))


def default_cameras(cameras, count: int) -> list[str]:
    """``count`` online cameras taking turns across the groups (in the
    camera list's group order), lowest ids first."""
    order = list(labels.CAMERA_GROUP_NAMES)
    groups: dict[str, list[str]] = {}
    for cam in sorted(cameras, key=lambda c: c.id):
        if cam.status == "online":
            groups.setdefault(cam.group, []).append(cam.id)
    queues = [groups[g] for g in sorted(groups, key=lambda g: (g not in order, order.index(g)
                                                                 if g in order else 0, g))]
    picks: list[str] = []
    while len(picks) < count and any(queues):
        for q in queues:
            if q and len(picks) < count:
                picks.append(q.pop(0))
    return picks


def default_snapshot_dir() -> Path:
    from platformdirs import user_data_path
    return user_data_path("citybrain-console", "citybrain") / "snapshots"


class VideoPanel(QWidget):
    def __init__(self, ctx: AppContext, timing: vs.StreamTiming | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.store
        self.timing = timing or vs.StreamTiming()
        self.runtime, self.failure = vlc_loader.try_load()
        self.mode = vlc_loader.render_mode_for(QGuiApplication.platformName(), self.runtime)
        self.tiles: list[VideoTile] = []
        self._assign = self._load_assignments()
        # first start (nothing saved): fill the wall once the hub's cameras are known
        self._want_defaults = not ctx.settings.get("video/tiles")
        layout = ctx.settings.get("video/layout")
        self.layout_name = layout if layout in LAYOUTS else "2x2"
        self.selected = 0
        self.maximized: int | None = None
        self._shut = False
        self.last_snapshot: str | None = None
        self._last_snapshot_camera: str | None = None
        self.last_attach: tuple[str, bool, str] | None = None   # case, ok, message (tests read it)
        self.attacher = SnapshotAttacher(ctx, self)
        self.attacher.finished.connect(self._on_attached)
        self._build()
        ctx.adapter.changed.connect(self._on_changed)
        ctx.bus.open_camera.connect(self.open_camera)
        ctx.bus.alarm_case.connect(self.show_case_alarm)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._tick = QTimer(self, interval=1000, timeout=self._on_tick)
        self._tick.start()
        self._refresh_attach()
        self.set_layout(self.layout_name)
        self._apply_default_cameras()

    # --- building --------------------------------------------------------------------
    def _build(self) -> None:
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setStyleSheet(f"background: {theme.WARN_BG}; color: {theme.TEXT};"
                                  f" border: 1px solid {theme.WARN}; padding: 8px;")
        self.notice.setVisible(self.failure is not None)
        if self.failure is not None:
            self.notice.setText(self.unavailable_text())
        self.cameras = CameraList(self.store, self)
        self.cameras.camera_activated.connect(self.open_camera)
        # the wall shows pictures, not a picker: the tiles get the whole dock
        self.cameras.setVisible(not self.ctx.is_wall)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(3)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.cameras)
        split.addWidget(self.grid_host)
        split.setStretchFactor(1, 1)
        split.setSizes([240, 900])
        self.split = split
        self._split_fitted = False
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 4, 4, 4)
        col.setSpacing(4)
        col.addLayout(self._toolbar())
        col.addWidget(self.notice)
        col.addWidget(split, 1)
        self._shortcuts()

    def _toolbar(self) -> QHBoxLayout:
        self.attach_action = QAction(self.tr("Attach snapshot to case"), self)
        self.attach_action.setObjectName("action_attach_snapshot")
        self.attach_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.attach_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.attach_action.triggered.connect(self.attach_last_snapshot)
        self.addAction(self.attach_action)       # listed in F1 with the panel's keys
        row = QHBoxLayout()
        row.setSpacing(3)
        row.addWidget(QLabel(self.tr("Layout"), self))
        self.layout_group = QButtonGroup(self)
        self.layout_buttons: dict[str, QToolButton] = {}
        for name, text in LAYOUT_BUTTONS:
            b = QToolButton(self)
            b.setText(text)
            b.setCheckable(True)
            b.setToolTip(self.tr("{0} tiles").format(len(LAYOUTS[name])))
            b.setProperty("layout", name)
            self.layout_group.addButton(b)
            self.layout_buttons[name] = b
            row.addWidget(b)
        self.layout_group.buttonClicked.connect(self._on_layout_button)
        row.addSpacing(12)
        self.snapshot_button = QToolButton(self)
        self.snapshot_button.setText(self.tr("Snapshot"))
        self.snapshot_button.setToolTip(self.tr("Save the selected tile's picture as PNG (Ctrl+Shift+S)"))
        self.snapshot_button.clicked.connect(self.snapshot_selected)
        row.addWidget(self.snapshot_button)
        self.attach_button = QToolButton(self)
        self.attach_button.setDefaultAction(self.attach_action)
        row.addWidget(self.attach_button)
        row.addStretch(1)
        self.counts = QLabel(self)
        self.counts.setStyleSheet(f"color: {theme.MUTED};")
        row.addWidget(self.counts)
        return row

    def _shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in ((QKeySequence("Ctrl+Shift+S"), self.snapshot_selected),
                           (QKeySequence(Qt.Key.Key_Escape), self.restore_grid),
                           (QKeySequence(Qt.Key.Key_Delete), self.clear_selected)):
            sc = QShortcut(keys, self)
            sc.setContext(ctx)
            sc.activated.connect(slot)

    def unavailable_text(self) -> str:
        f = self.failure
        why = {"import": self.tr("python-vlc or the libVLC library could not be loaded"),
               "no_libvlc": self.tr("the libVLC library was not found"),
               "instance": self.tr("libVLC started without its plugins")}.get(f.reason, f.reason)
        return (self.tr("Video playback is not available here: {0} ({1}).").format(why, f.detail)
                + "\n" + self.tr("Install VLC 3: {0}").format(vlc_loader.install_hint())
                + "\n" + self.tr("Everything else in the console works normally."))

    # --- tiles ----------------------------------------------------------------------------
    def _tile(self, i: int) -> VideoTile:
        while len(self.tiles) <= i:
            self.tiles.append(self._make_tile(len(self.tiles)))
        return self.tiles[i]

    def _make_tile(self, i: int) -> VideoTile:
        tile = VideoTile(i, native=self.mode in ("xwindow", "hwnd"), parent=self.grid_host)
        tile.setVisible(False)
        tile.clicked.connect(self.select_tile)
        tile.double_clicked.connect(self.toggle_maximize)
        tile.camera_dropped.connect(self.put_camera)
        tile.tile_dropped.connect(self.swap_tiles)
        tile.banner_clicked.connect(self._on_banner_clicked)
        tile.context_requested.connect(self._on_tile_menu)
        if self.runtime is not None:
            stream = vs.VideoStream(self.runtime, self.mode, self.timing, tile)
            stream.set_active(False)
            stream.status_changed.connect(self._on_stream_status)
            stream.snapshot_done.connect(self._on_snapshot_done)
            tile.attach(stream)
        self._show_camera(tile, self._assign[i])
        return tile

    def visible_tiles(self) -> list[VideoTile]:
        return self.tiles[:len(LAYOUTS[self.layout_name])]

    @property
    def alarm_tile_index(self) -> int:
        n = len(LAYOUTS[self.layout_name])
        want = self.ctx.settings.get("video/alarm_tile")
        return want if 0 <= want < n else n - 1

    # --- layout -------------------------------------------------------------------------
    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}")
        self.layout_name = name
        self.maximized = None
        self.ctx.settings.set("video/layout", name)
        self.layout_buttons[name].setChecked(True)
        cells = LAYOUTS[name]
        for i in range(len(cells)):
            self._tile(i)
        self.selected = min(self.selected, len(cells) - 1)
        self._relayout()

    def _relayout(self) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        for r in range(4):
            self.grid.setRowStretch(r, 0)
            self.grid.setColumnStretch(r, 0)
        cells = LAYOUTS[self.layout_name]
        shown = ([(self.maximized, (0, 0, 1, 1))] if self.maximized is not None
                 else list(enumerate(cells)))
        n = max(r + rs for _, (r, _c, rs, _cs) in shown)
        for k in range(n):
            self.grid.setRowStretch(k, 1)
            self.grid.setColumnStretch(k, 1)
        shown_ids = {i for i, _ in shown}
        for i, tile in enumerate(self.tiles):
            tile.setVisible(i in shown_ids)
        for i, (r, c, rs, cs) in shown:
            self.grid.addWidget(self.tiles[i], r, c, rs, cs)
        alarm = self.alarm_tile_index
        for i, tile in enumerate(self.tiles):
            tile.set_alarm_tile(i == alarm)
            tile.set_selected(i == self.selected)
        self._update_activity()
        self._refresh_all()

    def toggle_maximize(self, index: int) -> None:
        """Double-click: this tile fills the panel; again: back to the grid."""
        self.maximized = None if self.maximized == index else index
        self.select_tile(index)
        self._relayout()

    def restore_grid(self) -> None:
        if self.maximized is not None:
            self.maximized = None
            self._relayout()

    def select_tile(self, index: int) -> None:
        self.selected = index
        for i, tile in enumerate(self.tiles):
            tile.set_selected(i == index)

    # --- which camera where --------------------------------------------------------------
    def open_camera(self, camera_id: str) -> None:
        """Open in the selected tile, then move the selection to the next free
        tile, so repeated double-clicks fill the tiles one after another (the
        alarm tile last). A camera already on screen is just selected."""
        if camera_id not in self.store.cameras:
            return
        cells = len(LAYOUTS[self.layout_name])
        for i in range(cells):
            if self._assign[i] == camera_id:
                self.select_tile(i)
                return
        target = self.selected if self.selected < cells else self._next_free(0)
        self.put_camera(target, camera_id)
        self.select_tile(self._next_free(target))

    def _next_free(self, after: int) -> int:
        """The first empty tile after ``after`` (the alarm tile only when no
        other is empty); with none empty, simply the next tile."""
        cells = len(LAYOUTS[self.layout_name])
        alarm = self.alarm_tile_index
        order = [(after + k) % cells for k in range(1, cells + 1)]
        empty = [i for i in order if not self._assign[i]]
        for i in empty:
            if i != alarm:
                return i
        return empty[0] if empty else order[0]

    def put_camera(self, index: int, camera_id: str | None) -> None:
        tile = self._tile(index)
        if tile.alarm_case and camera_id != self._assign[index]:
            tile.set_alarm(None)
        self._assign[index] = camera_id
        self._save_assignments()
        self._show_camera(tile, camera_id)
        self._update_activity()

    def swap_tiles(self, target: int, source: int) -> None:
        a, b = self._assign[target], self._assign[source]
        self.put_camera(target, b)
        self.put_camera(source, a)

    def clear_selected(self) -> None:
        self.put_camera(self.selected, None)

    def _show_camera(self, tile: VideoTile, camera_id: str | None) -> None:
        cam = self.store.cameras.get(camera_id) if camera_id else None
        if camera_id and cam is None:
            tile.set_camera(camera_id, camera_id)      # not (yet) known to the hub
        elif cam is None:
            tile.set_camera(None, self.tr("Empty tile"))
        else:
            tip = f"{cam.id}  {cam.location.address or ''}\n{labels.camera_group(cam.group)}"
            tile.set_camera(cam.id, cam.name, tip, labels.camera_site(cam.name))
        if tile.stream is not None and not self._shut:
            url = self._url_for(cam.url) if cam is not None else None
            if url:
                tile.stream.open(url)
            else:
                tile.stream.close()
        self._refresh_tile(tile)

    @staticmethod
    def _url_for(url: str) -> str:
        return vlc_loader.resolve_clip_url(url, resource_path("demo", "clips"))

    def _apply_default_cameras(self) -> bool:
        """On a console's first start, a wall that shows something: one online
        camera of each group (traffic, compounds, Yellow River, streets), in
        the first tiles of the layout. Once anything is saved, never again."""
        if not self._want_defaults or not self.store.cameras:
            return False
        self._want_defaults = False
        cells = len(LAYOUTS[self.layout_name])
        picks = default_cameras(self.store.cameras.values(), min(cells, DEFAULT_TILES))
        for i, camera_id in enumerate(picks):
            self.put_camera(i, camera_id)
        self._save_assignments()
        self.select_tile(self._next_free(len(picks) - 1) if picks else 0)
        return True

    # --- alarms --------------------------------------------------------------------------
    def show_case_alarm(self, case_id: str) -> None:
        """bus.alarm_case: put the case's camera (or the nearest one) in the alarm tile."""
        case = self.store.cases.get(case_id)
        if case is None:
            return
        cam = camera_for_case(self.store, case, asked=True)
        if cam is None:
            self.ctx.bus.status_message.emit(self.tr("No camera within 300 m of this case"), 5000)
            return
        self._show_alarm(case, cam)

    def _show_alarm(self, case, camera_id: str) -> None:
        index = self.alarm_tile_index
        if self.maximized is not None and self.maximized != index:
            self.maximized = None            # an alarm must not stay hidden behind a zoom
            self._relayout()
        self.put_camera(index, camera_id)
        title = f"{labels.priority(case.priority)} · {labels.category(case.category)} · {case.title}"
        self.tiles[index].set_alarm(case.id, title)

    def _on_banner_clicked(self, case_id: str) -> None:
        if case_id:
            self.ctx.adapter.select_case(case_id)

    def _clear_finished_alarms(self, changed: set[str]) -> None:
        for tile in self.tiles:
            case = self.store.cases.get(tile.alarm_case) if tile.alarm_case in changed else None
            if case is not None and case.status not in OPEN_STATUSES:
                tile.set_alarm(None)

    # --- the store ------------------------------------------------------------------------
    def _on_changed(self, ch: Changes) -> None:
        if ch.reset:
            self.cameras.model.rebuild()
            for tile in self.tiles:
                self._show_camera(tile, tile.camera_id or self._assign[tile.index])
            self._apply_default_cameras()
        elif ch.cameras:
            self.cameras.model.cameras_changed(ch.cameras)
            for tile in self.tiles:
                if tile.camera_id in ch.cameras:
                    self._refresh_tile(tile)
        if ch.new_cases and not ch.reset:
            picked = pick_alarm(self.store, ch.new_cases)
            if picked is not None:
                self._show_alarm(*picked)
        if ch.cases:
            self._clear_finished_alarms(ch.cases)
        if ch.reset or ch.cameras:
            self._refresh_counts()
        if ch.reset or ch.selection or ch.status or ch.cases:
            self._refresh_attach()

    def _refresh_counts(self) -> None:
        cams = self.store.cameras.values()
        online = sum(1 for c in cams if c.status == "online")
        self.counts.setText(self.tr("Cameras online {0} / {1}").format(online, len(self.store.cameras)))

    # --- status shown on tiles ----------------------------------------------------------
    def _on_tick(self) -> None:
        self._update_activity()
        self._refresh_all()

    def _on_stream_status(self, _status: str) -> None:
        stream = self.sender()
        for tile in self.tiles:
            if tile.stream is stream:
                self._refresh_tile(tile)

    def _refresh_all(self) -> None:
        for tile in self.visible_tiles():
            if tile.isVisible():
                self._refresh_tile(tile)

    def _refresh_tile(self, tile: VideoTile) -> None:
        if not tile.camera_id:
            tile.show_status(vs.IDLE, "", "", self.tr("Drag a camera here, or double-click one in the list"))
            return
        if tile.stream is None:
            tile.show_status(vs.UNAVAILABLE, self.tr("No video"), "",
                             self.tr("Video playback unavailable (libVLC missing)"))
            return
        s = tile.stream
        cam = self.store.cameras.get(tile.camera_id)
        badge = self._badge(s.status)
        age = age_text(s.last_frame_age()) if s.status != vs.LIVE else ""
        if cam is not None and cam.status == "offline" and s.status != vs.LIVE:
            badge = self.tr("Offline")
        tile.show_status(s.status, badge, age, self._message(s))

    def _badge(self, status: str) -> str:
        return {vs.LIVE: self.tr("LIVE"), vs.CONNECTING: self.tr("Connecting"),
                vs.STALLED: self.tr("Stalled"), vs.OFFLINE: self.tr("Offline"),
                vs.PAUSED: self.tr("Paused"), vs.IDLE: "",
                vs.UNAVAILABLE: self.tr("Cannot play")}.get(status, status)

    def _message(self, s: vs.VideoStream) -> str:
        if s.status == vs.CONNECTING:
            return self.tr("Connecting…")
        if s.status == vs.PAUSED:
            return self.tr("Paused while hidden")
        if s.status == vs.UNAVAILABLE:
            return self.tr("RTSP cameras need ffmpeg here to relay them: sudo apt install ffmpeg")
        if s.status == vs.OFFLINE:
            left = max(0, int((s.retry_at or 0) - _mono() + 0.5))
            return self.tr("No signal — retrying in {0} s").format(left)
        return ""

    # --- hidden tiles decode nothing ---------------------------------------------------------
    def _update_activity(self) -> None:
        if self._shut:
            return
        win = self.window()
        shown = self.isVisible() and not (win.windowState() & Qt.WindowState.WindowMinimized)
        cells = len(LAYOUTS[self.layout_name])
        for i, tile in enumerate(self.tiles):
            on_screen = i < cells and (self.maximized is None or self.maximized == i)
            if tile.stream is not None:
                tile.stream.set_active(shown and on_screen)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.window().installEventFilter(self)
        self._update_activity()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_camera_list()

    def _fit_camera_list(self) -> None:
        """Once, when the panel first has its width: the camera list gets
        about a quarter of it (150-260 px), the tiles the rest — in a narrow
        dock a fixed 240 px list left the tiles thumbnail-sized. The
        dispatcher's own splitter moves are kept for the session."""
        width = self.split.width()
        if self._split_fitted or width < 200:
            return
        self._split_fitted = True
        handle = self.split.handleWidth()
        listed = max(150, min(CAMERA_LIST_MAX_W, int(width * 0.26)))
        self.split.setSizes([listed, max(0, width - listed - handle)])

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._update_activity()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowStateChange:
            QTimer.singleShot(0, self._update_activity)
        return False

    # --- snapshots -------------------------------------------------------------------------
    def snapshot_selected(self) -> None:
        self.snapshot(self.selected)

    def snapshot(self, index: int) -> None:
        if not self.may_snapshot():
            return
        tile = self._tile(index)
        if tile.stream is None or not tile.camera_id:
            self.ctx.bus.status_message.emit(self.tr("Nothing to snapshot in this tile"), 4000)
            return
        folder = self.ctx.settings.get("video/snapshot_dir") or str(default_snapshot_dir())
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        tile.stream.snapshot(Path(folder) / f"{tile.camera_id}_{stamp}.png")

    def _on_snapshot_done(self, path: str, error: str) -> None:
        if error:
            self.ctx.bus.status_message.emit(self.tr("Snapshot failed: {0}").format(error), 6000)
            return
        # the path also goes on the clipboard (a case note, another program)
        QGuiApplication.clipboard().setText(path)
        self.last_snapshot = path
        self._last_snapshot_camera = Path(path).name.split("_", 1)[0]
        self._refresh_attach()
        text = self.tr("Snapshot saved (path copied): {0}").format(path)
        case_id = self.attach_target()
        if case_id:
            text += "  " + self.tr("— Ctrl+Shift+A attaches it to case {0}").format(case_id)
        self.ctx.bus.status_message.emit(text, 10000)

    # --- attaching a snapshot to a case (case.attach) ---------------------------------------------
    def may_attach(self) -> bool:
        return self.ctx.may_act

    def may_snapshot(self) -> bool:
        return not self.ctx.is_display_only

    def attach_target(self) -> str | None:
        """The selected case, when this role may add evidence to it and it is open."""
        cid = self.store.selected_case
        case = self.store.cases.get(cid) if cid else None
        if not self.may_attach() or case is None or case.status not in OPEN_STATUSES:
            return None
        return cid

    def _refresh_attach(self) -> None:
        target = self.attach_target()
        act = self.attach_action
        act.setVisible(self.may_attach())
        # a tool button does not follow its default action's visibility
        self.attach_button.setVisible(self.may_attach())
        self.snapshot_button.setVisible(self.may_snapshot())
        act.setEnabled(bool(target and self.last_snapshot) and not self.attacher.busy)
        act.setText(self.tr("Attach to case {0}").format(target) if target
                    else self.tr("Attach snapshot to case"))
        what = (self.tr("Attach the last snapshot to case {0}").format(target) if target
                else self.tr("Select an open case to attach the last snapshot to it"))
        act.setToolTip(f"{what} (Ctrl+Shift+A)")

    def attach_last_snapshot(self) -> None:
        case_id = self.attach_target()
        if not self.last_snapshot:
            self.ctx.bus.status_message.emit(self.tr("Take a snapshot first (Ctrl+Shift+S)"), 5000)
            return
        if case_id is None:
            self.ctx.bus.status_message.emit(
                self.tr("Select an open case to attach the last snapshot to it"), 5000)
            return
        if self.attacher.busy:
            return
        cam = self.store.cameras.get(self._last_snapshot_camera or "")
        note = f"{cam.id} {cam.name}" if cam else self._last_snapshot_camera
        self.ctx.bus.status_message.emit(self.tr("Attaching the snapshot to case {0}…").format(case_id), 5000)
        self.attacher.attach(self.last_snapshot, case_id, note)
        self._refresh_attach()

    def _on_attached(self, case_id: str, ok: bool, message: str) -> None:
        self.last_attach = (case_id, ok, message)
        self.ctx.bus.status_message.emit(message, 6000 if ok else 10000)
        self._refresh_attach()

    # --- context menu ---------------------------------------------------------------------------
    def _on_tile_menu(self, index: int, pos: QPoint) -> None:
        self.select_tile(index)
        tile = self.tiles[index]
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.may_snapshot():
            self._add_action(menu, self.tr("Snapshot"), self.snapshot_selected, bool(tile.camera_id))
        if self.attach_action.isVisible():
            menu.addAction(self.attach_action)
        self._add_action(menu, self.tr("Retry now"), self._retry_selected, tile.stream is not None)
        self._add_action(menu, self.tr("Restore grid") if self.maximized is not None
                         else self.tr("Fill the panel"), self._toggle_selected, True)
        self._add_action(menu, self.tr("Use as alarm tile"), self._make_selected_alarm_tile,
                         index != self.alarm_tile_index)
        self._add_action(menu, self.tr("Dismiss alarm banner"), self._dismiss_selected,
                         tile.alarm_case is not None)
        self._add_action(menu, self.tr("Clear tile"), self.clear_selected, bool(tile.camera_id))
        menu.popup(pos)

    def _add_action(self, menu: QMenu, text: str, slot, enabled: bool) -> None:
        act = QAction(text, menu)
        act.setEnabled(enabled)
        act.triggered.connect(slot)
        menu.addAction(act)

    def _retry_selected(self) -> None:
        stream = self._tile(self.selected).stream
        if stream is not None:
            stream.restart()

    def _toggle_selected(self) -> None:
        self.toggle_maximize(self.selected)

    def _dismiss_selected(self) -> None:
        self._tile(self.selected).set_alarm(None)

    def _make_selected_alarm_tile(self) -> None:
        self.set_alarm_tile(self.selected)

    def set_alarm_tile(self, index: int) -> None:
        self.ctx.settings.set("video/alarm_tile", index)
        for i, tile in enumerate(self.tiles):
            tile.set_alarm_tile(i == self.alarm_tile_index)

    def _on_layout_button(self, button) -> None:
        self.set_layout(button.property("layout"))

    # --- settings -------------------------------------------------------------------------
    def _load_assignments(self) -> list[str | None]:
        raw = self.ctx.settings.get("video/tiles")
        ids = [x.strip() or None for x in raw.split(",")] if raw else []
        return (ids + [None] * MAX_TILES)[:MAX_TILES]

    def _save_assignments(self) -> None:
        self.ctx.settings.set("video/tiles", ",".join(x or "" for x in self._assign))

    def assignment(self, index: int) -> str | None:
        return self._assign[index]

    # --- shutting down --------------------------------------------------------------------------
    def shutdown(self, wait_s: float = 2.0) -> None:
        """Stop every player (the app quits): libVLC must let go of the native
        windows before Qt destroys them."""
        if self._shut:
            return
        self._shut = True
        self._tick.stop()
        futures = [t.stream.shutdown(0) for t in self.tiles if t.stream is not None]
        concurrent.futures.wait([f for f in futures if f is not None], timeout=wait_s)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def _mono() -> float:
    import time
    return time.monotonic()
