"""The grid map (网格地图): Wuhai's 992 cells, five levels deep, coloured by
case load, with the live cases, sensors, cameras and AI detections on top.

A thin view over the live store. Store changes are collected and pushed into
the page in batches (at most five a second, a bounded number of cases per
batch, so a flood of events never freezes the console). Clicks come back
from the page: a case selects it in the store, a camera or a detection asks
for its video, a sensor for its gauge, a cell drills down.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from console import labels, theme
from console.context import AppContext
from console.domain.demo import load_areas
from console.domain.grid import CITY_CODE, CODE_LENGTHS, ancestors, level_of, parent_code
from console.i18n import is_chinese
from console.protocol import OPEN_STATUSES
from console.store import Changes
from widgets.map_breadcrumb import Breadcrumb
from widgets.video_tile import ElidedLabel
from widgets.map_geometry import MapGeometry
from widgets.map_grid import GridLoader
from widgets.map_model import (
    CaseLoad, Words, camera_row, case_row, clock_row, detection_row, sensor_row,
)
from widgets.map_page import render_page, valid_tile_url
from widgets.map_view import MapView

log = logging.getLogger(__name__)

LAYERS = ("cases", "sensors", "cameras", "river", "detections")
PUSH_MS = 200         # at most five pushes a second
SWEEP_MS = 10_000     # SLA flags turn amber and red as time passes, without events
PUSH_BUDGET_S = 0.006  # one push builds case rows for at most this long; the rest follows at once
CASES_PER_STEP = 100   # rows built between looks at the clock (~2 ms on a loaded 2-core machine)


@dataclass
class _Dirty:
    """What the page has not been told yet."""
    everything: bool = True
    grid: bool = True
    view: bool = True
    load: bool = True
    layers: bool = True
    select: bool = True
    fly: bool = False
    cases: set[str] = field(default_factory=set)
    sensors: set[str] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    detections: set[str] = field(default_factory=set)


class MapPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("MapPanel")
        self.ctx = ctx
        self.geometry_: MapGeometry | None = None
        self.area = CITY_CODE
        self.case_load = CaseLoad()
        self._dirty = _Dirty()
        self._layers = self._saved_layers()
        self._words = self._make_words()
        self._names_en = {code: a.name_en for code, a in load_areas().items()}
        self._clicked_case: str | None = None
        self._closed = False
        self._page_dir = tempfile.TemporaryDirectory(prefix="citybrain-map-")

        self._build_ui()
        self._push_timer = QTimer(self, singleShot=True, interval=PUSH_MS)
        self._push_timer.timeout.connect(self._push)
        self._sweep_timer = QTimer(self, interval=SWEEP_MS)
        self._sweep_timer.timeout.connect(self._on_sweep)
        self._sweep_timer.start()

        self.view.bridge.page_ready.connect(self._on_page_ready)
        self.view.bridge.case_clicked.connect(self._on_case_clicked)
        self.view.bridge.cell_clicked.connect(self._on_cell_clicked)
        self.view.bridge.sensor_clicked.connect(ctx.bus.show_sensor)
        self.view.bridge.camera_clicked.connect(ctx.bus.open_camera)
        ctx.adapter.changed.connect(self._on_changed)
        ctx.adapter.case_selected.connect(self._on_case_selected)

        self.grid_loader = GridLoader(self)
        self.grid_loader.loaded.connect(self._on_grid_loaded)
        self.grid_loader.failed.connect(self._on_grid_failed)
        self._grid_url: str | None = None
        self._load_page()
        self._set_status(self.tr("Waiting for the hub…"), "muted")
        self._ensure_grid()

    # --- building -------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.breadcrumb = Breadcrumb(self)
        self.breadcrumb.area_chosen.connect(self.drill_to)
        # elided where the dock is narrow (the wall's type), whole in the tooltip
        self.status = ElidedLabel(self)
        self.status.setObjectName("MapStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addWidget(self.breadcrumb)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addSpacing(12)
        buttons = bar
        if self.ctx.is_wall:          # at the wall's type size one row cuts the counts
            buttons = QHBoxLayout()
            buttons.setContentsMargins(6, 0, 6, 4)
            buttons.addStretch(1)
        self.layer_buttons: dict[str, QToolButton] = {}
        for name, text, tip in self._layer_texts():
            button = QToolButton(self, text=text, checkable=True, checked=name in self._layers)
            button.setToolTip(tip)
            button.setProperty("layer", name)
            button.toggled.connect(self._on_layer_toggled)
            self.layer_buttons[name] = button
            buttons.addWidget(button)
        self.view = MapView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        if buttons is not bar:
            layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        self.breadcrumb.set_path([(CITY_CODE, self.area_name(CITY_CODE))])
        for keys in (QKeySequence(Qt.Key.Key_Backspace), QKeySequence("Alt+Up")):
            QShortcut(keys, self, self.go_up, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _layer_texts(self) -> list[tuple[str, str, str]]:
        return [
            ("cases", self.tr("Cases"), self.tr("Open cases, coloured by priority; a red ring is overdue")),
            ("sensors", self.tr("Sensors"), self.tr("Water level, manhole, gas and elder sensors; alarms pulse")),
            ("cameras", self.tr("Cameras"), self.tr("Street, traffic and compound cameras")),
            ("river", self.tr("Yellow River"), self.tr("The 19 high cameras along the Yellow River")),
            ("detections", self.tr("AI pending"), self.tr("AI sightings in their grace period, with the time left")),
        ]

    def _make_words(self) -> Words:
        return Words(overdue=self.tr("Past due"), due_soon=self.tr("Due soon"),
                     acked=self.tr("acknowledged"), offline=self.tr("Offline"),
                     minutes=self.tr("min"))

    def _page_config(self) -> dict:
        """What the page needs once: colours, words, wall mode, layers."""
        return {
            "lang": "zh-CN" if is_chinese() else "en",
            "wall": self.ctx.is_wall,
            "layers": list(self._layers),
            "bounds": [[39.27, 106.66], [39.80, 106.95]],
            "detailZoom": 13,
            # from here on a cell is coloured by its own cases, not its unit's:
            # close up, a district's colour on every cell is a sea of red
            # that hides where the work is
            "cellZoom": 14,
            # a selected case: street level at a desk; the wall, which follows
            # the room's incident by itself, keeps the neighbourhood around it
            "flyZoom": 15 if self.ctx.is_wall else 17,
            "palette": {
                "bg": theme.BG, "text": theme.TEXT, "accent": theme.ACCENT, "alarm": theme.ALARM,
                "warn": theme.WARN, "outline": "#9fb0c2", "empty": "#2b3744", "dim": "#1a232d",
                "priority": {str(p): c for p, c in theme.PRIORITY_COLORS.items()},
            },
            "words": {
                "open": self.tr("%1 open"), "overdueN": self.tr("%1 overdue"),
                "soonN": self.tr("%1 due soon"), "none": self.tr("no open cases"),
                "left": self.tr("%1 left"), "promoting": self.tr("becoming a case"),
                "legendTitle": self.tr("Case load"), "legendOverdue": self.tr("Overdue cases (deeper = more)"),
                "legendSoon": self.tr("Cases due soon"), "legendOpen": self.tr("Open cases (deeper = more)"),
                "legendNone": self.tr("No open cases"), "legendMarkers": self.tr("Cases by priority"),
                "priorities": [labels.priority(p) for p in (1, 2, 3, 4)],
                "legendRing": self.tr("Overdue case"), "legendAlarm": self.tr("Sensor alarm (pulsing until acknowledged)"),
            },
        }

    def _load_page(self) -> None:
        tile_url = str(self.ctx.settings.get("map/tile_url") or "").strip()
        if tile_url and not valid_tile_url(tile_url):
            self.ctx.bus.status_message.emit(
                self.tr("Map tile URL is not an XYZ template ({z}/{x}/{y}); showing the map without tiles"), 8000)
            tile_url = ""
        path = render_page(Path(self._page_dir.name), self._page_config(), tile_url,
                           self.tr("City tile server"))
        self.view.load_page(path, remote_tiles=tile_url.startswith(("http:", "https:")))

    # --- names ------------------------------------------------------------------------
    def area_name(self, code: str) -> str:
        zh = self.geometry_.index.name(code) if self.geometry_ else ("乌海市" if code == CITY_CODE else code)
        if is_chinese():
            return zh
        if code in self._names_en:
            return self._names_en[code]
        if level_of(code) == "grid":
            return self.tr("%1 cell %2").replace("%1", self.area_name(code[:12])).replace("%2", str(int(code[12:])))
        return zh

    def _unit_label(self, code: str) -> str:
        """A unit's name without its parent's, where it repeats it
        (新华里社区第01网格 under 新华里社区 -> 第01网格)."""
        name, parent = self.area_name(code), parent_code(code)
        pname = self.area_name(parent) if parent else ""
        short = name[len(pname):].strip(" ·") if pname and name.startswith(pname) else name
        return short or name

    # --- navigation -------------------------------------------------------------------
    def drill_to(self, code: str) -> None:
        """Show ``code`` (any level): colour its children, fit the map to it.
        A code that is no area of the loaded grid changes nothing."""
        if self.geometry_ is None or not _is_area(code) or self.geometry_.area(code) is None:
            log.debug("not an area of this grid: %r", code)
            return
        if code != self.area:
            self.area = code
            self._dirty.view = self._dirty.load = True
            self._schedule(0)
        self.breadcrumb.set_path([(c, self.area_name(c)) for c in ancestors(code) + [code]])

    def go_up(self) -> None:
        parent = parent_code(self.area)
        if parent:
            self.drill_to(parent)

    def _on_cell_clicked(self, cell: str) -> None:
        if self.geometry_ is not None and cell in self.geometry_.rings:
            self.drill_to(self.geometry_.target_of_click(self.area, cell))

    # --- layers -----------------------------------------------------------------------
    def _saved_layers(self) -> list[str]:
        raw = str(self.ctx.settings.get("map/layers") or "")
        return [name for name in LAYERS if name in raw.split(",")]

    def _on_layer_toggled(self, _checked: bool) -> None:
        self.set_layers([n for n, b in self.layer_buttons.items() if b.isChecked()])

    def set_layers(self, names: list[str]) -> None:
        self._layers = [n for n in LAYERS if n in names]
        for name, button in self.layer_buttons.items():
            button.blockSignals(True)
            button.setChecked(name in self._layers)
            button.blockSignals(False)
        self.ctx.settings.set("map/layers", ",".join(self._layers))
        self._dirty.layers = True
        self._schedule(0)

    @property
    def layers(self) -> list[str]:
        return list(self._layers)

    # --- store -> page ------------------------------------------------------------------
    def _on_changed(self, ch: Changes) -> None:
        d = self._dirty
        if ch.reset or ch.status:
            self._ensure_grid()
        if ch.reset:
            d.everything = True
        d.cases |= ch.cases | ch.removed_cases | ch.overdue
        d.sensors |= ch.sensors | ch.readings
        d.cameras |= ch.cameras
        d.detections |= ch.detections
        self._schedule()

    def _on_case_selected(self, case_id) -> None:
        self._dirty.select = True
        self._dirty.fly = case_id is not None and case_id != self._clicked_case
        self._clicked_case = None
        self._schedule(0)

    def _on_sweep(self) -> None:
        self._dirty.cases |= self.case_load.sweep(self.ctx.store)
        self._schedule()

    def _schedule(self, ms: int = PUSH_MS) -> None:
        if not self._push_timer.isActive() or ms < self._push_timer.remainingTime():
            self._push_timer.start(ms)

    def _push(self) -> None:
        """Send the page one batch of what changed (or its first share)."""
        if not self.view.ready:
            return
        d, store = self._dirty, self.ctx.store
        batch: dict = {"clock": clock_row(store)}
        if d.layers:
            batch["layers"], d.layers = list(self._layers), False
        if self.geometry_ is not None:
            self._grid_and_view(batch)
        if d.everything:
            self._reset(batch)
        self._cases(batch)
        self._points(batch, "sensors", d.sensors, store.sensors, lambda s: sensor_row(s, self._words))
        self._points(batch, "cameras", d.cameras, store.cameras, lambda c: camera_row(c, self._words))
        self._points(batch, "detections", d.detections, store.detections, self._detection_row)
        if d.load and self.geometry_ is not None:
            batch["load"], d.load = self._load_payload(), False
            self._update_status()
        if d.select:
            batch["select"], d.select = self._selection(d.fly), False
        self.view.push(batch)
        if d.cases:
            self._schedule(0)   # the rest of a big burst, after the UI breathes

    def _grid_and_view(self, batch: dict) -> None:
        d, geo = self._dirty, self.geometry_
        if d.grid:
            batch["grid"] = [[code, rings, self.area_name(code)] for code, rings in geo.cells_payload()]
            d.grid = False
        if d.view:
            view = geo.view_payload(self.area, self._unit_label)
            view["animate"] = "grid" not in batch
            batch["view"], d.view, d.load = view, False, True

    def _reset(self, batch: dict) -> None:
        d, store = self._dirty, self.ctx.store
        batch["reset"] = True
        self.case_load.reset(store)
        d.cases = set(store.cases)
        d.sensors, d.cameras, d.detections = set(store.sensors), set(store.cameras), set(store.detections)
        d.everything, d.load, d.select = False, True, True

    def _cases(self, batch: dict) -> None:
        d, store = self._dirty, self.ctx.store
        if not d.cases:
            return
        # time-sliced: a burst of thousands of changed cases never holds
        # the UI thread for more than a few milliseconds per push
        deadline = time.perf_counter() + PUSH_BUDGET_S
        up, rm = [], []
        while d.cases and time.perf_counter() < deadline:
            take = [d.cases.pop() for _ in range(min(CASES_PER_STEP, len(d.cases)))]
            if self.case_load.update(store, take):
                d.load = True
            for cid in take:
                case = store.cases.get(cid)
                flags = self.case_load.flags_of(cid)
                if case is None or flags is None or case.status not in OPEN_STATUSES:
                    rm.append(cid)
                else:
                    up.append(case_row(case, flags, self._words))
        batch["cases"] = {"up": up, "rm": rm}

    def _points(self, batch: dict, key: str, ids: set[str], objects: dict, row) -> None:
        if not ids:
            return
        up = [row(objects[i]) for i in ids if i in objects]
        rm = [i for i in ids if i not in objects]
        ids.clear()
        batch[key] = {"up": up, "rm": rm}

    def _detection_row(self, det) -> list:
        camera = self.ctx.store.cameras.get(det.camera)
        tip = f"{labels.category(det.category)}\n{camera.name if camera else det.camera}"
        return detection_row(det) + [tip]

    def _load_payload(self) -> dict:
        unit_len = CODE_LENGTHS[self.geometry_.unit_level(self.area)]
        counts = self.case_load.aggregate(self.area, unit_len)
        cells = self.case_load.aggregate(self.area, CODE_LENGTHS["grid"])
        return {"counts": counts, "max": _most(counts), "cells": cells, "cellMax": _most(cells)}

    def _selection(self, fly: bool) -> dict | None:
        case = self.ctx.store.cases.get(self.ctx.store.selected_case or "")
        if case is None:
            return None
        return {"id": case.id, "lat": case.location.lat, "lon": case.location.lon, "fly": fly}

    # --- page -> store ------------------------------------------------------------------
    def _on_case_clicked(self, case_id: str) -> None:
        if case_id in self.ctx.store.cases:
            self._clicked_case = case_id
            self.ctx.adapter.select_case(case_id)

    def _on_page_ready(self) -> None:
        d = self._dirty
        d.everything = d.grid = d.view = d.layers = d.select = True
        self._schedule(0)

    # --- the grid -------------------------------------------------------------------------
    def _ensure_grid(self) -> None:
        """Fetch the grid of the hub we are (now) talking to: panels exist
        before the login, and a new login may name another hub."""
        if not self.ctx.hub_url:
            return
        url = self.ctx.hub_http_url("grid.geojson")
        if url == self._grid_url:
            return
        self._grid_url = url
        if self.geometry_ is None:
            self._set_status(self.tr("Loading the grid from the hub…"), "muted")
        self.grid_loader.start(url)

    def _on_grid_loaded(self, geometry: MapGeometry) -> None:
        self.geometry_ = geometry
        if geometry.area(self.area) is None:
            self.area = CITY_CODE
        self._dirty.grid = self._dirty.view = self._dirty.load = True
        self.breadcrumb.set_path([(c, self.area_name(c)) for c in ancestors(self.area) + [self.area]])
        self._update_status()
        self._schedule(0)

    def _on_grid_failed(self, reason: str) -> None:
        self._set_status(self.tr("Grid unavailable (%1): retrying").replace("%1", reason), "warn")

    def _update_status(self) -> None:
        if self.geometry_ is None:
            return
        n, overdue, soon = self.case_load.totals()
        text = self.tr("%1 open · %2 overdue · %3 due soon").replace("%1", str(n)) \
            .replace("%2", str(overdue)).replace("%3", str(soon))
        self._set_status(text, "alarm" if overdue else "warn" if soon else None)

    def _set_status(self, text: str, level: str | None) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        theme.set_level(self.status, level)

    # --- lifetime -------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers and the grid fetch; stop listening to the store."""
        if self._closed:
            return
        self._closed = True
        self.grid_loader.close()
        self._push_timer.stop()
        self._sweep_timer.stop()
        for signal, slot in ((self.ctx.adapter.changed, self._on_changed),
                             (self.ctx.adapter.case_selected, self._on_case_selected)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass


def _is_area(code: str) -> bool:
    try:
        level_of(code)
    except ValueError:
        return False
    return True


def _most(counts: dict[str, list[int]]) -> list[int]:
    """The largest open and overdue counts (the choropleth's deepest shade)."""
    return [max((c[0] for c in counts.values()), default=0), max((c[1] for c in counts.values()), default=0)]
