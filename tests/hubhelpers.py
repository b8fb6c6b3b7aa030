"""Small helpers for tests that talk to the hub."""
from __future__ import annotations

from hub.testing import SyncClient

HAIBOWAN = {"lat": 39.668, "lon": 106.822, "address": "海勃湾区 人民南路"}


def create_case(client: SyncClient, **overrides) -> dict:
    args = {"source": "hotline_12345", "category": "road_damage", "title": "路面塌陷",
            "location": HAIBOWAN, "description": "人行道有坑",
            "caller": {"name": "王小明", "phone": "13800000000"}}
    args.update(overrides)
    ack = client.command("case.create", args)
    assert ack["ok"], ack
    return ack["result"]["case"]


def event_kinds(client: SyncClient) -> list[str]:
    return [e["kind"] for e in client.events]


def seqs(client: SyncClient) -> list[int]:
    return [e["seq"] for e in client.events]
