/* City Brain grid map: the page side.
 *
 * panels/map.py owns the state; this page only draws it. Python pushes
 * batches with CB.apply({...}) (runJavaScript), and the page reports clicks to
 * the `bridge` QObject over QWebChannel. Nothing here fetches anything: the
 * grid and every marker arrive in the batches.
 *
 * Batch keys (all optional):
 *   clock   [hubNowMs, rate]              the hub's clock, for countdowns
 *   grid    [[code, latlngs, name], ...]  the cells (once)
 *   view    {area, level, unitLen, units: [{c, n, at, o}], outline, bounds}
 *   load    {counts: {unit: [open, overdue, dueSoon]}, max: [open, overdue],
 *            cells: {cell: [open, overdue, dueSoon]}, cellMax: [open, overdue]}
 *   reset   true: drop every marker before applying the rows below
 *   cases / sensors / cameras / detections   {up: [row, ...], rm: [id, ...]}
 *   select  {id, lat, lon, fly} or null (the selected case's ring)
 *   layers  ["cases", "sensors", "cameras", "river", "detections"]
 * Rows are documented in widgets/map_model.py.
 */
(function () {
  "use strict";

  var CB = window.CB = {};
  var OVERDUE = 1, DUE_SOON = 2;
  var LAYER_NAMES = ["cases", "sensors", "cameras", "river", "detections"];

  var map = null, cfg = null, P = null, W = null, bridge = null;
  var R = {};                       // canvas renderers by pane
  var layers = {};
  var items = {cases: new Map(), sensors: new Map(), cameras: new Map(), detections: new Map()};
  var cells = new Map();            // code -> L.Polygon
  var view = null;
  var load = {counts: {}, max: [1, 1], cells: {}, cellMax: [1, 1]};
  var ownCells = false;   // close up (cfg.cellZoom): a cell shows its own cases, not its unit's
  var clock = {hub: Date.now(), at: Date.now(), rate: 1};
  var selection = null, ring = null, hoverTip = null;
  var visible = {};
  var stats = {applies: 0, lastApplyMs: 0, maxApplyMs: 0, partMaxMs: {}, errors: []};

  /* ---------------------------------------------------------------- boot -- */
  CB.boot = function (m, config) {
    map = m; cfg = config; P = config.palette; W = config.words;
    document.body.classList.toggle("cb-wall", !!cfg.wall);
    makePanes();
    layers.cells = L.layerGroup().addTo(map);
    layers.units = L.layerGroup().addTo(map);
    layers.labels = L.layerGroup().addTo(map);
    layers.cases = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 40, chunkDelay: 10, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      disableClusteringAtZoom: 17, maxClusterRadius: 45, iconCreateFunction: clusterIcon,
      clusterPane: "cb-points"
    });
    ["sensors", "cameras", "river", "detections"].forEach(function (k) { layers[k] = L.layerGroup(); });
    addLegend();
    // metres and kilometres only: no miles or feet on a Chinese command center's map
    L.control.scale({metric: true, imperial: false, position: "bottomright"}).addTo(map);
    setLayers(cfg.layers || LAYER_NAMES);
    if (cfg.bounds) map.fitBounds(cfg.bounds, {padding: [20, 20], animate: false});
    map.on("zoomend", onZoom);
    onZoom();
    setInterval(tick, 1000);
    connectBridge();
  };

  function makePanes() {
    [["cb-cells", 350], ["cb-outlines", 380], ["cb-cases", 420], ["cb-points", 620],
     ["cb-labels", 630], ["cb-select", 640]].forEach(function (p) {
      map.createPane(p[0]).style.zIndex = p[1];
    });
    map.getPane("cb-labels").style.pointerEvents = "none";
    R.cells = L.canvas({pane: "cb-cells", padding: 0.3});
    R.outlines = L.canvas({pane: "cb-outlines", padding: 0.3});
    R.cases = L.canvas({pane: "cb-cases", padding: 0.3, tolerance: 3});
  }

  // Zoomed out, the city's 80 cameras and quiet sensors would bury the
  // choropleth: show only what needs attention (CSS hides the rest).
  function onZoom() {
    map.getContainer().classList.toggle("cb-far", map.getZoom() < cfg.detailZoom);
    var own = map.getZoom() >= (cfg.cellZoom || Infinity);
    if (own !== ownCells) { ownCells = own; restyleCells(); }
  }

  function connectBridge() {
    if (!(window.qt && window.qt.webChannelTransport && window.QWebChannel)) return;
    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge;
      bridge.pageReady();
    });
  }

  function send(slot, arg) {
    if (bridge && bridge[slot]) bridge[slot](arg);
  }

  window.addEventListener("error", function (e) {
    stats.errors.push(String(e.message || e));
  });

  /* --------------------------------------------------------------- apply -- */
  CB.apply = function (b) {
    try {
      return applyBatch(b);
    } catch (e) {
      // runJavaScript swallows exceptions: keep them where tests and logs look
      stats.errors.push(String(e && e.stack || e));
      console.error("CB.apply: " + (e && e.stack || e));
      return -1;
    }
  };

  function applyBatch(b) {
    var t0 = performance.now();
    if (b.clock) clock = {hub: b.clock[0], at: Date.now(), rate: b.clock[1] || 1};
    if (b.layers) setLayers(b.layers);
    if (b.grid) timed("grid", setGrid, b.grid);
    if (b.view) timed("view", setView, b.view);
    if (b.reset) clearItems();
    if (b.cases) timed("cases", applyCases, b.cases);
    if (b.sensors) applyPoints("sensors", b.sensors, sensorMarker, sensorKey);
    if (b.cameras) applyPoints("cameras", b.cameras, cameraMarker, cameraKey);
    if (b.detections) applyPoints("detections", b.detections, detectionMarker, detectionKey);
    if (b.load) timed("load", setLoad, b.load);
    if ("select" in b) select(b.select);
    var ms = performance.now() - t0;
    stats.applies += 1; stats.lastApplyMs = ms; stats.maxApplyMs = Math.max(stats.maxApplyMs, ms);
    return stats.applies;
  }

  // the slowest run of each step, for bench/map.py
  function timed(name, fn, arg) {
    var t = performance.now();
    fn(arg);
    var ms = performance.now() - t;
    stats.partMaxMs[name] = Math.max(stats.partMaxMs[name] || 0, ms);
  }

  function clearItems() {
    layers.cases.clearLayers();
    ["sensors", "cameras", "river", "detections"].forEach(function (k) { layers[k].clearLayers(); });
    Object.keys(items).forEach(function (k) { items[k].clear(); });
  }

  function setLayers(names) {
    visible = {};
    names.forEach(function (n) { visible[n] = true; });
    LAYER_NAMES.forEach(function (n) {
      var on = !!visible[n], has = map.hasLayer(layers[n]);
      if (on && !has) map.addLayer(layers[n]);
      if (!on && has) map.removeLayer(layers[n]);
    });
  }

  /* ---------------------------------------------------------------- grid -- */
  function setGrid(rows) {
    layers.cells.clearLayers();
    cells.clear();
    rows.forEach(function (r) {
      var poly = L.polygon(r[1], {renderer: R.cells, weight: 0.8, color: P.bg, fillOpacity: 0.4,
                                  fillColor: P.empty, bubblingMouseEvents: false});
      poly.cbCode = r[0];
      poly.cbName = r[2];
      poly.on("click", onCellClick);
      poly.on("mouseover", onCellOver);
      poly.on("mouseout", hideTip);
      cells.set(r[0], poly);
      layers.cells.addLayer(poly);
    });
    restyleCells();
    send("gridDrawn", cells.size);
  }

  function onCellClick(e) { send("cellClicked", e.target.cbCode); }

  function onCellOver(e) {
    var code = e.target.cbCode, text = e.target.cbName;
    if (view && code.indexOf(view.area) === 0) {
      // the count the cell's colour stands for: its area's, or close up its own
      var unit = code.substr(0, view.unitLen), c = ownCells ? load.cells[code] : load.counts[unit];
      var u = view.unitNames[unit];
      if (u && unit !== code) text = u + "\n" + text;
      text += "\n" + countText(c);
    }
    showTip(text, e.latlng);
  }

  function setView(v) {
    view = v;
    view.unitNames = {};
    v.units.forEach(function (u) { view.unitNames[u.c] = u.n; });
    layers.units.clearLayers();
    v.units.forEach(function (u) {
      layers.units.addLayer(L.polyline(u.o, {renderer: R.outlines, color: P.outline, weight: 1.6,
                                              opacity: 0.85, interactive: false}));
    });
    if (v.level !== "city") {
      layers.units.addLayer(L.polyline(v.outline, {renderer: R.outlines, color: P.accent, weight: 3,
                                                    opacity: 0.95, interactive: false}));
    }
    restyleCells();
    drawLabels();
    map.fitBounds(v.bounds, {padding: [28, 28], maxZoom: 17, animate: !!v.animate});
  }

  function setLoad(l) {
    load = {counts: l.counts || {}, max: l.max || [1, 1], cells: l.cells || {}, cellMax: l.cellMax || [1, 1]};
    restyleCells();
    drawLabels();
  }

  function restyleCells() {
    cells.forEach(function (poly, code) { poly.setStyle(cellStyle(code)); });
  }

  // The choropleth: red where overdue work piles up (deeper = more), amber
  // where cases are about to be due, blue for open work, grey for none; by
  // the view's units (districts, streets...), or close up by each cell's own.
  function cellStyle(code) {
    if (!view) return {fillColor: P.empty, fillOpacity: 0.45, color: P.bg, weight: 0.8, opacity: 0.9};
    if (code.indexOf(view.area) !== 0) {
      return {fillColor: P.dim, fillOpacity: 0.35, color: P.bg, weight: 0.5, opacity: 0.6};
    }
    var c = ownCells ? load.cells[code] : load.counts[code.substr(0, view.unitLen)];
    var max = ownCells ? load.cellMax : load.max;
    var s = {color: P.bg, weight: 0.8, opacity: 0.9};
    if (c && c[1] > 0) { s.fillColor = P.alarm; s.fillOpacity = 0.28 + 0.37 * share(c[1], max[1]); }
    else if (c && c[2] > 0) { s.fillColor = P.warn; s.fillOpacity = 0.38; }
    else if (c && c[0] > 0) { s.fillColor = P.accent; s.fillOpacity = 0.2 + 0.35 * share(c[0], max[0]); }
    else { s.fillColor = P.empty; s.fillOpacity = 0.45; }
    return s;
  }

  function share(n, max) { return max > 0 ? Math.sqrt(Math.min(1, n / max)) : 0; }

  function countText(c) {
    if (!c || !c[0]) return W.none;
    var t = fmt(W.open, c[0]);
    if (c[1]) t += " · " + fmt(W.overdueN, c[1]);
    else if (c[2]) t += " · " + fmt(W.soonN, c[2]);
    return t;
  }

  function drawLabels() {
    layers.labels.clearLayers();
    if (!view) return;
    view.units.forEach(function (u) {
      var c = load.counts[u.c];
      var cls = !c || !c[0] ? "none" : c[1] ? "od" : c[2] ? "soon" : "open";
      var quiet = cls === "none" && u.c.length === 15;   // a cell with nothing open: name only
      var html = '<div class="nm' + (quiet ? ' only' : '') + '"></div>' + (quiet ? '' : '<div class="ct ' + cls + '"></div>');
      var icon = L.divIcon({className: "cb-label", html: html, iconSize: null});
      var mk = L.marker(u.at, {icon: icon, pane: "cb-labels", interactive: false, keyboard: false});
      mk.on("add", function () {
        var el = mk.getElement();
        el.querySelector(".nm").textContent = u.n;
        var ct = el.querySelector(".ct");
        if (ct) ct.textContent = countText(c);
      });
      layers.labels.addLayer(mk);
    });
  }

  /* --------------------------------------------------------------- cases -- */
  // row: [id, lat, lon, priority, flags, tooltip]
  // Fill = priority (as in the queue); a red (overdue) or amber (due soon)
  // ring drawn outside a dark gap, so it reads even around a red P1 dot and
  // over a red cell.
  var CaseMarker = L.CircleMarker.extend({
    _updateBounds: function () {
      L.CircleMarker.prototype._updateBounds.call(this);
      var pad = this.options.ring ? RING_GAP + RING_W : 0;
      if (pad && this._pxBounds) {
        this._pxBounds = L.bounds(this._pxBounds.min.subtract([pad, pad]), this._pxBounds.max.add([pad, pad]));
      }
    },
    _updatePath: function () {
      var r = this._renderer;
      r._updateCircle(this);
      if (!this.options.ring || !r._drawing || this._empty()) return;
      var ctx = r._ctx, p = this._point;
      ctx.beginPath();
      ctx.arc(p.x, p.y, this._radius + RING_GAP + RING_W / 2, 0, Math.PI * 2, false);
      ctx.globalAlpha = 1;
      ctx.lineWidth = RING_W;
      ctx.strokeStyle = this.options.ring;
      ctx.stroke();
    }
  });
  var RING_GAP = 2, RING_W = 3;

  function caseStyle(p, f) {
    var r = (cfg.wall ? 8 : 6) + (p === 1 ? 1 : 0);
    return {renderer: R.cases, radius: r, fillColor: P.priority[p] || P.text, fillOpacity: 1,
            color: P.bg, weight: 2, opacity: 1,
            ring: f & OVERDUE ? P.alarm : f & DUE_SOON ? P.warn : null};
  }

  function applyCases(d) {
    var add = [], changed = [], gone = [];
    (d.rm || []).forEach(function (id) {
      var m = items.cases.get(id);
      if (m) { gone.push(m); items.cases.delete(id); }
    });
    (d.up || []).forEach(function (row) {
      var m = items.cases.get(row[0]);
      if (!m) {
        m = new CaseMarker([row[1], row[2]], caseStyle(row[3], row[4]));
        m.cb = row;
        m.on("click", onCaseClick);
        m.on("mouseover", onItemOver);
        m.on("mouseout", hideTip);
        items.cases.set(row[0], m);
        add.push(m);
        return;
      }
      var old = m.cb;
      m.cb = row;
      if (old[1] !== row[1] || old[2] !== row[2]) {
        // markercluster does not follow moved markers: take it out and back
        gone.push(m); add.push(m);
        m.setLatLng([row[1], row[2]]);
      }
      if (old[3] !== row[3] || old[4] !== row[4]) {
        var st = caseStyle(row[3], row[4]);
        m.options.ring = st.ring;
        m.setRadius(st.radius);
        m.setStyle(st);
        changed.push(m);
      }
    });
    if (gone.length) layers.cases.removeLayers(gone);
    if (add.length) layers.cases.addLayers(add);
    if (changed.length) queueClusterRefresh(changed);
    if (selection && items.cases.has(selection.id)) placeRing();
  }

  // A cluster's icon (its worst case, the overdue badge) is redrawn at most
  // four times a second, not on every batch: with thousands of markers
  // changing, per-batch refreshes kept the page busy (bench/map.py).
  var refreshPending = [], refreshTimer = null;

  function queueClusterRefresh(markers) {
    for (var i = 0; i < markers.length; i++) refreshPending.push(markers[i]);
    if (!refreshTimer) refreshTimer = setTimeout(flushClusterRefresh, 250);
  }

  function flushClusterRefresh() {
    refreshTimer = null;
    var live = refreshPending.filter(function (m) { return items.cases.get(m.cb[0]) === m; });
    refreshPending = [];
    if (live.length) layers.cases.refreshClusters(live);
  }

  function onCaseClick(e) { send("caseClicked", e.target.cb[0]); }

  function clusterIcon(cluster) {
    var ms = cluster.getAllChildMarkers(), od = 0, soon = 0, p1 = 0;
    for (var i = 0; i < ms.length; i++) {
      var row = ms[i].cb;
      if (row[4] & OVERDUE) od++; else if (row[4] & DUE_SOON) soon++;
      if (row[3] === 1) p1++;
    }
    var n = ms.length, cls = od ? "od" : soon ? "soon" : p1 ? "p1" : "ok";
    var size = (n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48) * (cfg.wall ? 1.35 : 1);
    var html = "<div><span>" + n + "</span>" + (od ? "<b>" + od + "</b>" : "") + "</div>";
    return L.divIcon({html: html, className: "cb-cluster cb-cluster-" + cls, iconSize: [size, size]});
  }

  /* ------------------------------------------- sensors, cameras, detections -- */
  // sensors    [id, lat, lon, kind, state, acked, tooltip]
  // cameras    [id, lat, lon, group, status, tooltip]
  // detections [id, lat, lon, category label, promoteAtMs, camera, tooltip]
  function applyPoints(kind, d, make, key) {
    (d.rm || []).forEach(function (id) { removePoint(kind, id); });
    (d.up || []).forEach(function (row) {
      var m = items[kind].get(row[0]);
      if (m && key(m.cb) === key(row) && m.cb[1] === row[1] && m.cb[2] === row[2]) {
        m.cb = row;                       // only the tooltip text changed
        return;
      }
      if (m) removePoint(kind, row[0]);
      m = make(row);
      m.cb = row;
      m.cbKind = kind;
      m.on("click", onPointClick);
      m.on("mouseover", onItemOver);
      m.on("mouseout", hideTip);
      items[kind].set(row[0], m);
      layerFor(kind, row).addLayer(m);
    });
  }

  function layerFor(kind, row) {
    if (kind === "cameras") return row[3] === "yellow_river" ? layers.river : layers.cameras;
    return layers[kind];
  }

  function removePoint(kind, id) {
    var m = items[kind].get(id);
    if (!m) return;
    layerFor(kind, m.cb).removeLayer(m);
    items[kind].delete(id);
  }

  function sensorKey(r) { return r[3] + "|" + r[4] + "|" + r[5]; }
  function cameraKey(r) { return r[3] + "|" + r[4]; }
  function detectionKey(r) { return r[3] + "|" + r[4]; }

  function pointMarker(row, cls, html, size) {
    var s = size * (cfg.wall ? 1.4 : 1);
    var icon = L.divIcon({className: "cb-pt " + cls, html: html, iconSize: [s, s]});
    return L.marker([row[1], row[2]], {icon: icon, pane: "cb-points", keyboard: false,
                                       riseOnHover: true});
  }

  function sensorMarker(row) {
    var cls = "cb-sensor s-" + row[4] + (row[5] ? " acked" : "") + (row[4] === "alarm" && !row[5] ? " pulse" : "");
    return pointMarker(row, cls, SVG[row[3]] || SVG.water_level, 24);
  }

  function cameraMarker(row) {
    var cls = "cb-cam g-" + row[3] + " st-" + row[4];
    return pointMarker(row, cls, SVG.camera, 20);
  }

  function detectionMarker(row) {
    var icon = L.divIcon({className: "cb-det", iconSize: null,
                          html: '<div class="box"><b></b><span></span></div>'});
    var m = L.marker([row[1], row[2]], {icon: icon, pane: "cb-points", keyboard: false});
    m.on("add", function () { fillDetection(m); });
    return m;
  }

  function fillDetection(m) {
    var el = m.getElement();
    if (!el) return;
    var left = m.cb[4] - hubNow();
    el.querySelector("b").textContent = m.cb[3];
    el.querySelector("span").textContent = left > 0 ? fmt(W.left, mmss(left)) : W.promoting;
    el.classList.toggle("due", left <= 60000);
  }

  function onPointClick(e) {
    var m = e.target, kind = m.cbKind;
    if (kind === "sensors") send("sensorClicked", m.cb[0]);
    else if (kind === "cameras") send("cameraClicked", m.cb[0]);
    else if (kind === "detections") send("cameraClicked", m.cb[5]);
  }

  function onItemOver(e) {
    var m = e.target;
    var text = m.cbKind === "sensors" || m.cbKind === "detections" ? m.cb[6] : m.cb[5];
    showTip(text, m.getLatLng());
  }

  /* ---------------------------------------------------------- selection -- */
  function select(s) {
    selection = s;
    if (ring) { map.removeLayer(ring); ring = null; }
    if (!s) return;
    placeRing();
    if (s.fly) map.flyTo([s.lat, s.lon], Math.max(map.getZoom(), cfg.flyZoom || 17), {duration: 0.6});
  }

  function placeRing() {
    var m = items.cases.get(selection.id);
    var at = m ? m.getLatLng() : L.latLng(selection.lat, selection.lon);
    if (ring) { ring.setLatLng(at); return; }
    var size = cfg.wall ? 60 : 44;
    ring = L.marker(at, {icon: L.divIcon({className: "cb-selring", iconSize: [size, size]}),
                         pane: "cb-select", interactive: false, keyboard: false}).addTo(map);
  }

  /* ------------------------------------------------------------- helpers -- */
  function showTip(text, latlng) {
    hideTip();
    var el = document.createElement("div");
    el.className = "cb-tipbody";
    el.textContent = text;
    hoverTip = L.tooltip({direction: "top", offset: [0, -10], className: "cb-tip", opacity: 1})
      .setLatLng(latlng).setContent(el);
    map.openTooltip(hoverTip);
  }

  function hideTip() {
    if (hoverTip) { map.closeTooltip(hoverTip); hoverTip = null; }
  }

  function hubNow() { return clock.hub + (Date.now() - clock.at) * clock.rate; }

  function mmss(ms) {
    var s = Math.max(0, Math.floor(ms / 1000)), m = Math.floor(s / 60);
    var h = Math.floor(m / 60);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" + pad(m % 60) : pad(m)) + ":" + pad(s % 60);
  }

  function fmt(template, a) { return String(template).replace("%1", a); }

  function tick() {
    items.detections.forEach(fillDetection);
  }

  function addLegend() {
    var legend = L.control({position: "bottomleft"});
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "cb-legend");
      var rows = [["sw od", W.legendOverdue], ["sw soon", W.legendSoon], ["sw open", W.legendOpen],
                  ["sw none", W.legendNone]];
      var html = '<div class="hd"></div>';
      rows.forEach(function (r) { html += '<div class="row"><i class="' + r[0] + '"></i><span></span></div>'; });
      html += '<div class="hd hd2"></div><div class="row">';
      [1, 2, 3, 4].forEach(function (p) { html += '<i class="dot" style="background:' + P.priority[p] + '"></i><span class="p"></span>'; });
      html += '</div><div class="row"><i class="dot ring"></i><span></span></div>';
      html += '<div class="row"><i class="dot alarm"></i><span></span></div>';
      div.innerHTML = html;
      var spans = div.querySelectorAll("span");
      var texts = [W.legendOverdue, W.legendSoon, W.legendOpen, W.legendNone]
        .concat(W.priorities).concat([W.legendRing, W.legendAlarm]);
      spans.forEach(function (s, i) { s.textContent = texts[i]; });
      div.querySelector(".hd").textContent = W.legendTitle;
      div.querySelector(".hd2").textContent = W.legendMarkers;
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    legend.addTo(map);
  }

  var SVG = {
    water_level: '<svg viewBox="0 0 24 24"><path d="M12 3c-3 5-6 8-6 12a6 6 0 0 0 12 0c0-4-3-7-6-12z"/></svg>',
    manhole: '<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="8"/><path d="M6 10h12M6 14h12" class="ln"/></svg>',
    gas: '<svg viewBox="0 0 24 24"><path d="M12 2c1 4 6 6 6 12a6 6 0 0 1-12 0c0-3 2-5 3-6 0 2 1 3 2 3 0-4-1-6 1-9z"/></svg>',
    elder_radar: '<svg viewBox="0 0 24 24"><circle cx="12" cy="6" r="3"/><path d="M7 21l2-8h6l2 8z"/></svg>',
    camera: '<svg viewBox="0 0 24 24"><rect x="3" y="7" width="13" height="10" rx="2"/><path d="M16 11l5-3v8l-5-3z"/></svg>'
  };

  /* ------------------------------------------------- introspection (tests) -- */
  CB.stats = function () {
    var counts = {};
    Object.keys(items).forEach(function (k) { counts[k] = items[k].size; });
    return {cells: cells.size, items: counts, area: view ? view.area : null,
            units: view ? view.units.length : 0, load: load.counts,
            selected: selection ? selection.id : null, layers: Object.keys(visible).filter(function (k) {
              return visible[k] && map.hasLayer(layers[k]); }),
            applies: stats.applies, lastApplyMs: stats.lastApplyMs, maxApplyMs: stats.maxApplyMs,
            partMaxMs: stats.partMaxMs,
            errors: stats.errors, zoom: map.getZoom(), ownCells: ownCells,
            cellsWithCases: Object.keys(load.cells).length};
  };

  CB.item = function (kind, id) {
    var m = items[kind] && items[kind].get(id);
    if (!m) return null;
    var out = {row: m.cb};
    if (kind === "cases") out.style = {fill: m.options.fillColor, ring: m.options.ring, radius: m.options.radius};
    var el = m.getElement && m.getElement();
    if (el) out.className = el.className;
    return out;
  };

  CB.layerOf = function (kind, id) {
    var m = items[kind] && items[kind].get(id);
    if (!m) return null;
    for (var name in layers) { if (layers[name].hasLayer(m)) return name; }
    return null;
  };

  CB.cellStyle = function (code) {
    var p = cells.get(code);
    return p ? {fill: p.options.fillColor, opacity: p.options.fillOpacity} : null;
  };

  // Fire a marker's or cell's own click handler, as a mouse click would.
  CB.click = function (kind, id) {
    var m = kind === "cells" ? cells.get(id) : items[kind] && items[kind].get(id);
    if (!m) return false;
    m.fire("click", {latlng: m.getLatLng ? m.getLatLng() : m.getBounds().getCenter()});
    return true;
  };
})();
