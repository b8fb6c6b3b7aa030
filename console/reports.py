"""The shift report (交班报告): what a dispatcher or supervisor hands over at
shift change, as pandas tables built from the live store's cases.

No Qt here. The window copies the store's cases on the GUI thread
(:func:`snapshot`, a list copy: cheap) and runs :func:`build_report` and
:func:`write_report` in a worker thread. Column headers and domain names come
in the UI language (:mod:`console.labels`, :func:`console.i18n.pick`); times
are shown in Beijing time (UTC+8).

The report never carries a caller's name or phone, nor a case's description:
:func:`case_frame` reads only the fields listed in ``CASE_FIELDS``.

Handling time is ``reported_at`` → ``updated_at`` of a closed case: a case
has no ``closed_at``, and closed is final, so its last update is (nearly
always) its closing. A link added to a closed case later moves its
``updated_at``; the report cannot tell.
"""
from __future__ import annotations

import html
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from console import labels
from console.domain.units import UNITS
from console.i18n import is_chinese, pick
from console.protocol import CATEGORIES, OPEN_STATUSES, SOURCES, STATUSES, Case

BEIJING = timezone(timedelta(hours=8), "UTC+8")
DEFAULT_HOURS = 12
TABLES = ("summary", "by_unit", "by_category", "by_source", "overdue")
CASE_FIELDS = ("id", "source", "category", "title", "status", "priority", "reported_at", "updated_at",
               "due_at")
_get_fields = operator.attrgetter(*CASE_FIELDS)

TABLE_TITLES = {
    "summary": ("概况", "Summary"),
    "by_unit": ("各单位", "By unit"),
    "by_category": ("按类别", "By category"),
    "by_source": ("按来源", "By source"),
    "overdue": ("超时案件", "Overdue cases"),
}
H = {   # column headers and row names: (中文, English)
    "metric": ("项目", "Item"), "value": ("数值", "Value"),
    "period_start": ("时段开始（北京时间）", "Period start (Beijing time)"),
    "period_end": ("时段结束（北京时间）", "Period end (Beijing time)"),
    "received": ("本时段受理", "Received in the period"),
    "closed": ("本时段办结", "Closed in the period"),
    "rejected": ("本时段退回", "Rejected in the period"),
    "open": ("当前未办结", "Open now"),
    "overdue": ("当前超时", "Overdue now"),
    "p1_open": ("未办结特急（P1）", "P1 open"),
    "linked_pairs": ("12345–110 联动对数", "12345–110 linked pairs"),
    "median_min": ("办结用时中位数（分钟）", "Median handling time (min)"),
    "p90_min": ("办结用时 90% 分位（分钟）", "90th percentile handling time (min)"),
    "unit": ("单位", "Unit"), "unit_open": ("未办结", "Open"), "unit_overdue": ("超时", "Overdue"),
    "unit_closed": ("本时段办结", "Closed in the period"),
    "unit_median": ("办结用时中位数（分钟）", "Median handling time (min)"),
    "unassigned": ("（未分派）", "(not assigned)"),
    "category": ("类别", "Category"), "source": ("来源", "Source"), "total": ("合计", "Total"),
    "id": ("案件编号", "Case"), "title": ("标题", "Title"), "priority": ("优先级", "Priority"),
    "due_at": ("办理时限（北京时间）", "Due (Beijing time)"),
    "overdue_min": ("超时（分钟）", "Overdue by (min)"),
    "report": ("交班报告", "Shift report"), "exported_by": ("导出人", "Exported by"),
    "exported_at": ("导出时间", "Exported at"), "beijing": ("北京时间", "Beijing time"),
    "no_rows": ("（无）", "(none)"),
    "more_rows": ("仅列出前 %1 行，共 %2 行；完整列表见 CSV 文件。",
                  "The first %1 of %2 rows; the CSV file has them all."),
}
HTML_MAX_ROWS = 1000    # per table: a page a browser still opens at once; the CSVs are complete


def h(key: str) -> str:
    return pick(H[key])


