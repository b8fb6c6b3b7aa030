"""Load libVLC once, for every video widget, and say exactly why when it can't.

Everything that plays video goes through :func:`load`. It

* points python-vlc at the bundled libVLC and plugins in a frozen
  (PyInstaller) build *before* ``import vlc`` (MACHINE.md §9: the bundle does
  not fall back to a system VLC, and without ``PYTHON_VLC_LIB_PATH`` python-vlc
  silently binds to the main program);
* tells apart the ways libVLC can be missing (MACHINE.md P6, P7): python-vlc
  not importable, libvlc itself not found (``libvlc_get_version`` missing), or
  ``vlc.Instance`` returning ``None`` (plugins missing);
* picks how video reaches the screen: a native X11 window (``set_xwindow``),
  a Win32 window (``set_hwnd``), or — where there is no native window, e.g.
  ``QT_QPA_PLATFORM=offscreen`` — libVLC video callbacks into a QImage;
* detects whether this libVLC can open ``rtsp://`` itself (Debian's cannot: it
  is built without live555, MACHINE.md P11) so RTSP cameras go through the
  ffmpeg relay (:mod:`widgets.rtsp_relay`) only where needed.

No Qt widgets here; :func:`render_mode_for` takes the Qt platform name.
"""
from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --no-audio: a video wall has no speakers and, headless, each player would
# otherwise log ALSA errors. --gl=none --gles2=none --avcodec-hw=none: the
# plain xcb_x11 output, about 5x less CPU than the GL one on software Mesa
# (MACHINE.md §5).
BASE_OPTIONS = ("--no-audio", "--no-video-title-show", "--quiet")
WINDOW_OPTIONS = ("--gl=none", "--gles2=none", "--avcodec-hw=none")

INSTALL_LINUX = "sudo apt install libvlc5 vlc-plugin-base vlc-plugin-video-output"
INSTALL_WINDOWS = "VLC 3 (64-bit) from https://www.videolan.org/vlc/"
INSTALL_MAC = "VLC 3 from https://www.videolan.org/vlc/ (into /Applications)"

SYSTEM_PLUGIN_DIRS = (
    "/usr/lib/x86_64-linux-gnu/vlc/plugins", "/usr/lib/aarch64-linux-gnu/vlc/plugins",
    "/usr/lib64/vlc/plugins", "/usr/lib/vlc/plugins", "/usr/local/lib/vlc/plugins",
    r"C:\Program Files\VideoLAN\VLC\plugins", "/Applications/VLC.app/Contents/MacOS/plugins",
)


class VlcUnavailable(Exception):
    """libVLC cannot be used. ``reason`` is one of ``import`` (python-vlc or
    its library would not load), ``no_libvlc`` (no libvlc found: the call to
    ``libvlc_get_version`` failed), ``instance`` (``vlc.Instance`` gave
    ``None``: plugins missing or broken); ``detail`` is the error text."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class VlcRuntime:
    vlc: Any                    # the python-vlc module
    instance: Any               # the one shared vlc.Instance
    version: str
    window_output: bool         # the window output plugins load (else callbacks only)
    has_live555: bool
    options: tuple[str, ...] = field(default=())


_runtime: VlcRuntime | None = None
_failure: VlcUnavailable | None = None


def install_hint() -> str:
    if sys.platform.startswith("win"):
        return INSTALL_WINDOWS
    if sys.platform == "darwin":
        return INSTALL_MAC
    return INSTALL_LINUX


def prepare_frozen_env() -> None:
    """In a PyInstaller bundle, use the bundled libVLC and plugin directory."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or not base:
        return
    os.environ.setdefault("VLC_PLUGIN_PATH", os.path.join(base, "vlc", "plugins"))
    lib = "libvlc.dll" if sys.platform.startswith("win") else "libvlc.so.5"
    os.environ.setdefault("PYTHON_VLC_LIB_PATH", os.path.join(base, lib))


def _import_vlc():
    import vlc  # noqa: PLC0415 - imported late on purpose (env first, failures caught)
    return vlc


def _version(vlc) -> str:
    try:
        raw = vlc.libvlc_get_version()
    except (NameError, AttributeError, OSError) as exc:
        # python-vlc did CDLL(None) because find_library("vlc") found nothing
        raise VlcUnavailable("no_libvlc", str(exc)) from None
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _instance(vlc) -> tuple[Any, bool, tuple[str, ...]]:
    """The shared instance; without the video-output plugins ``--gl=none`` is
    an unknown option (P6), so fall back to callbacks-only rendering."""
    full = BASE_OPTIONS + WINDOW_OPTIONS
    inst = vlc.Instance(list(full))
    if inst is not None:
        return inst, True, full
    inst = vlc.Instance(list(BASE_OPTIONS))
    if inst is not None:
        return inst, False, BASE_OPTIONS
    raise VlcUnavailable("instance", "vlc.Instance() returned None (VLC plugins missing?)")


def plugin_dirs() -> list[str]:
    dirs = [os.environ.get("VLC_PLUGIN_PATH", "")]
    dirs += [d for d in SYSTEM_PLUGIN_DIRS]
    return [d for d in dirs if d and os.path.isdir(d)]


def detect_live555(dirs: list[str] | None = None) -> bool:
    """RTSP in VLC 3 is the live555 access module. Look for it in the plugin
    directories; when no plugin directory is found at all, trust the platform
    (official Windows and macOS builds include live555, Debian's doesn't)."""
    dirs = plugin_dirs() if dirs is None else dirs
    if not dirs:
        return not sys.platform.startswith("linux")
    return any(glob.glob(os.path.join(d, "**", "liblive555_plugin.*"), recursive=True)
               for d in dirs)


def load() -> VlcRuntime:
    """The runtime, loaded once; raises :class:`VlcUnavailable` (also on
    every later call, so the whole console agrees on one answer)."""
    global _runtime, _failure
    if _runtime is not None:
        return _runtime
    if _failure is not None:
        raise _failure
    try:
        _runtime = _load()
    except VlcUnavailable as exc:
        _failure = exc
        raise
    return _runtime


def _load() -> VlcRuntime:
    prepare_frozen_env()
    try:
        vlc = _import_vlc()
    except Exception as exc:   # ImportError, OSError (DLL), FileNotFoundError ...
        raise VlcUnavailable("import", f"{type(exc).__name__}: {exc}") from None
    version = _version(vlc)
    inst, window_output, options = _instance(vlc)
    return VlcRuntime(vlc, inst, version, window_output, detect_live555(), options)


def try_load() -> tuple[VlcRuntime | None, VlcUnavailable | None]:
    try:
        return load(), None
    except VlcUnavailable as exc:
        return None, exc


def reset() -> None:
    """Forget the cached result (tests that simulate a missing libVLC)."""
    global _runtime, _failure
    _runtime, _failure = None, None


def render_mode_for(platform_name: str, runtime: VlcRuntime | None = None) -> str:
    """``xwindow``, ``hwnd`` or ``callback`` for a Qt platform plugin name."""
    if runtime is not None and not runtime.window_output:
        return "callback"
    if platform_name == "xcb":
        return "xwindow"
    if platform_name == "windows":
        return "hwnd"
    return "callback"


def resolve_clip_url(url: str, local_clips: Path) -> str:
    """A hub hands out ``file://`` URLs of its own demo clips. When the console
    runs on another machine the path doesn't exist here: use the clip of the
    same name from this console's resources instead."""
    if not url.startswith("file:"):
        return url
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname
    path = Path(url2pathname(unquote(urlsplit(url).path)))
    if path.exists():
        return url
    local = local_clips / path.name
    return local.as_uri() if local.exists() else url
