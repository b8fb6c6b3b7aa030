"""Render the demo data set to a PNG for a quick look (docs/img/demo-grid.png):
the district outlines, cells coloured by street, cameras and sensors as dots.
Left: the whole city; right: the urban north (Wuda, Haibowan, Hainan town).

    QT_QPA_PLATFORM=offscreen python resources/demo/preview.py [OUT.png]
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[1] / "docs" / "img" / "demo-grid.png"
DISTRICT_COLOURS = {"150302": "#c0392b", "150303": "#2c3e91", "150304": "#1e8449"}
LABELS = {"150302": (106.86, 39.60), "150304": (106.63, 39.53), "150303": (106.785, 39.475)}  # lon, lat
SENSOR_COLOURS = {"water_level": "#1f77ff", "manhole": "#7f4f24", "gas": "#ff7f0e", "elder_radar": "#d62ad6"}
COS_LAT = math.cos(math.radians(39.5))


def load(name: str):
    return json.loads((HERE / name).read_text("utf-8"))


class Panel:
    """Maps lon/lat to pixels in a rectangle of the image, keeping the
    ground's aspect ratio (a degree of longitude is shorter than one of latitude)."""

    def __init__(self, rect: QRectF, lon0: float, lat0: float, lon1: float, lat1: float):
        self.rect, self.lon0, self.lat1 = rect, lon0, lat1
        self.scale = min(rect.width() / ((lon1 - lon0) * COS_LAT), rect.height() / (lat1 - lat0))

    def pt(self, lon: float, lat: float) -> QPointF:
        return QPointF(self.rect.left() + (lon - self.lon0) * COS_LAT * self.scale,
                       self.rect.top() + (self.lat1 - lat) * self.scale)


def street_colour(code: str, streets: list[str]) -> QColor:
    # Golden-angle hues: neighbouring streets (consecutive codes) get distinct colours.
    n = streets.index(code)
    return QColor.fromHsvF((n * 0.618034) % 1.0, 0.45, 0.95)


def draw_panel(p: QPainter, panel: Panel, outlines, grid, areas, cameras, sensors, dot: float) -> None:
    p.save()
    p.setClipRect(panel.rect)
    streets = sorted(c for c, a in areas.items() if a["level"] == "street")
    p.setPen(QPen(QColor(255, 255, 255), 0.4))
    for f in grid["features"]:
        p.setBrush(street_colour(f["properties"]["code"][:9], streets))
        p.drawPolygon(QPolygonF([panel.pt(*v) for v in f["geometry"]["coordinates"][0]]))
    p.setBrush(Qt.NoBrush)
    for code, geom in outlines.items():
        p.setPen(QPen(QColor(DISTRICT_COLOURS[code]), 2))
        for poly in geom["coordinates"]:
            p.drawPolygon(QPolygonF([panel.pt(*v) for v in poly[0]]))
    p.setPen(QPen(QColor("black"), 0.8))
    for cam in cameras:
        p.setBrush(QColor("#00b4d8") if cam["group"] == "yellow_river" else QColor("white"))
        p.drawEllipse(panel.pt(cam["location"]["lon"], cam["location"]["lat"]), dot, dot)
    for s in sensors:
        p.setBrush(QColor(SENSOR_COLOURS[s["kind"]]))
        c = panel.pt(s["location"]["lon"], s["location"]["lat"])
        p.drawRect(QRectF(c.x() - dot * 0.8, c.y() - dot * 0.8, dot * 1.6, dot * 1.6))
    p.restore()
    p.setPen(QPen(QColor("#888888"), 1))
    p.drawRect(panel.rect)


def draw_legend(p: QPainter, x: float, y: float) -> None:
    p.setFont(QFont("Sans", 9))
    items = [("camera", "white", True), ("river camera", "#00b4d8", True)] + \
            [(k, c, False) for k, c in SENSOR_COLOURS.items()]
    for n, (label, colour, round_) in enumerate(items):
        c = QPointF(x + 6, y + 14 * n + 6)
        p.setPen(QPen(QColor("black"), 0.8))
        p.setBrush(QColor(colour))
        if round_:
            p.drawEllipse(c, 4, 4)
        else:
            p.drawRect(QRectF(c.x() - 4, c.y() - 4, 8, 8))
        p.drawText(QPointF(x + 16, y + 14 * n + 10), label)


def render(out: Path) -> None:
    _app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts need it)
    outlines = {c: load(f"boundaries/{c}.geojson") for c in DISTRICT_COLOURS}
    grid, areas = load("grid.geojson"), load("areas.json")
    cameras, sensors = load("cameras.json"), load("sensors.json")
    img = QImage(1200, 1240, QImage.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    args = (outlines, grid, areas, cameras, sensors)
    draw_panel(p, Panel(QRectF(10, 30, 400, 1200), 106.60, 39.03, 107.15, 39.92), *args, dot=2.2)
    zoom = Panel(QRectF(420, 30, 770, 1200), 106.60, 39.40, 106.96, 39.80)
    draw_panel(p, zoom, *args, dot=3.5)
    p.setFont(QFont("Noto Sans CJK SC", 12, QFont.Bold))
    for code, (lon, lat) in LABELS.items():
        p.setPen(QColor(DISTRICT_COLOURS[code]))
        p.drawText(zoom.pt(lon, lat), areas[code]["name"] + " " + areas[code]["name_en"])
    p.setFont(QFont("Sans", 11))
    p.setPen(QColor("black"))
    p.drawText(QPointF(12, 20), f"Wuhai demo grid: {len(grid['features'])} cells, "
               f"{len(cameras)} cameras, {len(sensors)} sensors (GCJ-02); right: the urban north")
    draw_legend(p, 1080, 40)
    p.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    img.convertToFormat(QImage.Format_Indexed8, Qt.ThresholdDither | Qt.AvoidDither).save(str(out), "PNG")


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
