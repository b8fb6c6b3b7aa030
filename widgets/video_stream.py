"""One camera stream for one tile: a libVLC player, its health, its retries.

How the UI thread stays free:

* Every libVLC call that can block — ``set_media``/``play`` (``set_media`` on a
  playing player stops it), ``stop`` (joins the input thread: 280 ms measured
  for an idle ``udp://``, longer on a dead network), ``release``, snapshots,
  and starting an ffmpeg relay — runs on the stream's own one-thread *lane*
  (a ``ThreadPoolExecutor(max_workers=1)``), so one tile's calls stay in order
  and a stuck camera never delays another tile. Results come back to the GUI
  thread through a queued Qt signal and are dropped if a newer start/stop
  happened meanwhile (a generation counter).
* The GUI thread only polls cheap, non-blocking getters (``get_state``,
  ``Media.get_stats``) on a timer. No libVLC event callbacks: they would arrive
  on VLC's threads.

How a frame's arrival is known, in both render modes (the badge's live /
stalled and the "last frame" age): a counter that moves only when a picture
reached the screen. With a native window that is the media's
``displayed_pictures`` statistic (counted by the video output after display);
with video callbacks it is our own display callback. ``get_state() ==
Playing`` is not enough: a player whose video output failed reports Playing
with a black tile (MACHINE.md P6), and ``get_time()`` keeps moving on a
stream whose decoder has stalled. Any *change* of the counter counts, so a
counter reset (a looping file restarting) is still progress.

States: ``idle`` (no camera), ``connecting``, ``live``, ``stalled`` (no new
frame for ``stall_after_s``), ``offline`` (error, end of stream, no first
frame within ``connect_timeout_s``, or stalled for ``offline_after_s``; a
retry follows with exponential backoff and jitter), ``paused`` (the tile is
hidden, so nothing is decoded), ``unavailable`` (cannot ever play here: no
ffmpeg for an RTSP relay).
"""
from __future__ import annotations

import ctypes
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from widgets.rtsp_relay import RelayUnavailable, RtspRelay, needs_relay
from widgets.vlc_loader import VlcRuntime

IDLE, CONNECTING, LIVE, STALLED, OFFLINE, PAUSED, UNAVAILABLE = (
    "idle", "connecting", "live", "stalled", "offline", "paused", "unavailable")

LOOP_OPTION = "input-repeat=65535"      # demo clips loop "forever" (~7 days of a 10 s clip)
NETWORK_CACHING = ":network-caching=300"
CALLBACK_SIZE = (640, 360)


@dataclass
class StreamTiming:
    poll_ms: int = 250
    frame_ms: int = 40                   # callback mode: repaint check (25 fps)
    stall_after_s: float = 3.0
    offline_after_s: float = 12.0
    connect_timeout_s: float = 15.0
    backoff_min_s: float = 1.0
    backoff_max_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter, so cameras behind one dead switch do not
        all come back in the same instant."""
        cap = min(self.backoff_max_s, self.backoff_min_s * 2 ** max(0, attempt - 1))
        return random.uniform(cap / 2, cap)


class FrameBuffer:
    """Where libVLC's video callbacks decode to (RV32 = Qt's RGB32 layout).
    The lock keeps VLC from writing while the GUI thread copies a frame."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.stride = width * 4
        self.data = ctypes.create_string_buffer(self.stride * height)
        self.lock = threading.Lock()
        self.frames = 0
        self._callbacks: tuple = ()

    def install(self, vlc, player) -> None:
        cb = vlc.CallbackDecorators
        address = ctypes.addressof(self.data)

        @cb.VideoLockCb
        def lock(_opaque, planes):
            self.lock.acquire()
            planes[0] = address
            return None

        @cb.VideoUnlockCb
        def unlock(_opaque, _picture, _planes):
            self.lock.release()

        @cb.VideoDisplayCb
        def display(_opaque, _picture):
            self.frames += 1

        self._callbacks = (lock, unlock, display)     # ctypes callbacks must outlive the player
        player.video_set_callbacks(lock, unlock, display, None)
        player.video_set_format("RV32", self.width, self.height, self.stride)

    def image(self) -> QImage:
        """A copy of the newest frame (safe to keep after VLC writes again)."""
        with self.lock:
            img = QImage(self.data, self.width, self.height, self.stride, QImage.Format.Format_RGB32)
            return img.copy()


def media_options(url: str) -> tuple[str, ...]:
    if url.startswith("file:"):
        return (LOOP_OPTION,)
    return (NETWORK_CACHING,)