@dataclass(frozen=True)
class Period:
    """``(start, end]`` in UTC: a case reported exactly at ``start`` belongs
    to the shift before."""
    start: datetime
    end: datetime

    @classmethod
    def last(cls, now: datetime, hours: float = DEFAULT_HOURS) -> Period:
        return cls(now - timedelta(hours=hours), now)

    def text(self) -> str:
        """``2026-11-25 08:00 – 20:00`` (or both dates), Beijing time."""
        a, b = self.start.astimezone(BEIJING), self.end.astimezone(BEIJING)
        tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
        return f"{a:%Y-%m-%d %H:%M} – {tail}"


@dataclass
class ShiftReport:
    period: Period
    frames: dict[str, pd.DataFrame]      # TABLES -> table, headers in the UI language
    counts: dict[str, float] = field(default_factory=dict)   # the summary by key (tests, status bar)

    def title(self, name: str) -> str:
        return pick(TABLE_TITLES[name])


@dataclass
class CaseSnapshot:
    """What the worker needs, copied from the store on the GUI thread."""
    cases: list[Case]
    overdue: frozenset[str]
    unit_names: dict[str, str]
    now: datetime
    user: str


def snapshot(store, now: datetime | None = None) -> CaseSnapshot:
    """Copy the store's cases (the list, not the cases: the store replaces a
    case on update and never changes one it holds) and what else the report
    reads. Cheap: a list copy of a million references is a few milliseconds."""
    names = {u.id: labels.unit(u.id) for u in UNITS}
    for uid, unit in store.units.items():
        names.setdefault(uid, unit.name)
    return CaseSnapshot(list(store.cases.values()), frozenset(store.overdue), names,
                        now or store.hub_now(), store.user or "")


# --- the case table -------------------------------------------------------------------

def case_frame(cases: Iterable[Case]) -> pd.DataFrame:
    """One row per case: the fields the report reads, times parsed (UTC),
    codes as categoricals; unknown categories become ``other``. (One list
    per field: faster than transposing a list of tuples.)"""
    cases = cases if isinstance(cases, list) else list(cases)
    df = pd.DataFrame({"id": np.array([c.id for c in cases], dtype=object),
                       "title": np.array([c.title for c in cases], dtype=object)})
    df["source"] = _categorical([c.source for c in cases], SOURCES)
    df["category"] = _categorical([c.category for c in cases], CATEGORIES, unknown="other")
    df["status"] = _categorical([c.status for c in cases], STATUSES)
    df["priority"] = np.array([c.priority for c in cases], dtype=np.int8)
    df["reported_at"] = _times([c.reported_at for c in cases])
    df["updated_at"] = _times([c.updated_at for c in cases])
    df["due_at"] = _times([c.due_at for c in cases])
    df["unit"] = pd.Categorical([a.unit if (a := c.assignee) is not None else "" for c in cases])
    return df


def _categorical(values: list[str], known: tuple[str, ...], unknown: str | None = None) -> pd.Categorical:
    """Known codes in the contract's order; anything else shown as ``unknown``
    or, without one, kept by its code after the known ones."""
    codes = pd.Index(known).get_indexer(values)
    strange = codes < 0
    if not strange.any():
        return pd.Categorical.from_codes(codes, categories=known)
    if unknown is not None:
        codes[strange] = known.index(unknown)
        return pd.Categorical.from_codes(codes, categories=known)
    extra = pd.Index(sorted({values[i] for i in np.flatnonzero(strange)}))
    codes[strange] = len(known) + extra.get_indexer([values[i] for i in np.flatnonzero(strange)])
    return pd.Categorical.from_codes(codes, categories=list(known) + list(extra))


# the contract's own form, 2026-11-25T03:33:21.123Z: where its numbers and separators are
_FORM_LEN = 24
_FIELDS = {"year": (0, 4), "month": (5, 7), "day": (8, 10), "hour": (11, 13), "minute": (14, 16),
           "second": (17, 19), "ms": (20, 23)}
_DIGITS = [i for lo, hi in _FIELDS.values() for i in range(lo, hi)]
_SEP_POS = [4, 7, 10, 13, 16, 19, 23]
_SEP_BYTES = np.frombuffer(b"--T::.Z", dtype=np.uint8)


