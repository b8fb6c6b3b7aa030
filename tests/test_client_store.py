"""The hub client and the live store against a real hub on loopback (no Qt)."""
from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from websockets.asyncio.server import serve

from console.client import CommandFailed, CommandTimeout, Credentials, HubClient, NotConnected
from console.store import LiveStore
from hub.testing import SyncClient, free_port
from tests.hubhelpers import HAIBOWAN

CREATE = {"source": "hotline_12345", "category": "noise", "title": "夜间施工",
          "location": HAIBOWAN, "caller": {"name": "李四", "phone": "13912345678"}}


async def _until(pred, timeout=10.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


def _client(url, store, user="demo-dispatcher", **kw):
    return HubClient(url, Credentials(user=user, password="demo"), store,
                     backoff_min=0.05, backoff_max=0.3, **kw)


@contextlib.asynccontextmanager
async def _scripted_hub(handler, store: LiveStore, until):
    """A client feeding ``store`` from a scripted hub (``handler``) on
    loopback, handed over once ``until()`` holds, closed afterwards."""
    port = free_port()
    async with serve(handler, "127.0.0.1", port, compression=None):
        client = _client(f"ws://127.0.0.1:{port}/ws", store)
        client.start()
        try:
            await _until(until)
            yield client
        finally:
            await client.close()


async def _connected(url, **kw) -> tuple[LiveStore, HubClient]:
    """A started client, logged in, its snapshot applied."""
    store = LiveStore()
    client = _client(url, store, **kw)
    client.start()
    await client.wait_connected()
    await _until(lambda: store.seq is not None)
    return store, client


def test_snapshot_then_command_event_applied_before_ack(hub):
    async def main():
        store, client = await _connected(hub.url)
        assert len(store.cameras) >= 60 and len(store.sensors) >= 40 and store.role == "dispatcher"
        result = await client.command("case.create", CREATE)
        case_id = result["case"]["id"]
        assert case_id in store.cases and store.cases[case_id].caller.phone == "13912345678"
        assert store.take_changes().new_cases == {case_id}
        with pytest.raises(CommandFailed) as info:
            await client.command("case.assign", {"case": case_id, "version": 7, "unit": "ecology"})
        assert info.value.code == "conflict" and info.value.current["version"] == 1
        await client.close()
    asyncio.run(main())


def test_hub_restart_resumes_with_since_nothing_lost_or_doubled(hub):
    async def main():
        store = LiveStore()
        applied: list[int] = []
        original = store.on_event

        def spy(ev):
            applied.append(ev.seq)
            original(ev)
        store.on_event = spy
        client = _client(hub.url, store)
        client.start()
        await client.wait_connected()
        await client.command("case.create", CREATE)
        await asyncio.to_thread(hub.stop)
        await _until(lambda: client.status.state == "reconnecting")
        # while the console is away, another dispatcher works on
        await asyncio.to_thread(hub.start)
        def other_work():
            with SyncClient(hub.url, user="demo-supervisor") as other:
                for i in range(5):
                    other.command("case.create", {**CREATE, "title": f"离线期间 {i}"})
        await asyncio.to_thread(other_work)
        await _until(lambda: client.connected and len(store.cases) == 6)
        # a command acked after the reconnect
        res = await client.command("case.create", {**CREATE, "title": "重连后"})
        assert res["case"]["id"] in store.cases
        assert applied == list(range(applied[0], applied[0] + len(applied)))  # gapless, no doubles
        truth = await asyncio.to_thread(lambda: SyncClient(hub.url, user="demo-dispatcher").recv())
        assert {c["id"]: c["version"] for c in truth["cases"]} == \
            {cid: c.version for cid, c in store.cases.items()}
        assert store.seq == truth["seq"]
        await client.close()
    asyncio.run(main())


def test_unacked_command_is_resent_with_same_id_after_drop(hub):
    async def main():
        store = LiveStore()
        client = _client(hub.url, store)
        client.start()
        await client.wait_connected()
        # the ack is lost with the connection: the hub applied it once; the
        # client re-sends the same id and gets the first ack back
        fut = client.submit("case.create", CREATE, cmd_id="resend-me")
        await asyncio.to_thread(hub.drop_connections)
        result = await asyncio.wait_for(fut, 10)
        await _until(lambda: client.connected)
        titles = [c.title for c in store.cases.values()]
        assert titles.count("夜间施工") == 1 and result["case"]["id"] in store.cases
        await client.close()
    asyncio.run(main())


def test_wrong_password_stops_with_unauthorized(hub):
    async def main():
        store = LiveStore()
        client = HubClient(hub.url, Credentials(user="demo-dispatcher", password="nope"), store)
        task = client.start()
        await asyncio.wait_for(task, 10)
        assert client.status.state == "unauthorized" and "password" in client.status.message
    asyncio.run(main())


def test_command_timeout_is_clear(hub):
    async def main():
        store = LiveStore()
        client = _client(hub.url, store, ack_timeout=0.2)
        client.start()
        await client.wait_connected()
        await asyncio.to_thread(hub.stop)
        with pytest.raises(CommandTimeout) as info:
            await client.command("case.create", CREATE)
        assert "case.create" in str(info.value)
        await client.close()
    asyncio.run(main())


def _event(seq: int, camera: str = "c") -> str:
    return json.dumps({"type": "event", "seq": seq, "ts": "2026-11-25T02:00:00.000Z", "kind": "camera.status",
                       "data": {"camera": camera, "status": "offline", "ts": "2026-11-25T02:00:00.000Z"}})


def _frame(text: str) -> bytes:
    """One unmasked FIN text frame, as a server writes it (RFC 6455 5.2)."""
    payload = text.encode()
    head = bytes([0x81, len(payload)]) if len(payload) < 126 else bytes([0x81, 126]) + len(payload).to_bytes(2, "big")
    return head + payload


def test_gap_in_seq_reconnects_with_since():
    """A hub that skips a seq: the client must not apply past the gap; it
    reconnects with since = the last seq it applied."""
    hellos: list[dict] = []

    async def handler(ws):
        hello = json.loads(await ws.recv())
        hellos.append(hello)
        await ws.send(json.dumps({"type": "welcome", "user": "u", "role": "viewer", "token": "t", "seq": 2}))
        if hello.get("since") is None:
            await ws.send(json.dumps({"type": "snapshot", "seq": 2}))
            for seq in (3, 5):  # 4 is missing
                await ws.send(_event(seq))
        await asyncio.sleep(5)

    async def main():
        store = LiveStore()
        async with _scripted_hub(handler, store, lambda: len(hellos) >= 2):
            assert hellos[1]["since"] == 3 and hellos[1]["token"] == "t"
            assert store.seq == 3
    asyncio.run(main())


def test_malformed_frames_from_hub_are_ignored_not_fatal():
    async def handler(ws):
        await ws.recv()
        await ws.send(json.dumps({"type": "welcome", "user": "u", "role": "viewer", "token": "t", "seq": 0}))
        await ws.send(json.dumps({"type": "snapshot", "seq": 0}))
        await ws.send("{garbage")
        await ws.send(json.dumps({"type": "event", "seq": 1, "ts": "x", "kind": "future.kind", "data": {}}))
        await asyncio.sleep(5)

    async def main():
        store = LiveStore()
        async with _scripted_hub(handler, store, lambda: store.seq == 1) as client:
            assert client.connected
    asyncio.run(main())


class _Recorder(LiveStore):
    """The live store, noting the order in which the client fed it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def on_welcome(self, welcome, extra) -> None:
        self.calls.append("welcome")
        super().on_welcome(welcome, extra)

    def on_snapshot(self, snap) -> None:
        self.calls.append("snapshot")
        super().on_snapshot(snap)

    def on_event(self, ev) -> None:
        self.calls.append(f"event {ev.seq}")
        super().on_event(ev)


def test_welcome_snapshot_and_events_in_one_read_apply_in_order():
    """Frames are applied as they are parsed: a hub that writes the welcome,
    the snapshot and the first events in one burst (one network read) still
    gets them applied in their order, the welcome first."""
    camera = {"id": "CAM-1", "name": "n", "url": "demo:CAM-1", "location": {"lat": 39.6, "lon": 106.8},
              "group": "g", "status": "online"}

    async def handler(ws):
        await ws.recv()
        burst = [json.dumps({"type": "welcome", "user": "u", "role": "viewer", "token": "t", "seq": 3}),
                 json.dumps({"type": "snapshot", "seq": 1, "cameras": [camera]}),
                 _event(2, "CAM-1"), _event(3, "CAM-1")]
        ws.transport.write(b"".join(_frame(f) for f in burst))
        await asyncio.sleep(5)

    async def main():
        store = _Recorder()
        async with _scripted_hub(handler, store, lambda: store.seq == 3) as client:
            assert client.connected and store.calls == ["welcome", "snapshot", "event 2", "event 3"]
            assert store.user == "u" and store.cameras["CAM-1"].status == "offline"
    asyncio.run(main())


def test_fragmented_message_from_hub_is_applied_whole():
    async def handler(ws):
        await ws.recv()
        await ws.send(json.dumps({"type": "welcome", "user": "u", "role": "viewer", "token": "t", "seq": 0}))
        snapshot = json.dumps({"type": "snapshot", "seq": 0})
        await ws.send([snapshot[:5], snapshot[5:12], snapshot[12:]])   # three frames, one message
        await ws.send(json.dumps({"type": "event", "seq": 1, "ts": "x", "kind": "future.kind", "data": {}}))
        await asyncio.sleep(5)

    async def main():
        store = LiveStore()
        async with _scripted_hub(handler, store, lambda: store.seq == 1) as client:
            assert client.connected and store.events_applied == 1
    asyncio.run(main())


def test_an_event_the_store_fails_on_is_logged_and_skipped(caplog):
    """A bug in applying one event neither stops the session nor makes the
    client ask for that event again and again: it is logged, the rest apply."""
    hellos: list[dict] = []

    async def handler(ws):
        hellos.append(json.loads(await ws.recv()))
        await ws.send(json.dumps({"type": "welcome", "user": "u", "role": "viewer", "token": "t", "seq": 3}))
        await ws.send(json.dumps({"type": "snapshot", "seq": 0}))
        for seq in (1, 2, 3):
            await ws.send(_event(seq, f"CAM-{seq}"))
        await asyncio.sleep(5)

    class Buggy(LiveStore):
        def on_event(self, ev) -> None:
            if ev.seq == 2:
                raise KeyError("a bug")
            super().on_event(ev)

    async def main():
        store = Buggy()
        async with _scripted_hub(handler, store, lambda: store.seq == 3) as client:
            assert client.connected and client.last_seq == 3 and store.events_applied == 2
            await asyncio.sleep(0.2)
            assert len(hellos) == 1, "the client reconnected"
    with caplog.at_level("ERROR", logger="console.client"):
        asyncio.run(main())
    assert "applying a frame from the hub failed" in caplog.text and "KeyError" in caplog.text


def test_cancelled_command_is_forgotten_and_close_fails_the_rest(hub):
    """A caller that gives up (its task cancelled) leaves nothing pending; on
    close, commands still waiting fail with NotConnected instead of hanging."""
    async def main():
        _, client = await _connected(hub.url)
        await asyncio.to_thread(hub.stop)   # no answers from here on
        task = asyncio.ensure_future(client.command("case.create", CREATE, timeout=30))
        await _until(lambda: client.pending_count == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.pending_count == 0
        waiting = asyncio.ensure_future(client.command("case.create", CREATE, timeout=30))
        await _until(lambda: client.pending_count == 1)
        await client.close()
        with pytest.raises(NotConnected):
            await waiting
        assert client.pending_count == 0
    asyncio.run(main())


def test_snapshot_over_1_mib_is_applied(hub, connect):
    """The contract's 1 MiB limit is on what clients send: a busy city's
    snapshot is many MiB and must reach the console whole (it was once
    dropped as 'malformed', leaving the console with no cases)."""
    feeder = connect("demo-feeder")
    feeder.recv()
    long_text = "积水" * 1000
    n = 400
    for i in range(n):
        feeder.send({"type": "command", "id": f"big-{i}", "op": "ingest.call", "args": {
            "line": "12345", "caller": {"phone": "13800000000"}, "category": "noise",
            "title": f"第{i}号来电", "description": long_text, "ts": "2026-11-25T02:00:00Z",
            "location": HAIBOWAN}})
    feeder.recv_until(lambda f: f.get("type") == "ack" and f["id"] == f"big-{n - 1}", timeout=60)

    async def main():
        store, client = await _connected(hub.url)
        assert len(store.cases) == n
        await client.close()
    asyncio.run(main())


def test_hub_restored_from_an_older_backup_makes_the_console_start_over(hub, connect):
    """A hub brought back from yesterday's backup has a lower seq than the
    console applied: the console must not keep cases the hub no longer has
    (nor wait for a seq that will mean something else): it reloads."""
    import shutil

    async def main():
        store, client = await _connected(hub.url)
        kept = (await client.command("case.create", CREATE))["case"]["id"]
        await asyncio.to_thread(hub.stop)
        backup = hub.data_dir.with_name("backup")
        await asyncio.to_thread(shutil.copytree, hub.data_dir, backup)
        await asyncio.to_thread(hub.start)
        await client.wait_connected()
        lost = [(await client.command("case.create", {**CREATE, "title": f"备份后 {i}"}))["case"]["id"]
                for i in range(3)]
        ahead = store.seq
        await asyncio.to_thread(hub.stop)
        await asyncio.to_thread(shutil.rmtree, hub.data_dir)
        await asyncio.to_thread(shutil.copytree, backup, hub.data_dir)
        await asyncio.to_thread(hub.start)
        await _until(lambda: client.connected and store.seq is not None and store.seq < ahead)
        assert kept in store.cases and not any(c in store.cases for c in lost)
        check = connect()
        snap = check.recv()
        assert store.seq == snap["seq"] and set(store.cases) == {c["id"] for c in snap["cases"]}
        await client.close()
    asyncio.run(main())
