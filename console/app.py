"""Start the console: ``python main.py`` / ``citybrain-console``.

Order matters here: the environment for QtWebEngine, the locale, the
WebEngine import and the translator all have to be in place before the
QApplication (or any widget) exists. Then one qasync loop runs both Qt and
asyncio on the UI thread, and :class:`console.shell.ConsoleShell` does the rest.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path

log = logging.getLogger("console.app")

DEMO_ROLES = ("dispatcher", "supervisor", "viewer", "wall")
SCREENSHOT_SIZE = (1600, 960)
WALL_SCREENSHOT_SIZE = (1920, 1080)   # the wall is a full-HD screen, shown full screen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citybrain-console",
                                description="City Brain (城市大脑) command-hall console, Wuhai")
    p.add_argument("--hub", metavar="URL", help="hub address, e.g. ws://hub.example:8765/ws")
    p.add_argument("--demo", action="store_true",
                   help="start an embedded demo hub (with the simulator) and log in as demo-dispatcher")
    p.add_argument("--data", type=Path, metavar="DIR", help="the demo hub's data directory")
    p.add_argument("--speed", type=float, default=1.0, metavar="N",
                   help="demo clock rate: 60 = an hour a minute")
    p.add_argument("--no-simulate", dest="simulate", action="store_false",
                   help="demo hub without simulated events")
    p.add_argument("--user", help="user name (with --demo: any demo user)")
    p.add_argument("--role", choices=DEMO_ROLES, help="with --demo: log in as demo-ROLE")
    p.add_argument("--wall", action="store_true",
                   help="video-wall display: full screen, large type, nothing to edit, no callers")
    p.add_argument("--lang", choices=("zh_CN", "en"), help="UI language (default: settings, zh_CN)")
    p.add_argument("--settings", type=Path, metavar="FILE",
                   help="settings file (default: per user; the demo keeps its own)")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="save the main window to PNG after --quit-after seconds, then exit")
    p.add_argument("--quit-after", type=float, metavar="SECONDS", help="exit after this many seconds")
    p.add_argument("--safe-mode", action="store_true",
                   help="show every panel as its live summary, without loading the panels "
                        "(to tell whether a panel is what breaks the console)")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--log-dir", type=Path, metavar="DIR", help="default: the per-user log directory")
    return p


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    args, qt_args = parser().parse_known_args(argv)
    if args.role and not args.user:
        args.user = f"demo-{args.role}"
    if args.screenshot and args.quit_after is None:
        args.quit_after = 10.0
    return args, qt_args


def screenshot_size(args: argparse.Namespace) -> tuple[int, int]:
    return WALL_SCREENSHOT_SIZE if args.wall else SCREENSHOT_SIZE


def prepare_environment() -> None:
    """Before QApplication: Chromium refuses to run as root without
    --no-sandbox (MACHINE.md §4), and Qt needs QtWebEngineWidgets imported
    before the application object exists."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags.split():
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError as exc:
        log.info("QtWebEngine not available (%s): the map panel will say so", exc)


def settings_path(args: argparse.Namespace) -> Path:
    from console.settings import default_path
    if args.settings:
        return args.settings
    path = default_path()
    # the demo never touches a dispatcher's real settings
    return path.with_name("console-demo.ini") if args.demo else path


def setup_language(lang: str) -> None:
    from PySide6.QtCore import QLocale
    from console import i18n
    i18n.set_language(lang)
    # zh_CN also makes Qt's font fallback pick Chinese (not Japanese) Han forms
    QLocale.setDefault(QLocale("zh_CN" if i18n.is_chinese() else "en_US"))


