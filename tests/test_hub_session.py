"""Session rows of the contract: login, tokens, snapshot, replay, seq."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from hub.testing import SyncClient
from tests.hubhelpers import create_case, seqs


def _closed_with(client: SyncClient) -> int:
    with pytest.raises(ConnectionClosed) as info:
        client.recv(5)
    return info.value.rcvd.code


def test_password_login_gets_welcome_token_and_snapshot(hub, connect):
    c = connect("demo-dispatcher")
    w = c.welcome
    assert w["type"] == "welcome" and w["user"] == "demo-dispatcher" and w["role"] == "dispatcher"
    assert isinstance(w["token"], str) and len(w["token"]) > 20
    snap = c.recv()
    assert snap["type"] == "snapshot" and snap["seq"] == w["seq"]
    assert len(snap["cameras"]) >= 60 and len(snap["sensors"]) >= 40 and len(snap["units"]) >= 8
    assert snap["cases"] == [] and snap["detections"] == []


def test_token_login_returns_same_token(hub, connect):
    first = connect("demo-supervisor")
    token = first.welcome["token"]
    again = SyncClient(hub.url, token=token, since=first.welcome["seq"])
    assert again.welcome["token"] == token and again.welcome["role"] == "supervisor"
    again.close()


@pytest.mark.parametrize("frame", [
    {"type": "hello", "user": "demo-dispatcher", "password": "wrong"},
    {"type": "hello", "user": "nobody", "password": "demo"},
    {"type": "hello", "token": "not-a-token"},
    {"type": "hello"},
    {"type": "command", "id": "1", "op": "case.create", "args": {}},
    "not json at all",
    {"type": "welcome"},
])
def test_bad_first_frame_is_unauthorized_4401(hub, frame):
    c = SyncClient(hub.url, hello=False)
    c.send(frame)
    err = c.recv()
    assert err["type"] == "error" and err["code"] == "unauthorized" and err["message"]
    assert _closed_with(c) == 4401


def test_binary_first_frame_is_unauthorized(hub):
    c = SyncClient(hub.url, hello=False)
    c.send(b'{"type":"hello"}')
    assert c.recv()["code"] == "unauthorized"
    assert _closed_with(c) == 4401


def test_expired_token_is_refused(hub, clock, connect):
    token = connect().welcome["token"]
    clock.advance(8 * 86400)
    c = SyncClient(hub.url, token=token, hello=True)
    assert c.welcome["type"] == "error" and c.welcome["code"] == "unauthorized"
    assert _closed_with(c) == 4401


def test_token_expiring_mid_session_closes_4401(hub, clock, connect):
    c = connect()
    c.recv()  # snapshot
    clock.advance(7 * 86400 + 1)
    ack = c.command("case.create", {"source": "iot", "category": "other", "title": "x",
                                    "location": {"lat": 39.6, "lon": 106.8}})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized"
    assert _closed_with(c) == 4401


def test_revoked_token_is_refused(hub, connect):
    token = connect("demo-viewer").welcome["token"]
    hub.call(lambda: hub.server.storage.revoke_user_tokens("demo-viewer"))
    c = SyncClient(hub.url, token=token)
    assert c.welcome["code"] == "unauthorized"


def test_second_hello_is_bad_frame_and_session_lives(hub, connect):
    c = connect()
    c.recv()
    c.send({"type": "hello", "user": "demo-dispatcher", "password": "demo"})
    err = c.recv()
    assert err == {"type": "error", "code": "bad_frame", "message": err["message"]}
    assert create_case(c)["status"] == "received"


def test_seq_is_gapless_and_shared_by_all_clients(hub, connect):
    a, b = connect(), connect("demo-supervisor")
    start = a.welcome["seq"]
    for i in range(20):
        create_case(a if i % 2 else b, title=f"case {i}")
    a.wait_seq(start + 20)
    b.wait_seq(start + 20)
    assert seqs(a) == list(range(start + 1, start + 21)) == seqs(b)


def test_event_reaches_sender_before_its_ack(hub, connect):
    c = connect()
    c.recv()
    c.send({"type": "command", "id": "order-1", "op": "case.create",
            "args": {"source": "police_110", "category": "public_order", "title": "斗殴",
                     "location": {"lat": 39.67, "lon": 106.82}}})
    first, second = c.recv(), c.recv()
    assert first["type"] == "event" and first["kind"] == "case.created"
    assert second["type"] == "ack" and second["seq"] == first["seq"]


def test_replay_since_sends_exactly_the_missed_events(hub, connect):
    a = connect()
    a.recv()
    since = a.welcome["seq"]
    ids = [create_case(a, title=f"r{i}")["id"] for i in range(5)]
    b = SyncClient(hub.url, user="demo-dispatcher", since=since + 2)
    got = [b.recv() for _ in range(3)]
    assert [e["seq"] for e in got] == [since + 3, since + 4, since + 5]
    assert [e["data"]["id"] for e in got] == ids[2:]
    assert b.drain(0.3) == []  # nothing doubled, no snapshot


def test_since_equal_to_newest_sends_nothing(hub, connect):
    a = connect()
    a.recv()
    create_case(a)
    seq = a.events[-1]["seq"]
    b = SyncClient(hub.url, user="demo-dispatcher", since=seq)
    assert b.welcome["seq"] == seq
    assert b.drain(0.3) == []


@pytest.mark.parametrize("since", [10**9, -5])
def test_since_in_future_or_negative_gets_snapshot(hub, connect, since):
    a = connect()
    a.recv()
    create_case(a)
    b = SyncClient(hub.url, user="demo-dispatcher", since=since)
    snap = b.recv()
    assert snap["type"] == "snapshot" and snap["seq"] == b.welcome["seq"]
    assert len(snap["cases"]) == 1


def test_since_older_than_retention_gets_snapshot(hub, clock, connect):
    a = connect()
    a.recv()
    since = a.welcome["seq"]
    create_case(a)
    clock.advance(8 * 86400)
    hub.run_rules("prune")
    create_case(SyncClient(hub.url, user="demo-dispatcher"))
    b = SyncClient(hub.url, user="demo-dispatcher", since=since)
    snap = b.recv()
    assert snap["type"] == "snapshot"
    assert len(snap["cases"]) == 2  # both open, so both in the snapshot


def test_snapshot_holds_open_and_recent_cases_only(hub, clock, connect):
    a = connect()
    a.recv()
    old = create_case(a, title="rejected long ago")
    a.command("case.transition", {"case": old["id"], "version": 1, "to": "rejected", "note": "重复"})
    clock.advance(25 * 3600)
    hub.run_rules()
    recent = create_case(a, title="rejected now")
    a.command("case.transition", {"case": recent["id"], "version": 1, "to": "rejected", "note": "无效"})
    open_case = create_case(a, title="open")
    snap = SyncClient(hub.url, user="demo-dispatcher").recv()
    assert {c["id"] for c in snap["cases"]} == {recent["id"], open_case["id"]}


def test_no_event_lost_or_doubled_at_the_catch_up_seam(hub, connect):
    """Clients join while another floods commands: each sees a gapless run."""
    writer = connect()
    writer.recv()
    since = writer.welcome["seq"]
    for i in range(30):
        writer.send({"type": "command", "id": f"flood-{i}", "op": "case.create",
                     "args": {"source": "grid_patrol", "category": "other", "title": f"f{i}",
                              "location": {"lat": 39.66, "lon": 106.82}}})
    joiners = [SyncClient(hub.url, user="demo-viewer", since=since) for _ in range(3)]
    writer.recv_until(lambda f: f.get("id") == "flood-29")
    for j in joiners:
        j.wait_seq(since + 30)
        assert seqs(j) == list(range(since + 1, since + 31))
        j.close()


def test_http_healthz_grid_and_404(hub, connect):
    c = connect()
    c.recv()
    create_case(c)
    base = f"http://127.0.0.1:{hub.port}"
    health = json.load(urllib.request.urlopen(base + "/healthz"))
    assert health == {"ok": True, "seq": c.events[-1]["seq"]}
    grid = json.load(urllib.request.urlopen(base + "/grid.geojson"))
    assert grid["type"] == "FeatureCollection" and len(grid["features"]) == 992
    props = grid["features"][0]["properties"]
    assert {"code", "name", "level", "district", "street", "community"} <= set(props)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(base + "/nope")
    assert info.value.code == 404


def test_websocket_upgrade_on_other_path_is_404(hub):
    with pytest.raises(InvalidStatus) as info:
        ws_connect(f"ws://127.0.0.1:{hub.port}/other", open_timeout=5)
    assert info.value.response.status_code == 404
