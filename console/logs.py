"""Console logging: a rotating file in the per-user log directory plus stderr.

A support engineer reads these files, so they must never hold a password or
a session token: :class:`RedactSecrets` rewrites ``password``/``token``
values in every record (message, arguments and traceback) before any
handler formats it.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from platformdirs import user_log_dir

LOG_FILE = "console.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "***"

# key, then := or ": ", then a quoted or bare value. Catches key=value,
# "key": "value" (JSON frames), 'key': 'value' (dict reprs) and key='value'
# (dataclass reprs such as Credentials).
_SECRET = re.compile(
    r"""(?ix)
    (["']?\b(?:password|passwd|pwd|token|secret|access_token|refresh_token)\b["']?\s*[:=]\s*)
    (?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])]+)
    """)


def redact(text: str) -> str:
    """``password=hunter2`` -> ``password=***`` (any of the secret keys)."""
    return _SECRET.sub(lambda m: m.group(1) + MASK, text)


class RedactSecrets(logging.Filter):
    """Masks secret values; attach to every handler (it runs on records that
    propagated from any logger, which a logger-level filter would not)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what we have, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def default_log_dir() -> Path:
    return Path(user_log_dir("citybrain-console", "citybrain"))


def setup_logging(level: str = "INFO", log_dir: Path | None = None,
                  to_stderr: bool = True) -> Path:
    """Configure the root logger; returns the log file's path. Calling it
    again replaces the handlers it added before (tests do)."""
    log_dir = Path(log_dir) if log_dir else default_log_dir()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_citybrain", False)]:
        root.removeHandler(h)
        h.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                             encoding="utf-8")]
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for h in handlers:
        h._citybrain = True  # type: ignore[attr-defined]
        h.setFormatter(logging.Formatter(FORMAT))
        h.addFilter(RedactSecrets())
        root.addHandler(h)
    root.setLevel(getattr(logging, str(level).upper(), logging.INFO))
    # websockets logs every frame at DEBUG, hello frames (passwords) included
    logging.getLogger("websockets").setLevel(max(root.level, logging.INFO))
    return path
