"""console/domain without Qt: grid codes and lookups on the real demo grid,
routing to units, the SLA table and the closed-loop state machine."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product

import pytest

from console.domain import cases, grid, sla, units
from console.domain.categories import CATEGORY_INFO, category_info
from console.domain.demo import load_grid_index
from console.protocol import CATEGORIES, OPEN_STATUSES, SENSOR_KINDS, STATUSES

CELL = "150302004008002"  # 海北街道 海达社区第02网格 in the demo grid


@pytest.fixture(scope="module")
def index():
    return load_grid_index()


# --- grid codes ------------------------------------------------------------------------

@pytest.mark.parametrize("code, level", [
    ("1503", "city"), ("150302", "district"), ("150302004", "street"),
    ("150302004008", "community"), (CELL, "grid"),
])
def test_level_of(code, level):
    assert grid.level_of(code) == level


@pytest.mark.parametrize("bad", ["", "15", "15030", "1503020040", "15030200400800", "15a302", "1503020040080021", " 1503"])
def test_level_of_rejects_malformed_codes(bad):
    with pytest.raises(ValueError):
        grid.level_of(bad)


def test_parent_and_ancestors():
    assert grid.parent_code(CELL) == "150302004008"
    assert grid.parent_code("150302004008") == "150302004"
    assert grid.parent_code("150302004") == "150302"
    assert grid.parent_code("150302") == "1503"
    assert grid.parent_code("1503") is None
    assert grid.ancestors(CELL) == ["1503", "150302", "150302004", "150302004008"]
    assert grid.ancestors("1503") == []
    assert grid.prefix_at(CELL, "street") == "150302004"
    assert grid.is_within(CELL, "150302") and not grid.is_within(CELL, "150303")


def test_distance_m():
    assert grid.distance_m(39.5, 106.8, 39.5, 106.8) == 0
    # one degree of latitude is about 111.2 km on this sphere
    assert grid.distance_m(39.0, 106.8, 40.0, 106.8) == pytest.approx(111_195, rel=1e-3)


def test_point_in_geometry_with_a_hole():
    square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]
    geom = {"type": "Polygon", "coordinates": [square, hole]}
    assert grid.point_in_geometry(0.5, 0.5, geom)
    assert not grid.point_in_geometry(2, 2, geom)
    assert not grid.point_in_geometry(5, 2, geom)
    multi = {"type": "MultiPolygon", "coordinates": [[square], [[[10, 10], [11, 10], [11, 11], [10, 10]]]]}
    assert grid.point_in_geometry(10.8, 10.2, multi)
    with pytest.raises(ValueError):
        grid.point_in_geometry(0, 0, {"type": "Point", "coordinates": [0, 0]})


def test_cell_at_on_the_demo_grid(index):
    for code in list(index.cells)[::37] + [CELL]:
        lat, lon = index.cells[code].centroid
        assert index.cell_at(lat, lon).code == code
    # the desert east of Hainan and the Yellow River itself are off the grid
    assert index.cell_at(39.20, 107.05) is None
    assert index.cell_at(39.58, 106.785) is None


def test_nearest_cell(index):
    lat, lon = index.cells[CELL].centroid
    assert index.nearest_cell(lat, lon).code == CELL
    assert index.nearest_cell(lat + 0.004, lon, max_m=2000) is not None
    assert index.nearest_cell(39.10, 107.00, max_m=2000) is None


def test_names_and_children(index):
    assert index.name("1503") == "乌海市"
    assert index.name("150302") == "海勃湾区"
    assert index.name("150302004") == "海北街道"
    assert [n for _, n in index.path_names(CELL)][:3] == ["乌海市", "海勃湾区", "海北街道"]
    assert index.children("1503") == ["150302", "150303", "150304"]
    assert "150302004" in index.children("150302")
    assert index.children(CELL) == []


# --- units ----------------------------------------------------------------------------

def test_every_category_routes_to_a_known_unit():
    for cat in CATEGORIES:
        assert units.unit_for_category(cat) in units.UNIT_BY_ID
        assert set(units.suggested_units(cat)) <= set(units.UNIT_BY_ID)
    assert units.UNIT_NAMES_EN.keys() == units.UNIT_BY_ID.keys()


@pytest.mark.parametrize("kind, unit", [
    ("water_level", "emergency"), ("manhole", "municipal"), ("gas", "gas_company"),
    ("elder_radar", "grid_worker"),
])
def test_sensor_kind_routing(kind, unit):
    assert kind in SENSOR_KINDS
    assert units.unit_for_sensor_kind(kind) == unit


def test_category_routing_and_who_is_informed():
    assert units.unit_for_category("illegal_parking") == "city_mgmt"
    assert units.unit_for_category("illegal_fishing") == "ecology"
    assert units.unit_for_category("thrown_from_height") == "property"
    assert units.suggested_units("gas_leak") == ["gas_company", "emergency"]
    assert units.suggested_units("waterlogging") == ["emergency", "traffic_police", "police_110"]
    assert units.suggested_units("illegal_fishing") == ["ecology", "police_110"]
    assert units.unit_for_category("no_such_category") == "grid_worker"  # shown as other
    assert category_info("no_such_category") is CATEGORY_INFO["other"]


# --- SLA ------------------------------------------------------------------------------

T0 = datetime(2026, 7, 20, 19, 58, tzinfo=timezone.utc)


@pytest.mark.parametrize("category, priority, seconds", [
    ("gas_leak", 1, 30 * 60),
    ("noise", 4, 3 * 86400),
    ("waterlogging", 1, 3600),
    ("illegal_parking", 3, 2 * 3600),
    ("dispute", 3, 86400),          # the default for P3: one day
    ("other", 2, 8 * 3600),
    ("road_damage", 1, 2 * 3600),
])
def test_sla_seconds(category, priority, seconds):
    assert sla.sla_seconds(category, priority) == seconds


def test_due_at_and_clock_colours():
    due = sla.due_at(T0, "gas_leak", 1)
    assert due == T0 + timedelta(minutes=30)
    assert sla.sla_level(T0, due, T0) == "ok"
    assert sla.sla_level(T0, due, T0 + timedelta(minutes=23, seconds=59)) == "ok"
    assert sla.sla_level(T0, due, T0 + timedelta(minutes=24)) == "amber"  # 80 %
    assert sla.sla_level(T0, due, T0 + timedelta(minutes=29, seconds=59)) == "amber"
    assert sla.sla_level(T0, due, due) == "red"
    assert sla.sla_level(T0, due, due + timedelta(days=1)) == "red"


# --- the closed loop --------------------------------------------------------------------

ALLOWED = {
    ("received", "dispatched"), ("received", "rejected"),
    ("dispatched", "in_progress"), ("dispatched", "rejected"),
    ("in_progress", "verifying"), ("in_progress", "rejected"),
    ("verifying", "closed"), ("verifying", "in_progress"), ("verifying", "rejected"),
}


def test_the_move_table_is_the_contracts():
    assert {(a, b) for a, tos in cases.MOVES.items() for b in tos} == ALLOWED
    assert set(cases.MOVES) == set(STATUSES)


@pytest.mark.parametrize("status, to", sorted(ALLOWED))
def test_every_allowed_move_is_allowed(status, to):
    cases.check_move(status, to, note="checked on camera", has_assignee=True)


@pytest.mark.parametrize("status, to", [
    ("received", "closed"), ("received", "in_progress"), ("received", "verifying"),
    ("dispatched", "verifying"), ("dispatched", "closed"), ("dispatched", "received"),
    ("in_progress", "closed"), ("in_progress", "dispatched"), ("verifying", "dispatched"),
    ("closed", "received"), ("closed", "in_progress"), ("closed", "rejected"), ("closed", "closed"),
    ("rejected", "received"), ("rejected", "dispatched"), ("rejected", "closed"),
    ("received", "received"), ("received", "no_such_status"),
])
def test_forbidden_moves_raise(status, to):
    with pytest.raises(cases.MoveError) as err:
        cases.check_move(status, to, note="a note", has_assignee=True)
    assert err.value.field == "to"


def test_no_move_outside_the_table_is_allowed():
    for status, to in product(STATUSES, STATUSES):
        if (status, to) not in ALLOWED:
            with pytest.raises(cases.MoveError):
                cases.check_move(status, to, note="a note", has_assignee=True)


def test_closed_and_rejected_are_final():
    for status in ("closed", "rejected"):
        assert not cases.is_open(status)
        assert cases.allowed_moves(status, has_assignee=True) == []
        assert not cases.can_assign(status)
    assert all(cases.is_open(s) and cases.can_assign(s) for s in OPEN_STATUSES)


@pytest.mark.parametrize("status, to", [(s, "rejected") for s in OPEN_STATUSES] + [("verifying", "in_progress")])
@pytest.mark.parametrize("note", [None, "", "   "])
def test_notes_are_required_to_reject_and_to_send_back(status, to, note):
    with pytest.raises(cases.MoveError) as err:
        cases.check_move(status, to, note=note, has_assignee=True)
    assert err.value.field == "note"
    cases.check_move(status, to, note="duplicate of C-20260720-000001", has_assignee=True)


def test_other_moves_need_no_note():
    for status, to in ALLOWED - cases.NOTE_REQUIRED:
        cases.check_move(status, to, note=None, has_assignee=True)


def test_dispatch_needs_an_assignee():
    with pytest.raises(cases.MoveError):
        cases.check_move("received", "dispatched", note=None, has_assignee=False)
    assert cases.allowed_moves("received", has_assignee=False) == ["rejected"]
    assert cases.allowed_moves("received", has_assignee=True) == ["dispatched", "rejected"]
    assert cases.allowed_moves("verifying", has_assignee=True) == ["closed", "in_progress", "rejected"]
