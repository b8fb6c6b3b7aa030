"""The demo feeder: a plausible day in Wuhai, played into a hub over the
protocol (``ingest.*`` only), as an upstream feeder would.

* Sensor telemetry on every sensor's own interval, inside its normal range.
* Background load: 12345 and 110 calls (Poisson, by the hour of the sim
  clock in UTC+8), some pairs of them the same incident; AI sightings at the
  traffic, city-management and compound cameras; camera blips.
* The stories of the shared ``scenarios.md``, on a cycle that starts a minute
  after the simulator does and repeats every ``cycle_s`` sim-seconds:
  rainstorm, illegal parking at the bus stop, the Yellow River, gas and a
  manhole cover, the smart compound; the elderly resident on its own
  (24 h) cycle because "no movement for 12 hours" takes 12 hours.

Time is the simulator's clock: everything is scheduled in sim seconds on a
small discrete-event scheduler (a heap of ``(sim_time, seq, action)``); with a
``ScaledClock(rate)`` the real wait is sim seconds / rate. Every ``ts`` sent
is the sim time the action was scheduled for. One ``random.Random(seed)``
draws everything, in schedule order, so a seed and a start time give the
same day (``docs/simulator.md``).

A shift does not start with an empty hall: against a hub with fewer than
``BACKLOG_BELOW`` open cases (a fresh demo hub), the simulator first plays a
**backlog**, the 12345/110 calls of the previous ``backlog_s`` (8 sim-hours)
with their own backdated ``ts``, sent as fast as the hub acks them; the units
of the previous shift have taken on ~60 % of the older ones, some are being
worked, a few closed. A hub that already holds cases gets no backlog.

**Field units**: a second session, ``demo-field`` (a dispatcher: the units'
field terminals), moves dispatched cases along the closed loop as units
would (``dispatched`` → ``in_progress`` → ``verifying``), a couple of moves
per sim-minute at most, and never against the human: a step on a case
someone else changed in the last 2 sim-minutes waits; a ``conflict`` drops it.

Snapshot URLs of sightings are ``demo:<camera id>/<n>.jpg`` (``n`` a counter
of this run): not files, but stable names the console can map to the
camera's bundled clip or a placeholder.
"""
from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import random
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from console.client import CommandFailed, ConnectionStatus, Credentials, HubClient
from console.domain import demo as demo_data
from console.domain.grid import GridCell, GridIndex
from console.domain.units import unit_for_category
from console.protocol import (
    OPEN_STATUSES, Camera, Case, Event, Sensor, Snapshot, Welcome, decode_event_data, format_ts,
    parse_ts,
)
from hub import rules
from hub.clock import SystemClock

log = logging.getLogger("hub.simulator")

CST = timezone(timedelta(hours=8))
MINUTE = 60.0
HOUR = 3600.0
SIGHTING_EVERY_S = 60.0      # a feeder re-reports a present object once a minute
SNAPSHOT_EVERY = 5           # a snapshot with the first sighting and every 5th
MAX_PENDING = 500            # unacked commands: past this, readings are dropped (the hub is
                             # behind), and while disconnected everything else is too
RUN_BATCH = 500              # actions run before yielding to the loop (the hub may share it)

# The shift-start backlog and the field units.
BACKLOG_S = 8 * HOUR         # the calls of this long before the start
BACKLOG_BELOW = 10           # a hub with fewer open cases than this gets a backlog
BACKLOG_WINDOW = 32          # commands in flight while playing it
HISTORY_S = HOUR             # a first start: the hour of readings before it (the gauges' trends)
HISTORY_WINDOW = 128         # past readings in flight while sending them
HISTORY_SPREAD = {"water_level": 0.25, "gas": 0.15, "manhole": 0.08}   # noise around the seeded value
BACKLOG_FRESH_S = 20 * MINUTE  # calls younger than this are left for the human
BACKLOG_ASSIGN_P = 0.85      # share of the older calls the last shift dispatched
FIELD_USER = "demo-field"
FIELD_MOVES_PER_MIN = 2      # field moves per sim-minute, at most
HUMAN_HOLD_S = 2 * MINUTE    # a case someone else changed this recently is left alone
FIELD_START_MIN = (5, 20)    # dispatched -> in_progress, sim-minutes after the dispatch
FIELD_DONE_MIN = (20, 90)    # in_progress -> verifying, sim-minutes after the start
START_NOTES = ("处置人员已到场", "已到达现场，正在处置", "已接单，赶赴现场")
DONE_NOTES = ("现场已处置，请核查", "已处置完毕，请核查", "问题已整改，请核查")
CLOSE_NOTE = "核查通过"


# --- the scheduler ---------------------------------------------------------------

