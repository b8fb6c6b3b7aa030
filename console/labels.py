"""Display names for the domain's codes, in the current UI language."""
from __future__ import annotations

from console.domain.categories import SOURCE_NAMES, STATUS_NAMES, category_info
from console.domain.grid import LEVEL_NAMES
from console.domain.units import UNIT_BY_ID, UNIT_NAMES_EN
from console.i18n import is_chinese, pick

PRIORITY_NAMES = {1: ("特急", "urgent"), 2: ("紧急", "high"), 3: ("一般", "normal"),
                  4: ("较低", "low")}
SENSOR_KIND_NAMES = {"water_level": ("水位计", "Water level"), "manhole": ("智能井盖", "Manhole cover"),
                     "gas": ("燃气监测", "Gas monitor"), "elder_radar": ("独居老人雷达", "Elder radar")}
SENSOR_STATE_NAMES = {"normal": ("正常", "Normal"), "warn": ("预警", "Warning"),
                      "alarm": ("报警", "Alarm"), "offline": ("离线", "Offline")}
CAMERA_GROUP_NAMES = {"traffic": ("交通路口", "Traffic"), "community": ("智慧小区", "Smart compounds"),
                      "yellow_river": ("黄河高点", "Yellow River"), "city_mgmt": ("城管街面", "Street scene")}
RELATION_NAMES = {"12345-110": ("两线联动", "12345–110 link"), "duplicate": ("重复", "Duplicate"),
                  "related": ("关联", "Related")}


def category(code: str) -> str:
    info = category_info(code)
    return info.zh if is_chinese() else info.en


def status(code: str) -> str:
    return pick(STATUS_NAMES.get(code, (code, code)))


def source(code: str) -> str:
    return pick(SOURCE_NAMES.get(code, (code, code)))


def priority(p: int) -> str:
    return pick(PRIORITY_NAMES.get(p, (f"P{p}", f"P{p}")))


def unit(unit_id: str | None) -> str:
    if not unit_id:
        return ""
    if is_chinese():
        u = UNIT_BY_ID.get(unit_id)
        return u.name if u else unit_id
    return UNIT_NAMES_EN.get(unit_id, unit_id)


def sensor_kind(kind: str) -> str:
    return pick(SENSOR_KIND_NAMES.get(kind, (kind, kind)))


def sensor_state(state: str) -> str:
    return pick(SENSOR_STATE_NAMES.get(state, (state, state)))


def camera_group(group: str) -> str:
    return pick(CAMERA_GROUP_NAMES.get(group, (group, group)))


def camera_site(name: str) -> str | None:
    """A camera's name without its street or area in front, for a narrow
    place ("新华街道 人民路与新华大街交叉口" -> "人民路与新华大街交叉口"):
    cameras of one street would otherwise all read "新华街道 人…"; ``None``
    when the name has no such prefix."""
    _head, sep, rest = name.partition(" ")
    rest = rest.strip()
    return rest if sep and rest else None


def relation(rel: str) -> str:
    return pick(RELATION_NAMES.get(rel, (rel, rel)))


def grid_level(level: str) -> str:
    return pick(LEVEL_NAMES.get(level, (level, level)))