def _times(values: list[str]) -> pd.Series:
    """Contract times -> UTC datetimes. The hub writes every time as
    ``YYYY-MM-DDTHH:MM:SS.mmmZ``: texts of that form are decoded from their
    bytes with array arithmetic (parsing a million with ``pd.to_datetime``
    takes several times longer); anything else goes through
    ``pd.to_datetime`` (an unreadable time becomes NaT)."""
    n = len(values)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    try:
        if n == 0 or (lengths != _FORM_LEN).any():
            raise ValueError("not all in the hub's form")
        b = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(n, _FORM_LEN)
    except (ValueError, UnicodeEncodeError):
        return _parse_times(values)
    d = b - np.uint8(48)                       # digits 0..9; anything else wraps above 9
    ok = (d[:, _DIGITS] <= 9).all(axis=1) & (b[:, _SEP_POS] == _SEP_BYTES).all(axis=1)
    num = {}
    for name, (lo, hi) in _FIELDS.items():
        v = d[:, lo].astype(np.int64)
        for k in range(lo + 1, hi):
            v = v * 10 + d[:, k]
        num[name] = v
    ok &= (num["month"] >= 1) & (num["month"] <= 12) & (num["day"] >= 1) & (num["day"] <= 31)
    ms = _epoch_days(num["year"], num["month"], num["day"]) * 86_400_000 + (
        (num["hour"] * 60 + num["minute"]) * 60 + num["second"]) * 1000 + num["ms"]
    out = pd.Series(pd.to_datetime(ms, unit="ms", utc=True))
    if not ok.all():
        bad = np.flatnonzero(~ok)
        out.iloc[bad] = _parse_times([values[i] for i in bad]).to_numpy()
    return out


def _parse_times(values: list[str]) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Index(values, dtype=object), format="ISO8601", utc=True,
                                    errors="coerce"), dtype="datetime64[ms, UTC]")


def _epoch_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    days_from_civil), for whole arrays."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def linked_pairs(cases: Iterable[Case]) -> pd.DataFrame:
    """The 12345–110 links as unordered pairs ``a < b`` (the hub links both
    ways). Only the few linked cases are looked at."""
    pairs = {(min(c.id, link.case), max(c.id, link.case))
             for c in cases if c.links for link in c.links if link.relation == "12345-110"}
    return pd.DataFrame(sorted(pairs), columns=["a", "b"])


# --- the report -------------------------------------------------------------------------

def build_report(snap: CaseSnapshot, period: Period | None = None) -> ShiftReport:
    period = period or Period.last(snap.now)
    df = case_frame(snap.cases)
    now = pd.Timestamp(snap.now)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    is_open = df["status"].isin(OPEN_STATUSES).to_numpy()
    reported = ((df["reported_at"] > start) & (df["reported_at"] <= end)).to_numpy()
    updated = ((df["updated_at"] > start) & (df["updated_at"] <= end)).to_numpy()
    overdue = is_open & (df["id"].isin(snap.overdue).to_numpy() | (df["due_at"] <= now).to_numpy())
    closed = (df["status"] == "closed").to_numpy() & updated
    rejected = (df["status"] == "rejected").to_numpy() & updated
    minutes = (df["updated_at"] - df["reported_at"]).dt.total_seconds().to_numpy() / 60.0
    df["overdue"], df["closed"], df["minutes"] = overdue, closed, minutes
    handled = minutes[closed]
    counts = {
        "received": int(reported.sum()), "closed": int(closed.sum()), "rejected": int(rejected.sum()),
        "open": int(is_open.sum()), "overdue": int(overdue.sum()),
        "p1_open": int((is_open & (df["priority"] == 1).to_numpy()).sum()),
        "linked_pairs": _pairs_in_period(snap.cases, df, reported),
        "median_min": _quantile(handled, 0.5), "p90_min": _quantile(handled, 0.9),
    }
    shown = reported | updated | is_open     # what the shift dealt with, and what it hands over
    frames = {
        "summary": _summary(counts, period),
        "by_unit": _by_unit(df, is_open, snap.unit_names),
        "by_category": _by_status(df[shown], "category", labels.category),
        "by_source": _by_status(df[shown], "source", labels.source),
        "overdue": _overdue_list(df[overdue], now, snap.unit_names),
    }
    return ShiftReport(period, frames, counts)