class Scheduler:
    """A heap of ``(sim_time, seq, action, args)``: actions run in time order,
    ties in the order they were scheduled. ``action(t, *args)``."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable, tuple]] = []
        self._seq = itertools.count()

    def at(self, t: float, action: Callable, *args: Any) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), action, args))

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self, now: float, limit: int | None = None) -> int:
        """Run the actions due at ``now``; returns how many ran."""
        n = 0
        while self._heap and self._heap[0][0] <= now and (limit is None or n < limit):
            t, _, action, args = heapq.heappop(self._heap)
            try:
                action(t, *args)
            except Exception:
                log.exception("simulator action %s failed", getattr(action, "__name__", action))
            n += 1
        return n

    def __len__(self) -> int:
        return len(self._heap)


# --- words -------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
            "薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤乌巴")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华建国玉梅红志海燕鹏飞宇浩晨欣雪琳文斌辉东"
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181",
                  "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")
ROADS = {
    "150302": ("人民路", "新华大街", "黄河街", "海拉路", "滨河大道", "千里山路", "林荫路", "胜利街",
               "团结路", "友谊街", "建设路", "北环路", "育才路", "迎宾路", "长青街", "朝阳街"),
    "150304": ("乌达大街", "巴音赛路", "新达街", "民主路", "滨海大道", "海韵路", "永安街", "矿区街"),
    "150303": ("海南大街", "拉僧仲路", "东风街", "新城路", "卓子山路", "学府街", "广场路"),
}
SPOTS = ("附近", "北段", "南段", "东段", "西段", "路口", "一带", "公交站旁")
ASKS = ("希望相关部门尽快处理。", "要求尽快派人到现场查看。", "已多次反映，至今未解决。",
        "请相关部门核实处理并回复。", "来电人情绪较急，请尽快联系。")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_CHARS = PLATE_LETTERS + "0123456789"

# (title, detail) per category; {place} is filled in.
CALLS_12345: dict[str, tuple[tuple[str, str], ...]] = {
    "noise": (("夜间施工噪音扰民", "{place}工地夜间施工，电锯声持续到凌晨"),
              ("广场舞音响声音过大", "{place}广场舞音响音量过大，每晚持续两个小时"),
              ("商铺喇叭循环播放扰民", "{place}商铺门口大喇叭循环播放促销广告"),
              ("楼上装修噪音", "{place}楼上装修，周末早上七点就开始电钻作业")),
    "road_damage": (("路面坑洼影响通行", "{place}路面出现多处坑洼，车辆通行颠簸"),
                    ("人行道地砖松动", "{place}人行道地砖松动翘起，老人容易绊倒"),
                    ("路面塌陷", "{place}路面出现一处约一米的塌陷，车辆纷纷绕行"),
                    ("道路护栏损坏", "{place}道路中间护栏被撞歪，存在安全隐患")),
    "garbage_dumping": (("建筑垃圾乱倒", "{place}空地有人倾倒建筑垃圾，堆了好几车"),
                        ("垃圾桶满溢无人清运", "{place}垃圾桶已满溢两天无人清运，气味很大"),
                        ("绿化带内乱扔垃圾", "{place}绿化带内堆积大量生活垃圾")),
    "dispute": (("楼上漏水邻里纠纷", "{place}楼上住户漏水到来电人家中，协商未果"),
                ("物业费纠纷", "来电人与{place}小区物业因物业费问题发生纠纷"),
                ("停车位纠纷", "{place}小区车位被他人长期占用，双方协商不成"),
                ("拖欠工资", "来电人反映{place}某工地拖欠农民工工资")),
    "street_vending": (("流动摊贩占道经营", "{place}有流动摊贩推车售卖，堵塞人行道"),
                       ("早市摊点影响通行", "{place}早市摊点摆到机动车道上")),
    "lane_occupation": (("商户占道经营", "{place}商户将货物摆放到人行道上经营"),
                        ("店外搭棚摆桌", "{place}餐馆在门外搭棚摆桌，占用人行道")),
    "illegal_parking": (("小区门口车辆乱停", "{place}小区门口车辆乱停，堵住出入口"),
                        ("车辆占用盲道", "{place}人行道盲道上停满车辆")),
    "other": (("路灯不亮", "{place}路灯已经一周不亮，晚上出行不便"),
              ("暖气不热", "来电人反映{place}小区暖气温度不达标，室温只有十四度"),
              ("小区停水未提前通知", "{place}小区突然停水，未见提前通知"),
              ("公交站牌缺失", "{place}公交站牌被撞倒后一直未恢复"),
              ("流浪犬伤人隐患", "{place}有多只流浪犬，夜间追咬行人")),
}
WEIGHTS_12345 = {"noise": 16, "road_damage": 12, "garbage_dumping": 11, "dispute": 10,
                 "street_vending": 7, "lane_occupation": 9, "illegal_parking": 8, "other": 20}
CALLS_110: dict[str, tuple[tuple[str, str], ...]] = {
    "public_order": (("有人酒后滋事", "{place}一饭店内有人酒后闹事，砸坏桌椅"),
                     ("有人聚众打架", "{place}有五六个人在打架"),
                     ("可疑人员撬车", "{place}有人在撬电动车锁"),
                     ("醉酒男子躺在路中", "{place}有一男子醉酒躺在路中间")),
    "dispute": (("两车剐蹭发生争执", "{place}两车剐蹭，双方发生争执堵塞交通"),
                ("家庭纠纷", "报警人称在{place}家中与家人发生争吵"),
                ("顾客与商户冲突", "{place}一商店内顾客与店主发生冲突")),
    "noise": (("KTV噪音扰民", "{place}一KTV深夜音乐声很大，多次劝说无效"),),
    "other": (("老人走失", "报警人称家中老人在{place}走失，身穿深色外套"),
              ("钥匙锁车内，孩子在车上", "{place}报警人钥匙锁在车内，孩子在车上"),
              ("捡到钱包", "报警人在{place}捡到钱包一个")),
}
WEIGHTS_110 = {"public_order": 35, "dispute": 35, "noise": 10, "other": 20}
# A 110 call about the same incident as a 12345 call: same category family.
TWINS_110: dict[str, tuple[tuple[str, str, str], ...]] = {
    "noise": (("noise", "噪音扰民引发争吵", "{place}因噪音问题邻里发生争吵，报警人请求出警"),),
    "dispute": (("dispute", "纠纷升级发生推搡", "{place}双方因纠纷发生推搡，请求民警到场"),
                ("public_order", "纠纷现场有人动手", "{place}纠纷现场有人动手打人")),
    "road_damage": (("road_damage", "路面塌陷致车辆受损", "{place}路面塌陷，一辆轿车前轮陷入"),),
    "lane_occupation": (("lane_occupation", "占道摊点与行人争执", "{place}占道摊点与行人发生争执"),),
    "garbage_dumping": (("garbage_dumping", "有车辆正在偷倒渣土", "{place}一辆渣土车正在往空地倾倒渣土"),),
}
TWIN_P = 0.3    # share of twin-able 12345 calls that get a 110 call for the same incident

# Arrivals per hour by hour of day (UTC+8), at load 1.
RATE_12345 = (5, 4, 3, 3, 3, 5, 10, 18, 32, 38, 36, 32, 25, 24, 32, 36, 34, 32, 28, 26, 24, 20, 14, 8)
RATE_110 = (8, 7, 6, 4, 3, 3, 5, 8, 9, 10, 10, 10, 10, 10, 10, 10, 11, 11, 12, 12, 12, 12, 11, 10)
RATE_PARKING = (1, 1, 0, 0, 0, 1, 3, 8, 12, 12, 12, 12, 10, 10, 12, 12, 12, 12, 12, 10, 8, 5, 3, 2)
RATE_STREET = (0.2, 0, 0, 0, 0, 0.5, 2, 3, 2, 1.5, 1.5, 2, 2, 1.5, 1.5, 1.5, 2, 3, 4, 4, 4, 3, 1, 0.5)
RATE_FIRE_LANE = (0.3, 0.2, 0, 0, 0, 0, 0.5, 1, 1, 0.5, 0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 1, 2, 2.5,
                  2.5, 2, 1, 0.5)
RATE_BLIPS = (0.6,) * 24

# Story offsets inside a cycle (sim seconds after the cycle starts).
STORY_AT = {"rainstorm": 1 * MINUTE, "illegal_parking": 3 * MINUTE, "yellow_river": 6 * MINUTE,
            "gas": 12 * MINUTE, "manhole": 20 * MINUTE, "smart_compound": 25 * MINUTE}


def cst_hour(t: float) -> int:
    return datetime.fromtimestamp(t, CST).hour


def offset_m(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` away from (lat, lon) towards ``bearing`` (radians)."""
    dlat = metres * math.cos(bearing) / 111_320.0
    dlon = metres * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


# --- what the simulator keeps per sensor and per seen object -------------------------

@dataclass
class Override:
    """A story's hold on a sensor: ``level(elapsed_s)`` gives the value, or
    None when the story lets go; ``on_change(t, old, new, value)`` hears the
    state changes the hub will make of it."""
    story: str
    start: float
    level: Callable[[float], float | None]
    on_change: Callable[[float, str, str, float], None] | None = None
    changed: bool = False       # the hub saw a state change while the story held the sensor


@dataclass
class Gauge:
    sensor: Sensor
    state: str = "normal"       # what the hub will judge (the simulator's own view)
    in_episode: bool = False
    base: float = 0.0
    walk: float = 0.0
    last_move: float = 0.0      # elder radar: when the resident last moved
    next_move: float = 0.0
    override: Override | None = None


@dataclass
class Seen:
    """An object a camera's AI reports until it leaves."""
    camera: str
    category: str
    key: str
    arrive: float
    leave: float
    story: str | None = None
    sightings: int = 0


@dataclass
class BacklogCall:
    """One call of the backlog and how far the last shift took it."""
    t: float
    args: dict                  # the ingest.call args
    to: str = "received"        # received, dispatched, in_progress, verifying or closed
    unit: str | None = None
    case: str | None = None     # the case the hub made of it
    version: int = 0


@dataclass
class FieldStep:
    """The field's next move on one case: out of ``status`` to ``to`` at ``due``."""
    case: str
    status: str
    to: str
    due: float
    dropped: bool = False       # a conflict: the human has it; wait for its next status


@dataclass
class Place:
    lat: float
    lon: float
    address: str
    spot: str          # how a caller says where it is
    district: str


# --- the feeder's view of the hub ---------------------------------------------------

class _FeederSink:
    """Keeps what the simulator needs of the hub: its sensors and cameras, and
    the cases of the first snapshot (to judge whether a backlog is due)."""

    def __init__(self) -> None:
        self.sensors: dict[str, Sensor] = {}
        self.cameras: dict[str, Camera] = {}
        self.cases: list[Case] | None = None
        self.ready = asyncio.Event()

    def on_welcome(self, welcome: Welcome, extra: dict) -> None:
        pass

    def on_snapshot(self, snapshot: Snapshot) -> None:
        self.sensors = {s.id: s for s in snapshot.sensors}
        self.cameras = {c.id: c for c in snapshot.cameras}
        if self.cases is None:
            self.cases = list(snapshot.cases)
        self.ready.set()

    def on_event(self, event: Event) -> None:
        pass

    def on_status(self, status: ConnectionStatus) -> None:
        pass


