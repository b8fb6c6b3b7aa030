"""The shift report (交班报告): its numbers on constructed cases, the files it
writes, and Console → Export shift report… end to end against a real hub."""
from __future__ import annotations

import asyncio
import os
import random
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from console import i18n, reports
from console.protocol import Assignee, Caller, Case, Link, Location, format_ts
from console.store import LiveStore
from tests.qtasync import until
from tests.queue_seed import Scene
from tests.test_console_shell import login, make_shell, scenario, settings, started  # noqa: F401 (fixtures)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)      # 20:00 in Beijing
HERE = Location(39.68, 106.83, "海勃湾区人民南路18号")
SECRET_NAME, SECRET_PHONE, SECRET_NOTE = "王秘密", "13912345678", "来电人说家里门锁坏了"


def at(minutes: float) -> str:
    """A contract time ``minutes`` after NOW (negative: before)."""
    return format_ts(NOW + timedelta(minutes=minutes))


def case(cid: str, status: str = "received", *, category: str = "road_damage", source: str = "hotline_12345",
         reported: float = -60, updated: float | None = None, due: float = 600, unit: str | None = None,
         priority: int = 3, links: tuple[Link, ...] = ()) -> Case:
    return Case(id=cid, version=1, source=source, category=category, title=f"标题 {cid}", status=status,
                priority=priority, location=HERE, reported_at=at(reported),
                updated_at=at(reported if updated is None else updated), due_at=at(due),
                assignee=Assignee(unit) if unit else None, links=links,
                caller=Caller(SECRET_NAME, SECRET_PHONE), description=SECRET_NOTE)


@pytest.fixture
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("zh_CN")


def snap(cases: list[Case], overdue=frozenset(), now: datetime = NOW) -> reports.CaseSnapshot:
    store = LiveStore()
    store.cases = {c.id: c for c in cases}
    store.overdue = set(overdue)
    return reports.snapshot(store, now=now)


SHIFT = [
    # received in the period, open
    case("R1", reported=-30, unit=None, priority=1, category="gas_leak", due=-5),          # overdue (due_at)
    case("R2", "dispatched", reported=-120, updated=-100, unit="municipal"),
    case("R3", "in_progress", reported=-200, updated=-150, unit="municipal", due=60),      # overdue (hub said so)
    # closed in the period: handling 30, 60, 90, 120 min
    case("C1", "closed", reported=-300, updated=-270, unit="municipal"),
    case("C2", "closed", reported=-300, updated=-240, unit="sanitation"),
    case("C3", "closed", reported=-800, updated=-710, unit="sanitation"),                  # reported before
    case("C4", "closed", reported=-400, updated=-280, unit="municipal"),
    case("X1", "rejected", reported=-50, updated=-40),
    # before the period: an old closed case, and an old open one still handed over
    case("OLD", "closed", reported=-2000, updated=-1000, unit="municipal"),
    case("OLDOPEN", "verifying", reported=-2000, updated=-1500, unit="sanitation", due=-900),
    # after the period's end (clock skew): not received in it
    case("FUT", reported=5),
    # a category and a source this build does not know
    case("U1", category="space_debris", source="carrier_pigeon", reported=-10, priority=4),
    # a 12345-110 pair (links both ways), and a pair entirely before the period
    case("H1", source="hotline_12345", reported=-20, links=(Link("P1", "12345-110"),)),
    case("P1", source="police_110", reported=-15, links=(Link("H1", "12345-110"),)),
    case("H0", "closed", source="hotline_12345", reported=-3000, updated=-2900,
         links=(Link("P0", "12345-110"),)),
    case("P0", "closed", source="police_110", reported=-3000, updated=-2900, links=(Link("H0", "12345-110"),)),
]


