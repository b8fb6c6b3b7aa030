"""Command rows of the contract: create, assign, transition, link, history,
conflicts, idempotency, roles and redaction."""
from __future__ import annotations

import pytest

from hub.testing import SyncClient
from tests.hubhelpers import HAIBOWAN, create_case


@pytest.fixture
def disp(connect):
    c = connect("demo-dispatcher")
    c.recv()
    return c


def test_create_fills_defaults(disp):
    case = create_case(disp, category="gas_leak")
    assert case["id"].startswith("C-") and case["version"] == 1 and case["status"] == "received"
    assert case["priority"] == 1 and len(case["grid"]) == 15
    assert case["reported_at"].endswith("Z") and case["due_at"] > case["reported_at"]
    assert case["links"] == [] and case["assignee"] is None
    assert case["caller"] == {"name": "王小明", "phone": "13800000000"}


def test_gas_leak_p1_is_due_in_30_minutes(disp):
    from console.protocol import parse_ts
    case = create_case(disp, category="gas_leak", priority=1)
    delta = parse_ts(case["due_at"]) - parse_ts(case["reported_at"])
    assert delta.total_seconds() == 1800


def test_full_closed_loop_with_history(disp):
    case = create_case(disp)
    steps = [("case.assign", {"unit": "municipal", "person": "李工"}, "dispatched"),
             ("case.transition", {"to": "in_progress"}, "in_progress"),
             ("case.transition", {"to": "verifying"}, "verifying"),
             ("case.transition", {"to": "in_progress", "note": "现场未修复"}, "in_progress"),
             ("case.transition", {"to": "verifying"}, "verifying"),
             ("case.transition", {"to": "closed", "note": "已核查"}, "closed")]
    version = 1
    for op, args, status in steps:
        ack = disp.command(op, {"case": case["id"], "version": version, **args})
        assert ack["ok"], ack
        version += 1
        assert ack["result"]["case"]["status"] == status
        assert ack["result"]["case"]["version"] == version
    hist = disp.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert [h["version"] for h in hist] == list(range(1, 8))
    assert [h["status"] for h in hist] == ["received"] + [s for _, _, s in steps]
    assert hist[1]["op"] == "case.assign" and hist[1]["user"] == "demo-dispatcher"
    assert hist[4]["note"] == "现场未修复"
    assert all(h["seq"] and h["ts"] for h in hist)


@pytest.mark.parametrize("to,note", [("closed", None), ("verifying", None), ("received", None),
                                      ("rejected", None), ("dispatched", None)])
def test_forbidden_moves_are_invalid_and_change_nothing(disp, to, note):
    case = create_case(disp)
    ack = disp.command("case.transition", {"case": case["id"], "version": 1, "to": to, "note": note})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert "seq" not in ack
    again = disp.command("case.transition", {"case": case["id"], "version": 1, "to": "rejected",
                                             "note": "重复工单"})
    assert again["ok"] and again["result"]["case"]["version"] == 2


def test_assign_closed_case_is_invalid(disp):
    case = create_case(disp)
    disp.command("case.transition", {"case": case["id"], "version": 1, "to": "rejected", "note": "x"})
    ack = disp.command("case.assign", {"case": case["id"], "version": 2, "unit": "municipal"})
    assert ack["error"]["code"] == "invalid"


def test_stale_version_is_conflict_with_current(hub, disp, connect):
    other = connect("demo-supervisor")
    case = create_case(disp)
    assert other.command("case.assign", {"case": case["id"], "version": 1, "unit": "municipal"})["ok"]
    ack = disp.command("case.assign", {"case": case["id"], "version": 1, "unit": "sanitation"})
    assert ack["ok"] is False and ack["error"]["code"] == "conflict"
    current = ack["error"]["current"]
    assert current["version"] == 2 and current["assignee"]["unit"] == "municipal"
    hist = disp.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert [h["user"] for h in hist] == ["demo-dispatcher", "demo-supervisor"]


def test_check_order_not_found_before_conflict_before_invalid_move(disp):
    case = create_case(disp)
    assert disp.command("case.assign", {"case": "C-nope", "version": 9, "unit": "x"})["error"]["code"] == "not_found"
    assert disp.command("case.assign", {"case": case["id"], "version": 9, "unit": "x"})["error"]["code"] == "not_found"
    stale = disp.command("case.transition", {"case": case["id"], "version": 9, "to": "closed"})
    assert stale["error"]["code"] == "conflict"
    missing_note = disp.command("case.transition", {"case": case["id"], "version": 1, "to": "rejected"})
    assert missing_note["error"]["code"] == "invalid" and missing_note["error"]["field"] == "note"


def test_invalid_args_name_the_field(disp):
    ack = disp.command("case.create", {"source": "hotline_12345", "category": "no_such",
                                       "title": "x", "location": HAIBOWAN})
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "category"
    ack = disp.command("case.assign", {"case": "C-1", "version": "1", "unit": "municipal"})
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "version"
    ack = disp.command("case.create", {"source": "hotline_12345", "category": "noise", "title": "x"})
    assert ack["error"]["field"] == "location"
    ack = disp.command("case.frobnicate", {})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_link_12345_with_110_on_both_and_unlink(disp):
    hot = create_case(disp, source="hotline_12345", category="waterlogging")
    pol = create_case(disp, source="police_110", category="waterlogging")
    ack = disp.command("case.link", {"case": hot["id"], "version": 1, "other": pol["id"],
                                     "relation": "12345-110"})
    assert ack["ok"] and ack["result"]["case"]["links"] == [{"case": pol["id"], "relation": "12345-110"}]
    ev = [e["data"] for e in disp.events if e["kind"] == "case.updated"]
    assert ev[-1]["id"] == pol["id"] and ev[-1]["version"] == 2
    assert ev[-1]["links"] == [{"case": hot["id"], "relation": "12345-110"}]
    dup = disp.command("case.link", {"case": hot["id"], "version": 2, "other": pol["id"],
                                     "relation": "12345-110"})
    assert dup["error"]["code"] == "invalid"
    ack = disp.command("case.unlink", {"case": pol["id"], "version": 2, "other": hot["id"],
                                       "relation": "12345-110"})
    assert ack["ok"] and ack["result"]["case"]["links"] == []
    missing = disp.command("case.unlink", {"case": pol["id"], "version": 3, "other": hot["id"],
                                           "relation": "12345-110"})
    assert missing["error"]["code"] == "not_found"