class _FieldSink:
    """The field terminals' view of the hub: the open cases, as the snapshot and
    the events tell them; each change is handed to ``on_case``."""

    def __init__(self, on_case: Callable[[Case], None]) -> None:
        self.cases: dict[str, Case] = {}
        self.on_case = on_case
        self.ready = asyncio.Event()

    def on_welcome(self, welcome: Welcome, extra: dict) -> None:
        pass

    def on_snapshot(self, snapshot: Snapshot) -> None:
        self.cases = {}
        for case in snapshot.cases:
            self._saw(case)
        self.ready.set()

    def on_event(self, event: Event) -> None:
        if event.kind in ("case.created", "case.updated"):
            self._saw(decode_event_data(event.kind, event.data))

    def _saw(self, case: Case) -> None:
        if case.status in OPEN_STATUSES:
            self.cases[case.id] = case
        else:
            self.cases.pop(case.id, None)
        try:
            self.on_case(case)
        except Exception:
            log.exception("field: planning %s failed", case.id)

    def on_status(self, status: ConnectionStatus) -> None:
        pass


async def _windowed(items: list, fn: Callable, window: int) -> None:
    """``await fn(item)`` for each item, in order, at most ``window`` at once."""
    it = iter(items)

    async def worker() -> None:
        for item in it:
            await fn(item)

    await asyncio.gather(*(worker() for _ in range(max(1, min(window, len(items))))))


def _sub_rng(seed: int | None, name: str) -> random.Random:
    """A generator of its own for one part of the simulation, derived from the
    seed, so that part draws nothing from (and shifts nothing in) the others."""
    return random.Random(None if seed is None else f"{seed}:{name}")


# --- the simulator ----------------------------------------------------------------------

