"""Case categories: names in both languages, default priority, who owns them,
and the AI grace period. One table, so the hub's rules, the console's pickers
and the SLA clock all agree."""
from __future__ import annotations

from dataclasses import dataclass

from console.protocol import CATEGORIES


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    zh: str
    en: str
    priority: int          # default priority when the reporter gives none
    unit: str              # id of the unit that owns this category
    grace_s: int = 0       # AI sightings must persist this long before a case
    family: str = "other"  # for link suggestions: categories of one family match


_TABLE = [
    CategoryInfo("illegal_parking", "车辆违停", "Illegal parking", 3, "city_mgmt", 900, "traffic"),
    CategoryInfo("street_vending", "游商经营", "Street vending", 3, "city_mgmt", 0, "street"),
    CategoryInfo("lane_occupation", "占道经营", "Lane occupation", 3, "city_mgmt", 0, "street"),
    CategoryInfo("garbage_dumping", "垃圾倾倒", "Garbage dumping", 3, "sanitation", 0, "environment"),
    CategoryInfo("illegal_fishing", "非法捕捞", "Illegal fishing", 2, "ecology", 0, "river"),
    CategoryInfo("floating_pollution", "水面漂浮物", "Floating pollution", 2, "ecology", 0, "river"),
    CategoryInfo("thrown_from_height", "高空抛物", "Object thrown from height", 2, "property", 0, "compound"),
    CategoryInfo("fire_lane_blocked", "占用消防通道", "Fire lane blocked", 2, "city_mgmt", 300, "compound"),
    CategoryInfo("shed_fire_smoke", "车棚烟火", "Fire or smoke in bike shed", 1, "fire", 0, "fire"),
    CategoryInfo("waterlogging", "道路积水", "Waterlogging", 1, "emergency", 0, "flood"),
    CategoryInfo("manhole_displaced", "井盖移位", "Manhole cover displaced", 2, "municipal", 0, "road"),
    CategoryInfo("gas_leak", "燃气泄漏", "Gas leak", 1, "gas_company", 0, "fire"),
    CategoryInfo("elder_alert", "独居老人告警", "Elderly resident alert", 1, "grid_worker", 0, "welfare"),
    CategoryInfo("public_order", "治安秩序", "Public order", 2, "police_110", 0, "order"),
    CategoryInfo("dispute", "矛盾纠纷", "Dispute", 3, "grid_worker", 0, "order"),
    CategoryInfo("noise", "噪声扰民", "Noise", 4, "ecology", 0, "environment"),
    CategoryInfo("road_damage", "道路破损", "Road damage", 3, "municipal", 0, "road"),
    CategoryInfo("other", "其他", "Other", 3, "grid_worker", 0, "other"),
]

CATEGORY_INFO: dict[str, CategoryInfo] = {c.code: c for c in _TABLE}
assert tuple(CATEGORY_INFO) == CATEGORIES, "category table out of step with the protocol"


def category_info(code: str) -> CategoryInfo:
    """The info for a category; one this build does not know shows as ``other``."""
    return CATEGORY_INFO.get(code) or CATEGORY_INFO["other"]


def default_priority(category: str) -> int:
    return category_info(category).priority


def grace_seconds(category: str, overrides: dict[str, int] | None = None) -> int:
    if overrides and category in overrides:
        return overrides[category]
    return CATEGORY_INFO[category].grace_s if category in CATEGORY_INFO else 0


SOURCE_NAMES = {
    "hotline_12345": ("12345热线", "12345 hotline"),
    "police_110": ("110警情", "110 police"),
    "ai_video": ("AI视频", "AI video"),
    "iot": ("物联感知", "IoT sensor"),
    "grid_patrol": ("网格巡查", "Grid patrol"),
    "citizen_app": ("随手拍", "Citizen app"),
}

STATUS_NAMES = {
    "received": ("待受理", "Received"),
    "dispatched": ("已派遣", "Dispatched"),
    "in_progress": ("处置中", "In progress"),
    "verifying": ("待核查", "Verifying"),
    "closed": ("已办结", "Closed"),
    "rejected": ("已退回", "Rejected"),
}