def test_summary_counts_on_a_known_shift(english):
    report = reports.build_report(snap(SHIFT, overdue={"R3"}))
    c = report.counts
    assert report.period == reports.Period(NOW - timedelta(hours=12), NOW)
    assert c["received"] == 10          # R1 R2 R3 C1 C2 C4 X1 U1 H1 P1 (C3 was reported before)
    assert c["closed"] == 4 and c["rejected"] == 1
    assert c["open"] == 8               # R1 R2 R3 OLDOPEN FUT U1 H1 P1
    assert c["overdue"] == 3            # R1 (due passed), R3 (the hub's overdue set), OLDOPEN
    assert c["p1_open"] == 1
    assert c["linked_pairs"] == 1       # H1–P1 once, H0–P0 is before the period
    assert c["median_min"] == 75.0      # 30, 60, 90, 120
    assert c["p90_min"] == pytest.approx(np.quantile([30, 60, 90, 120], 0.9), abs=0.05)
    summary = dict(zip(report.frames["summary"]["Item"], report.frames["summary"]["Value"]))
    assert summary["Received in the period"] == 10 and summary["Overdue now"] == 3
    assert summary["Period start (Beijing time)"] == "2026-11-25 08:00"
    assert summary["Period end (Beijing time)"] == "2026-11-25 20:00"
    assert summary["Median handling time (min)"] == 75.0


def test_received_count_follows_the_period(english):
    s = snap(SHIFT)
    assert reports.build_report(s).counts["received"] == 10
    short = reports.Period(NOW - timedelta(minutes=60), NOW)
    r = reports.build_report(s, short).counts
    assert r["received"] == 5          # R1 X1 U1 H1 P1 (R2 at -120 is outside)
    assert r["closed"] == 0 and r["rejected"] == 1
    assert np.isnan(r["median_min"])
    assert r["open"] == 8              # "now" does not depend on the period
    earlier = reports.Period(NOW - timedelta(hours=24), NOW - timedelta(hours=12))
    r = reports.build_report(s, earlier).counts
    assert r["received"] == 1 and r["closed"] == 1      # C3 reported at -800 min; OLD closed at -1000


def test_period_boundaries_are_start_exclusive_end_inclusive(english):
    cases = [case("S", reported=-720), case("E", reported=0), case("M", reported=-1)]
    assert reports.build_report(snap(cases)).counts["received"] == 2      # M and E, not S


def test_by_unit(english):
    t = reports.build_report(snap(SHIFT, overdue={"R3"})).frames["by_unit"].set_index("Unit")
    m = t.loc["Municipal works"]
    assert (m["Open"], m["Overdue"], m["Closed in the period"]) == (2, 1, 2)   # R2 R3 / R3 / C1 C4
    assert m["Median handling time (min)"] == 75.0                              # 30 and 120
    s = t.loc["Sanitation centre"]
    assert (s["Open"], s["Overdue"], s["Closed in the period"]) == (1, 1, 2)   # OLDOPEN / C2 C3
    assert s["Median handling time (min)"] == 75.0                              # 60 and 90
    assert t.loc["(not assigned)", "Open"] == 5                                 # R1 FUT U1 H1 P1
    assert t.loc["Fire and rescue", "Open"] == 0                                # every unit is listed
    assert list(t["Overdue"]) == sorted(t["Overdue"], reverse=True)           # the worst first


def test_by_category_and_source_count_statuses_unknown_category_is_other(english):
    r = reports.build_report(snap(SHIFT, overdue={"R3"}))
    cat = r.frames["by_category"].set_index("Category")
    assert cat.loc["Other", "Received"] == 1 and cat.loc["Other", "Total"] == 1       # space_debris
    assert cat.loc["Gas leak", "Received"] == 1
    # road damage: R2 R3 C1..C4 X1 OLDOPEN FUT H1 P1 (OLD, H0, P0 are neither in the period nor open)
    road = cat.loc["Road damage"]
    assert (road["Received"], road["Dispatched"], road["In progress"], road["Verifying"], road["Closed"],
            road["Rejected"], road["Total"]) == (3, 1, 1, 1, 4, 1, 11)
    assert cat.loc["Total", "Total"] == 13
    src = r.frames["by_source"].set_index("Source")
    assert src.loc["110 police", "Received"] == 1
    assert src.loc["carrier_pigeon", "Total"] == 1            # shown by its code, not dropped
    assert src.loc["Total", "Total"] == 13
    assert "AI video" not in src.index                          # no empty rows


