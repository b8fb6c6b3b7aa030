"""Video fixtures for tests and the benchmark (no Qt): synthetic clips made
with ffmpeg's lavfi sources, and a "real camera" on loopback — ffmpeg serving
a clip as a live HTTP MPEG-TS stream that can be killed and brought back."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from console.resources import resource_path

DEMO_CLIPS = ("traffic", "community", "street", "river_day", "river_night")


def ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        raise RuntimeError("ffmpeg is needed for the video tests: apt install ffmpeg")
    return exe


def bundled_clip(name: str = "traffic") -> Path | None:
    path = resource_path("demo", "clips", f"{name}.mp4")
    return path if path.exists() else None


def make_test_clip(path: Path, seconds: float = 4, size: str = "320x180", rate: int = 25) -> Path:
    """A moving colour test pattern (never black, every frame differs), H.264."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", "-g", str(rate), str(path)], check=True)
    return path


def clip_or_test_clip(tmp: Path, name: str = "traffic") -> Path:
    """The bundled demo clip when it has been generated, else a test clip."""
    return bundled_clip(name) or make_test_clip(tmp / f"{name}-test.mp4", size="640x360")


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpTsCamera:
    """``http://127.0.0.1:PORT/cam.ts``: a clip looped in real time as MPEG-TS
    (what an IP camera's or a media server's HTTP-TS address delivers).
    ``ffmpeg -listen 1`` serves one viewer per process; :meth:`start` again
    after the viewer went away or after :meth:`kill` (same port)."""

    def __init__(self, clip: Path, port: int | None = None):
        self.clip = Path(clip)
        self.port = port or free_tcp_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cam.ts"

    def start(self) -> "HttpTsCamera":
        self.kill()
        self.process = subprocess.Popen(
            [ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
             "-i", str(self.clip), "-c", "copy", "-f", "mpegts", "-listen", "1", self.url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_listening()
        return self

    def _wait_listening(self, timeout: float = 5.0) -> None:
        """ffmpeg -listen accepts once; don't spend that on a probe: poll for
        the socket in LISTEN state instead (Linux /proc/net/tcp)."""
        end = time.monotonic() + timeout
        hexport = f":{self.port:04X}"
        while time.monotonic() < end:
            try:
                rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
            except OSError:
                time.sleep(0.3)
                return
            if any(r.split()[1].endswith(hexport) and r.split()[3] == "0A" for r in rows):
                return
            time.sleep(0.05)

    def kill(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def __enter__(self) -> "HttpTsCamera":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
