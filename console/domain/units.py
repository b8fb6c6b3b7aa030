"""Units (departments) that cases go to, and routing: which unit owns a
category or a sensor kind."""
from __future__ import annotations

from console.domain.categories import category_info
from console.protocol import Unit

UNITS: list[Unit] = [
    Unit("city_mgmt", "城市管理综合执法局", "enforcement"),
    Unit("sanitation", "环卫中心", "sanitation"),
    Unit("municipal", "市政管理处", "municipal"),
    Unit("traffic_police", "公安交警支队", "traffic"),
    Unit("police_110", "公安110指挥中心", "police"),
    Unit("emergency", "应急管理局", "emergency"),
    Unit("gas_company", "乌海市燃气公司", "utility"),
    Unit("grid_worker", "社区网格员", "grid"),
    Unit("ecology", "生态环境局", "environment"),
    Unit("property", "物业服务企业", "property"),
    Unit("fire", "消防救援支队", "fire"),
]
UNIT_BY_ID: dict[str, Unit] = {u.id: u for u in UNITS}

UNIT_NAMES_EN = {
    "city_mgmt": "Urban management enforcement",
    "sanitation": "Sanitation centre",
    "municipal": "Municipal works",
    "traffic_police": "Traffic police",
    "police_110": "110 police command",
    "emergency": "Emergency management bureau",
    "gas_company": "Wuhai gas company",
    "grid_worker": "Community grid workers",
    "ecology": "Ecology & environment bureau",
    "property": "Property management",
    "fire": "Fire and rescue",
}

SENSOR_KIND_CATEGORY = {
    "water_level": "waterlogging",
    "manhole": "manhole_displaced",
    "gas": "gas_leak",
    "elder_radar": "elder_alert",
}

# Units informed besides the owner (shown as suggestions when assigning).
ALSO_INFORM: dict[str, tuple[str, ...]] = {
    "gas_leak": ("emergency",),
    "waterlogging": ("traffic_police", "police_110"),
    "illegal_fishing": ("police_110",),
    "elder_alert": ("police_110",),
    "thrown_from_height": ("grid_worker",),
    "public_order": ("grid_worker",),
}


def unit_for_category(category: str) -> str:
    return category_info(category).unit


def unit_for_sensor_kind(kind: str) -> str:
    return unit_for_category(SENSOR_KIND_CATEGORY.get(kind, "other"))


def suggested_units(category: str) -> list[str]:
    """Owner first, then those usually informed."""
    owner = unit_for_category(category)
    return [owner] + [u for u in ALSO_INFORM.get(category, ()) if u != owner]
