"""The console's log never holds a password or a token."""
from __future__ import annotations

import json
import logging

import pytest

from console.client import Credentials
from console.logs import MASK, redact, setup_logging


@pytest.fixture
def log_file(tmp_path):
    path = setup_logging("DEBUG", tmp_path, to_stderr=False)
    yield path
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_citybrain", False)]:
        root.removeHandler(h)
        h.close()


def read(path) -> str:
    for h in logging.getLogger().handlers:
        h.flush()
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("text, secret", [
    ('{"type":"hello","user":"zhang.wei","password":"hunter2","since":null}', "hunter2"),
    ('{"type": "welcome", "token": "tok-abc.DEF_123", "seq": 5}', "tok-abc.DEF_123"),
    ("login with password=s3cret&user=x", "s3cret"),
    ("{'password': 'py-dict-secret', 'user': 'x'}", "py-dict-secret"),
    ("Token: bearer-xyz", "bearer-xyz"),
    ('escaped {"password":"a\\"b"}', 'a\\"b'),
])
def test_redact_patterns(text, secret):
    out = redact(text)
    assert secret not in out and MASK in out


def test_redact_leaves_ordinary_text_alone():
    text = "token refused (unknown token): logging in with the password"
    assert redact(text) == text


def test_messages_arguments_and_tracebacks_are_redacted_in_the_file(log_file):
    log = logging.getLogger("console.test")
    creds = Credentials(user="zhang.wei", password="pw-in-args", token="tok-in-args")
    log.info("connecting with %s", creds)
    log.warning("hello frame %s", json.dumps({"type": "hello", "password": "pw-in-json"}))
    try:
        raise RuntimeError("bad token=tok-in-traceback")
    except RuntimeError:
        log.exception("failed")
    text = read(log_file)
    for secret in ("pw-in-args", "tok-in-args", "pw-in-json", "tok-in-traceback"):
        assert secret not in text
    assert "zhang.wei" in text and "RuntimeError" in text and text.count(MASK) >= 4


def test_a_broken_format_string_is_still_logged_redacted(log_file):
    logging.getLogger("console.test").info("odd %s %s password=%s", "only-one")
    text = read(log_file)
    assert "odd" in text


def test_setup_twice_does_not_duplicate_lines(tmp_path):
    path = setup_logging("INFO", tmp_path, to_stderr=False)
    setup_logging("INFO", tmp_path, to_stderr=False)
    logging.getLogger("console.test").info("once")
    assert read(path).count("once") == 1
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_citybrain", False)]:
        root.removeHandler(h)
        h.close()
