"""The command-hall window: one dock per panel in ``panels.PANELS``, the
connection banner on top, connection health in the status bar, and a menu
whose every action has a key (listed by F1, generated from the actions).

Panels are imported lazily from their ``module:Class`` targets; a missing
module or one that fails shows :class:`panels.placeholder.PlaceholderPanel`
with the live counts, so one broken panel never takes the console down.
"""
from __future__ import annotations

import asyncio
import functools
import importlib
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QMainWindow, QMenuBar, QMessageBox, QVBoxLayout, QWidget,
)

from console import i18n, reports, theme
from console.context import AppContext
from console.store import Changes
from console.wall_focus import next_focus
from panels import PANELS, PanelSpec
from panels.placeholder import PlaceholderPanel
from widgets.connection import ConnectionBanner, ConnectionStatusWidget, health, role_name
from widgets.help_dialog import ShortcutHelpDialog
from widgets.video_alarm import camera_for_case

log = logging.getLogger("console.mainwindow")

STATE_VERSION = 1          # bump when the dock set changes incompatibly
HEALTH_REFRESH_MS = 1000   # the countdown and the data age tick once a second
AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
         "top": Qt.DockWidgetArea.TopDockWidgetArea, "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}
# share of the window's width for each column of the default layout
COLUMN_WIDTH = {"left": 0.30, "middle": 0.40, "right": 0.30}
# the wall has no camera list: the right column's tiles and cards get the room
WALL_COLUMN_WIDTH = {"left": 0.28, "middle": 0.37, "right": 0.35}
WALL_FIRST_ROW_HEIGHT = 0.5   # ... and a whole wall-size sensor card fits under the tiles
FIRST_ROW_HEIGHT = 0.58    # the first panel of a column (queue, video) gets the most
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
DEFAULT_SIZE = (1600, 960)
NO_REPORT_ROLES = ("wall", "feeder")   # the shift report is for the desk, never the wall


def load_panel(spec: PanelSpec, ctx: AppContext, safe_mode: bool = False) -> tuple[QWidget, str | None]:
    """The panel for ``spec``, or a placeholder and why."""
    module_name, _, class_name = spec.target.partition(":")
    if safe_mode:
        return PlaceholderPanel(ctx, spec, QCoreApplication.translate(
            "MainWindow", "Safe mode: panels are not loaded.")), "safe mode"
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        return cls(ctx), None
    except ModuleNotFoundError as exc:
        if exc.name == module_name:   # not written yet: expected, no traceback
            reason = QCoreApplication.translate("MainWindow", "Module %1 is not installed yet.") \
                .replace("%1", module_name)
        else:
            log.exception("panel %s: its module failed to import", spec.name)
            reason = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a broken panel must not stop the console
        log.exception("panel %s (%s) failed to load", spec.name, spec.target)
        reason = f"{type(exc).__name__}: {exc}"
    return PlaceholderPanel(ctx, spec, reason), reason


