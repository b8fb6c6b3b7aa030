"""A summer evening in the hall, played into a real hub through the protocol:
the rainstorm (a water gauge alarm, a 12345 call and a 110 call about the
same underpass), a gas alarm that runs overdue, AI sightings, patrol and app
reports, and a spread of ordinary cases at every step of the closed loop.

Used by the queue/detail tests and to take the screenshot in docs/:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.queue_seed docs/img/queue.png
"""
from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone

from console.domain.categories import category_info
from console.domain.demo import load_cameras, load_points
from console.protocol import format_ts
from hub.testing import SyncClient

EVENING = datetime(2026, 7, 21, 9, 0, tzinfo=timezone.utc)      # 17:00 in Wuhai

STREET_SPOTS = [
    ("海勃湾区新华街道 人民路18号", 39.6812, 106.8402), ("海勃湾区新华街道 黄河街32号", 39.6851, 106.8311),
    ("海勃湾区海北街道 建设路7号", 39.7032, 106.8235), ("海勃湾区滨河街道 滨河大道西侧", 39.6702, 106.8071),
    ("海勃湾区凤凰岭街道 朝阳街55号", 39.6621, 106.8642), ("海勃湾区新华西街道 育才路3号", 39.6790, 106.8250),
    ("海勃湾区海北街道 海北大街与前进路口", 39.7005, 106.8290), ("海勃湾区新华街道 团结路农贸市场", 39.6836, 106.8365),
]
FILLER = [
    ("hotline_12345", "noise", "夜间施工噪声扰民"), ("hotline_12345", "road_damage", "人行道地砖松动"),
    ("citizen_app", "garbage_dumping", "小区门口垃圾堆放"), ("grid_patrol", "lane_occupation", "商户占道摆放货物"),
    ("hotline_12345", "dispute", "邻里漏水纠纷"), ("grid_patrol", "street_vending", "流动摊贩聚集"),
    ("citizen_app", "road_damage", "路面坑洼积水"), ("police_110", "public_order", "酒后滋事"),
    ("hotline_12345", "other", "路灯不亮"), ("citizen_app", "fire_lane_blocked", "私家车占用消防通道"),
    ("grid_patrol", "garbage_dumping", "建筑垃圾随意倾倒"), ("police_110", "dispute", "停车纠纷"),
]


class Scene:
    """Drives a hub with a manual clock: ``feeder`` ingests, ``desk`` dispatches."""

    def __init__(self, url: str, clock):
        self.clock = clock
        self.feeder = SyncClient(url, user="demo-feeder")
        self.desk = SyncClient(url, user="demo-supervisor")
        self.ids: dict[str, str] = {}

    def close(self) -> None:
        self.feeder.close()
        self.desk.close()

    def at(self, when: datetime) -> str:
        self.clock.set(when)
        return format_ts(when)

    def call(self, name: str, line: str, category: str, title: str, lat: float, lon: float,
             address: str, phone: str, caller: str | None = None, description: str | None = None) -> str:
        args = {"line": line, "caller": {"phone": phone, "name": caller}, "category": category,
                "title": title, "location": {"lat": lat, "lon": lon, "address": address},
                "ts": format_ts(self.clock.now())}
        if description:
            args["description"] = description
        return self._keep(name, self.feeder.command("ingest.call", args))

    def report(self, name: str, source: str, category: str, title: str, lat: float, lon: float,
               address: str, **extra) -> str:
        args = {"source": source, "category": category, "title": title,
                "location": {"lat": lat, "lon": lon, "address": address}, **extra}
        return self._keep(name, self.desk.command("case.create", args))

    def _keep(self, name: str, ack: dict) -> str:
        assert ack.get("ok"), ack
        cid = ack["result"]["case"]["id"]
        self.ids[name] = cid
        return cid

    def version(self, cid: str) -> int:
        frame = self.desk.command("case.history", {"case": cid})
        return frame["result"]["entries"][-1]["version"]

    def assign(self, cid: str, unit: str, person: str | None = None) -> None:
        args = {"case": cid, "version": self.version(cid), "unit": unit}
        if person:
            args["person"] = person
        assert self.desk.command("case.assign", args)["ok"]

    def move(self, cid: str, *steps: str, note: str | None = None) -> None:
        for to in steps:
            args = {"case": cid, "version": self.version(cid), "to": to}
            if note:
                args["note"] = note
            ack = self.desk.command("case.transition", args)
            assert ack["ok"], ack

    def reading(self, sensor: str, value: float) -> None:
        ack = self.feeder.command("ingest.reading", {"sensor": sensor, "value": value,
                                                     "ts": format_ts(self.clock.now())})
        assert ack["ok"], ack


