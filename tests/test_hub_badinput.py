"""Bad input gets a clear error, changes nothing, and the session lives on."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

from hub.testing import SyncClient, free_port
from tests.hubhelpers import create_case

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("frame,field", [
    ("{not json", None),
    ("[1, 2, 3]", None),
    ('"just a string"', None),
    ('{"no_type": 1}', "type"),
    ('{"type": "teleport"}', "type"),
    ('{"type": 7}', "type"),
    ('{"type": "command", "op": "case.create", "args": {}}', "id"),
    ('{"type": "command", "id": 12, "op": "case.create", "args": {}}', "id"),
    ('{"type": "command", "id": "a", "op": "case.create"}', "args"),
    ('{"type": "command", "id": "a", "op": "case.create", "args": [1]}', "args"),
    ('{"type": "command", "id": "a", "args": {}}', "op"),
])
def test_malformed_frames_get_bad_frame_and_change_nothing(connect, frame, field):
    c = connect()
    c.recv()
    before = c.welcome["seq"]
    c.send(frame)
    err = c.recv()
    assert err["type"] == "error" and err["code"] == "bad_frame"
    if field:
        assert field in err["message"]
    # the connection stays open and the hub is unchanged
    case = create_case(c)
    assert c.events[-1]["seq"] == before + 1 and case["version"] == 1


def test_binary_frame_after_login_is_bad_frame(connect):
    c = connect()
    c.recv()
    c.send(b'{"type":"command"}')
    assert c.recv()["code"] == "bad_frame"
    assert create_case(c)["status"] == "received"


def test_wrong_types_in_args_are_invalid_with_field(connect):
    c = connect()
    c.recv()
    for args, field in [({"source": "iot", "category": "noise", "title": 5,
                          "location": {"lat": 39.6, "lon": 106.8}}, "title"),
                        ({"source": "iot", "category": "noise", "title": "t",
                          "location": {"lat": "north", "lon": 106.8}}, "location.lat"),
                        ({"source": "iot", "category": "noise", "title": "t", "priority": 9,
                          "location": {"lat": 39.6, "lon": 106.8}}, "priority")]:
        ack = c.command("case.create", args)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid"
        assert ack["error"]["field"] == field, ack


def test_frame_over_1_mib_closes_1009(connect):
    c = connect()
    c.recv()
    big = json.dumps({"type": "command", "id": "big", "op": "case.create",
                      "args": {"title": "x" * (1_048_577)}})
    c.send(big)
    with pytest.raises(ConnectionClosed) as info:
        c.recv(5)
    assert info.value.rcvd.code == 1009


def test_frame_just_under_1_mib_is_answered(connect):
    c = connect()
    c.recv()
    pad = "x" * (1_048_576 - 200)
    c.send(json.dumps({"type": "command", "id": "almost", "op": "case.create", "args": {"pad": pad}}))
    ack = c.recv_until(lambda f: f.get("id") == "almost")
    assert ack["error"]["code"] == "invalid"


def _start_hub_process(data, port):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "hub", "--port", str(port), "--data", str(data), "--demo"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return proc, json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1))
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode())
            time.sleep(0.1)
    raise TimeoutError("hub did not start")


def test_kill_9_loses_nothing_acknowledged(tmp_path):
    port = free_port()
    proc, _ = _start_hub_process(tmp_path, port)
    try:
        url = f"ws://127.0.0.1:{port}/ws"
        c = SyncClient(url, user="demo-dispatcher")
        c.recv()
        acked = {}
        # send a burst without waiting, then collect the acks that arrived
        for i in range(200):
            c.send({"type": "command", "id": f"k{i}", "op": "case.create",
                    "args": {"source": "hotline_12345", "category": "noise", "title": f"k{i}",
                             "location": {"lat": 39.67, "lon": 106.82}}})
        while len(acked) < 120:
            f = c.recv()
            if f["type"] == "ack":
                acked[f["id"]] = f
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc, health = _start_hub_process(tmp_path, port)
    try:
        c = SyncClient(f"ws://127.0.0.1:{port}/ws", user="demo-dispatcher")
        snap = c.recv()
        ids = {case["id"] for case in snap["cases"]}
        for ack in acked.values():
            assert ack["ok"] and ack["result"]["case"]["id"] in ids
            assert ack["seq"] <= health["seq"]
        # a resend of an acked command gets its first ack, verbatim
        some = next(iter(acked))
        assert c.command("case.create", {"whatever": 1}, cmd_id=some) == acked[some]
        # seq continues without a gap
        create = c.command("case.create", {"source": "iot", "category": "noise", "title": "after",
                                           "location": {"lat": 39.67, "lon": 106.82}})
        assert create["seq"] == health["seq"] + 1
    finally:
        proc.terminate()
        proc.wait(10)
