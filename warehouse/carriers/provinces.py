"""Mainland provinces as carriers route them: region, capital and the capital's postcode prefix.

Used to group destinations into rate zones (the demo's rate table) and by the sandbox adapter to
invent a plausible 三段码 and 集包地 (consolidation hub) per destination.
"""

from dataclasses import dataclass

from orders.address import normalize_province


@dataclass(frozen=True)
class Province:
    name: str  # short form, as ``normalize_province`` gives it
    capital: str
    postcode: str  # first three digits of the capital's postcode: the sorting centre's number
    region: str
    remote: bool = False  # 偏远: dearer, slower, often excluded from free shipping


_TABLE = (
    ("北京", "北京", "100", "华北"), ("天津", "天津", "300", "华北"), ("河北", "石家庄", "050", "华北"),
    ("山西", "太原", "030", "华北"), ("内蒙古", "呼和浩特", "010", "华北", True),
    ("辽宁", "沈阳", "110", "东北"), ("吉林", "长春", "130", "东北"), ("黑龙江", "哈尔滨", "150", "东北"),
    ("上海", "上海", "200", "华东"), ("江苏", "南京", "210", "华东"), ("浙江", "杭州", "310", "华东"),
    ("安徽", "合肥", "230", "华东"), ("福建", "福州", "350", "华东"), ("江西", "南昌", "330", "华东"),
    ("山东", "济南", "250", "华东"),
    ("河南", "郑州", "450", "华中"), ("湖北", "武汉", "430", "华中"), ("湖南", "长沙", "410", "华中"),
    ("广东", "广州", "510", "华南"), ("广西", "南宁", "530", "华南"), ("海南", "海口", "570", "华南"),
    ("重庆", "重庆", "400", "西南"), ("四川", "成都", "610", "西南"), ("贵州", "贵阳", "550", "西南"),
    ("云南", "昆明", "650", "西南"), ("西藏", "拉萨", "850", "西南", True),
    ("陕西", "西安", "710", "西北"), ("甘肃", "兰州", "730", "西北", True), ("青海", "西宁", "810", "西北", True),
    ("宁夏", "银川", "750", "西北", True), ("新疆", "乌鲁木齐", "830", "西北", True),
)

PROVINCES: dict[str, Province] = {row[0]: Province(*row) for row in _TABLE}


def province_of(name: str) -> Province | None:
    """'浙江省', '浙江' -> the 浙江 entry; unknown (abroad, a typo) -> None."""
    return PROVINCES.get(normalize_province(name))
