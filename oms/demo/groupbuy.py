"""Group-buy in the demo: a 团购 channel, pickup stations around the three warehouses, a leader at
each (the ``leader`` login at the first), today's campaign of fresh food with one scarce item, and
leaders entering their neighbours' orders through the real leader service, so the cutoff can be
pressed by hand in admin (团购活动 → 立即截单) or waited for at 20:00.

After a cutoff the floor robot builds station waves and sends them on their delivery run; the
pretend leaders here confirm arrival and hand goods over, so every stage shows. The ``leader``
login's own station is left to the person trying the leader pages.
"""

import io
import random
import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from channels.groupbuy.models import Campaign, CampaignItem, CampaignStatus, GroupLeader, default_cutoff
from channels.models import Channel, Platform
from channels.services.leader_orders import Household, LeaderRefused, leader_order_submit
from channels.services.pickup import leader_pickup, leader_receive_goods
from inventory.models import Sku, Warehouse
from oms.demo.people import mobile, person_name
from orders.models import DeliveryStation
from orders.states import OrderStatus

CHANNEL_CODE = "groupbuy"
LEADER_USERNAME = "leader"
# code, name, region, province, city, district, street, warehouse code, leader name
STATIONS = (
    ("HZ-CY01", "翠苑一区自提点", "西湖片区", "浙江省", "杭州市", "西湖区", "翠苑一区 12 幢底商 好邻居便利店", "HZ", "刘美华"),
    ("HZ-WY02", "文一西路自提点", "西湖片区", "浙江省", "杭州市", "西湖区", "文一西路 522 号 蔬果铺", "HZ", "陈建国"),
    ("HZ-LZ03", "良渚文化村自提点", "余杭片区", "浙江省", "杭州市", "余杭区", "良渚文化村玉鸟路 6 号 快递驿站", "HZ", "王秀英"),
    ("HZ-BJ04", "滨江江南自提点", "滨江片区", "浙江省", "杭州市", "滨江区", "江南大道 3688 号 社区超市", "HZ", "赵志强"),
    ("GZ-TH01", "天河北自提点", "天河片区", "广东省", "广州市", "天河区", "天河北路 233 号 士多店", "GZ", "黄丽娟"),
    ("GZ-PY02", "番禺市桥自提点", "番禺片区", "广东省", "广州市", "番禺区", "市桥街光明北路 88 号", "GZ", "梁志华"),
    ("CD-YL01", "玉林自提点", "武侯片区", "四川省", "成都市", "武侯区", "玉林西路 17 号 副食店", "CD", "李春梅"),
    ("CD-GX02", "高新南自提点", "高新片区", "四川省", "成都市", "高新区", "天府二街 99 号 生鲜店", "CD", "张海燕"),
)
# SKU name prefix, group-buy price, per household, in all, supplier pack size
OFFER = (
    ("黑猪五花肉", "32.80", 1, 37, 10),
    ("散养土鸡蛋", "29.90", 2, None, 12),
    ("巴氏杀菌鲜牛奶", "22.90", None, None, 6),
    ("云南小土豆", "15.90", None, None, 10),
    ("手工冷冻水饺", "26.90", 3, None, 8),
    ("新鲜鸡胸肉", "21.90", None, None, 10),
    ("广西武鸣沃柑", "25.90", None, None, 8),
    ("有机菠菜", "9.90", 4, None, 20),
)
COMMISSION = Decimal("0.08")


def ensure_stations() -> list[DeliveryStation]:
    """The demo's pickup stations, where their warehouse exists (kept if already there)."""
    warehouses = {w.code: w for w in Warehouse.objects.filter(code__in={row[7] for row in STATIONS})}
    stations = []
    for code, name, region, province, city, district, street, warehouse, _leader in STATIONS:
        if warehouse in warehouses:
            stations.append(DeliveryStation.objects.get_or_create(code=code, defaults={
                "name": name, "region": region, "province": province, "city": city, "district": district,
                "street": street, "warehouse": warehouses[warehouse]})[0])
    return stations


def link_leader(user) -> GroupLeader | None:
    """The ``leader`` demo login leads the first station (翠苑一区, 杭州仓)."""
    stations = ensure_stations()
    if not stations:
        return None
    leader, _created = GroupLeader.objects.get_or_create(
        user=user, defaults={"name": STATIONS[0][8], "phone": "13805710001", "station": stations[0]}
    )
    return leader