def play_evening(url: str, clock, filler: int = 36, seed: int = 7) -> dict[str, str]:
    """Fill the hub; returns {name: case id} for the cases the story names."""
    rnd = random.Random(seed)
    s = Scene(url, clock)
    pts = load_points()
    cams = {c.id: c for c in load_cameras()}
    try:
        _ordinary_day(s, rnd, filler)
        s.at(EVENING + timedelta(minutes=45))
        s.reading("GAS-001", 26.0)                  # 17:45 gas alarm: P1, 30 min, runs overdue
        gas = _last_case(s, "gas_leak")
        s.ids["gas"] = gas
        s.move(gas, "in_progress")
        s.at(EVENING + timedelta(minutes=70))
        cam = cams["CAM-0002"]
        for minutes in (0, 16):                     # illegal parking: 15 min of grace, then a case
            s.at(EVENING + timedelta(minutes=70 + minutes))
            ack = s.feeder.command("ingest.detection", {
                "camera": cam.id, "category": "illegal_parking", "key": "蒙C·T3827", "present": True,
                "ts": format_ts(s.clock.now()), "snapshot": f"demo:snapshot/{cam.id}/{minutes}"})
            assert ack["ok"], ack
        s.ids["parking"] = _last_case(s, "illegal_parking")
        s.at(EVENING + timedelta(minutes=95))                   # a brawl reported on both lines
        spot = ("海勃湾区新华街道 团结路农贸市场", 39.6836, 106.8365)
        a = s.call("brawl_12345", "12345", "public_order", "农贸市场门口有人打架", spot[1], spot[2], spot[0],
                   "13614738899", "周敏")
        s.at(EVENING + timedelta(minutes=97))
        b = s.call("brawl_110", "110", "public_order", "团结路市场斗殴", spot[1] + 0.0007, spot[2], spot[0],
                   "13704736677", "吴刚")
        ack = s.desk.command("case.link", {"case": b, "version": s.version(b), "other": a,
                                           "relation": "12345-110"})
        assert ack["ok"], ack
        s.assign(b, "police_110")
        u, c110 = pts["haibei_call_12345"], pts["haibei_call_110"]
        s.at(EVENING + timedelta(hours=2, minutes=58))          # 19:58 the gauge passes alarm
        s.reading("WL-001", 27.5)
        s.ids["gauge"] = _last_case(s, "waterlogging")
        s.at(EVENING + timedelta(hours=3, minutes=1))           # 20:01 the 12345 call
        s.call("call_12345", "12345", "waterlogging", "下穿通道积水，有车辆熄火被困", u.lat, u.lon,
               "海勃湾区海北街道人民路下穿通道（农贸市场旁）", "13904731234", "王建国",
               "来电人称下穿通道积水约半米，一辆白色轿车熄火，司机仍在车内")
        s.at(EVENING + timedelta(hours=3, minutes=4))           # 20:04 the 110 call
        s.call("call_110", "110", "waterlogging", "人民路下穿通道北口司机被困", c110.lat, c110.lon,
               "海勃湾区海北街道人民路下穿通道北口", "13847325566", "李强", "司机被困车内，请求救援")
        s.at(EVENING + timedelta(hours=3, minutes=20))
        er = pts["fenghuangling_elder"]
        s.report("elder", "iot", "elder_alert", "独居老人12小时无活动", er.lat, er.lon,
                 "海勃湾区凤凰岭街道向阳社区", priority=1)
        s.at(EVENING + timedelta(hours=3, minutes=50))          # 20:50: the screenshot's moment
        return dict(s.ids)
    finally:
        s.close()


def _last_case(s: Scene, category: str) -> str:
    """The newest case of ``category`` the desk has heard about (events)."""
    s.desk.drain(0.3)
    for ev in reversed(s.desk.events):
        if ev["kind"] == "case.created" and ev["data"]["category"] == category:
            return ev["data"]["id"]
    raise AssertionError(f"no {category} case was created")


