"""The console's session: live store, Qt adapter, hub client, login and the
main window, wired together on the qasync loop.

One :class:`ConsoleShell` per process. It owns the network services (the
hub client, the embedded demo hub) and closes them before the window goes,
so quitting is clean. Logins go through :class:`widgets.login_dialog.LoginDialog`
(opened with ``open()``, never ``exec()``) and are remembered in the keyring
(:mod:`console.auth`), never in the settings file.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from console.auth import SecretStore
from console.client import Credentials, HubClient
from console.context import AppContext
from console.demo_hub import EmbeddedHub
from console.mainwindow import MainWindow
from console.qtstore import StoreAdapter
from console.settings import Settings
from console.store import Changes, LiveStore
from widgets.login_dialog import LoginDialog

log = logging.getLogger("console.shell")

EVICT_EVERY_MS = 5 * 60 * 1000
EXIT_RESTART = 75        # run() asks main() to start the console again (language switch)
DEMO_PASSWORD = "demo"


@dataclass
class ShellOptions:
    hub_url: str | None = None
    user: str | None = None
    demo: bool = False
    wall: bool = False
    data_dir: Path | None = None
    speed: float = 1.0
    simulate: bool = True
    window_size: tuple[int, int] | None = None   # fixed size (screenshots)
    safe_mode: bool = False       # every panel as its live summary (diagnosis)
    panels: list | None = None    # PanelSpecs instead of panels.PANELS (tests)


@dataclass
class Session:
    """Who is logged in where, and what to keep of it."""
    url: str
    user: str
    password: str | None
    remember: bool        # keep the password in the keyring
    persist: bool         # keep anything at all (not for the demo)
    saved_token: str | None = None


class ConsoleShell(QObject):
    def __init__(self, settings: Settings, options: ShellOptions, secrets: SecretStore | None = None):
        super().__init__()
        self.options = options
        self.settings = settings
        self.secrets = secrets or SecretStore()
        self.store = LiveStore()
        self.adapter = StoreAdapter(self.store, self)
        mode = "wall" if options.wall else settings.get("ui/display_mode")
        self.ctx = AppContext(self.store, self.adapter, settings, display_mode=mode)
        self.window = MainWindow(self.ctx, options.panels, safe_mode=options.safe_mode)
        self.client: HubClient | None = None
        self.session: Session | None = None
        self.hub: EmbeddedHub | None = None
        self.login_dialog: LoginDialog | None = None
        self.exit_code = 0
        self._quit = asyncio.Event()
        self._switch_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.adapter.changed.connect(self._on_changed)
        self.window.login_requested.connect(self.show_login)
        self.window.logout_requested.connect(self.logout)
        self.window.quit_requested.connect(self.request_quit)
        self.window.restart_requested.connect(self.request_restart)
        self._evict_timer = QTimer(self, interval=EVICT_EVERY_MS)
        self._evict_timer.timeout.connect(self.store.evict_old)
        self._evict_timer.start()

    # --- life cycle -------------------------------------------------------------------
    async def run(self) -> int:
        """Start, show the window, wait for a quit, close: the exit code."""
        try:
            await self.start()
            await self._quit.wait()
        finally:
            await self.close()
        return self.exit_code

    async def start(self) -> None:
        if self.options.window_size:
            self.window.resize(*self.options.window_size)
        elif self.options.wall and self.window.screen() is not None:
            # the screen's size even where no window manager applies "full
            # screen" (a bare X server driving the wall, Xvfb)
            self.window.setGeometry(self.window.screen().geometry())
        if self.options.wall:
            self.window.showFullScreen()
        else:
            self.window.show()
        if self.options.demo:
            await self._start_demo()
        else:
            self._start_saved_login()

    async def _start_demo(self) -> None:
        self.hub = EmbeddedHub(self.options.data_dir, speed=self.options.speed,
                               simulate=self.options.simulate)
        url = await self.hub.start()
        user = self.options.user or ("demo-wall" if self.options.wall else "demo-dispatcher")
        await self.connect(url, user, DEMO_PASSWORD, remember=False, persist=False)

    def _start_saved_login(self) -> None:
        """A remembered token (or password) logs in without a dialog."""
        url = self.options.hub_url or self.settings.get("hub/url")
        user = self.options.user or self.settings.get("login/user")
        saved = self.secrets.load(url, user) if user else None
        if saved and (saved.token or saved.password):
            log.info("logging in to %s as %s with the stored %s", url, user,
                     "token" if saved.token else "password")
            self._spawn(self.connect(url, user, saved.password, token=saved.token,
                                     remember=bool(saved.password)))
        else:
            self.show_login()

    def request_quit(self) -> None:
        self._quit.set()

    def request_restart(self) -> None:
        self.exit_code = EXIT_RESTART
        self._quit.set()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._evict_timer.stop()
        if self.login_dialog is not None:
            self.login_dialog.done(0)
        if self.client is not None:
            await self.client.close()
        if self.hub is not None:
            await self.hub.stop()
        for task in list(self._tasks):
            task.cancel()
        self.adapter.close()
        self.window.allow_close()
        self.window.close()

    # --- connecting ------------------------------------------------------------------------
    async def connect(self, url: str, user: str, password: str | None, *, token: str | None = None,
                      remember: bool = False, persist: bool = True) -> HubClient:
        """Replace the current session (if any) with one for ``user`` at ``url``."""
        async with self._switch_lock:
            same = self.session is not None and (self.session.url, self.session.user) == (url, user)
            if self.client is not None:
                await self.client.close()
            if not same:
                self.store.clear()   # another user's (or hub's) data must not linger
            self.session = Session(url, user, password, remember, persist and not self.options.demo,
                                   saved_token=token)
            client = HubClient(url, Credentials(user=user, password=password, token=token), self.store)
            client.last_seq = self.store.seq if same else None
            self.client = self.ctx.client = client
            self.ctx.hub_url = url
            client.start()
            return client

    def _on_changed(self, changes: Changes) -> None:
        if changes.status:
            self._on_status()

    def _on_status(self) -> None:
        state = self.store.status.state
        if state == "connected":
            self._logged_in()
        elif state == "unauthorized":
            s = self.session
            if s is not None and s.persist:
                self.secrets.forget(s.url, s.user)   # the stored token or password is no good
                s.saved_token = None
            self.show_login(self.tr("The hub refused the login: %1").replace(
                "%1", self.store.status.message or "unauthorized"))
        elif state == "reconnecting" and self.login_dialog is not None and self.session is not None:
            self.login_dialog.show_progress(
                self.tr("Cannot reach the hub at %1 — retrying…").replace("%1", self.session.url))

    def _logged_in(self) -> None:
        if self.login_dialog is not None:
            self.login_dialog.succeeded()
        s, client = self.session, self.client
        if s is None or client is None:
            return
        token = client.credentials.token
        if s.persist:
            self.settings.set("hub/url", s.url)
            self.settings.set("login/user", s.user)
            self.settings.set("login/remember_password", s.remember)
            if token and token != s.saved_token:
                self.secrets.save(s.url, s.user, token, s.password, s.remember)
                s.saved_token = token
        if not s.remember and token:
            # the token carries the session from here; the password is not
            # kept in memory longer than the login needed it
            client.credentials.password = s.password = None

    # --- the login dialog ------------------------------------------------------------------
    def show_login(self, message: str | None = None) -> LoginDialog:
        dlg = self.login_dialog
        if dlg is None:
            url, user = self._login_defaults()
            dlg = LoginDialog(self.window, hub_url=url, user=user, keyring_problem=self.secrets.problem)
            dlg.login_requested.connect(self._on_login_requested)
            dlg.finished.connect(self._on_login_finished)
            self.login_dialog = dlg
            dlg.open()
        if message:
            dlg.show_error(message)
        return dlg

    def _login_defaults(self) -> tuple[str, str]:
        if self.session is not None:
            return self.session.url, self.session.user
        if self.hub is not None:
            return self.hub.url, self.options.user or "demo-dispatcher"
        return (self.options.hub_url or self.settings.get("hub/url"),
                self.options.user or self.settings.get("login/user"))

    def _on_login_requested(self, url: str, user: str, password: str, remember: bool) -> None:
        self._spawn(self.connect(url, user, password, remember=remember))

    def _on_login_finished(self, _result: int) -> None:
        dlg, self.login_dialog = self.login_dialog, None
        if dlg is not None:
            dlg.deleteLater()

    def logout(self) -> None:
        self._spawn(self._logout())

    async def _logout(self) -> None:
        async with self._switch_lock:
            s = self.session
            if s is not None and s.persist:
                self.secrets.forget(s.url, s.user)
            if self.client is not None:
                await self.client.close()
            self.client = self.ctx.client = None
            self.session = None
            self.store.clear()
            log.info("logged out%s", f" {s.user}" if s else "")
        self.show_login()

    # --- tasks ---------------------------------------------------------------------------------
    def _spawn(self, coro) -> asyncio.Task:
        """Run a coroutine on the loop, holding a reference (qasync holds tasks weakly)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("console task failed", exc_info=task.exception())

    def screenshot(self, path: str | Path) -> bool:
        ok = self.window.grab().save(str(path))
        log.info("screenshot %s %s", path, "saved" if ok else "FAILED")
        return ok
