#!/usr/bin/env python3
"""Video tiles benchmark: CPU used by the console's video panel playing 1, 4
and 9 tiles of the demo clip, beside plain ``cvlc`` playing the same number of
streams with the same options, in one run, on a private Xvfb.

    .venv/bin/python bench/video.py [--seconds 10] [--rounds 2] [--tiles 1,4,9] [--clip PATH]

Each configuration runs in its own OS processes and is measured from outside
with psutil: user + system CPU time of the whole process tree (libVLC's
decoder and video-output threads included) over ``--seconds``, after every
stream has shown frames for ``WARMUP_S``, as a percentage of one core.

* **console**: the real ``panels.video.VideoPanel`` in a 1920x1080 window
  (camera list, tile headers, badges, status polling and the once-a-second
  refresh included), libVLC drawing into each tile's native X window with
  the console's options (``vlc_loader``: ``--gl=none --gles2=none
  --avcodec-hw=none --no-audio --no-video-title-show --quiet``).
* **vlc** (the baseline): one plain ``cvlc`` process per stream with the same
  options plus ``--input-repeat`` (as the console loops the demo clip) and
  ``--drawable-xid``: each draws into a bare X window of exactly the size of
  the console's tile picture (made by a small host process that is not
  measured), so both sides decode the same clip and scale it to the same
  number of pixels. ``cvlc`` refuses to run as root (MACHINE.md P10); as root
  the bench runs it as ``nobody`` through ``setpriv``.

Both sides are checked on screen after measuring (a tile can report Playing
while black, MACHINE.md P6): every tile's region of the X screen, grabbed
twice 0.5 s apart, must be non-black and changing.

The configurations alternate and pair up (round 1: console then vlc, round 2:
vlc then console, ...) so other load on a shared machine hits both sides
alike; a tile count's overhead is the median of its rounds' console/vlc
ratios. The last line printed is one JSON object: ``console_cpu`` and
``vlc_cpu`` (per tile count, median % of a core), ``overhead`` per tile count
and ``overhead_9`` (console CPU / VLC CPU at 9 tiles).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# run as a script, bench/ is sys.path[0], and bench/queue.py would shadow the
# standard library's queue (concurrent.futures needs it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCREEN = (1920, 1080)
WARMUP_S = 3.0
READY_TIMEOUT_S = 60.0
LAYOUTS = {1: "1x1", 4: "2x2", 9: "3x3", 16: "4x4"}
NOBODY = 65534


# --- the parent: Xvfb, children, measuring ------------------------------------------


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """A private Xvfb; ``-displayfd`` tells us its number once it is ready."""
    if not shutil.which("Xvfb"):
        sys.exit("bench/video.py needs Xvfb: apt install xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0",
                             f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        sys.exit("Xvfb did not start")
    return proc, f":{number}"


class Child:
    """A child process speaking one JSON line per request on stdout."""

    def __init__(self, cmd: list[str], env: dict, **kw):
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, **kw)

    def read_json(self, timeout: float = READY_TIMEOUT_S) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"benchmark child exited early (code {self.proc.poll()})")
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError("benchmark child did not answer")

    def ask(self, what: str) -> dict:
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        return self.read_json()

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(procs) -> float:
    import psutil
    total = 0.0
    for p in procs:
        try:
            ps = psutil.Process(p.pid)
            for q in [ps, *ps.children(recursive=True)]:
                t = q.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def measure_cpu(procs, seconds: float) -> float:
    time.sleep(WARMUP_S)
    t0, c0 = time.monotonic(), cpu_seconds(procs)
    time.sleep(seconds)
    t1, c1 = time.monotonic(), cpu_seconds(procs)
    return 100.0 * (c1 - c0) / (t1 - t0)


def child_cmd(kind: str, tiles: int, clip: Path, sizes=None) -> list[str]:
    cmd = [sys.executable, __file__, "--child", kind, "--tiles", str(tiles), "--clip", str(clip)]
    if sizes:
        cmd += ["--sizes", ";".join(f"{w}x{h}" for w, h in sizes)]
    return cmd


def run_console(tiles: int, clip: Path, env: dict, seconds: float) -> dict:
    child = Child(child_cmd("console", tiles, clip), env)
    try:
        ready = child.read_json()
        cpu = measure_cpu([child.proc], seconds)
        screen = child.ask("check")
    finally:
        child.stop()
    return {"cpu": cpu, "sizes": ready["sizes"], "screen": screen["tiles"]}


def cvlc_command(xid: int, clip: Path, home: Path) -> tuple[list[str], dict]:
    from widgets.vlc_loader import BASE_OPTIONS, WINDOW_OPTIONS
    cmd = ["cvlc", *BASE_OPTIONS, *WINDOW_OPTIONS, "--input-repeat=65535",
           f"--drawable-xid={xid}", str(clip)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "DISPLAY": os.environ["DISPLAY"]}
    if os.geteuid() == 0:   # "VLC is not supposed to be run as root. Sorry."
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    return cmd, env


def run_cvlc(tiles: int, clip: Path, env: dict, seconds: float, sizes, home: Path) -> dict:
    host = Child(child_cmd("host", tiles, clip, sizes), env)
    players: list[subprocess.Popen] = []
    try:
        xids = host.read_json()["xids"]
        os.environ["DISPLAY"] = env["DISPLAY"]
        for xid in xids:
            cmd, penv = cvlc_command(xid, clip, home)
            players.append(subprocess.Popen(cmd, env=penv, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)                       # cvlc has no "first frame" signal: give it a start
        cpu = measure_cpu(players, seconds)
        dead = [p.returncode for p in players if p.poll() is not None]
        if dead:
            raise RuntimeError(f"cvlc exited while measured (codes {dead})")
        screen = host.ask("check")
    finally:
        for p in players:
            stop_process(p)
        host.stop()
    return {"cpu": cpu, "screen": screen["tiles"]}


def check_screen(side: str, n: int, tiles: list[dict]) -> None:
    bad = [t for t in tiles if t["brightness"] < 20 or t["change"] < 1.0]
    if len(tiles) != n or bad:
        raise RuntimeError(f"{side} with {n} tiles: not every tile shows a moving picture: {tiles}")


def measure(args) -> dict:
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    work = Path(tempfile.mkdtemp(prefix="bench-video-"))
    os.chmod(work, 0o755)
    clip = work / args.clip.name          # readable by cvlc's user too
    shutil.copy(args.clip, clip)
    os.chmod(clip, 0o644)
    home = work / "home"
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, NOBODY, NOBODY)
    rounds: dict[int, list[tuple[float, float]]] = {n: [] for n in args.tiles}
    sizes: dict[int, list] = {}
    try:
        for r in range(args.rounds):
            for n in args.tiles:
                order = ("console", "vlc") if r % 2 == 0 else ("vlc", "console")
                got = {}
                for side in order:
                    if side == "console":
                        res = run_console(n, clip, env, args.seconds)
                        sizes[n] = res["sizes"]
                    else:
                        if n not in sizes:          # the first vlc run needs the tile sizes
                            sizes[n] = run_console(n, clip, env, 1.0)["sizes"]
                        res = run_cvlc(n, clip, env, args.seconds, sizes[n], home)
                    check_screen(side, n, res["screen"])
                    got[side] = res["cpu"]
                rounds[n].append((got["console"], got["vlc"]))
                w, h = sizes[n][0]
                print(f"round {r + 1}: {n:2d} tiles of {w}x{h}: console {got['console']:5.1f} % CPU, "
                      f"cvlc {got['vlc']:5.1f} %: x{got['console'] / got['vlc']:.3f}", flush=True)
    finally:
        stop_process(xvfb)
        shutil.rmtree(work, ignore_errors=True)
    results: dict = {"console_cpu": {}, "vlc_cpu": {}, "overhead": {}, "rounds": {}}
    for n, pairs in rounds.items():
        key = str(n)
        results["console_cpu"][key] = round(statistics.median(c for c, _ in pairs), 1)
        results["vlc_cpu"][key] = round(statistics.median(v for _, v in pairs), 1)
        results["overhead"][key] = round(statistics.median(c / v for c, v in pairs), 3)
        results["rounds"][key] = [[round(c, 1), round(v, 1)] for c, v in pairs]
    results.update(overhead_9=results["overhead"].get("9"), seconds=args.seconds,
                   clip=args.clip.name, cpus=os.cpu_count(),
                   load_avg=[round(x, 2) for x in os.getloadavg()])
    return results


# --- children: shared ------------------------------------------------------------------------


def screen_report(widgets, done) -> None:
    """Brightness and change (0.5 s apart) of each widget's region of the X
    screen — VLC's drawing included; calls ``done(list)``."""
    import numpy as np
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QGuiApplication, QImage

    def grab(w):
        p = w.mapToGlobal(QPoint(0, 0))
        img = QGuiApplication.primaryScreen().grabWindow(0, p.x(), p.y(), w.width(), w.height())
        img = img.toImage().convertToFormat(QImage.Format.Format_RGB32)
        a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
        a = a.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
        return a.reshape(img.height(), img.width(), 4)[..., :3].astype(np.int16)

    first = [grab(w) for w in widgets]

    def second():
        out = []
        for w, a in zip(widgets, first):
            b = grab(w)
            out.append({"brightness": round(float(b.mean()), 1),
                        "change": round(float(np.abs(b - a).mean()), 2)})
        done(out)
    QTimer.singleShot(500, second)