def _quantile(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return round(float(np.quantile(values, q)), 1) if len(values) else float("nan")


def _pairs_in_period(cases: list[Case], df: pd.DataFrame, reported: np.ndarray) -> int:
    """Linked pairs with at least one of the two cases received in the period."""
    pairs = linked_pairs(cases)
    if pairs.empty:
        return 0
    in_period = set(df["id"].to_numpy()[reported])
    return int((pairs["a"].isin(in_period) | pairs["b"].isin(in_period)).sum())


def _summary(counts: dict[str, float], period: Period) -> pd.DataFrame:
    rows = [(h("period_start"), _bj(period.start)), (h("period_end"), _bj(period.end))]
    rows += [(h(key), "" if isinstance(v, float) and np.isnan(v) else v) for key, v in counts.items()]
    return pd.DataFrame(rows, columns=[h("metric"), h("value")])


def _by_unit(df: pd.DataFrame, is_open: np.ndarray, names: Mapping[str, str]) -> pd.DataFrame:
    g = df.groupby("unit", observed=True)
    table = pd.DataFrame({
        "open": df[is_open].groupby("unit", observed=True).size(),
        "overdue": g["overdue"].sum(),
        "closed": g["closed"].sum(),
        "median": df[df["closed"]].groupby("unit", observed=True)["minutes"].median().round(1),
    })
    known = pd.Index([u for u in names if u not in table.index], dtype=object)
    table = table.reindex(table.index.astype(object).append(known))
    table[["open", "overdue", "closed"]] = table[["open", "overdue", "closed"]].fillna(0).astype(int)
    table = table[(table[["open", "overdue", "closed"]].sum(axis=1) > 0) | table.index.isin(list(names))]
    table = table.sort_values(["overdue", "open", "closed"], ascending=False, kind="stable")
    unit = [names.get(u, u) if u else h("unassigned") for u in table.index]
    out = table.reset_index(drop=True)
    out.insert(0, "unit", unit)
    return out.rename(columns={"unit": h("unit"), "open": h("unit_open"), "overdue": h("unit_overdue"),
                               "closed": h("unit_closed"), "median": h("unit_median")})


def _by_status(df: pd.DataFrame, key: str, name) -> pd.DataFrame:
    """Cases by ``key`` (rows) and status (columns), with totals; only rows
    that have cases."""
    table = pd.crosstab(df[key], df["status"], dropna=False)
    table = table.reindex(columns=[s for s in STATUSES if s in table.columns] +
                          [s for s in table.columns if s not in STATUSES], fill_value=0)
    table = table[table.sum(axis=1) > 0].astype(int)
    table["\0total"] = table.sum(axis=1)
    rows = [name(k) for k in table.index] + [h("total")]
    table = pd.concat([table, table.sum(axis=0).to_frame().T], ignore_index=True)
    table.columns = [h("total") if c == "\0total" else labels.status(c) for c in table.columns]
    table.insert(0, h(key), rows)
    return table


def _overdue_list(df: pd.DataFrame, now: pd.Timestamp, names: Mapping[str, str]) -> pd.DataFrame:
    """Most overdue first."""
    df = df.sort_values("due_at", kind="stable")
    late = ((now - df["due_at"]).dt.total_seconds() // 60).clip(lower=0).fillna(0).astype(int)
    units = df["unit"].cat.remove_unused_categories()
    units = units.cat.rename_categories([names.get(u, u) if u else h("unassigned")
                                         for u in units.cat.categories])
    return pd.DataFrame({
        h("id"): df["id"].to_numpy(),
        h("title"): df["title"].to_numpy(),
        h("category"): _names(df["category"], labels.category),
        h("priority"): df["priority"].map({p: f"P{int(p)} {labels.priority(int(p))}"
                                           for p in df["priority"].unique()}).to_numpy(),
        h("unit"): units.astype(object).to_numpy(),
        h("due_at"): _bj_minutes(df["due_at"]),
        h("overdue_min"): late.to_numpy(),
    })


def _names(codes: pd.Series, name) -> np.ndarray:
    cat = codes.cat.remove_unused_categories()
    return cat.cat.rename_categories([name(c) for c in cat.cat.categories]).astype(object).to_numpy()


def _bj(dt: datetime) -> str:
    return dt.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _bj_minutes(s: pd.Series) -> np.ndarray:
    """``2026-11-25 20:00`` for each time (Beijing), "" for none; numpy's
    formatter, which is many times faster than strftime."""
    local = (s.dt.tz_convert(None) + pd.Timedelta(hours=8)).to_numpy().astype("datetime64[m]")
    text = np.datetime_as_string(local, unit="m")          # 2026-11-25T20:00
    if len(text):
        text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    text = text.astype(object)
    text[np.isnat(local)] = ""
    return text


# --- export -----------------------------------------------------------------------------------

STYLE = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif;
       margin: 24px; color: #1b2430; }
h1 { font-size: 20px; margin-bottom: 4px; }
p.meta { color: #5b6673; margin-top: 0; }
h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 2px solid #2f6fb3; padding-bottom: 2px; }
table.report { border-collapse: collapse; font-size: 13px; }
table.report th { background: #e8eef5; text-align: left; }
table.report th, table.report td { border: 1px solid #c9d2dc; padding: 3px 8px; }
table.report td { font-variant-numeric: tabular-nums; }
table.report tr:nth-child(even) td { background: #f6f8fa; }
"""


def file_stem(report: ShiftReport) -> str:
    """``shift-report-20261125-2000``: the period's end, Beijing time."""
    return "shift-report-" + report.period.end.astimezone(BEIJING).strftime("%Y%m%d-%H%M")


def write_report(report: ShiftReport, directory: str | Path, exported_by: str = "",
                 exported_at: datetime | None = None) -> list[Path]:
    """One CSV per table (UTF-8 with a BOM, so Excel on Windows reads the
    Chinese) and one self-contained HTML page; returns the files written.
    Raises ``OSError`` when the directory cannot be written."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(f"not a directory: {directory}")
    stem = file_stem(report)
    written = []
    for name in TABLES:
        path = directory / f"{stem}-{name}.csv"
        report.frames[name].to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    path = directory / f"{stem}.html"
    path.write_text(report_html(report, exported_by, exported_at), encoding="utf-8")
    written.append(path)
    return written


def report_html(report: ShiftReport, exported_by: str = "", exported_at: datetime | None = None) -> str:
    title = f"{h('report')} {report.period.text()}（{h('beijing')}）" if is_chinese() \
        else f"{h('report')} {report.period.text()} ({h('beijing')})"
    meta = f"{h('exported_by')}: {exported_by or '—'} · {h('exported_at')}: " \
           f"{_bj(exported_at or datetime.now(timezone.utc))}"
    parts = [f"<!DOCTYPE html>\n<html lang=\"{'zh-CN' if is_chinese() else 'en'}\">\n<head>\n"
             f"<meta charset=\"utf-8\">\n<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n"
             f"</head>\n<body>\n<h1>{html.escape(title)}</h1>\n<p class=\"meta\">{html.escape(meta)}</p>\n"]
    for name in TABLES:
        frame = report.frames[name]
        parts.append(f"<h2>{html.escape(report.title(name))}</h2>\n")
        if frame.empty:
            parts.append(f"<p>{html.escape(h('no_rows'))}</p>\n")
            continue
        parts.append(frame.head(HTML_MAX_ROWS).to_html(index=False, border=0, classes="report", na_rep="",
                                                       escape=True))
        if len(frame) > HTML_MAX_ROWS:
            more = pick(H["more_rows"]).replace("%1", str(HTML_MAX_ROWS)).replace("%2", str(len(frame)))
            parts.append(f"\n<p class=\"meta\">{html.escape(more)}</p>\n")
    parts.append("\n</body>\n</html>\n")
    return "".join(parts)


def export(snap: CaseSnapshot, directory: str | Path, period: Period | None = None) -> tuple[ShiftReport, list[Path]]:
    """Build and write: what the window runs in a worker thread."""
    report = build_report(snap, period)
    return report, write_report(report, directory, snap.user, snap.now)