def install_translators(app) -> list:
    from PySide6.QtCore import QLibraryInfo, QTranslator
    from console import i18n
    from console.resources import resource_path
    if not i18n.is_chinese():
        return []
    found = []
    for name, directory in (("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
                            ("citybrain_zh_CN", str(resource_path("i18n")))):
        tr = QTranslator(app)
        if tr.load(name, directory):
            app.installTranslator(tr)
            found.append(tr)
        else:
            log.warning("translation %s not found in %s", name, directory)
    return found


def main(argv: list[str] | None = None) -> int:
    args, qt_args = parse_args(sys.argv[1:] if argv is None else argv)
    from console.logs import setup_logging
    log_file = setup_logging(args.log_level, args.log_dir)
    prepare_environment()
    from console.settings import Settings
    settings = Settings(settings_path(args))
    setup_language(args.lang or settings.get("ui/language"))
    log.info("console starting; log file %s, settings %s", log_file, settings.path)

    import qasync
    from PySide6.QtWidgets import QApplication
    from console import theme
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("citybrain-console")
    app.setOrganizationName("citybrain")
    app.setQuitOnLastWindowClosed(False)   # the shell quits, after closing its services
    translators = install_translators(app)  # noqa: F841 (kept alive for the app's life)
    theme.apply(app, wall=args.wall or settings.get("ui/display_mode") == "wall")

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from console.shell import EXIT_RESTART, ConsoleShell, ShellOptions
    shell = ConsoleShell(settings, ShellOptions(
        hub_url=args.hub, user=args.user, demo=args.demo, wall=args.wall, data_dir=args.data,
        speed=args.speed, simulate=args.simulate, safe_mode=args.safe_mode,
        # offscreen has an 800x800 screen: a screenshot gets a workstation's
        # size, or the wall's whole screen
        window_size=screenshot_size(args) if args.screenshot else None))
    _schedule_exit(shell, args)
    _handle_signals(loop, shell)
    freeze_startup_heap()
    collector = gc_on_gui_thread()  # noqa: F841 (lives as long as the app)
    with loop:
        code = loop.run_until_complete(shell.run())
    settings.sync()
    if code == EXIT_RESTART:
        _restart(argv)
    return code


def freeze_startup_heap() -> None:
    """Move everything alive after start-up (the Qt bindings, pandas, the
    panels) out of the cyclic collector's reach: its full passes then walk
    only what the live data adds, so they stay short pauses of the UI thread."""
    gc.collect()
    gc.freeze()


def gc_on_gui_thread():
    """Run the cyclic GC only on the GUI thread, from a 0.5 s timer (keep the
    returned object alive): left automatic it can fire on a libVLC callback
    lane and free a Qt object there, which crashes Qt on that object's next
    timer. Needs the QApplication."""
    from pyqtgraph.util.garbage_collector import GarbageCollector
    return GarbageCollector(interval=0.5)


def _schedule_exit(shell, args: argparse.Namespace) -> None:
    from PySide6.QtCore import QTimer
    if args.quit_after is None:
        return

    def finish() -> None:
        if args.screenshot and not shell.screenshot(args.screenshot):
            shell.exit_code = 1
        shell.request_quit()
    QTimer.singleShot(int(args.quit_after * 1000), shell, finish)


def _handle_signals(loop: asyncio.AbstractEventLoop, shell) -> None:
    """Ctrl+C / SIGTERM quit cleanly. Python runs signal handlers between
    bytecodes; the window's once-a-second timer guarantees there are some."""
    def on_signal(signum, _frame) -> None:
        log.info("signal %d: quitting", signum)
        loop.call_soon_threadsafe(shell.request_quit)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)


def _restart(argv: list[str] | None) -> None:
    """Start again with the same arguments, minus --lang (the new language
    is in the settings)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in args:
        i = args.index("--lang")
        del args[i:i + 2]
    args = [a for a in args if not a.startswith("--lang=")]
    log.info("restarting the console")
    logging.shutdown()
    if getattr(sys, "frozen", False):
        os.execv(sys.executable, [sys.executable, *args])
    os.execv(sys.executable, [sys.executable, "-m", "console.app", *args])


if __name__ == "__main__":
    sys.exit(main())
