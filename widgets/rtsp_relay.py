"""Relay an RTSP camera to MPEG-TS over UDP on loopback, for a libVLC built
without live555 (Debian's, MACHINE.md P11), which cannot open ``rtsp://``.

``ffmpeg -rtsp_transport tcp -i URL -c copy -f mpegts udp://127.0.0.1:PORT``
costs ~0.7 % CPU (no transcoding) and adds ~160 ms of latency with
``:network-caching=200`` on the VLC side (100 was measured unstable). No Qt
here: the video stream starts and stops relays from its worker thread.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass, field


def ffmpeg_path() -> str | None:
    return shutil.which("ffmpeg")


def needs_relay(url: str, has_live555: bool) -> bool:
    return url.lower().startswith(("rtsp://", "rtsps://")) and not has_live555


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RelayUnavailable(Exception):
    """No ffmpeg binary: the tile says so instead of retrying forever."""


@dataclass
class RtspRelay:
    url: str
    ffmpeg: str | None = field(default_factory=ffmpeg_path)
    port: int = 0
    process: subprocess.Popen | None = None

    NETWORK_CACHING_MS = 200

    def command(self) -> list[str]:
        return [self.ffmpeg or "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-rtsp_transport", "tcp", "-i", self.url,
                "-c", "copy", "-muxdelay", "0", "-muxpreload", "0",
                "-f", "mpegts", f"udp://127.0.0.1:{self.port}?pkt_size=1316"]

    @property
    def mrl(self) -> str:
        return f"udp://@127.0.0.1:{self.port}"

    @property
    def media_options(self) -> tuple[str, ...]:
        return (f":network-caching={self.NETWORK_CACHING_MS}",)

    def start(self) -> "RtspRelay":
        if not self.ffmpeg:
            raise RelayUnavailable("ffmpeg not found")
        self.stop()
        self.port = free_udp_port()
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 2.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
