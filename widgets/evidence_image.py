"""Pictures for ``case.attach``: a snapshot file as a JPEG ``data:`` URL
(run in an executor: ``QImage`` may be used off the GUI thread, ``QPixmap``
may not) and an inline picture back as a pixmap (GUI thread)."""
from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap

from console import evidence

MAX_WIDTH = 1280
QUALITIES = (80, 65, 50, 35)
# well under the hub's 256 KiB, so a case can hold a few of them inline
TARGET_BYTES = 160 * 1024


def _jpeg(img: QImage, quality: int) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "JPG", quality):
        raise ValueError("the picture could not be encoded as JPEG")
    buf.close()
    return bytes(data.data())


def snapshot_data_url(path: str, max_width: int = MAX_WIDTH) -> str:
    """The picture at ``path`` as ``data:image/jpeg;base64,…``: at most
    ``max_width`` wide, quality 80, lower (then smaller) until it fits."""
    img = QImage(path)
    if img.isNull():
        raise ValueError(f"cannot read the picture {path}")
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    width = min(img.width(), max_width)
    while True:
        scaled = img if img.width() <= width else img.scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation)
        for quality in QUALITIES:
            data = _jpeg(scaled, quality)
            if len(data) <= TARGET_BYTES:
                return evidence.data_url("jpeg", data)
        if width <= 320:
            if len(data) <= evidence.MAX_IMAGE_BYTES:
                return evidence.data_url("jpeg", data)
            raise ValueError("the picture is too large to attach")
        width = width * 3 // 4


def pixmap_from_data_url(url: str) -> QPixmap | None:
    """An inline picture as a pixmap; None when it is not one we can read."""
    try:
        fmt, data = evidence.decode_data_url(url)
    except evidence.EvidenceError:
        return None
    pm = QPixmap()
    return pm if pm.loadFromData(data, "JPG" if fmt == "jpeg" else "PNG") else None