def _ordinary_day(s: Scene, rnd: random.Random, n: int) -> None:
    """Cases reported through the afternoon, at every step of the loop."""
    for i in range(n):
        s.at(EVENING - timedelta(hours=6) + timedelta(minutes=10 * i + rnd.randrange(8)))
        source, category, title = FILLER[i % len(FILLER)]
        address, lat, lon = STREET_SPOTS[rnd.randrange(len(STREET_SPOTS))]
        lat += rnd.uniform(-0.002, 0.002)
        lon += rnd.uniform(-0.002, 0.002)
        phone = f"139{rnd.randrange(10**8):08d}"
        if source in ("hotline_12345", "police_110"):
            cid = s.call(f"f{i}", source.split("_")[-1], category, title, lat, lon, address, phone,
                         rnd.choice(["张伟", "刘芳", "赵敏", "陈刚", "孙丽"]))
        else:
            cid = s.report(f"f{i}", source, category, title, lat, lon, address)
        step = rnd.random()
        if step > 0.25:
            s.assign(cid, category_info(category).unit, rnd.choice([None, "张队", "李工"]))
        if step > 0.5:
            s.move(cid, "in_progress")
        if step > 0.7:
            s.move(cid, "verifying")
        if step > 0.85:
            s.move(cid, "closed")


def main(path: str) -> None:
    """Render the queue and the detail panel side by side on the evening."""
    import asyncio
    import tempfile
    from pathlib import Path

    import qasync
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

    from console import theme
    from console.client import Credentials, HubClient
    from console.context import AppContext
    from console.qtstore import StoreAdapter
    from console.settings import Settings
    from console.store import LiveStore
    from hub.clock import ManualClock
    from hub.testing import HubThread

    from console.app import install_translators, setup_language
    setup_language("zh_CN")
    app = QApplication(sys.argv)
    install_translators(app)
    theme.apply(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    tmp = Path(tempfile.mkdtemp())
    clock = ManualClock(EVENING)
    with HubThread(tmp / "hub", clock=clock) as hub:
        ids = play_evening(hub.url, clock)
        store = LiveStore()
        ctx = AppContext(store, StoreAdapter(store), Settings(tmp / "console.ini"), hub_url=hub.url)
        ctx.settings.set("queue/tab", "all")
        ctx.settings.set("queue/filters_open", True)
        ctx.settings.set("queue/sound", False)
        ctx.client = HubClient(hub.url, Credentials("demo-dispatcher", "demo"), store)

        async def run():
            ctx.client.start()
            await ctx.client.wait_connected()
            while store.seq is None:
                await asyncio.sleep(0.05)
            from panels.case_detail import CaseDetailPanel
            from panels.queue import CaseQueuePanel
            window = QWidget()
            window.setObjectName("ShotWindow")
            row = QHBoxLayout(window)
            queue, detail = CaseQueuePanel(ctx), CaseDetailPanel(ctx)
            row.addWidget(queue, 3)
            row.addWidget(detail, 2)
            window.resize(1900, 1000)
            window.show()
            ctx.adapter.select_case(ids["call_110"])
            await asyncio.sleep(1.5)
            window.grab().save(path)
            await ctx.client.close()
        loop.run_until_complete(run())
    print(path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/queue.png")


class Console:
    """A console's plumbing for a panel test: live store, adapter, settings in
    ``tmp``, a real HubClient logged in as ``user`` (the app's AppContext)."""

    def __init__(self, url: str, tmp, user: str = "demo-dispatcher", display_mode: str = "workstation",
                 **settings):
        from console.client import Credentials, HubClient
        from console.context import AppContext
        from console.qtstore import StoreAdapter
        from console.settings import Settings
        from console.store import LiveStore
        self.store = LiveStore()
        settings_file = tmp / f"{user}-{display_mode}.ini"
        self.ctx = AppContext(self.store, StoreAdapter(self.store), Settings(settings_file),
                              hub_url=url, display_mode=display_mode)
        self.ctx.settings.set("queue/sound", False)
        for key, value in settings.items():
            self.ctx.settings.set(key.replace("__", "/"), value)
        self.ctx.client = HubClient(url, Credentials(user, "demo"), self.store, backoff_min=0.05,
                                    backoff_max=0.3)

    async def start(self):
        import asyncio
        self.ctx.client.start()
        await self.ctx.client.wait_connected()
        while self.store.seq is None:
            await asyncio.sleep(0.02)
        self.ctx.adapter.flush()
        return self.ctx

    async def stop(self) -> None:
        await self.ctx.client.close()
        self.ctx.adapter.close()