def test_overdue_list(english):
    r = reports.build_report(snap(SHIFT, overdue={"R3"}))
    od = r.frames["overdue"]
    assert list(od.columns) == ["Case", "Title", "Category", "Priority", "Unit", "Due (Beijing time)",
                                "Overdue by (min)"]
    assert list(od["Case"]) == ["OLDOPEN", "R1", "R3"]           # most overdue first
    row = od.set_index("Case").loc["R1"]
    assert row["Due (Beijing time)"] == "2026-11-25 19:55"       # 11:55 UTC
    assert row["Overdue by (min)"] == 5 and row["Priority"] == "P1 urgent" and row["Category"] == "Gas leak"
    assert row["Unit"] == "(not assigned)"
    assert od.set_index("Case").loc["R3", "Overdue by (min)"] == 0   # the hub's word; its due time is ahead
    assert od.set_index("Case").loc["OLDOPEN", "Unit"] == "Sanitation centre"


def test_headers_and_names_in_chinese_by_default():
    assert i18n.language() == "zh_CN"
    r = reports.build_report(snap(SHIFT))
    assert list(r.frames["overdue"].columns)[:3] == ["案件编号", "标题", "类别"]
    assert "燃气泄漏" in set(r.frames["overdue"]["类别"])
    assert "其他" in set(r.frames["by_category"]["类别"])
    assert "市政管理处" in set(r.frames["by_unit"]["单位"])
    assert r.frames["summary"]["项目"].iloc[2] == "本时段受理"


def test_empty_store():
    r = reports.build_report(snap([]))
    assert r.counts["received"] == 0 and r.counts["open"] == 0 and np.isnan(r.counts["median_min"])
    assert r.frames["overdue"].empty


def test_times_fast_path_agrees_with_pandas():
    rnd = random.Random(3)
    base = datetime(1970, 1, 1, tzinfo=timezone.utc)
    texts = [format_ts(base + timedelta(milliseconds=rnd.randrange(32_503_680_000_000))) for _ in range(20_000)]
    texts[7] = "2026-13-01T00:00:00.000Z"       # no 13th month
    texts[8] = "2026-1X-01T00:00:00.000Z"
    texts[9] = "2026-11-25T11:33:21+0800"       # 24 characters, not the hub's form: still read
    ours = reports._times(texts)
    theirs = pd.to_datetime(pd.Index(texts), format="ISO8601", utc=True, errors="coerce")
    assert ours.isna().sum() == 2 and ours.iloc[9] == pd.Timestamp("2026-11-25T03:33:21Z")
    assert (ours.dropna().to_numpy() == theirs.dropna().to_numpy()).all()
    mixed = reports._times(["2026-11-25T03:33:21Z", "nonsense", "2026-11-25T03:33:21.500Z"])
    assert mixed.iloc[0] == pd.Timestamp("2026-11-25T03:33:21Z") and pd.isna(mixed.iloc[1])


# --- files ------------------------------------------------------------------------------------------