class MainWindow(QMainWindow):
    login_requested = Signal()
    logout_requested = Signal()
    quit_requested = Signal()
    restart_requested = Signal()
    report_written = Signal(list)     # the files of a shift report (paths as text)
    report_failed = Signal(str)       # why it could not be written

    def __init__(self, ctx: AppContext, panels: list[PanelSpec] | None = None, *,
                 safe_mode: bool = False):
        super().__init__()
        self.ctx = ctx
        self.safe_mode = safe_mode
        self.specs = list(PANELS if panels is None else panels)
        self.setObjectName("MainWindow")
        self.docks: dict[str, QDockWidget] = {}
        self.panels: dict[str, QWidget] = {}
        self.load_errors: dict[str, str] = {}
        self._allow_close = False
        self._help: ShortcutHelpDialog | None = None
        self._question: QMessageBox | None = None
        self._report_dialog: QFileDialog | None = None
        self._report_error: QMessageBox | None = None
        self._report_dir = str(Path.home())
        self._report_tasks: set[asyncio.Task] = set()
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.resize(*DEFAULT_SIZE)
        self._build_top()
        for spec in self.specs:
            self._add_dock(spec)
        self._arrange_default()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self._timer = QTimer(self, interval=HEALTH_REFRESH_MS)
        self._timer.timeout.connect(self.refresh_health)
        self._timer.start()
        ctx.adapter.changed.connect(self._on_changed)
        ctx.bus.status_message.connect(self._on_status_message)
        self._layout_restored = self.restore_layout()
        if self.is_wall:
            self._enter_wall_mode()
        self.refresh_health()

    @property
    def is_wall(self) -> bool:
        return self.ctx.is_wall

    # --- building ---------------------------------------------------------------
    def _build_top(self) -> None:
        """Menu bar and the connection banner stacked above every dock. (Our
        own QMenuBar: QMainWindow.menuBar() would replace this whole widget.)"""
        self.menu_bar = QMenuBar()
        self.banner = ConnectionBanner()
        self.banner.login_clicked.connect(self.login_requested)
        top = QWidget(objectName="TopArea")
        layout = QVBoxLayout(top)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.menu_bar)
        layout.addWidget(self.banner)
        self.setMenuWidget(top)

    def _add_dock(self, spec: PanelSpec) -> None:
        panel, reason = load_panel(spec, self.ctx, self.safe_mode)
        if reason:
            self.load_errors[spec.name] = reason
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        dock = QDockWidget(i18n.pick(spec.title), self)
        dock.setObjectName(spec.name)
        dock.setWidget(panel)
        self.docks[spec.name] = dock
        self.panels[spec.name] = panel

    def _arrange_default(self) -> None:
        """Three columns: queue and detail on the left, the map (and any
        other top/bottom panel) in the middle, video and sensors on the right.

        The middle column is nested beside the left one rather than put in
        the top dock area: with no central widget, Qt gives the top area
        only its minimum width, whatever resizeDocks asks."""
        columns: dict[str, list[QDockWidget]] = {"left": [], "middle": [], "right": []}
        for spec in self.specs:
            column = spec.area if spec.area in ("left", "right") else "middle"
            columns[column].append(self.docks[spec.name])
        for dock in self.docks.values():
            dock.setFloating(False)
        west = columns["left"] + columns["middle"]
        if west:
            self.addDockWidget(AREAS["left"], west[0])
        if columns["left"] and columns["middle"]:
            self.splitDockWidget(columns["left"][0], columns["middle"][0], Qt.Orientation.Horizontal)
        for col in (columns["left"], columns["middle"]):
            for above, below in zip(col, col[1:]):
                self.splitDockWidget(above, below, Qt.Orientation.Vertical)
        if columns["right"]:
            self.addDockWidget(AREAS["right"], columns["right"][0])
            for above, below in zip(columns["right"], columns["right"][1:]):
                self.splitDockWidget(above, below, Qt.Orientation.Vertical)
        for dock in self.docks.values():
            dock.show()
        self._columns = {name: col for name, col in columns.items() if col}
        self._size_columns()

    def _size_columns(self) -> None:
        """Each column to its share of the width, its first panel to the
        larger share of the height (again on the first show: Qt honours this
        only once the window has its real size)."""
        tops = [col[0] for col in self._columns.values()]
        shares = WALL_COLUMN_WIDTH if self.is_wall else COLUMN_WIDTH
        widths = [int(self.width() * shares[name]) for name in self._columns]
        if tops:
            self.resizeDocks(tops, widths, Qt.Orientation.Horizontal)
        height = self.height()
        first = WALL_FIRST_ROW_HEIGHT if self.is_wall else FIRST_ROW_HEIGHT
        for col in self._columns.values():
            if len(col) > 1:
                rest = int(height * (1 - first) / (len(col) - 1))
                self.resizeDocks(col, [int(height * first)] + [rest] * (len(col) - 1),
                                 Qt.Orientation.Vertical)

    def _action(self, text: str, shortcut: str | QKeySequence | None, slot, *,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        # on the window too, so keys work with the menu bar hidden (wall mode)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.panel_actions: dict[str, QAction] = {}
        for spec in self.specs:
            text = self.tr("Show %1").replace("%1", i18n.pick(spec.title))
            self.panel_actions[spec.name] = self._action(
                text, spec.shortcut, functools.partial(self.focus_panel, spec.name))
        self.help_action = self._action(self.tr("Keyboard shortcuts"), "F1", self.show_help)
        self.logout_action = self._action(self.tr("Log out"), "Ctrl+L", self.logout_requested)
        self.login_action = self._action(self.tr("Log in…"), None, self.login_requested)
        self.report_action = self._action(self.tr("Export shift report…"), "Ctrl+E", self.export_report)
        self.fullscreen_action = self._action(self.tr("Full screen"), "F11", self.toggle_full_screen,
                                              checkable=True)
        self.reset_layout_action = self._action(self.tr("Reset layout"), "Ctrl+Shift+R", self.reset_layout)
        self.quit_action = self._action(self.tr("Quit"), "Ctrl+Q", self.quit_requested)
        self.language_toggle_action = self._action(self.tr("Switch language (中文 / English)"),
                                                   "Ctrl+Shift+L", self._toggle_language)
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for lang, name in LANGUAGE_NAMES.items():
            a = QAction(name, self, checkable=True)
            a.setChecked(lang == i18n.language())
            a.triggered.connect(functools.partial(self.choose_language, lang))
            self.language_group.addAction(a)
            self.language_actions[lang] = a

    def _build_menus(self) -> None:
        bar = self.menu_bar
        console = bar.addMenu(self.tr("&Console"))
        console.addAction(self.login_action)
        console.addAction(self.logout_action)
        console.addSeparator()
        console.addAction(self.report_action)
        console.addSeparator()
        console.addAction(self.quit_action)
        view = bar.addMenu(self.tr("&View"))
        for a in self.panel_actions.values():
            view.addAction(a)
        view.addSeparator()
        view.addAction(self.fullscreen_action)
        view.addAction(self.reset_layout_action)
        lang = view.addMenu(self.tr("Language"))
        lang.addActions(list(self.language_actions.values()))
        lang.addSeparator()
        lang.addAction(self.language_toggle_action)
        helpm = bar.addMenu(self.tr("&Help"))
        helpm.addAction(self.help_action)

    def _build_status_bar(self) -> None:
        self.status_widget = ConnectionStatusWidget(self.ctx.store)
        self.statusBar().addPermanentWidget(self.status_widget)
        self.statusBar().setSizeGripEnabled(False)

    def _enter_wall_mode(self) -> None:
        """The video wall: nothing to edit or rearrange, nothing to click;
        it follows the room's most urgent case by itself (console/wall_focus.py)."""
        self.menu_bar.hide()
        for dock in self.docks.values():
            dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        for a in (self.reset_layout_action, self.login_action, self.report_action):
            a.setVisible(False)
        self.ctx.adapter.changed.connect(self._follow_incident)

    def _follow_incident(self, changes: Changes) -> None:
        store = self.ctx.store
        target = next_focus(store, changes)
        if target != store.selected_case:
            # through the store, not the adapter: this runs inside the
            # adapter's signal, and every panel must get this batch first
            store.select_case(target)
            case = store.cases.get(target) if target else None
            if case is not None:
                self._bring_to_wall(case)

    def _bring_to_wall(self, case) -> None:
        """The incident's gauge and a camera on it come up with it (the
        rainstorm scenario: map, gauge, camera in front of the room)."""
        store, bus = self.ctx.store, self.ctx.bus
        if case.sensor and case.sensor in store.sensors:
            bus.show_sensor.emit(case.sensor)
        if camera_for_case(store, case, asked=True) is not None:
            bus.alarm_case.emit(case.id)

    # --- connection health ------------------------------------------------------------
    def _on_changed(self, changes: Changes) -> None:
        if changes.status or changes.reset:
            self.refresh_health()

    def refresh_health(self) -> None:
        h = health(self.ctx.store.status)
        self.banner.show_health(h)
        self.status_widget.refresh(h)
        state = "live" if h.live else ("unauthorized" if h.state == "unauthorized" else "stale")
        if self.property("connection") != state:
            self.setProperty("connection", state)
            theme.repolish(self)
            for w in [*self.docks.values(), self.statusBar()]:
                w.setProperty("connection", "live" if h.live else "stale")
                theme.repolish(w)
        logged_in = bool(self.ctx.store.user) and h.state != "unauthorized"
        self.logout_action.setEnabled(logged_in)
        self.login_action.setEnabled(not logged_in or h.state == "unauthorized")
        self.report_action.setEnabled(self.may_export_report() and not self._report_tasks)
        self._update_title()

    def _update_title(self) -> None:
        title = self.tr("City Brain command center — Wuhai")
        user = self.ctx.store.user
        if user:
            role = role_name(self.ctx.store.role)
            title += f" — {user}" + (f" ({role})" if role else "")
        if self.windowTitle() != title:
            self.setWindowTitle(title)

    def _on_status_message(self, text: str, msec: int) -> None:
        self.statusBar().showMessage(text, msec)

    # --- actions --------------------------------------------------------------------------
    def focus_panel(self, name: str, *_checked) -> None:
        """Alt+N: show the panel's dock, bring it to the front, give it the
        keyboard (its focus proxy, if it set one)."""
        dock = self.docks[name]
        dock.show()
        dock.raise_()
        self.panels[name].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def reset_layout(self) -> None:
        self._arrange_default()
        self.ctx.bus.status_message.emit(self.tr("Layout reset"), 3000)

    def help_sections(self) -> list[tuple[str, list[QAction]]]:
        sections = [(self.tr("Console"), self.actions())]
        for spec in self.specs:
            panel = self.panels[spec.name]
            sections.append((i18n.pick(spec.title), panel.actions() + panel.findChildren(QAction)))
        return sections

    def show_help(self) -> None:
        if self._help is not None:
            self._help.close()
            self._help.deleteLater()
        self._help = ShortcutHelpDialog(self.help_sections(), self)
        self._help.open()

    def _toggle_language(self) -> None:
        self.choose_language("en" if i18n.language() == "zh_CN" else "zh_CN")

    def choose_language(self, lang: str, *_checked) -> None:
        """Saved at once; Qt widgets take it at the next start (the panels
        build their texts once), so offer to restart now."""
        self.language_actions[lang].setChecked(True)
        self.ctx.settings.set("ui/language", lang)
        self.ctx.settings.sync()
        if lang == i18n.language():
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Language"),
                          self.tr("The console will show %1 after a restart. Restart now?")
                          .replace("%1", LANGUAGE_NAMES[lang]),
                          QMessageBox.StandardButton.NoButton, self)
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(functools.partial(self._on_language_answer, restart))
        self._question = box
        box.open()

    def _on_language_answer(self, restart_button, clicked) -> None:
        if clicked is restart_button:
            self.restart_requested.emit()

    # --- the shift report ---------------------------------------------------------------------
    def may_export_report(self) -> bool:
        """Only at a desk, logged in as someone who may see the cases' lists
        (not the wall, whoever is logged in there; not a feeder)."""
        store = self.ctx.store
        return not self.is_wall and bool(store.user) and store.role not in NO_REPORT_ROLES

    def export_report(self) -> None:
        """Ctrl+E: ask for a directory. The dialog is opened, not exec()'d:
        no nested event loop under qasync."""
        if not self.may_export_report() or self._report_tasks:
            return
        if self._report_dialog is not None:
            self._report_dialog.raise_()
            return
        dlg = QFileDialog(self, self.tr("Export shift report to…"), self._report_dir)
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dlg.fileSelected.connect(self._on_report_directory)
        dlg.finished.connect(self._on_report_dialog_finished)
        self._report_dialog = dlg
        dlg.open()

    def _on_report_dialog_finished(self, _result: int) -> None:
        dlg, self._report_dialog = self._report_dialog, None
        if dlg is not None:
            dlg.deleteLater()

    def _on_report_directory(self, directory: str) -> None:
        """Copy the cases here (a list copy), build and write in a worker thread."""
        if not directory or not self.may_export_report() or self._report_tasks:
            return
        self._report_dir = directory
        snap = reports.snapshot(self.ctx.store)
        self.ctx.bus.status_message.emit(self.tr("Writing the shift report…"), 0)
        task = asyncio.ensure_future(self._write_report(snap, directory))
        self._report_tasks.add(task)
        task.add_done_callback(self._on_report_task_done)
        self.report_action.setEnabled(False)

    async def _write_report(self, snap: reports.CaseSnapshot, directory: str) -> None:
        try:
            report, files = await asyncio.to_thread(reports.export, snap, directory)
        except Exception as exc:   # a failed export is told, never raised into the loop
            if isinstance(exc, OSError):
                log.warning("shift report not written to %s: %s", directory, exc)
            else:
                log.exception("shift report failed")
            self._show_report_error(directory, exc)
            return
        log.info("shift report written: %s", files[-1])
        c = report.counts
        self.ctx.bus.status_message.emit(
            self.tr("Shift report written to %1 — %2 received, %3 closed, %4 open, %5 overdue")
            .replace("%1", str(files[-1])).replace("%2", str(c["received"])).replace("%3", str(c["closed"]))
            .replace("%4", str(c["open"])).replace("%5", str(c["overdue"])), 20000)
        self.report_written.emit([str(f) for f in files])

    def _on_report_task_done(self, task: asyncio.Task) -> None:
        self._report_tasks.discard(task)
        self.report_action.setEnabled(self.may_export_report() and not self._report_tasks)

    def _show_report_error(self, directory: str, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.ctx.bus.status_message.emit(self.tr("The shift report was not written"), 10000)
        if self._report_error is not None:
            self._report_error.close()
            self._report_error.deleteLater()
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Export shift report"),
                          self.tr("The shift report could not be written to %1:\n%2")
                          .replace("%1", directory).replace("%2", reason),
                          QMessageBox.StandardButton.Ok, self)
        self._report_error = box
        box.open()
        self.report_failed.emit(reason)

    # --- layout persistence and closing -----------------------------------------------
    def _layout_key(self, what: str) -> str:
        return f"window/{self.ctx.display_mode}/{what}"

    def restore_layout(self) -> bool:
        geometry = self.ctx.settings.get_bytes(self._layout_key("geometry"))
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.ctx.settings.get_bytes(self._layout_key("state"))
        return state is not None and self.restoreState(state, STATE_VERSION)

    def save_layout(self) -> None:
        self.ctx.settings.set_bytes(self._layout_key("geometry"), self.saveGeometry())
        self.ctx.settings.set_bytes(self._layout_key("state"), self.saveState(STATE_VERSION))
        self.ctx.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored and not getattr(self, "_shown_once", False):
            self._shown_once = True
            QTimer.singleShot(0, self._size_columns)

    def allow_close(self) -> None:
        """The shell calls this once its services are closed."""
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._allow_close:
            # closing the window means quitting: let the shell close the
            # connection and the embedded hub first, then close us
            event.ignore()
            self.quit_requested.emit()
            return
        self._timer.stop()
        for task in list(self._report_tasks):
            task.cancel()    # the worker thread finishes its files; nobody is told
        self.save_layout()
        super().closeEvent(event)