def test_12345_110_link_needs_one_of_each_line_and_no_self_link(disp):
    a = create_case(disp, source="hotline_12345")
    b = create_case(disp, source="hotline_12345")
    bad = disp.command("case.link", {"case": a["id"], "version": 1, "other": b["id"], "relation": "12345-110"})
    assert bad["error"]["code"] == "invalid"
    self_link = disp.command("case.link", {"case": a["id"], "version": 1, "other": a["id"], "relation": "related"})
    assert self_link["error"]["code"] == "invalid"
    ok = disp.command("case.link", {"case": a["id"], "version": 1, "other": b["id"], "relation": "duplicate"})
    assert ok["ok"]


def test_resent_command_id_gets_first_ack_verbatim(hub, disp):
    args = {"source": "hotline_12345", "category": "noise", "title": "广场舞", "location": HAIBOWAN}
    first = disp.command("case.create", args, cmd_id="same-id")
    n_events = len(disp.events)
    again = disp.command("case.create", {**args, "title": "different"}, cmd_id="same-id")
    assert again == first
    assert len(disp.events) == n_events  # nothing applied twice
    bad = disp.command("case.assign", {"case": "C-x", "version": 1, "unit": "u"}, cmd_id="err-id")
    assert disp.command("case.create", args, cmd_id="err-id") == bad
    hub.restart()
    c = SyncClient(hub.url, user="demo-dispatcher")
    assert c.command("case.create", args, cmd_id="same-id") == first
    # ids are per user
    other = SyncClient(hub.url, user="demo-supervisor")
    fresh = other.command("case.create", args, cmd_id="same-id")
    assert fresh["ok"] and fresh["result"]["case"]["id"] != first["result"]["case"]["id"]


@pytest.mark.parametrize("user", ["demo-viewer", "demo-wall", "demo-feeder"])
def test_case_changes_forbidden_for_viewer_wall_feeder(hub, disp, connect, user):
    case = create_case(disp)
    c = connect(user)
    for op, args in [("case.assign", {"case": case["id"], "version": 1, "unit": "municipal"}),
                     ("case.transition", {"case": case["id"], "version": 1, "to": "rejected", "note": "x"}),
                     ("case.create", {"bad": "args"}),
                     ("sensor.ack", {"sensor": "x"})]:
        ack = c.command(op, args)
        assert ack["error"]["code"] == "forbidden", (op, ack)


def test_ingest_forbidden_for_dispatcher(disp):
    ack = disp.command("ingest.reading", {"sensor": "x", "value": 1, "ts": "2026-11-25T02:00:00.000Z"})
    assert ack["error"]["code"] == "forbidden"


def test_feeder_may_not_read_history(disp, connect):
    case = create_case(disp)
    assert connect("demo-feeder").command("case.history", {"case": case["id"]})["error"]["code"] == "forbidden"


def test_wall_never_sees_callers_or_descriptions(hub, disp, connect):
    wall = connect("demo-wall")
    wall.recv()
    case = create_case(disp)
    disp.command("case.transition", {"case": case["id"], "version": 1, "to": "rejected", "note": "来电人说错了"})
    wall.recv_until(lambda f: f.get("kind") == "case.updated")
    for e in wall.events:
        assert e["data"]["caller"] is None and e["data"]["description"] is None
    snap = SyncClient(hub.url, user="demo-wall").recv()
    assert all(c["caller"] is None and c["description"] is None for c in snap["cases"])
    replay = SyncClient(hub.url, user="demo-wall", since=wall.welcome["seq"])
    got = replay.recv_until(lambda f: f.get("kind") == "case.updated")
    assert got["data"]["caller"] is None
    hist = wall.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert all(h["note"] is None for h in hist)
    assert "王小明" not in repr(wall.events) + repr(hist) and "13800000000" not in repr(wall.events)


def test_viewer_sees_masked_callers(hub, disp, connect):
    viewer = connect("demo-viewer")
    viewer.recv()
    case = create_case(disp)
    ev = viewer.recv_until(lambda f: f.get("kind") == "case.created")
    assert ev["data"]["caller"] == {"name": "王*", "phone": "138****0000"}
    assert ev["data"]["description"] == "人行道有坑"
    stale = viewer.command("case.history", {"case": case["id"]})
    assert stale["ok"]
    snap = SyncClient(hub.url, user="demo-viewer").recv()
    assert snap["cases"][0]["caller"]["phone"] == "138****0000"


def test_conflict_current_is_redacted_for_role(hub, disp, connect):
    case = create_case(disp)
    disp.command("case.assign", {"case": case["id"], "version": 1, "unit": "municipal"})
    # a supervisor sees everything in current
    sup = connect("demo-supervisor")
    ack = sup.command("case.assign", {"case": case["id"], "version": 1, "unit": "municipal"})
    assert ack["error"]["current"]["caller"]["phone"] == "13800000000"