class Tables(HTMLParser):
    """Just enough HTML reading: cell texts per table, and every attribute."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.attrs: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.attrs += attrs
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_write_report_csv_with_bom_and_self_contained_html(tmp_path):
    s = snap(SHIFT, overdue={"R3"})
    s.user = "demo-supervisor"
    report = reports.build_report(s)
    files = reports.write_report(report, tmp_path, "demo-supervisor", NOW)
    names = sorted(f.name for f in files)
    assert names == sorted([f"shift-report-20261125-2000-{t}.csv" for t in reports.TABLES]
                           + ["shift-report-20261125-2000.html"])
    for name in reports.TABLES:
        path = tmp_path / f"shift-report-20261125-2000-{name}.csv"
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"        # Excel reads the Chinese
        back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
        assert list(back.columns) == list(report.frames[name].columns)
        assert len(back) == len(report.frames[name])
    od = pd.read_csv(tmp_path / "shift-report-20261125-2000-overdue.csv", encoding="utf-8-sig")
    assert list(od["案件编号"]) == ["OLDOPEN", "R1", "R3"] and list(od["超时（分钟）"]) == [900, 5, 0]
    text = (tmp_path / "shift-report-20261125-2000.html").read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text and "<link" not in text
    assert "<style>" in text and "交班报告 2026-11-25 08:00 – 20:00" in text and "demo-supervisor" in text
    parsed = Tables()
    parsed.feed(text)
    assert not [a for a in parsed.attrs if a[0] in ("src", "href")]
    assert len(parsed.tables) == len(reports.TABLES)
    overdue_table = parsed.tables[-1]
    assert [row[0] for row in overdue_table[1:]] == ["OLDOPEN", "R1", "R3"]
    for f in files:       # never a caller, a phone or a description
        body = f.read_text(encoding="utf-8-sig")
        assert SECRET_NAME not in body and SECRET_PHONE not in body and SECRET_NOTE not in body


def test_html_lists_at_most_a_page_of_rows_the_csv_all(tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "HTML_MAX_ROWS", 2)
    report = reports.build_report(snap(SHIFT, overdue={"R3"}))
    reports.write_report(report, tmp_path)
    text = (tmp_path / "shift-report-20261125-2000.html").read_text(encoding="utf-8")
    assert "仅列出前 2 行，共 3 行" in text
    assert len(pd.read_csv(tmp_path / "shift-report-20261125-2000-overdue.csv", encoding="utf-8-sig")) == 3


def test_write_report_into_a_file_or_a_missing_directory_raises_oserror(tmp_path):
    report = reports.build_report(snap(SHIFT))
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OSError):
        reports.write_report(report, tmp_path / "a-file")
    with pytest.raises(OSError):
        reports.write_report(report, tmp_path / "missing")


# --- the menu action, against a real hub ------------------------------------------------------------

def answer_with(directory):
    """A QFileDialog that answers ``directory`` as soon as it is opened."""
    class Answering(QFileDialog):
        opened = 0

        def open(self):
            type(self).opened += 1
            QTimer.singleShot(0, self._answer)

        def _answer(self):
            self.fileSelected.emit(str(directory))
            self.done(1)
    return Answering


@pytest.fixture
def shift_on_hub(hub, clock):
    """On the hub before the console logs in: a case closed after 45 min, a
    gas alarm left overdue, and a 12345 and a 110 call linked as one event."""
    s = Scene(hub.url, clock)
    t0 = clock.now()
    road = s.report("road", "grid_patrol", "road_damage", "人行道地砖松动", 39.68, 106.84, "黄河街")
    gas = s.report("gas", "iot", "gas_leak", "燃气浓度超标", 39.69, 106.82, "建设路7号")
    s.at(t0 + timedelta(minutes=45))
    s.assign(road, "municipal")
    s.move(road, "in_progress", "verifying", "closed")
    a = s.call("a", "12345", "public_order", "市场门口有人打架", 39.6836, 106.8365, "团结路农贸市场",
               SECRET_PHONE, SECRET_NAME, SECRET_NOTE)
    b = s.call("b", "110", "public_order", "团结路市场斗殴", 39.6840, 106.8365, "团结路农贸市场",
               "13704736677", "吴刚")
    ack = s.desk.command("case.link", {"case": b, "version": s.version(b), "other": a, "relation": "12345-110"})
    assert ack["ok"], ack
    s.close()
    yield {"road": road, "gas": gas, "a": a, "b": b}


def files_by_table(paths: list[str]) -> dict[str, str]:
    out = {}
    for p in paths:
        name = os.path.basename(p)
        out["html" if name.endswith(".html") else name.rsplit("-", 1)[1][:-4]] = p
    return out


def test_export_action_end_to_end(arun, make_shell, hub, shift_on_hub, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    dialog = answer_with(out)
    monkeypatch.setattr("console.mainwindow.QFileDialog", dialog)
    shell = make_shell()
    w = shell.window
    assert w.report_action.shortcut().toString() == "Ctrl+E"
    assert w.report_action in w.menu_bar.actions()[0].menu().actions()      # the Console menu
    written: list[list[str]] = []
    w.report_written.connect(written.append)

    async def body():
        await started(shell)
        assert not w.report_action.isEnabled()               # nobody logged in: nothing to report
        await login(shell, hub.url, user="demo-dispatcher")
        await until(lambda: len(shell.store.cases) == 4, what="the four cases")
        w.refresh_health()
        assert w.report_action.isEnabled()
        w.show_help()
        assert dict(w._help.rows())["Export shift report…"] == "Ctrl+E"
        w.report_action.trigger()
        await until(lambda: written, timeout=30, what="the report written")
        assert dialog.opened == 1
        assert "Shift report written to" in w.statusBar().currentMessage()
        assert w.report_action.isEnabled()                   # ready for the next one
    scenario(arun, body)
    files = files_by_table(written[0])
    assert set(files) == {*reports.TABLES, "html"} and all(os.path.exists(p) for p in files.values())
    assert {os.path.dirname(p) for p in files.values()} == {str(out)}
    summary = pd.read_csv(files["summary"], encoding="utf-8-sig")
    values = dict(zip(summary["项目"], summary["数值"]))
    hub_cases = list(shell.store.cases.values())
    assert int(values["本时段受理"]) == len(hub_cases) == 4
    assert int(values["本时段办结"]) == 1
    assert int(values["当前未办结"]) == 3
    assert int(values["当前超时"]) == 1                     # the gas alarm: P1, 30 min
    assert int(values["未办结特急（P1）"]) == 1
    assert int(values["12345–110 联动对数"]) == 1
    assert float(values["办结用时中位数（分钟）"]) == 45.0
    overdue = pd.read_csv(files["overdue"], encoding="utf-8-sig")
    assert list(overdue["案件编号"]) == [shift_on_hub["gas"]]
    by_cat = pd.read_csv(files["by_category"], encoding="utf-8-sig").set_index("类别")
    assert by_cat.loc["合计", "合计"] == 4 and by_cat.loc["治安秩序", "合计"] == 2
    for p in files.values():
        body = open(p, encoding="utf-8-sig").read()
        assert SECRET_NAME not in body and SECRET_PHONE not in body and SECRET_NOTE not in body
    assert "http://" not in open(files["html"], encoding="utf-8").read()


def test_export_to_an_unwritable_directory_shows_an_error(arun, make_shell, hub, shift_on_hub, tmp_path,
                                                           monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    (out / "a-file").write_text("not a directory")
    monkeypatch.setattr("console.mainwindow.QFileDialog", answer_with(out / "a-file"))
    shell = make_shell()
    w = shell.window
    failed: list[str] = []
    w.report_failed.connect(failed.append)

    async def body():
        await started(shell)
        await login(shell, hub.url, user="demo-supervisor")
        await until(lambda: len(shell.store.cases) == 4, what="the cases")
        w.refresh_health()
        w.report_action.trigger()
        await until(lambda: failed, timeout=30, what="the failure")
        box = w._report_error
        assert box is not None and box.isVisible()
        assert str(out / "a-file") in box.text()
        assert "not written" in w.statusBar().currentMessage()
        box.accept()
        assert w.report_action.isEnabled()                    # try again elsewhere
    scenario(arun, body)      # the qloop fixture fails the test on any exception in the loop
    assert sorted(p.name for p in out.iterdir()) == ["a-file"]


def test_no_report_on_the_wall(arun, make_shell, hub, shift_on_hub, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    dialog = answer_with(out)
    monkeypatch.setattr("console.mainwindow.QFileDialog", dialog)
    wall = make_shell(wall=True, user="demo-wall")
    desk_as_wall = make_shell()

    async def body():
        await started(wall)
        await login(wall, hub.url, user="demo-wall")
        await until(lambda: len(wall.store.cases) == 4, what="the cases on the wall")
        wall.window.refresh_health()
        assert not wall.window.report_action.isVisible() and not wall.window.report_action.isEnabled()
        wall.window.show_help()
        assert "Export shift report…" not in dict(wall.window._help.rows())
        wall.window.export_report()                      # even called directly: nothing
        await started(desk_as_wall)
        await login(desk_as_wall, hub.url, user="demo-wall")   # a wall account at a desk
        desk_as_wall.window.refresh_health()
        assert not desk_as_wall.window.report_action.isEnabled()
        desk_as_wall.window.export_report()
        await asyncio.sleep(0.2)
    scenario(arun, body)
    assert dialog.opened == 0 and list(out.iterdir()) == []
