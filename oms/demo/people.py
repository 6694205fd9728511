"""Demo buyers: Chinese names, mobile numbers and addresses, weighted like real order volume."""

import random
from dataclasses import replace

from orders.drafts import Recipient


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚浩宇欣怡佳思雨涵晨轩诺嘉俊文博婷雪露丹鹏飞琳晓婉慧颖子梓"
    "一可心悦然泽睿瑶琪萱彤航昊天翔志华建国红梅兰玉凤英秀亮斌辉宁波林峰海燕春玲倩蕾雅楠凯旭阳"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
    "178 180 181 182 183 185 186 187 188 189 191 198 199"
)

# province -> {city: "districts separated by spaces"}, weight ~ share of parcel volume
PROVINCES: dict[str, tuple[float, dict[str, str]]] = {
    "广东省": (14, {
        "广州市": "天河区 越秀区 海珠区 白云区 番禺区", "深圳市": "南山区 福田区 宝安区 龙岗区 龙华区",
        "佛山市": "禅城区 南海区 顺德区", "东莞市": "南城街道 东城街道 长安镇 虎门镇", "珠海市": "香洲区 斗门区",
    }),
    "浙江省": (10, {
        "杭州市": "西湖区 余杭区 滨江区 拱墅区 上城区 萧山区", "宁波市": "鄞州区 海曙区 江北区",
        "温州市": "鹿城区 瓯海区 龙湾区", "绍兴市": "越城区 柯桥区", "金华市": "婺城区 义乌市",
    }),
    "江苏省": (9, {
        "南京市": "鼓楼区 玄武区 建邺区 江宁区", "苏州市": "姑苏区 工业园区 吴中区 昆山市",
        "无锡市": "梁溪区 滨湖区 新吴区", "常州市": "天宁区 武进区",
    }),
    "上海市": (7, {"上海市": "浦东新区 徐汇区 静安区 闵行区 杨浦区 长宁区 宝山区 松江区"}),
    "北京市": (6, {"北京市": "朝阳区 海淀区 丰台区 东城区 西城区 昌平区 通州区"}),
    "山东省": (6, {"济南市": "历下区 市中区 槐荫区", "青岛市": "市南区 崂山区 黄岛区", "烟台市": "芝罘区 莱山区"}),
    "四川省": (5, {"成都市": "武侯区 锦江区 高新区 青羊区 成华区 双流区", "绵阳市": "涪城区 游仙区"}),
    "福建省": (4, {"福州市": "鼓楼区 台江区 仓山区", "厦门市": "思明区 湖里区 集美区", "泉州市": "丰泽区 晋江市"}),
    "河南省": (4, {"郑州市": "金水区 二七区 中原区 郑东新区", "洛阳市": "洛龙区 西工区"}),
    "湖北省": (4, {"武汉市": "武昌区 洪山区 江汉区 江岸区 汉阳区", "宜昌市": "西陵区 伍家岗区"}),
    "湖南省": (3, {"长沙市": "岳麓区 芙蓉区 天心区 雨花区", "株洲市": "天元区 芦淞区"}),
    "安徽省": (3, {"合肥市": "蜀山区 包河区 政务区 庐阳区", "芜湖市": "镜湖区 鸠江区"}),
    "重庆市": (3, {"重庆市": "渝北区 江北区 南岸区 九龙坡区 沙坪坝区 渝中区"}),
    "河北省": (2.5, {"石家庄市": "长安区 桥西区 裕华区", "保定市": "竞秀区 莲池区"}),
    "陕西省": (2, {"西安市": "雁塔区 碑林区 未央区 长安区"}),
    "广西壮族自治区": (2, {"南宁市": "青秀区 西乡塘区 良庆区", "桂林市": "七星区 象山区"}),
    "云南省": (2, {"昆明市": "五华区 盘龙区 官渡区 西山区", "大理白族自治州": "大理市"}),
    "贵州省": (1.5, {"贵阳市": "南明区 云岩区 观山湖区"}),
    "天津市": (1.5, {"天津市": "和平区 河西区 南开区 滨海新区"}),
    "辽宁省": (1.5, {"沈阳市": "和平区 沈河区 浑南区", "大连市": "中山区 甘井子区"}),
    "江西省": (1.5, {"南昌市": "东湖区 红谷滩区 青山湖区"}),
    "海南省": (1, {"海口市": "龙华区 美兰区", "三亚市": "吉阳区 天涯区"}),
    "山西省": (1, {"太原市": "小店区 迎泽区 杏花岭区"}),
    "黑龙江省": (0.8, {"哈尔滨市": "南岗区 道里区 香坊区"}),
    "吉林省": (0.6, {"长春市": "朝阳区 南关区 绿园区"}),
    "内蒙古自治区": (0.5, {"呼和浩特市": "新城区 赛罕区"}),
    "甘肃省": (0.5, {"兰州市": "城关区 七里河区"}),
    "新疆维吾尔自治区": (0.4, {"乌鲁木齐市": "天山区 沙依巴克区"}),
    "宁夏回族自治区": (0.2, {"银川市": "兴庆区 金凤区"}),
    "青海省": (0.2, {"西宁市": "城西区 城中区"}),
}

