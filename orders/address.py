"""Address helpers."""

from functools import lru_cache

_PROVINCE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


@lru_cache(maxsize=1024)  # a pure function called for every stock row an allocation looks at
def normalize_province(name: str) -> str:
    """'浙江省' and '浙江' are the same province; so are '广西壮族自治区' and '广西'."""
    name = (name or "").strip()
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
