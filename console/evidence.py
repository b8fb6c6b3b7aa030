"""What may be attached to a case as evidence (``case.attach``), without Qt.

The hub and the console share these rules: the hub refuses what breaks them
(``invalid`` naming ``url``), the console encodes its snapshots to fit them
and decodes inline pictures for the case's thumbnails.

A picture travels *inside* the case as a ``data:`` URL, because the
contract's HTTP surface is fixed (``/grid.geojson`` and ``/healthz`` only) and
a snapshot must reach every workstation with the case. Anything bigger or
that lives elsewhere is attached by reference (``http(s)://``, ``rtsp://``,
``file://``).
"""
from __future__ import annotations

import base64
import binascii

KINDS = ("snapshot", "clip")
MAX_IMAGE_BYTES = 256 * 1024          # one inline picture, decoded
MAX_REF_CHARS = 2048                  # a URL that points elsewhere
# All inline pictures of one case together, in URL characters: a case with
# its evidence must still fit a 1 MiB frame, which clients written against
# the contract may use as their own limit for what they receive.
MAX_INLINE_PER_CASE = 768 * 1024
DATA_PREFIXES = {"data:image/jpeg;base64,": "jpeg", "data:image/png;base64,": "png"}
REF_SCHEMES = ("http://", "https://", "rtsp://", "file://")
_MAGIC = {"jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",)}


class EvidenceError(ValueError):
    """Why a URL may not be attached (a hub answers ``invalid`` / ``url``)."""


def image_format(data: bytes) -> str | None:
    """``"jpeg"`` or ``"png"`` by the file's magic bytes, else None."""
    for fmt, magics in _MAGIC.items():
        if data.startswith(magics):
            return fmt
    return None


def is_data_url(url: str) -> bool:
    return url.startswith("data:")


def decode_data_url(url: str) -> tuple[str, bytes]:
    """(format, image bytes) of an inline picture; raises EvidenceError."""
    for prefix, fmt in DATA_PREFIXES.items():
        if url.startswith(prefix):
            payload = url[len(prefix):]
            break
    else:
        raise EvidenceError("a data: URL must be data:image/jpeg;base64,… or data:image/png;base64,…")
    if len(payload) > (MAX_IMAGE_BYTES + 2) // 3 * 4:
        raise EvidenceError(f"the picture is larger than {MAX_IMAGE_BYTES // 1024} KiB")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EvidenceError(f"bad base64 ({exc})") from None
    if not data:
        raise EvidenceError("the picture is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise EvidenceError(f"the picture is larger than {MAX_IMAGE_BYTES // 1024} KiB")
    if image_format(data) != fmt:
        raise EvidenceError(f"the data is not a {fmt.upper()} picture")
    return fmt, data


def check_url(url: str, kind: str = "snapshot") -> None:
    """Raise EvidenceError unless ``url`` may be attached as ``kind``."""
    if is_data_url(url):
        if kind != "snapshot":
            raise EvidenceError(f"a {kind} is attached by reference, not inline")
        decode_data_url(url)
        return
    if not url.lower().startswith(REF_SCHEMES):
        raise EvidenceError("must be a data:image/jpeg or data:image/png URL, or an "
                            "http(s)://, rtsp:// or file:// URL")
    if len(url) > MAX_REF_CHARS:
        raise EvidenceError(f"a URL of {len(url)} characters is longer than {MAX_REF_CHARS}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise EvidenceError("a URL must not contain spaces or control characters")
    if url.split("://", 1)[1] == "":
        raise EvidenceError("the URL names nothing after its scheme")


def inline_chars(urls) -> int:
    """How much of a case's evidence is inline pictures (URL characters)."""
    return sum(len(u) for u in urls if is_data_url(u))


def data_url(fmt: str, data: bytes) -> str:
    mime = {"jpeg": "image/jpeg", "png": "image/png"}[fmt]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def short_url(url: str, limit: int = 80) -> str:
    """A URL fit for a tooltip or a log line (inline pictures are huge)."""
    if is_data_url(url):
        head = url.split(",", 1)[0]
        return f"{head},… ({len(url) * 3 // 4 // 1024} KiB)"
    return url if len(url) <= limit else url[: limit - 1] + "…"