def _pretend_leaders(stations: list[DeliveryStation]) -> list[GroupLeader]:
    """A leader without a password at every station but the first (the ``leader`` login's)."""
    User = get_user_model()
    names = {row[0]: row[8] for row in STATIONS}
    leaders = []
    for number, station in enumerate(stations[1:], start=2):
        user, created = User.objects.get_or_create(username=f"leader_demo_{station.code.lower()}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        leaders.append(GroupLeader.objects.get_or_create(user=user, defaults={
            "name": names[station.code], "phone": f"1380571{number:04d}", "station": station})[0])
    return leaders


def groupbuy_channel() -> Channel:
    return Channel.objects.get_or_create(
        code=CHANNEL_CODE, defaults={"name": "社区团购", "platform": Platform.GROUPBUY}
    )[0]


def current_campaign(now=None) -> Campaign | None:
    """The campaign taking orders now, or the next one, opened: cutoff the next 20:00 (the day
    after, when today's campaign was closed early by hand). None without the demo's SKUs."""
    now = now or timezone.now()
    found = Campaign.objects.filter(status=CampaignStatus.OPEN, cutoff_at__gt=now).order_by("cutoff_at").first()
    if found is not None:
        return found
    skus = _offer_skus()
    if not skus:
        return None
    cutoff = default_cutoff()
    while Campaign.objects.filter(code=_code(cutoff)).exists():
        cutoff += timedelta(days=1)
    local = timezone.localtime(cutoff)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            code=_code(cutoff), name=f"{local.month}月{local.day}日 社区团购", channel=groupbuy_channel(),
            starts_at=now - timedelta(minutes=1), cutoff_at=cutoff, commission_rate=COMMISSION,
        )
        for position, ((_prefix, price, per_household, in_all, pack), sku) in enumerate(zip(OFFER, skus, strict=True)):
            CampaignItem.objects.create(campaign=campaign, sku=sku, price=Decimal(price), household_limit=per_household,
                                        total_limit=in_all, pack_size=pack, position=position)
    return campaign


def _code(cutoff) -> str:
    return f"GB{timezone.localtime(cutoff):%Y%m%d}"


def _offer_skus() -> list[Sku]:
    skus = []
    for prefix, *_rest in OFFER:
        sku = Sku.objects.filter(name__startswith=prefix, active=True).order_by("code").first()
        if sku is None:
            return []
        skus.append(sku)
    return skus


def payment_photo(rng: random.Random) -> bytes:
    """A plausible payment screenshot: a green header, an amount, a white body."""
    image = Image.new("RGB", (540, 960), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 540, 300), fill=(7, 193, 96))
    draw.text((40, 120), f"- {rng.randint(10, 200)}.{rng.randint(0, 99):02d}", fill=(255, 255, 255))
    draw.rectangle((40, 360, 500, 420), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class GroupbuyDemo:
    """One ``round``: a few households order through their leaders; pretend leaders confirm the
    goods that arrived and hand some over."""

    def __init__(self, *, rng: random.Random, write=print, per_round: int = 2):
        self.rng, self.write, self.per_round = rng, write, per_round
        self.stations = ensure_stations()
        self.pretend = _pretend_leaders(self.stations)
        groupbuy_channel()

    def leaders(self) -> list[GroupLeader]:
        person = GroupLeader.objects.filter(user__username=LEADER_USERNAME, active=True).first()
        return self.pretend + ([person] if person else [])

    def round(self) -> None:
        campaign = current_campaign()
        if campaign is not None and campaign.accepts_orders():
            for _ in range(self.rng.randint(1, self.per_round)):
                self._order(campaign)
        for leader in self.pretend:
            received = leader_receive_goods(leader=leader)
            if received:
                self.write(f"{leader.station.name}: 到货 {len(received)} 单")
            waiting = list(leader.orders.filter(order__status=OrderStatus.DELIVERED).values_list("order_id", flat=True))
            for order_id in self.rng.sample(waiting, k=min(len(waiting), 2)):
                leader_pickup(leader=leader, order_id=order_id)

    def _order(self, campaign: Campaign) -> None:
        leader = self.rng.choice(self.leaders())
        items = list(campaign.items.all())
        chosen = self.rng.sample(items, k=self.rng.randint(1, min(3, len(items))))
        quantities = {item.pk: self.rng.randint(1, item.household_limit or 3) for item in chosen}
        household = Household(name=person_name(self.rng), phone=mobile(self.rng), quantities=quantities)
        try:
            result = leader_order_submit(leader=leader, campaign=campaign, household=household,
                                         photo=payment_photo(self.rng), token=uuid.uuid4().hex)
        except LeaderRefused as refused:
            self.write(f"{leader.name}: {refused.message}")
            return
        self.write(f"{leader.name}: {result.link.order.number} {household.name}")