ROADS = _words(
    "人民路 中山路 解放路 建设路 文化路 和平路 新华路 青年路 学院路 长江路 滨江大道 幸福路 光明路 朝阳路 "
    "东风路 胜利路 迎宾大道 科技路 创业路 世纪大道 环城北路 星光大道 振兴路 金融街 南京路 黄河路 湖滨路"
)
COMPOUNDS = _words(
    "阳光花园 锦绣华庭 金色家园 翠苑一区 万科城 碧桂园 保利花园 绿城桂花园 世纪新城 和谐家园 滨江花园 华润城 "
    "龙湖春江郦城 中海国际社区 融创壹号院 恒大名都 东方明珠苑 书香苑 紫荆花园 江南名府 丽景湾 蓝湾国际"
)
OFFICES = _words("国际金融中心 科技大厦 创意产业园 软件园 商务中心 财富广场 数字经济港")

# Cross-border orders go to a Cainiao consolidation warehouse in China, not to the buyer.
CONSOLIDATION_WAREHOUSES = (
    ("菜鸟集货仓(义乌)", "0579-85", "浙江省", "金华市", "义乌市", "稠江街道西城北路 688 号 菜鸟速卖通集货仓 3 号门"),
    ("菜鸟集货仓(东莞)", "0769-22", "广东省", "东莞市", "虎门镇", "北栅社区港口大道 118 号 菜鸟跨境物流园 B2 库"),
    ("菜鸟集货仓(广州)", "020-866", "广东省", "广州市", "白云区", "太和镇广州北站物流园 9 栋 速卖通集运中心"),
)

_PROVINCE_NAMES = list(PROVINCES)
_PROVINCE_WEIGHTS = [weight for weight, _cities in PROVINCES.values()]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.72 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def street_address(rng: random.Random) -> str:
    road = rng.choice(ROADS)
    number = rng.randint(1, 999)
    if rng.random() < 0.12:
        return f"{road}{number}号{rng.choice(OFFICES)}{rng.randint(2, 38)}层 前台代收"
    building, room = rng.randint(1, 32), rng.randint(1, 33) * 100 + rng.randint(1, 6)
    if rng.random() < 0.5:
        return f"{road}{number}号{rng.choice(COMPOUNDS)}{building}幢{rng.randint(1, 4)}单元{room}室"
    return f"{road}{number}号{rng.choice(COMPOUNDS)}{building}栋{room}"


class Buyers:
    """A pool of buyers: about a third of orders come from someone who ordered before."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: list[Recipient] = []

    def recipient(self) -> Recipient:
        rng = self.rng
        if self.seen and rng.random() < 0.3:
            return rng.choice(self.seen)
        province = rng.choices(_PROVINCE_NAMES, weights=_PROVINCE_WEIGHTS)[0]
        cities = PROVINCES[province][1]
        city = rng.choice(list(cities))
        recipient = Recipient(
            name=person_name(rng),
            phone=mobile(rng),
            province=province,
            city=city,
            district=rng.choice(cities[city].split()),
            street=street_address(rng),
        )
        self.seen.append(recipient)
        return recipient

    def consolidation_warehouse(self) -> Recipient:
        name, phone_prefix, province, city, district, street = self.rng.choice(CONSOLIDATION_WAREHOUSES)
        phone = phone_prefix + "".join(str(self.rng.randrange(10)) for _ in range(12 - len(phone_prefix)))
        return Recipient(name=name, phone=phone, province=province, city=city, district=district, street=street)

    def incomplete(self) -> Recipient:
        """An address a carrier cannot use: street or city missing (the platform sent it half-filled)."""
        recipient = self.recipient()
        if self.rng.random() < 0.75:
            return replace(recipient, street="")
        return replace(recipient, city="", district="")

    def without_district(self) -> Recipient:
        """District left out: carriers manage from city + street, so it is not held."""
        return replace(self.recipient(), district="")
