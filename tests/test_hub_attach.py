"""``case.attach`` (an extension op, docs/protocol.md): evidence added by
staff — inline pictures as data: URLs, or references — with the version
check, the open-case rule, the URL rules, roles and idempotency."""
from __future__ import annotations

import base64
import struct
import zlib

import pytest

from console.evidence import MAX_IMAGE_BYTES
from hub.testing import SyncClient
from tests.hubhelpers import create_case


def tiny_png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"\x00\xff\x00\x00"                      # one red pixel, filter 0
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


PNG_URL = data_url("image/png", tiny_png())
JPEG_URL = data_url("image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 200 + b"\xff\xd9")


@pytest.fixture
def disp(connect):
    c = connect("demo-dispatcher")
    c.recv()
    return c


def attach(client, case_id, version, url=PNG_URL, cmd_id=None, **extra):
    args = {"case": case_id, "version": version, "kind": "snapshot", "url": url, **extra}
    return client.command("case.attach", args, cmd_id=cmd_id)


def test_attach_appends_evidence_bumps_version_and_writes_history(hub, disp, connect, clock):
    other = connect("demo-supervisor")
    other.recv()
    wall = connect("demo-wall")
    wall.recv()
    case = create_case(disp)
    ack = attach(disp, case["id"], 1, note="现场抓拍")
    assert ack["ok"], ack
    got = ack["result"]["case"]
    assert got["version"] == 2
    assert got["evidence"] == [{"kind": "snapshot", "url": PNG_URL, "ts": got["updated_at"]}]
    # every other desk and the wall get the case.updated with the picture
    ev = other.recv_until(lambda f: f.get("kind") == "case.updated")
    assert ev["data"]["evidence"][0]["url"] == PNG_URL and ev["seq"] == ack["seq"]
    seen = wall.recv_until(lambda f: f.get("kind") == "case.updated")
    assert seen["data"]["evidence"][0]["url"] == PNG_URL and seen["data"]["caller"] is None
    # a second picture, by reference this time, follows the first
    clock.advance(5)
    ack = attach(disp, case["id"], 2, url="http://10.12.0.2/snap/1.jpg")
    assert [e["url"] for e in ack["result"]["case"]["evidence"]] == [PNG_URL, "http://10.12.0.2/snap/1.jpg"]
    hist = disp.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert [(h["op"], h["version"]) for h in hist] == [("case.create", 1), ("case.attach", 2),
                                                        ("case.attach", 3)]
    assert hist[1]["note"] == "现场抓拍" and hist[1]["user"] == "demo-dispatcher"
    assert wall.command("case.history", {"case": case["id"]})["result"]["entries"][1]["note"] is None
    # a console starting now gets the evidence in its snapshot
    snap = SyncClient(hub.url, user="demo-wall").recv()
    assert [c for c in snap["cases"] if c["id"] == case["id"]][0]["evidence"][0]["url"] == PNG_URL


def test_jpeg_and_every_reference_scheme_are_accepted(disp):
    case = create_case(disp)
    urls = [JPEG_URL, "https://cams.example/a.jpg", "rtsp://10.0.0.1/live/ch1", "file:///srv/snap/a.png"]
    for version, url in enumerate(urls, start=1):
        ack = attach(disp, case["id"], version, url=url)
        assert ack["ok"], (url, ack)
    clip = disp.command("case.attach", {"case": case["id"], "version": 5, "kind": "clip",
                                        "url": "rtsp://10.0.0.1/rec/ch1?start=1"})
    assert clip["ok"] and clip["result"]["case"]["evidence"][-1]["kind"] == "clip"


def test_stale_version_is_a_conflict_with_the_current_case(disp, connect):
    case = create_case(disp)
    sup = connect("demo-supervisor")
    assert sup.command("case.assign", {"case": case["id"], "version": 1, "unit": "municipal"})["ok"]
    ack = attach(disp, case["id"], 1)
    assert ack["ok"] is False and ack["error"]["code"] == "conflict"
    assert ack["error"]["current"]["version"] == 2 and ack["error"]["current"]["evidence"] == []
    assert "seq" not in ack


@pytest.mark.parametrize("status_note", ["closed", "rejected"])
def test_a_finished_case_takes_no_evidence(disp, status_note):
    case = create_case(disp)
    v = 1
    if status_note == "rejected":
        steps = [("case.transition", {"to": "rejected", "note": "重复"})]
    else:
        steps = [("case.assign", {"unit": "municipal"}), ("case.transition", {"to": "in_progress"}),
                 ("case.transition", {"to": "verifying"}), ("case.transition", {"to": "closed"})]
    for op, args in steps:
        assert disp.command(op, {"case": case["id"], "version": v, **args})["ok"]
        v += 1
    ack = attach(disp, case["id"], v)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "case"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("url", [
    "ftp://files.example/a.jpg",                                   # not a scheme we take
    "javascript:alert(1)",
    "/home/zhang/snap.png",                                        # a bare path
    "data:text/html;base64," + _b64(b"<b>hi</b>"),                 # not an image type
    "data:image/gif;base64," + _b64(b"GIF89a" + b"\0" * 20),       # not jpeg/png
    "data:image/png," + "%89PNG",                                  # not base64
    "data:image/png;base64,@@not-base64@@",                        # bad base64
    "data:image/png;base64,iVBORw0KGgo",                           # truncated base64 (padding)
    "data:image/png;base64," + _b64(b"\xff\xd8\xff" + b"\0" * 50),  # a JPEG labelled PNG
    "data:image/jpeg;base64," + _b64(b"just some text, no picture"),
    "data:image/jpeg;base64,",                                     # empty
    "data:image/jpeg;base64," + _b64(b"\xff\xd8\xff" + b"\0" * MAX_IMAGE_BYTES),  # too big
    "http://cams.example/" + "a" * 2100,                           # too long
    "http://cams.example/a b.jpg",                                 # a space
    "https://",
])
def test_bad_urls_are_invalid_naming_url(disp, url):
    case = create_case(disp)
    ack = attach(disp, case["id"], 1, url=url)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
    assert ack["error"]["field"] == "url"


def test_bad_args_name_their_field(disp):
    case = create_case(disp)
    for args, field in [({"kind": "video"}, "kind"), ({"version": "1"}, "version"),
                        ({"url": ""}, "url"), ({"url": None}, "url")]:
        full = {"case": case["id"], "version": 1, "kind": "snapshot", "url": PNG_URL, **args}
        ack = disp.command("case.attach", full)
        assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == field, (args, ack)
    ack = disp.command("case.attach", {"case": case["id"], "version": 1, "url": PNG_URL})
    assert ack["error"]["field"] == "kind"
    ack = attach(disp, "C-nope", 1)
    assert ack["error"]["code"] == "not_found" and ack["error"]["field"] == "case"


def test_inline_pictures_per_case_are_capped(disp):
    case = create_case(disp)
    big = data_url("image/jpeg", b"\xff\xd8\xff" + bytes(range(256)) * 680)   # 170 KiB: 3 fit, not 4
    version = 1
    for _ in range(3):
        ack = attach(disp, case["id"], version, url=big)
        assert ack["ok"], ack
        version += 1
    ack = attach(disp, case["id"], version, url=big)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "url"
    assert "reference" in ack["error"]["message"]
    assert attach(disp, case["id"], version, url="http://cams.example/4.jpg")["ok"]


@pytest.mark.parametrize("user", ["demo-viewer", "demo-wall", "demo-feeder"])
def test_only_staff_may_attach(disp, connect, user):
    case = create_case(disp)
    ack = attach(connect(user), case["id"], 1)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_resent_id_gets_the_same_ack_and_attaches_once(hub, disp):
    case = create_case(disp)
    first = attach(disp, case["id"], 1, cmd_id="snap-1")
    n_events = len(disp.events)
    again = attach(disp, case["id"], 1, url=JPEG_URL, cmd_id="snap-1")
    assert again == first and len(disp.events) == n_events
    hub.restart()
    c = SyncClient(hub.url, user="demo-dispatcher")
    assert attach(c, case["id"], 1, cmd_id="snap-1") == first
    hist = c.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert [h["op"] for h in hist] == ["case.create", "case.attach"]


def test_the_docs_example_is_an_attachable_picture():
    import json
    from tests.test_protocol import EXAMPLES
    from console.evidence import check_url, decode_data_url
    frames = [json.loads(e) for e in EXAMPLES]
    url = next(f["args"]["url"] for f in frames if f.get("op") == "case.attach")
    check_url(url)
    assert decode_data_url(url)[0] == "png"
