"""Write the queue's alert sounds (deterministic: the same bytes every run).

    python resources/sounds/make_sounds.py

``p1.wav``: a new P1 case — two short rising tones, 0.45 s, 22.05 kHz mono
16-bit, soft attack and release so it does not click. Only the standard
library is used; the file is committed, this script documents where it came
from and lets anyone change it.
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
HERE = Path(__file__).resolve().parent


def tone(freq: float, seconds: float, volume: float = 0.45) -> list[int]:
    n = int(RATE * seconds)
    fade = int(RATE * 0.012)
    out = []
    for i in range(n):
        env = min(1.0, i / fade, (n - 1 - i) / fade)
        # a little of the octave makes it cut through a noisy hall
        s = math.sin(2 * math.pi * freq * i / RATE) + 0.3 * math.sin(4 * math.pi * freq * i / RATE)
        out.append(int(32767 * volume * env * s / 1.3))
    return out


def silence(seconds: float) -> list[int]:
    return [0] * int(RATE * seconds)


def write(path: Path, samples: list[int]) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))


def main() -> None:
    write(HERE / "p1.wav", tone(880, 0.16) + silence(0.06) + tone(1175, 0.22))


if __name__ == "__main__":
    main()
