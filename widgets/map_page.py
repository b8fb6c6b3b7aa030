"""The map page: a folium (Leaflet) map that asks nothing of the internet.

folium 0.20 links Leaflet, jQuery, Bootstrap and font-awesome from CDNs a
command-center network cannot reach (MACHINE.md §4). This page links the
vendored copies in ``resources/web/vendor`` and our own ``resources/web/map``
files by ``file://`` URL, and draws the real district outlines on a dark
background. The only remote address it may name is the city's own tile
server (setting ``map/tile_url``). The grid and the live layers are pushed in
later by ``CB.apply`` (``resources/web/map/map.js``) through the web view.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import folium
from folium.elements import JSCSSMixin
from folium.template import Template
from branca.element import MacroElement

from console.resources import resource_path

DISTRICTS = ("150302", "150303", "150304")
TILE_SCHEMES = ("http", "https", "file")
MIN_ZOOM, MAX_ZOOM = 8, 19
WUHAI = (39.655, 106.825)


def _uri(*parts: str) -> str:
    path = resource_path(*parts)
    if not path.exists():
        raise FileNotFoundError(f"map asset missing: {path}")
    return path.resolve().as_uri()


class _LocalAssets(JSCSSMixin):
    """Links rendered after the map's own: markercluster needs Leaflet first,
    our map.js needs both, QWebChannel's client comes from Qt's resources."""

    def __init__(self):
        super().__init__()
        self._name = "LocalAssets"
        self.default_js = [
            ("markercluster", _uri("web", "vendor", "leaflet.markercluster", "leaflet.markercluster.js")),
            ("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js"),
            ("citybrain_map", _uri("web", "map", "map.js")),
        ]
        self.default_css = [
            ("markercluster_css", _uri("web", "vendor", "leaflet.markercluster", "MarkerCluster.css")),
            ("citybrain_map_css", _uri("web", "map", "map.css")),
        ]


class _Boot(MacroElement):
    """Hands the folium map object and the page's settings to ``CB.boot``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            CB.boot({{ this._parent.get_name() }}, {{ this.config | tojson }});
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self._name = "Boot"
        self.config = config


def valid_tile_url(url: str) -> bool:
    """An XYZ template (``…/{z}/{x}/{y}.png``) on http, https or file."""
    url = (url or "").strip()
    if not url:
        return False
    return urlsplit(url).scheme in TILE_SCHEMES and all(k in url for k in ("{z}", "{x}", "{y}"))


def district_feature(code: str) -> dict:
    raw = json.loads(resource_path("demo", "boundaries", f"{code}.geojson").read_text("utf-8"))
    if raw.get("type") == "Feature":
        return raw
    props = raw.get("properties") or {}
    return {"type": "Feature", "properties": {"code": code, "name": props.get("name", code)},
            "geometry": {"type": raw["type"], "coordinates": raw["coordinates"]}}


def build_map(config: dict, tile_url: str = "", tile_attribution: str = "") -> folium.Map:
    """The folium map: optional tiles, district outlines, our assets, boot."""
    # folium's own scale shows miles too: map.js adds a metric-only one
    m = folium.Map(location=WUHAI, zoom_start=10, tiles=None, prefer_canvas=True,
                   control_scale=False, minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM, zoomSnap=0.25,
                   attributionControl=bool(tile_url))
    m.default_js = [("leaflet", _uri("web", "vendor", "leaflet", "leaflet.js")),
                    ("jquery", _uri("web", "vendor", "jquery", "jquery.min.js"))]
    m.default_css = [("leaflet_css", _uri("web", "vendor", "leaflet", "leaflet.css"))]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or urlsplit(tile_url).netloc or "tiles",
                         name="tiles", max_zoom=MAX_ZOOM, min_zoom=MIN_ZOOM, control=False).add_to(m)
    folium.map.CustomPane("cb-districts", z_index=250, pointer_events=False).add_to(m)
    for code in DISTRICTS:
        folium.GeoJson(district_feature(code), name=f"district-{code}", control=False,
                       pane="cb-districts", interactive=False, smooth_factor=0.5,
                       style_function=_district_style(bool(tile_url))).add_to(m)
    _LocalAssets().add_to(m)
    _Boot(config).add_to(m)
    return m


def _district_style(has_tiles: bool):
    fill = 0.0 if has_tiles else 0.55

    def style(_feature):
        return {"color": "#6f8193", "weight": 1.6, "opacity": 0.9, "dashArray": "6 4",
                "fillColor": "#141c25", "fillOpacity": fill}
    return style


def render_page(out_dir: Path, config: dict, tile_url: str = "", tile_attribution: str = "") -> Path:
    """Write ``map.html`` into ``out_dir`` and return its path."""
    if tile_url and not valid_tile_url(tile_url):
        raise ValueError(f"not an XYZ tile URL: {tile_url!r}")
    html = build_map(config, tile_url, tile_attribution).get_root().render()
    html = _set_language(html, config.get("lang", "zh-CN"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "map.html"
    path.write_text(html, encoding="utf-8")
    return path


def _set_language(html: str, lang: str) -> str:
    """Chromium picks Han glyph forms by the page language: without it,
    fallback fonts may draw Chinese with Japanese letterforms (MACHINE.md §6)."""
    return re.sub(r"<html(\s|>)", f'<html lang="{lang}"\\1', html, count=1)