def serve_stdin(app, on_check) -> None:
    """Answer "check" lines from the parent; quit on SIGTERM or EOF."""
    from PySide6.QtCore import QSocketNotifier, QTimer

    def readable():
        line = sys.stdin.readline()
        if not line:
            app.quit()
        elif line.strip() == "check":
            on_check()
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(readable)
    app._bench_notifier = notifier
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    QTimer(app, interval=200, timeout=lambda: None).start()     # let Python see SIGTERM


def reply(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


# --- child: the console's video panel ---------------------------------------------------------


def console_child(args) -> None:
    from PySide6.QtCore import QLocale, QTimer
    from PySide6.QtWidgets import QApplication
    QLocale.setDefault(QLocale("zh_CN"))
    app = QApplication([])
    from console import theme
    theme.apply(app)
    from console.context import AppContext
    from console.protocol import Camera, Location
    from console.qtstore import StoreAdapter
    from console.settings import Settings
    from console.store import LiveStore
    from panels.video import VideoPanel

    store = LiveStore()
    for i in range(args.tiles):
        cid = f"BENCH-{i + 1:02d}"
        store.cameras[cid] = Camera(cid, f"基准测试 路口 {i + 1:02d}", args.clip.as_uri(),
                                    Location(39.68, 106.84), "traffic")
    tmp = Path(tempfile.mkdtemp(prefix="bench-video-console-"))
    settings = Settings(tmp / "console.ini")
    settings.set("video/layout", LAYOUTS[args.tiles])
    settings.set("video/tiles", ",".join(store.cameras))     # as if arranged on an earlier day
    ctx = AppContext(store, StoreAdapter(store), settings)
    panel = VideoPanel(ctx)
    panel.setGeometry(0, 0, *SCREEN)
    panel.show()

    def ready() -> None:
        tiles = panel.visible_tiles()
        if all(t.stream is not None and t.stream.status == "live" for t in tiles):
            reply({"sizes": [[t.surface.width(), t.surface.height()] for t in tiles],
                   "mode": panel.mode})
            timer.stop()
    timer = QTimer(interval=200, timeout=ready)
    timer.start()
    serve_stdin(app, lambda: screen_report([t.surface for t in panel.visible_tiles()],
                                           lambda out: reply({"tiles": out})))
    app.aboutToQuit.connect(panel.shutdown)
    app.exec()
    shutil.rmtree(tmp, ignore_errors=True)


# --- child: bare X windows for cvlc (not measured) ----------------------------------------------


def host_child(args) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    top = QWidget()
    top.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    top.setStyleSheet("background: black;")
    top.setGeometry(0, 0, *SCREEN)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(";")]
    cols = {1: 1, 4: 2, 9: 3, 16: 4}[args.tiles]
    windows = []
    for i, (w, h) in enumerate(sizes):
        win = QWidget(top)
        win.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        win.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)   # Qt never paints over VLC
        win.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        win.setGeometry((i % cols) * (w + 6), (i // cols) * (h + 6), w, h)
        windows.append(win)
    top.show()
    app.processEvents()
    reply({"xids": [int(w.winId()) for w in windows]})
    serve_stdin(app, lambda: screen_report(windows, lambda out: reply({"tiles": out})))
    app.exec()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tiles", default="1,4,9")
    ap.add_argument("--clip", type=Path, default=ROOT / "resources" / "demo" / "clips" / "traffic.mp4")
    ap.add_argument("--child", choices=("console", "host"))
    ap.add_argument("--sizes", default="")
    args = ap.parse_args()
    args.clip = args.clip.resolve()
    if not args.clip.exists():
        sys.exit(f"no clip at {args.clip} (resources/demo/clips/make_clips.sh makes the demo clips)")
    if args.child:
        args.tiles = int(args.tiles)
        return console_child(args) if args.child == "console" else host_child(args)
    if not shutil.which("cvlc"):
        sys.exit("bench/video.py needs cvlc for the baseline: apt install vlc-bin")
    args.tiles = [int(x) for x in args.tiles.split(",")]
    results = measure(args)
    nine = results["overhead_9"]
    if nine is not None:
        print(f"overhead at 9 tiles: {100 * (nine - 1):+.1f} % over plain cvlc "
              f"(target < +15 %): {'met' if nine < 1.15 else 'NOT met'}")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