class VideoStream(QObject):
    """The stream of one tile. Drive it with :meth:`open`, :meth:`close`,
    :meth:`set_active`; read :attr:`status`, :attr:`detail`,
    :meth:`last_frame_age`."""

    status_changed = Signal(str)
    frame_ready = Signal()              # callback mode: a new frame to paint
    snapshot_done = Signal(str, str)    # path, error ("" when saved)
    _job_done = Signal(object)          # (generation, callback, result) from the lane

    def __init__(self, runtime: VlcRuntime, mode: str, timing: StreamTiming | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runtime, self.mode = runtime, mode
        self.timing = timing or StreamTiming()
        self.url: str | None = None
        self.status, self.detail = IDLE, ""
        self.active = True
        self.retry_at: float | None = None
        self._attempt = 0
        self._gen = 0
        self._running = False
        self._started_at = 0.0
        self._last_frame_at: float | None = None
        self._last_count: int | None = None
        self._media = None
        self._relay: RtspRelay | None = None
        self._window: int | None = None
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vlc-lane")
        self._closed = False
        self.player = runtime.instance.media_player_new()
        self.player.video_set_mouse_input(False)   # let clicks reach the tile (double-click)
        self.player.video_set_key_input(False)
        self.frames = FrameBuffer(*CALLBACK_SIZE) if mode == "callback" else None
        if self.frames is not None:
            self.frames.install(runtime.vlc, self.player)
        self._job_done.connect(self._on_job_done)
        self._poll = QTimer(self, interval=self.timing.poll_ms, timeout=self._on_poll)
        self._frame_timer = QTimer(self, interval=self.timing.frame_ms, timeout=self._on_frame_tick)
        self._retry = QTimer(self, singleShot=True, timeout=self._on_retry)
        self._painted = 0

    # --- what the tile asks --------------------------------------------------------
    def set_window(self, win_id: int) -> None:
        """The native window to draw into (before playing)."""
        self._window = int(win_id)
        if self.mode == "xwindow":
            self.player.set_xwindow(self._window)
        elif self.mode == "hwnd":
            self.player.set_hwnd(self._window)

    def open(self, url: str | None) -> None:
        if self._closed:              # the player is released (or being released)
            return
        if url == self.url and self._running:
            return
        self.url = url
        self._attempt = 0
        self._last_frame_at = None
        if url and self.active:
            self._start()
        else:
            self._stop(IDLE if not url else PAUSED)

    def close(self) -> None:
        if self._closed:
            return
        self.url = None
        self._last_frame_at = None
        self._stop(IDLE)

    def set_active(self, active: bool) -> None:
        """Hidden tiles (panel hidden, window minimised, covered by a
        maximised tile) decode nothing."""
        if active == self.active or self._closed:
            return
        self.active = active
        if not self.url:
            return
        if active:
            self._attempt = 0
            self._start()
        else:
            self._stop(PAUSED)

    def restart(self) -> None:
        """Retry now (the dispatcher clicked retry)."""
        if self.url and self.active and not self._closed:
            self._attempt = 0
            self._start()

    def last_frame_age(self) -> float | None:
        return None if self._last_frame_at is None else time.monotonic() - self._last_frame_at

    @property
    def running(self) -> bool:
        return self._running

    def snapshot(self, path: Path) -> None:
        """Save the current picture as PNG (on the lane); ``snapshot_done``."""
        if self.status not in (LIVE, STALLED):
            self.snapshot_done.emit(str(path), "no picture")
            return
        if self.frames is not None:
            image = self.frames.image()
            self._submit(lambda: _save_image(image, path), self._on_snapshot, any_gen=True)
        else:
            player = self.player
            self._submit(lambda: _take_snapshot(player, path), self._on_snapshot, any_gen=True)

    def shutdown(self, wait_s: float = 0.0) -> Future | None:
        """Stop and release the player on the lane. Keep the native window it
        draws into alive until the returned future is done (or wait here up to
        ``wait_s``, e.g. when the application quits)."""
        if self._closed:
            return None
        self._closed = True
        for t in (self._poll, self._frame_timer, self._retry):
            t.stop()
        self._gen += 1
        self._running = False
        # the frame buffer VLC writes into must live until the player is gone
        fut = self._lane.submit(_release, self.player, self._media, self._relay, self.frames)
        self._media = self._relay = None
        self._lane.shutdown(wait=False)
        if wait_s > 0:
            try:
                fut.result(wait_s)
            except Exception:
                pass
        return fut

    # --- start / stop --------------------------------------------------------------
    def _start(self) -> None:
        if self._closed:
            return
        self._gen += 1
        self._retry.stop()
        self.retry_at = None
        self._running = True
        self._started_at = time.monotonic()
        self._last_count = None
        self._set_status(CONNECTING, "")
        url, player, runtime, old_media = self.url, self.player, self.runtime, self._media
        relay = self._relay
        self._media = None
        self._submit(lambda: _play(runtime, player, url, old_media, relay), self._on_started)
        self._poll.start()
        if self.frames is not None:
            self._frame_timer.start()

    def _stop(self, status: str, detail: str = "") -> None:
        self._gen += 1
        self._retry.stop()
        self.retry_at = None
        self._poll.stop()
        self._frame_timer.stop()
        was_running, self._running = self._running, False
        media, relay = self._media, self._relay
        self._media = self._relay = None
        if was_running or media is not None or relay is not None:
            player = self.player
            self._submit(lambda: _stop(player, media, relay), None, any_gen=True)
        self._set_status(status, detail)

    def _go_offline(self, detail: str) -> None:
        """Stop, then come back after a backoff that grows with each failure."""
        self._stop(OFFLINE, detail)
        if not self.url or not self.active:
            return
        self._attempt += 1
        delay = self.timing.backoff(self._attempt)
        self.retry_at = time.monotonic() + delay
        self._retry.start(int(delay * 1000))

    def _on_retry(self) -> None:
        if self.url and self.active and not self._closed:
            self._start()

    # --- the lane ----------------------------------------------------------------------
    def _submit(self, fn: Callable[[], object], done: Callable[[object], None] | None,
                any_gen: bool = False) -> None:
        if self._closed and not any_gen:
            return
        gen = None if any_gen else self._gen
        try:
            fut = self._lane.submit(fn)
        except RuntimeError:          # lane shut down
            return
        if done is not None:
            fut.add_done_callback(lambda f: self._deliver(gen, done, f))

    def _deliver(self, gen, done, fut) -> None:
        """On the lane: hand a result to the GUI thread (queued signal)."""
        try:
            self._job_done.emit((gen, done, fut))
        except RuntimeError:          # the stream was deleted meanwhile
            pass

    def _on_job_done(self, item) -> None:
        gen, done, fut = item
        if gen is not None and gen != self._gen:
            result = _result(fut)
            if isinstance(result, _Started):
                # a start overtaken by a newer start or stop: free what it made
                # (the player itself is already in the newer job's hands)
                relay = result.relay if result.relay is not self._relay else None
                self._submit(lambda: _stop(None, result.media, relay), None, any_gen=True)
            return
        if not self._closed:
            done(fut)

    def _on_started(self, fut: Future) -> None:
        result = _result(fut)
        if isinstance(result, RelayUnavailable):
            self._stop(UNAVAILABLE, "no_ffmpeg")
            return
        if isinstance(result, Exception):
            self._go_offline(str(result))
            return
        self._media, self._relay = result.media, result.relay

    def _on_snapshot(self, fut: Future) -> None:
        result = _result(fut)
        path, error = (result, "") if isinstance(result, str) else ("", str(result))
        self.snapshot_done.emit(path, error)

    # --- health ------------------------------------------------------------------------
    def _frame_count(self) -> int | None:
        if self.frames is not None:
            return self.frames.frames
        media = self._media
        if media is None:
            return None
        stats = self.runtime.vlc.MediaStats()
        if not media.get_stats(stats):
            return None
        return stats.displayed_pictures

    def _on_poll(self) -> None:
        if not self._running or self._closed:
            return
        now = time.monotonic()
        count = self._frame_count()
        if count is not None and count != self._last_count:
            if self._last_count is not None or count > 0:
                self._last_frame_at = now
            self._last_count = count
        self._judge(now)

    def _judge(self, now: float) -> None:
        t = self.timing
        state = self.player.get_state()
        vs = self.runtime.vlc.State
        if state in (vs.Error, vs.Ended):
            self._go_offline("error" if state == vs.Error else "ended")
        elif self._relay is not None and not self._relay.running and self._media is not None:
            self._go_offline("relay stopped")
        elif self._last_frame_at is None or self._last_frame_at < self._started_at:
            if now - self._started_at > t.connect_timeout_s:
                self._go_offline("timeout")
        else:
            age = now - self._last_frame_at
            if age < t.stall_after_s:
                self._attempt = 0
                self._set_status(LIVE, "")
            elif age < t.offline_after_s:
                self._set_status(STALLED, "")
            else:
                self._go_offline("stalled")

    def _on_frame_tick(self) -> None:
        if self.frames is not None and self.frames.frames != self._painted:
            self._painted = self.frames.frames
            self.frame_ready.emit()

    def _set_status(self, status: str, detail: str) -> None:
        if (status, detail) != (self.status, self.detail):
            self.status, self.detail = status, detail
            self.status_changed.emit(status)


# --- jobs that run on the lane (no Qt widgets here) ---------------------------------


@dataclass
class _Started:
    media: object
    relay: RtspRelay | None


def _result(fut: Future) -> object:
    try:
        return fut.result()
    except Exception as exc:       # handed to the GUI thread as a value
        return exc


def _play(runtime: VlcRuntime, player, url: str, old_media, relay: RtspRelay | None) -> _Started:
    player.stop()
    if old_media is not None:
        old_media.release()
    if needs_relay(url, runtime.has_live555):
        relay = relay or RtspRelay(url)
        relay.start()
        mrl, options = relay.mrl, relay.media_options
    else:
        if relay is not None:
            relay.stop()
            relay = None
        mrl, options = url, media_options(url)
    media = runtime.instance.media_new(mrl, *options)
    player.set_media(media)
    if player.play() != 0:
        raise RuntimeError("libvlc refused to play")
    return _Started(media, relay)


def _stop(player, media, relay: RtspRelay | None) -> None:
    if player is not None:
        player.stop()
    if media is not None:
        media.release()
    if relay is not None:
        relay.stop()


def _release(player, media, relay: RtspRelay | None, _frames: FrameBuffer | None) -> None:
    _stop(player, media, relay)
    player.release()


def _save_image(image: QImage, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return str(path)


def _take_snapshot(player, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if player.video_take_snapshot(0, str(path), 0, 0) != 0 or not path.exists():
        raise OSError("libVLC could not take a snapshot")
    return str(path)