class Simulator:
    def __init__(self, url: str, user: str = "demo-feeder", password: str = "demo", clock=None,
                 seed: int | None = None, *, cycle_s: float = 3 * HOUR, elder_period_s: float = 24 * HOUR,
                 elder_first_alarm_s: float = 50 * MINUTE, load: float = 1.0,
                 backlog_s: float = BACKLOG_S, field_user: str | None = FIELD_USER,
                 field_password: str | None = None):
        self.url, self.user, self.password = url, user, password
        self.clock = clock or SystemClock()
        self.seed = seed
        self.rng = random.Random(seed)
        self.history_rng = _sub_rng(seed, "history")
        self.history_s = HISTORY_S
        self.cycle_s = cycle_s
        self.elder_period_s = elder_period_s
        self.elder_first_alarm_s = elder_first_alarm_s
        self.load = load
        self.sched = Scheduler()
        self.client: HubClient | None = None
        self.send_hook: Callable[[str, dict], None] | None = None  # tests: instead of the hub
        self.stats: Counter[str] = Counter()
        self.gauges: dict[str, Gauge] = {}
        self.cameras: dict[str, Camera] = {}
        self.camera_off: set[str] = set()
        self.demo = demo_data.load_demo()
        self.grid = demo_data.load_grid_index()
        self._cells, self._cell_weights = self._weighted_cells(self.grid)
        self._counter = itertools.count(1)
        self._inflight: set[asyncio.Future] = set()
        self.start: float | None = None
        self.max_lag_s = 0.0
        self._live_now: float | None = None    # sim time of the live loop's last pass
        self._collect: list[dict] | None = None  # while planning the backlog: its calls
        # the backlog
        self.backlog_s = backlog_s
        self.backlog: list[BacklogCall] = []
        self.backlog_state = "pending"     # pending, playing, played, skipped
        self.backlog_real_s: float | None = None
        self.backlog_done = asyncio.Event()
        self._backlog_task: asyncio.Task | None = None
        # the field units
        self.field_user = field_user
        self.field_password = field_password if field_password is not None else password
        self.field_client: HubClient | None = None
        self.field_sink = _FieldSink(self._field_saw)
        self.field_sched = Scheduler()
        self.field_rng = _sub_rng(seed, "field")
        self.field_plans: dict[str, FieldStep] = {}
        self.field_versions: dict[str, int] = {}   # case -> the version the field's last move made
        self._field_busy: set[str] = set()         # cases with a field command in flight
        self._field_moves: deque[float] = deque()  # sim times of the recent field moves

    # --- running against a hub -----------------------------------------------------
    async def run(self) -> None:
        """Log in, then feed the hub until cancelled."""
        sink = _FeederSink()
        self.client = HubClient(self.url, Credentials(self.user, self.password), sink,
                                client_name="citybrain-simulator/0.1")
        self.client.start()
        try:
            await self._wait_ready(sink)
            await self._start_field()
            start = self.clock.now()
            # before the live readings begin: the hub judges readings in the
            # order they arrive, so an older one must not come after them
            await self._play_history(self.plan_history(start.timestamp(), list(sink.sensors.values())))
            if self.wants_backlog(sink.cases or [], start):
                self.backlog = self.plan_backlog(start.timestamp())
                self.backlog_state = "playing"
                self._backlog_task = asyncio.create_task(self._play_backlog(), name="backlog")
            else:
                self.backlog_state = "skipped"
                self.backlog_done.set()
            sink.cases = []         # (judged once: a later snapshot keeps nothing)
            self.setup(start, list(sink.sensors.values()), list(sink.cameras.values()))
            await self._drive()
        finally:
            if self._backlog_task is not None:
                self._backlog_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._backlog_task
            if self.field_client is not None:
                await self.field_client.close()
            await self.client.close()
            self._retrieve_inflight()
            log.info("simulator stopped: %s", self.summary())

    async def _wait_ready(self, sink: _FeederSink) -> None:
        while not sink.ready.is_set():
            if self.client.status.state == "unauthorized":
                raise RuntimeError(f"the hub refused {self.user}: {self.client.status.message}")
            try:
                await asyncio.wait_for(sink.ready.wait(), 1.0)
            except asyncio.TimeoutError:
                pass
        log.info("simulator logged in as %s at %s: %d sensors, %d cameras", self.user, self.url,
                 len(sink.sensors), len(sink.cameras))

    async def _drive(self) -> None:
        rate = float(getattr(self.clock, "rate", 1.0)) or 1.0
        while True:
            now = self.clock.now()
            self._live_now, nxt = now.timestamp(), self.sched.next_time()
            if nxt is not None:     # how late (sim seconds) an action ran, at worst
                self.max_lag_s = max(self.max_lag_s, self._live_now - nxt)
            self.field_sched.run_due(self._live_now, RUN_BATCH)
            if self.run_until(now) >= RUN_BATCH:
                await asyncio.sleep(0)
                continue
            nxt = min((t for t in (self.sched.next_time(), self.field_sched.next_time())
                       if t is not None), default=None)
            delay = 1.0 if nxt is None else (nxt - self.clock.now().timestamp()) / rate
            await asyncio.sleep(min(max(delay, 0.0), 0.5))

    def run_until(self, when: datetime, limit: int | None = RUN_BATCH) -> int:
        """Run every action due by ``when`` (at most ``limit``)."""
        return self.sched.run_due(when.timestamp(), limit)

    def _retrieve_inflight(self) -> None:
        for fut in list(self._inflight):
            if fut.done() and not fut.cancelled():
                fut.exception()
        self._inflight.clear()

    # --- sending ------------------------------------------------------------------
    def _send(self, op: str, args: dict, *, telemetry: bool = False, story: str | None = None,
              late: bool = False) -> None:
        """Submit one ingest command (fire and forget; the ack is counted).
        Telemetry (readings) is dropped rather than piled up: while the client
        is not connected, while the hub is behind (``MAX_PENDING`` unacked) and
        when it is already ``late``; the rest queues in the client, which
        re-sends it after a reconnect, up to ``MAX_PENDING``."""
        if self._collect is not None:       # planning the backlog
            self._collect.append(args)
            return
        if self.send_hook is not None:
            self.stats[op] += 1
            if op == "ingest.call":
                self.stats[f"call.{args['line']}"] += 1
            self.send_hook(op, args)
            return
        client = self.client
        if client is None:
            return
        backlog = client.pending_count
        if (telemetry and (late or not client.connected or backlog >= MAX_PENDING)) or \
                (not client.connected and backlog >= MAX_PENDING):
            self.stats["skipped"] += 1
            return
        self.stats[op] += 1
        if op == "ingest.call":
            self.stats[f"call.{args['line']}"] += 1
        fut = client.submit(op, args)
        self._inflight.add(fut)
        fut.add_done_callback(lambda f: self._acked(f, op, args, story))

    def _acked(self, fut: asyncio.Future, op: str, args: dict, story: str | None) -> None:
        self._inflight.discard(fut)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            self.stats["ok"] += 1
            case = fut.result().get("case") if story else None
            if case:
                log.info("%s: the hub opened %s (%s) for %s", story, case.get("id"),
                         case.get("category"), args.get("key") or args.get("title"))
        elif isinstance(exc, CommandFailed):
            self.stats["refused"] += 1
            log.warning("hub refused %s %s: %s", op, args, exc)
        else:
            self.stats["unacked"] += 1
            log.debug("%s not acked: %s", op, exc)

    def summary(self) -> str:
        s = self.stats
        return (f"sent {sum(s[k] for k in s if k.startswith('ingest.'))} "
                f"(calls 12345={s['call.12345']} 110={s['call.110']}, readings={s['ingest.reading']}, "
                f"sightings={s['ingest.detection']}, camera={s['ingest.camera']}), ok {s['ok']}, "
                f"refused {s['refused']}, skipped {s['skipped']}, worst lag {self.max_lag_s:.0f} sim-s; "
                f"history {s['history.reading']} readings; "
                f"backlog {self.backlog_state} ({s['backlog.call']} calls); field moves {s['field.ok']}, "
                f"held {s['field.held']}, conflicts {s['field.conflict']}, refused {s['field.refused']}")

    @staticmethod
    def ts(t: float) -> str:
        return format_ts(datetime.fromtimestamp(t, timezone.utc))

    # --- the hour before a first start -------------------------------------------------
    def plan_history(self, t0: float, sensors: list[Sensor]) -> list[dict]:
        """``ingest.reading`` args for the ``history_s`` before ``t0``, for each
        sensor the hub has no reading of (a first start), so the gauges open
        with a trend and a rate instead of a single point. A sensor follows
        its seeded value back and keeps its seeded state all along; the one a
        story holds from the start (the elderly resident who has not moved
        for hours) follows the story back, and may rise to warn in the past
        but never to alarm: a case only ever comes from a live reading."""
        held = self._held_from_start(t0)
        out: list[dict] = []
        rng = self.history_rng
        for s in sensors:
            if s.ts is not None or s.value is None or s.state == "offline" or self.history_s <= 0:
                continue
            step = max(float(s.interval_s), 30.0)
            times = [t0 - k * step for k in range(int(self.history_s // step), 0, -1)]
            story = held.get(s.id)
            values = [float(max(0.0, story(t))) if story else self._past_value(s, t0 - t, rng) for t in times]
            state, fits = s.state, True
            for v in values:
                state = rules.next_state(state, v, s.thresholds)
                if state == "alarm" or (story is None and state != s.state):
                    fits = False
                    break
            if fits:
                out.extend({"sensor": s.id, "value": v, "ts": self.ts(t)} for t, v in zip(times, values))
        out.sort(key=lambda a: a["ts"])
        return out

    def _held_from_start(self, t0: float) -> dict[str, Callable[[float], float]]:
        """Sensors a story holds from ``t0``: their value at a time before it."""
        sc = self.demo.scenarios.get("elder")
        if not sc:
            return {}
        last = self._elder_last_move(t0, self.elder_first_alarm_s)
        return {sc["sensor"]: lambda t: (t - last) // MINUTE}

    @staticmethod
    def _past_value(s: Sensor, ago_s: float, rng: random.Random) -> float:
        if s.kind == "elder_radar":      # minutes without movement: fewer, the further back
            return float(max(0, int(s.value - ago_s // MINUTE)))
        spread = HISTORY_SPREAD.get(s.kind, 0.1)
        return round(max(0.0, s.value + rng.gauss(0.0, spread)), 2)

    async def _play_history(self, history: list[dict]) -> None:
        if not history or self.client is None:
            return
        began = time.monotonic()

        async def send(args: dict) -> None:
            try:
                await self.client.command("ingest.reading", args, timeout=60)
                self.stats["history.reading"] += 1
            except CommandFailed as exc:
                self.stats["refused"] += 1
                log.warning("hub refused a past reading of %s: %s", args["sensor"], exc)
            except Exception as exc:        # no ack (the hub went away): not worth a retry
                self.stats["unacked"] += 1
                log.debug("past reading of %s not acked: %s", args["sensor"], exc)
        await _windowed(history, send, HISTORY_WINDOW)
        log.info("history: %d readings of the last %g h for %d sensors in %.1f s",
                 self.stats["history.reading"], self.history_s / HOUR,
                 len({a["sensor"] for a in history}), time.monotonic() - began)

    # --- the shift-start backlog -----------------------------------------------------
    def wants_backlog(self, cases: list[Case], now: datetime) -> bool:
        """A backlog is due for a hub with fewer than ``BACKLOG_BELOW`` open
        cases and no 12345/110 call reported in the backlog's window (a hub that
        already played one, or has been fed, gets none)."""
        if self.backlog_s <= 0:
            return False
        n_open = sum(1 for c in cases if c.status in OPEN_STATUSES)
        since = format_ts(now - timedelta(seconds=self.backlog_s))
        recent = sum(1 for c in cases if c.source in ("hotline_12345", "police_110")
                     and c.reported_at >= since)
        if n_open >= BACKLOG_BELOW or recent:
            log.info("no backlog: the hub holds %d open cases, %d calls of the last %g h",
                     n_open, recent, self.backlog_s / HOUR)
            return False
        return True

    def plan_backlog(self, t0: float) -> list[BacklogCall]:
        """The background 12345/110 calls (same-incident 110 twins included) of
        the ``backlog_s`` before ``t0``, and how far the last shift took each:
        ~60 % of those older than 45 min dispatched to their category's unit,
        most of them started, some done and awaiting the check, a few closed.
        Drawn from a generator of its own: the same seed gives the same backlog,
        and the live day is the same with or without one."""
        rng = _sub_rng(self.seed, "backlog")
        calls: list[dict] = []
        saved = self.rng, self.sched, self._collect
        self.rng, self.sched, self._collect = rng, Scheduler(), calls
        try:
            start = t0 - self.backlog_s
            for rates, handler in ((RATE_12345, self._call_12345), (RATE_110, self._call_110)):
                peak = max(rates) * self.load
                if peak > 0:
                    self.sched.at(start + rng.expovariate(peak / HOUR), self._arrival, rates, peak,
                                  handler)
            self.sched.run_due(t0 - 0.001)      # a twin due after t0 is never called in
        finally:
            self.rng, self.sched, self._collect = saved
        plan = []
        for args in calls:
            item = BacklogCall(parse_ts(args["ts"]).timestamp(), args)
            plan.append(item)
            if t0 - item.t < BACKLOG_FRESH_S or rng.random() >= BACKLOG_ASSIGN_P:
                continue
            item.unit, item.to = unit_for_category(args["category"]), "dispatched"
            started = item.t + rng.uniform(5, 40) * MINUTE + rng.uniform(*FIELD_START_MIN) * MINUTE
            done = started + rng.uniform(*FIELD_DONE_MIN) * MINUTE
            checked = done + rng.uniform(10, 60) * MINUTE
            if started < t0 and rng.random() < 0.85:
                item.to = "in_progress"
                if done < t0 and rng.random() < 0.8:
                    item.to = "verifying"
                    if checked < t0 and rng.random() < 0.25:
                        item.to = "closed"
        return plan

    async def _play_backlog(self) -> None:
        """Send the backlog's calls as fast as the hub acks them (at most
        ``BACKLOG_WINDOW`` in flight), then the field's moves on them."""
        began = time.monotonic()
        try:
            c = Counter(item.to for item in self.backlog)
            log.info("backlog: %d calls of the last %g h (%d dispatched, %d in progress, "
                     "%d verifying, %d closed by the last shift)", len(self.backlog),
                     self.backlog_s / HOUR, c["dispatched"], c["in_progress"], c["verifying"],
                     c["closed"])
            await _windowed(self.backlog, self._backlog_call, BACKLOG_WINDOW)
            if self.field_client is not None:
                worked = [item for item in self.backlog if item.case and item.unit]
                await _windowed(worked, self._backlog_field, BACKLOG_WINDOW)
            self.backlog_state = "played"
            self.backlog_real_s = time.monotonic() - began
            log.info("backlog played in %.1f s: %s", self.backlog_real_s, self.summary())
        finally:
            self._field_busy.difference_update(item.case for item in self.backlog if item.case)
            self.backlog_done.set()

    async def _backlog_call(self, item: BacklogCall) -> None:
        self.stats["backlog.call"] += 1
        try:
            result = await self.client.command("ingest.call", item.args, timeout=60)
        except CommandFailed as exc:
            self.stats["refused"] += 1
            log.warning("hub refused backlog call %s: %s", item.args.get("title"), exc)
            return
        except Exception as exc:        # no ack (the hub went away): the call is lost
            self.stats["unacked"] += 1
            log.debug("backlog call not acked: %s", exc)
            return
        self.stats["backlog.ok"] += 1
        case = result.get("case") or {}
        item.case, item.version = case.get("id"), case.get("version", 1)
        if item.case and item.unit:
            self._field_busy.add(item.case)     # the live field leaves it to the chain below

    async def _backlog_field(self, item: BacklogCall) -> None:
        """What the last shift did with one call: assign, start, finish, close."""
        r = self.field_rng
        steps: list[tuple[str, dict]] = [("case.assign", {"unit": item.unit})]
        moves = ("in_progress", "verifying", "closed")
        for to in moves[:{"in_progress": 1, "verifying": 2, "closed": 3}.get(item.to, 0)]:
            note = {"in_progress": r.choice(START_NOTES), "verifying": r.choice(DONE_NOTES),
                    "closed": CLOSE_NOTE}[to]
            steps.append(("case.transition", {"to": to, "note": note}))
        for op, extra in steps:
            args = {"case": item.case, "version": item.version, **extra}
            try:
                result = await self.field_client.command(op, args, timeout=60)
            except CommandFailed as exc:
                self._field_refused(op, args, exc)
                return
            except Exception as exc:
                self.stats["unacked"] += 1
                log.debug("backlog field move not acked: %s", exc)
                return
            item.version = result["case"]["version"]
            self.field_versions[item.case] = item.version
            self.stats["field.ok"] += 1
            self.stats["backlog.field"] += 1

    def _field_refused(self, op: str, args: dict, exc: CommandFailed) -> None:
        if exc.code == "conflict":      # the human was first: theirs
            self.stats["field.conflict"] += 1
            log.info("field: %s on %s dropped: %s", op, args.get("case"), exc.message)
        else:
            self.stats["field.refused"] += 1
            log.warning("hub refused field %s %s: %s", op, args, exc)

    # --- the field units -------------------------------------------------------------
    async def _start_field(self) -> None:
        """Log the field terminals in (``field_user``); without them the day
        runs on, with nobody but the human moving cases."""
        if not self.field_user:
            return
        client = HubClient(self.url, Credentials(self.field_user, self.field_password), self.field_sink,
                           client_name="citybrain-simulator-field/0.1")
        client.start()
        deadline = time.monotonic() + 30
        while not self.field_sink.ready.is_set():
            if client.status.state == "unauthorized" or time.monotonic() > deadline:
                log.warning("field units off: the hub refused %s (%s)", self.field_user,
                            client.status.message or client.status.state)
                await client.close()
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.field_sink.ready.wait(), 0.5)
        self.field_client = client
        log.info("field units logged in as %s: %d open cases", self.field_user,
                 len(self.field_sink.cases))

    def _field_saw(self, case: Case) -> None:
        """Plan the field's next move when a case enters ``dispatched`` or
        ``in_progress``: a step some minutes after it got there."""
        plan = self.field_plans.get(case.id)
        if case.status not in ("dispatched", "in_progress") or case.assignee is None:
            if plan is not None:
                del self.field_plans[case.id]
            return
        if plan is not None and plan.status == case.status:
            return
        r = self.field_rng
        lo, hi = FIELD_START_MIN if case.status == "dispatched" else FIELD_DONE_MIN
        since = parse_ts(case.updated_at).timestamp()
        to = "in_progress" if case.status == "dispatched" else "verifying"
        plan = FieldStep(case.id, case.status, to, since + r.uniform(lo, hi) * MINUTE)
        self.field_plans[case.id] = plan
        self.field_sched.at(plan.due, self._field_step, plan)

    def _field_step(self, t: float, plan: FieldStep) -> None:
        if self.field_plans.get(plan.case) is not plan or plan.dropped:
            return                          # superseded: the case moved on meanwhile
        case = self.field_sink.cases.get(plan.case)
        client = self.field_client
        if case is None or case.status != plan.status:
            self.field_plans.pop(plan.case, None)
            return
        r = self.field_rng
        if client is None or not client.connected or plan.case in self._field_busy:
            self._field_later(plan, t + r.uniform(30, 90))
            return
        changed = parse_ts(case.updated_at).timestamp()
        if self.field_versions.get(case.id) != case.version and t - changed < HUMAN_HOLD_S:
            # someone else changed it moments ago: never fight the human
            self.stats["field.held"] += 1
            self._field_later(plan, changed + HUMAN_HOLD_S + r.uniform(5, 60))
            return
        now = max(t, self._live_now or t)      # (a step may run late: count moves by when sent)
        while self._field_moves and self._field_moves[0] <= now - MINUTE:
            self._field_moves.popleft()
        if len(self._field_moves) >= FIELD_MOVES_PER_MIN:
            self._field_later(plan, self._field_moves[0] + MINUTE + r.uniform(1, 30))
            return
        self._field_moves.append(now)
        note = r.choice(START_NOTES if plan.to == "in_progress" else DONE_NOTES)
        args = {"case": case.id, "version": case.version, "to": plan.to, "note": note}
        self._field_busy.add(case.id)
        self.stats["field.sent"] += 1
        fut = client.submit("case.transition", args)
        self._inflight.add(fut)
        fut.add_done_callback(lambda f: self._field_acked(f, plan, args))

    def _field_later(self, plan: FieldStep, due: float) -> None:
        plan.due = due
        self.field_sched.at(due, self._field_step, plan)

    def _field_acked(self, fut: asyncio.Future, plan: FieldStep, args: dict) -> None:
        self._inflight.discard(fut)
        self._field_busy.discard(plan.case)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            case = fut.result().get("case") or {}
            self.field_versions[plan.case] = case.get("version", args["version"] + 1)
            self.stats["field.ok"] += 1
            self.stats[f"field.{plan.to}"] += 1
            log.debug("field: %s %s -> %s", plan.case, plan.status, plan.to)
        elif isinstance(exc, CommandFailed):
            if exc.code == "conflict":
                plan.dropped = True     # a fresh plan comes with the case's next status
            self._field_refused("case.transition", args, exc)
        else:
            self.stats["unacked"] += 1

    # --- the world ----------------------------------------------------------------
    def setup(self, start: datetime, sensors: list[Sensor], cameras: list[Camera]) -> None:
        """Build the simulated world from the hub's sensors and cameras and plan the day."""
        t0 = start.timestamp()
        self.start = t0
        self.cameras = {c.id: c for c in sorted(cameras, key=lambda c: c.id)}
        for s in sorted(sensors, key=lambda s: s.id):
            if s.kind not in ("water_level", "gas", "manhole", "elder_radar"):
                log.warning("sensor %s: kind %s is not simulated", s.id, s.kind)
                continue
            self.gauges[s.id] = self._new_gauge(s, t0)
        self._start_telemetry(t0)
        self._start_background(t0)
        self.sched.at(t0 + HOUR, self._hourly)
        self.sched.at(t0, self._cycle, 0)
        self.sched.at(t0, self._story_elder, self.elder_first_alarm_s)

    def _new_gauge(self, s: Sensor, t0: float) -> Gauge:
        r = self.rng
        g = Gauge(s, state=s.state if s.state in rules.RANK else "normal")
        if s.kind == "gas":
            g.base = r.uniform(0.2, 0.8)
        elif s.kind == "manhole":
            g.base = r.uniform(0.3, 0.9)
        elif s.kind == "elder_radar":
            g.last_move = t0 - r.uniform(0, 30 * MINUTE)
            g.next_move = t0 + self._move_gap(t0)
        return g

    @staticmethod
    def _weighted_cells(grid: GridIndex) -> tuple[list[GridCell], list[float]]:
        """Cells weighted to where people live: Haibowan's streets most, then
        Wuda's and Hainan's, towns least."""
        cells = sorted(grid.cells.values(), key=lambda c: c.code)
        weights = []
        for c in cells:
            town = int(c.code[6:9]) >= 100
            weights.append(0.3 if town else 3.0 if c.code.startswith("150302") else 1.5)
        cum = list(itertools.accumulate(weights))
        return cells, cum

    def _place(self, cell: GridCell | None = None) -> Place:
        r = self.rng
        if cell is None:
            cell = r.choices(self._cells, cum_weights=self._cell_weights)[0]
        x0, y0, x1, y1 = cell.bbox
        lat, lon = round(r.uniform(y0, y1), 6), round(r.uniform(x0, x1), 6)
        return self._place_at(lat, lon, cell)

    def _place_at(self, lat: float, lon: float, cell: GridCell | None) -> Place:
        r = self.rng
        district = cell.code[:6] if cell else "150302"
        road = r.choice(ROADS.get(district, ROADS["150302"]))
        if cell is None:
            address = f"{road}{r.randint(1, 199)}号附近"
            spot = f"{road}{r.choice(SPOTS)}"
        else:
            address = f"{cell.district}{cell.street}{cell.community} {road}{r.randint(1, 199)}号附近"
            spot = f"{cell.street}{road}{r.choice(SPOTS)}"
        return Place(lat, lon, address, spot, district)

    def _near(self, place: Place, lo_m: float, hi_m: float) -> Place:
        """A place ``lo_m``-``hi_m`` metres from ``place``, named as a caller there would."""
        r = self.rng
        lat, lon = offset_m(place.lat, place.lon, r.uniform(lo_m, hi_m), r.uniform(0, 2 * math.pi))
        return self._place_at(lat, lon, self.grid.cell_at(lat, lon))

    def _caller(self, with_name: bool = True) -> dict:
        r = self.rng
        phone = r.choice(PHONE_PREFIXES) + "".join(r.choice("0123456789") for _ in range(8))
        caller = {"phone": phone}
        if with_name:
            caller["name"] = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.randint(1, 2)))
        return caller

    def _plate(self) -> str:
        r = self.rng
        prefix = "蒙C" if r.random() < 0.9 else r.choice(("蒙A", "蒙B", "蒙L", "宁A", "宁B", "陕K"))
        return f"{prefix}·{r.choice(PLATE_LETTERS)}" + "".join(r.choice(PLATE_CHARS) for _ in range(4))

    # --- telemetry ----------------------------------------------------------------
    def _start_telemetry(self, t0: float) -> None:
        for sid, g in self.gauges.items():
            first = t0 + self.rng.uniform(1.0, min(g.sensor.interval_s, 30.0))
            self.sched.at(first, self._reading, sid)

    def _reading(self, t: float, sid: str) -> None:
        g = self.gauges[sid]
        ov = g.override if g.override is not None and t >= g.override.start else None
        value = self._value(g, t)
        self._judge(g, t, value, ov)
        late = self._live_now is not None and self._live_now - t > 2 * g.sensor.interval_s
        self._send("ingest.reading", {"sensor": sid, "value": value, "ts": self.ts(t)},
                   telemetry=True, late=late)
        self.sched.at(t + g.sensor.interval_s * self.rng.uniform(0.97, 1.03), self._reading, sid)

    def _value(self, g: Gauge, t: float) -> float:
        ov = g.override
        if ov is not None and t >= ov.start:
            v = ov.level(t - ov.start)
            if v is not None:
                return round(max(v, 0.0), 1)
            log.log(logging.INFO if ov.changed else logging.DEBUG, "%s: %s back to its normal pattern",
                    ov.story, g.sensor.id)
            g.override = None
            if g.sensor.kind == "elder_radar":
                g.next_move = t + self._move_gap(t)
        return self._normal_value(g, t)

    def _normal_value(self, g: Gauge, t: float) -> float:
        """A normal day's value, kept well inside the sensor's normal range."""
        r, kind = self.rng, g.sensor.kind
        if kind == "water_level":
            v = abs(r.gauss(0.0, 0.25))
        elif kind == "gas":
            g.walk = min(max(g.walk + r.gauss(0.0, 0.15), -g.base), 2.0)
            v = g.base + g.walk
        elif kind == "manhole":
            v = g.base + r.gauss(0.0, 0.08)
        else:
            v = self._minutes_still(g, t)
        th = g.sensor.thresholds
        if th.direction == "above":
            v = min(v, th.warn * 0.5)
        return round(max(v, 0.0), 1 if kind != "elder_radar" else 0)

    def _move_gap(self, t: float) -> float:
        """Seconds until a healthy resident next moves: minutes by day, longer asleep."""
        h = cst_hour(t)
        mean = 35 * MINUTE if h >= 22 or h < 6 else 12 * MINUTE
        return min(max(self.rng.expovariate(1.0 / mean), MINUTE), 150 * MINUTE)

    def _minutes_still(self, g: Gauge, t: float) -> float:
        while g.next_move <= t:
            g.last_move = g.next_move
            g.next_move = g.last_move + self._move_gap(g.last_move)
        return float(int((t - g.last_move) // MINUTE))

    def _judge(self, g: Gauge, t: float, value: float, ov: Override | None) -> None:
        """Follow the state the hub will judge, to tell the story (``ov``, the
        story holding the sensor for this reading) and react."""
        th = g.sensor.thresholds
        old, new = g.state, rules.next_state(g.state, value, th)
        if g.in_episode and rules.episode_ends(value, th):
            g.in_episode = False
            if ov:
                log.info("%s: %s %g is past the alarm line by the margin: the episode ends",
                         ov.story, g.sensor.id, value)
        if new == "alarm" and not g.in_episode:
            g.in_episode = True
        g.state = new
        if new != old and ov is not None:
            ov.changed = True
            verb = "passes" if rules.RANK.get(new, 0) > rules.RANK.get(old, 0) else "falls back to"
            log.info("%s: %s %s %s (%g)", ov.story, g.sensor.id, verb, new, value)
            if ov.on_change:
                ov.on_change(t, old, new, value)

    def _hold(self, sid: str, story: str, start: float, level: Callable[[float], float | None],
              on_change: Callable | None = None) -> bool:
        g = self.gauges.get(sid)
        if g is None:
            log.warning("%s: the hub has no sensor %s; skipped", story, sid)
            return False
        g.override = Override(story, start, level, on_change)
        return True

    # --- background load --------------------------------------------------------------
    def _start_background(self, t0: float) -> None:
        for rates, handler in ((RATE_12345, self._call_12345), (RATE_110, self._call_110),
                               (RATE_PARKING, self._parking), (RATE_STREET, self._street_sighting),
                               (RATE_FIRE_LANE, self._fire_lane), (RATE_BLIPS, self._camera_blip)):
            peak = max(rates) * self.load
            if peak > 0:
                self.sched.at(t0 + self.rng.expovariate(peak / HOUR), self._arrival, rates, peak, handler)

    def _arrival(self, t: float, rates: tuple, peak: float, handler: Callable[[float], None]) -> None:
        """One candidate of a Poisson stream at the peak rate, thinned to the hour's rate."""
        if self.rng.random() * peak < rates[cst_hour(t)] * self.load:
            handler(t)
        self.sched.at(t + self.rng.expovariate(peak / HOUR), self._arrival, rates, peak, handler)

    def _call(self, t: float, line: str, category: str, title: str, detail: str, place: Place,
              caller: dict, story: str | None = None) -> None:
        lead = "" if detail.startswith(("来电人", "报警人")) else \
            "市民来电反映：" if line == "12345" else "报警人称："
        desc = f"{lead}{detail.format(place=place.spot)}。"
        if line == "12345":
            desc += self.rng.choice(ASKS)
        self._send("ingest.call", {
            "line": line, "caller": caller, "category": category, "title": title,
            "description": desc,
            "location": {"lat": place.lat, "lon": place.lon, "address": place.address},
            "ts": self.ts(t)}, story=story)

    def _call_12345(self, t: float) -> None:
        r = self.rng
        category = r.choices(list(WEIGHTS_12345), weights=list(WEIGHTS_12345.values()))[0]
        title, detail = r.choice(CALLS_12345[category])
        place, caller = self._place(), self._caller()
        self._call(t, "12345", category, title, detail, place, caller)
        if category in TWINS_110 and r.random() < TWIN_P:
            same_phone = r.random() < 0.35
            self.sched.at(t + r.uniform(2 * MINUTE, 6 * MINUTE), self._twin_110, category, place,
                          caller if same_phone else None)

    def _twin_110(self, t: float, category: str, place: Place, caller: dict | None) -> None:
        """A 110 call about the incident a 12345 caller reported minutes ago, nearby."""
        cat, title, detail = self.rng.choice(TWINS_110[category])
        self._call(t, "110", cat, title, detail, self._near(place, 100, 400),
                   caller or self._caller(self.rng.random() < 0.5))

    def _call_110(self, t: float) -> None:
        r = self.rng
        category = r.choices(list(WEIGHTS_110), weights=list(WEIGHTS_110.values()))[0]
        title, detail = r.choice(CALLS_110[category])
        self._call(t, "110", category, title, detail, self._place(), self._caller(r.random() < 0.5))

    # --- AI sightings -------------------------------------------------------------
    def _see(self, t: float, camera: str, category: str, key: str, stay_s: float,
             story: str | None = None) -> None:
        """An object appears at ``camera`` now and stays ``stay_s``."""
        if camera not in self.cameras:
            log.warning("%s: the hub has no camera %s; skipped", story or category, camera)
            return
        self.sched.at(t, self._sighting, Seen(camera, category, key, t, t + stay_s, story))

    def _sighting(self, t: float, obj: Seen) -> None:
        present = t < obj.leave
        if obj.camera not in self.camera_off:
            args = {"camera": obj.camera, "category": obj.category, "key": obj.key,
                    "ts": self.ts(t), "present": present}
            if present and obj.sightings % SNAPSHOT_EVERY == 0:
                args["snapshot"] = f"demo:{obj.camera}/{next(self._counter):06d}.jpg"
            self._send("ingest.detection", args, story=obj.story)
        obj.sightings += 1
        if present:
            self.sched.at(min(t + SIGHTING_EVERY_S, obj.leave), self._sighting, obj)
        elif obj.story:
            log.info("%s: %s leaves %s after %d min", obj.story, obj.key, obj.camera,
                     round((obj.leave - obj.arrive) / MINUTE))

    def _cameras_of(self, *groups: str) -> list[str]:
        return [cid for cid, c in self.cameras.items() if c.group in groups]

    def _parking(self, t: float) -> None:
        r = self.rng
        cams = self._cameras_of("traffic", "city_mgmt")
        if not cams:
            return
        stay = r.uniform(16, 40) if r.random() < 0.2 else r.uniform(2, 12)
        self._see(t, r.choice(cams), "illegal_parking", self._plate(), stay * MINUTE)

    def _street_sighting(self, t: float) -> None:
        """Street vending, lane occupation or dumping at a market camera: a case at
        once; the vendor is re-reported while there (the hub makes nothing more)."""
        r = self.rng
        cams = self._cameras_of("city_mgmt")
        if not cams:
            return
        category = r.choices(("street_vending", "lane_occupation", "garbage_dumping"), (5, 3, 2))[0]
        noun = {"street_vending": "摊贩", "lane_occupation": "占道摊点", "garbage_dumping": "垃圾堆"}
        n = r.randint(1, 6)     # a few regulars per camera: a returning one makes no new case
        stay = r.uniform(10, 40) if category != "garbage_dumping" else r.uniform(40, 120)
        cam = r.choice(cams)
        self._see(t, cam, category, f"{noun[category]}#{cam[-2:]}{n}", stay * MINUTE)

    def _fire_lane(self, t: float) -> None:
        """A car in a compound's fire lane: the loudspeaker usually moves it in minutes."""
        r = self.rng
        cams = [c.cameras[1] for c in self.demo.compounds if len(c.cameras) > 1]
        cams = [c for c in cams if c in self.cameras]
        if not cams:
            return
        stay = r.uniform(7, 20) if r.random() < 0.15 else r.uniform(1, 4)
        self._see(t, r.choice(cams), "fire_lane_blocked", self._plate(), stay * MINUTE)

    def _story_cameras(self) -> set[str]:
        ids = {v for sc in self.demo.scenarios.values() for v in sc.values()}
        return ids | {c for comp in self.demo.compounds for c in comp.cameras}

    def _camera_blip(self, t: float) -> None:
        r = self.rng
        spared = self._story_cameras() | self.camera_off
        cams = [c for c in self.cameras if c not in spared]
        if not cams:
            return
        cam = r.choice(cams)
        self.camera_off.add(cam)
        self._send("ingest.camera", {"camera": cam, "status": "offline", "ts": self.ts(t)})
        self.sched.at(t + r.uniform(2, 8) * MINUTE, self._camera_back, cam)

    def _camera_back(self, t: float, cam: str) -> None:
        self.camera_off.discard(cam)
        self._send("ingest.camera", {"camera": cam, "status": "online", "ts": self.ts(t)})

    def _hourly(self, t: float) -> None:
        when = datetime.fromtimestamp(t, CST).strftime("%m-%d %H:%M")
        log.info("simulator at %s (UTC+8): %s", when, self.summary())
        self.sched.at(t + HOUR, self._hourly)

    # --- the stories ------------------------------------------------------------------
    def _cycle(self, t: float, n: int) -> None:
        log.info("story cycle %d starts (next in %g h)", n + 1, self.cycle_s / HOUR)
        for story, offset in STORY_AT.items():
            if story in self.demo.scenarios:
                self.sched.at(t + offset, getattr(self, f"_story_{story}"), n)
        self.sched.at(t + self.cycle_s, self._cycle, n + 1)

    def _point(self, key: str):
        return self.demo.points.get(key)

    # (1) rainstorm
    def _story_rainstorm(self, t: float, n: int) -> None:
        sc = self.demo.scenarios["rainstorm"]
        sid = sc["sensor"]
        r = self.rng
        profile = rain_profile(r, rise=r.uniform(0.75, 0.85), hover_min=r.uniform(18, 22),
                               peak=r.uniform(29, 33), recede=r.uniform(0.9, 1.2))
        log.info("rainstorm: heavy rain over Haibowan; %s (%s) starts to rise", sid,
                 self.gauges[sid].sensor.name if sid in self.gauges else "?")

        def on_change(tc: float, old: str, new: str, value: float) -> None:
            if new == "alarm" and old != "alarm":
                self.sched.at(tc + 3 * MINUTE, self._rain_call_12345, sc)
                self.sched.at(tc + 6 * MINUTE, self._rain_call_110, sc)

        self._hold(sid, "rainstorm", t, profile, on_change)
        self._rain_elsewhere(t, sid, profile)
        for k in range(2):
            self.sched.at(t + r.uniform(25, 60) * MINUTE, self._rain_call_elsewhere)

    def _rain_elsewhere(self, t: float, main: str, profile: Callable[[float], float | None]) -> None:
        """The other gauges rise too: Haibowan's up to warn, the rest a little;
        none to alarm (one alarm, one story)."""
        r = self.rng
        for sid, g in self.gauges.items():
            if g.sensor.kind != "water_level" or sid == main:
                continue
            near = (g.sensor.grid or "").startswith("150302")
            factor = r.uniform(0.35, 0.68) if near else r.uniform(0.05, 0.25)
            cap = g.sensor.thresholds.alarm - g.sensor.thresholds.hysteresis - 1.0

            def level(e: float, f: float = factor, cap: float = cap) -> float | None:
                v = profile(e)
                return None if v is None else min(v * f, cap)

            self._hold(sid, "rainstorm", t + r.uniform(0, 6) * MINUTE, level)

    def _rain_call_12345(self, t: float, sc: dict) -> None:
        p = self._point(sc.get("call_12345", ""))
        if p is None:
            return
        log.info("rainstorm: 12345 call: car stalled in water at %s", p.name)
        self._call(t, "12345", "waterlogging", "下穿通道积水，有车辆熄火",
                   "{place}积水很深，一辆轿车熄火停在水里，就在农贸市场旁边",
                   Place(p.lat, p.lon, f"海勃湾区{p.name}", p.name, "150302"), self._caller(),
                   story="rainstorm")

    def _rain_call_110(self, t: float, sc: dict) -> None:
        p = self._point(sc.get("call_110", ""))
        if p is None:
            return
        log.info("rainstorm: 110 call: driver trapped at %s", p.name)
        self._call(t, "110", "waterlogging", "下穿通道积水，司机被困车内",
                   "{place}积水没过车门，司机被困车内出不来，请求救援",
                   Place(p.lat, p.lon, f"海勃湾区{p.name}", p.name, "150302"), self._caller(),
                   story="rainstorm")

    def _rain_call_elsewhere(self, t: float) -> None:
        cells = [c for c in self._cells if c.code.startswith("150302") and int(c.code[6:9]) < 100]
        place = self._place(self.rng.choice(cells)) if cells else self._place()
        self._call(t, "12345", "waterlogging", "小区门口积水严重", "{place}积水严重，行人无法通过",
                   place, self._caller())

    # (2) illegal parking, 15 minutes of grace
    def _story_illegal_parking(self, t: float, n: int) -> None:
        cam = self.demo.scenarios["illegal_parking"]["camera"]
        r = self.rng
        plate, stay = self._plate(), r.uniform(17, 22) * MINUTE
        log.info("illegal_parking: %s stops at the bus stop (%s); it will stay %d min", plate, cam,
                 stay // MINUTE)
        self._see(t, cam, "illegal_parking", plate, stay, story="illegal_parking")
        for _ in range(3):
            self._see(t + r.uniform(1, 12) * MINUTE, cam, "illegal_parking", self._plate(),
                      r.uniform(2, 8) * MINUTE, story="illegal_parking")

    # (3) the Yellow River at night
    def _story_yellow_river(self, t: float, n: int) -> None:
        sc = self.demo.scenarios["yellow_river"]
        r = self.rng
        log.info("yellow_river: a boat with nets at %s", sc["fishing_camera"])
        self._see(t, sc["fishing_camera"], "illegal_fishing", f"渔船#{n + 1:02d}",
                  r.uniform(15, 25) * MINUTE, story="yellow_river")
        self.sched.at(t + 30 * MINUTE, self._river_pollution, sc, n)

    def _river_pollution(self, t: float, sc: dict, n: int) -> None:
        log.info("yellow_river: floating pollution drifting past %s", sc["pollution_camera"])
        self._see(t, sc["pollution_camera"], "floating_pollution", f"漂浮物带#{n + 1:02d}",
                  self.rng.uniform(15, 25) * MINUTE, story="yellow_river")

    # (4) an old man who lives alone
    def _story_elder(self, t: float, alarm_in: float) -> None:
        """No movement: the radar's minutes climb past warn and alarm; a grid
        worker visits 40 minutes after the alarm. ``alarm_in`` backdates the
        last movement so the alarm comes that long after ``t``."""
        sc = self.demo.scenarios.get("elder")
        if sc:
            sid = sc["sensor"]
            last = self._elder_last_move(t, alarm_in)
            since = datetime.fromtimestamp(last, CST).strftime("%H:%M")
            if self._hold(sid, "elder", t, lambda e: (t - last + e) // MINUTE, self._elder_change):
                log.info("elder: %s has seen no movement since %s", sid, since)
        self.sched.at(t + self.elder_period_s, self._story_elder, 12 * HOUR + MINUTE)

    @staticmethod
    def _elder_last_move(t: float, alarm_in: float) -> float:
        """When the resident last moved, for the alarm (12 h still) to come
        ``alarm_in`` after ``t``."""
        return t + alarm_in - 12 * HOUR - MINUTE

    def _elder_change(self, t: float, old: str, new: str, value: float) -> None:
        if new == "alarm" and old != "alarm":
            self.sched.at(t + 40 * MINUTE, self._elder_visit, self.demo.scenarios["elder"]["sensor"])

    def _elder_visit(self, t: float, sid: str) -> None:
        g = self.gauges[sid]
        log.info("elder: the grid worker visits %s; the resident is found and moves", sid)
        if g.override is not None:
            g.override.level = lambda e: None        # the story lets go at the next reading
        g.last_move = t

    # (5) gas and a displaced manhole cover
    def _story_gas(self, t: float, n: int) -> None:
        sid = self.demo.scenarios["gas"]["sensor"]
        r = self.rng
        log.info("gas: a leak under the restaurant street at %s", sid)
        self._hold(sid, "gas", t, gas_profile(r, peak=r.uniform(21, 23), hold_min=r.uniform(10, 14)))

    def _story_manhole(self, t: float, n: int) -> None:
        sc = self.demo.scenarios.get("manhole")
        if not sc:
            return
        sid, r = sc["sensor"], self.rng
        tilt, hold = r.uniform(16, 19), r.uniform(35, 45) * MINUTE
        log.info("manhole: a truck knocks %s askew at the junction (camera %s)", sid, sc.get("camera"))

        def level(e: float) -> float | None:
            return None if e > hold else max(tilt + r.gauss(0, 0.4), 15.2)

        self._hold(sid, "manhole", t, level)

    # (6) smart compound
    def _story_smart_compound(self, t: float, n: int) -> None:
        sc = self.demo.scenarios["smart_compound"]
        r = self.rng
        floors = r.choice(("6-9层", "10-12层", "12-15层", "15-18层"))
        log.info("smart_compound: object thrown from height at %s (%s)", sc["camera"], floors)
        self._see(t, sc["camera"], "thrown_from_height", f"抛物#{n + 1:02d} {floors}", MINUTE,
                  story="smart_compound")
        log.info("smart_compound: a car blocks the fire lane at %s", sc["fire_lane_camera"])
        self._see(t + 2 * MINUTE, sc["fire_lane_camera"], "fire_lane_blocked", self._plate(),
                  r.uniform(8, 14) * MINUTE, story="smart_compound")
        self._see(t + 20 * MINUTE, sc["fire_lane_camera"], "fire_lane_blocked", self._plate(),
                  r.uniform(2, 3.5) * MINUTE, story="smart_compound")


# --- story profiles: value by elapsed sim seconds --------------------------------------

def rain_profile(r: random.Random, *, rise: float, hover_min: float, peak: float,
                 recede: float) -> Callable[[float], float | None]:
    """Standing water in cm: rises ``rise`` cm/min past the alarm line (25),
    hovers around it for ``hover_min`` without falling to 22 (alarm −
    hysteresis), peaks, then recedes ``recede`` cm/min until dry."""
    t_alarm = 25.6 / rise
    t_hover = t_alarm + hover_min
    t_peak = t_hover + 8.0
    t_hold = t_peak + 3.0
    t_dry = t_hold + peak / recede
    t_end = t_dry + 5.0

    def level(e: float) -> float | None:
        m, noise = e / MINUTE, r.gauss(0.0, 0.25)
        if m < t_alarm:
            return rise * m + noise
        if m < t_hover:
            return min(max(25.0 + 1.3 * math.sin(2 * math.pi * (m - t_alarm) / 6.5) + noise, 23.0), 27.5)
        if m < t_peak:
            return 25.0 + (peak - 25.0) * (m - t_hover) / 8.0 + noise
        if m < t_hold:
            return peak + noise
        if m < t_end:
            return max(peak - recede * (m - t_hold), 0.0) + abs(noise)
        return None

    return level


def gas_profile(r: random.Random, *, peak: float, hold_min: float) -> Callable[[float], float | None]:
    """%LEL: rises over 6 min from ~1 past warn (10) and alarm (20) to
    ``peak``, holds above 19 (alarm − hysteresis is 18) for ``hold_min``,
    then falls back over 6 min once the valve is shut."""
    t_hold = 6.0 + hold_min

    def level(e: float) -> float | None:
        m, noise = e / MINUTE, r.gauss(0.0, 0.3)
        if m < 6.0:
            return 1.0 + (peak - 1.0) * m / 6.0 + noise
        if m < t_hold:
            return min(max(peak - 1.0 + 1.5 * math.sin(m) + noise, 19.0), 24.5)
        if m < t_hold + 6.0:
            return max(peak - (peak - 1.0) * (m - t_hold) / 6.0 + noise, 0.5)
        return None

    return level


__all__ = ["Simulator", "Scheduler", "rain_profile", "gas_profile"]
