"""Our carrier names → each platform's own logistics-company code for the shipment call.

Orders carry the carrier as the warehouse typed or scanned it ("顺丰速运", "SF", "中通快递"…).
Each platform wants its own code: Taobao ``company_code`` (SF, ZTO…), JD ``logiCoprId`` and
Pinduoduo ``logistics_id`` (numeric ids from their logistics-company lists), Douyin
``company_code`` (shunfeng, zhongtong…), AliExpress ``service_name``. A carrier missing from
this table is sent as given, and the platform's answer says whether it knows it.
"""

#: canonical key → names and codes it is known by (matched case-insensitively)
_ALIASES = {
    "SF": ("SF", "顺丰", "顺丰速运", "顺丰快递", "shunfeng"),
    "ZTO": ("ZTO", "中通", "中通快递", "中通速递", "zhongtong"),
    "YTO": ("YTO", "圆通", "圆通速递", "圆通快递", "yuantong"),
    "YUNDA": ("YUNDA", "YD", "韵达", "韵达快递", "韵达速递", "yunda"),
    "STO": ("STO", "申通", "申通快递", "shentong"),
    "EMS": ("EMS", "邮政EMS", "中国邮政", "邮政快递包裹", "ems"),
    "JD": ("JD", "JDL", "京东", "京东物流", "京东快递", "jd"),
    "JT": ("JT", "JTSD", "极兔", "极兔速递", "极兔快递", "jtexpress"),
}

#: platform → canonical key → that platform's code
_CODES = {
    "taobao": {"SF": "SF", "ZTO": "ZTO", "YTO": "YTO", "YUNDA": "YUNDA", "STO": "STO", "EMS": "EMS", "JD": "JD",
               "JT": "JTSD"},
    "jd": {"SF": "467", "ZTO": "1499", "YTO": "463", "YUNDA": "1327", "EMS": "465", "JD": "2087"},
    "pinduoduo": {"SF": "44", "ZTO": "115", "YTO": "85", "YUNDA": "121", "STO": "1", "EMS": "118", "JD": "120"},
    "douyin": {"SF": "shunfeng", "ZTO": "zhongtong", "YTO": "yuantong", "YUNDA": "yunda", "STO": "shentong",
               "EMS": "ems", "JD": "jd", "JT": "jtexpress"},
    "aliexpress": {"SF": "SF", "ZTO": "ZTO", "YTO": "YTO", "YUNDA": "YUNDA", "STO": "STO", "EMS": "EMS",
                   "JD": "JD", "JT": "JT"},
}

_BY_NAME = {alias.casefold(): key for key, aliases in _ALIASES.items() for alias in aliases}


def canonical(carrier: str) -> str:
    """The canonical key for a carrier name or code ("顺丰速运" → "SF"); unknown → as given."""
    name = (carrier or "").strip()
    return _BY_NAME.get(name.casefold(), name)


def platform_code(platform: str, carrier: str) -> str:
    """The code ``platform`` knows ``carrier`` by; a carrier it has no code for is sent as given."""
    key = canonical(carrier)
    return _CODES.get(platform, {}).get(key, (carrier or "").strip())
