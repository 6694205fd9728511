"""Looking at a PDF as a person or a scanner would: rasterise it with poppler's ``pdftoppm``, find
words with ``pdftotext -bbox``, decode barcodes from the raster with ``zxing-cpp``."""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import zxingcpp
from PIL import Image

DPI = 300


def rasterise(pdf: bytes, *, dpi: int = DPI) -> list[Image.Image]:
    """Every page as a greyscale image."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{folder}/page"], check=True)
        pages = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [Image.open(page).convert("L") for page in pages]


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in points, from the top left


def words(pdf: bytes) -> list[Word]:
    """Every word poppler finds, with its page (from 0) and box."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        html = subprocess.run(["pdftotext", "-bbox", str(source), "-"], check=True, capture_output=True).stdout.decode()
    found = []
    for page, body in enumerate(html.split("<page ")[1:]):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
        ):
            found.append(Word(page, unescape(text), (float(x0), float(y0), float(x1), float(y1))))
    return found


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, check=True, capture_output=True).stdout.decode()


def ink(image: Image.Image, box_points: tuple[float, float, float, float], *, dpi: int = DPI) -> float:
    """Share of dark pixels inside a box given in points (as ``words`` gives it)."""
    scale = dpi / 72
    x0, y0, x1, y1 = (round(value * scale) for value in box_points)
    histogram = image.crop((x0, y0, x1, y1)).histogram()
    return sum(histogram[:128]) / max(1, sum(histogram))


def barcodes(image: Image.Image) -> dict[str, list[str]]:
    """Format name -> decoded texts, for every barcode zxing-cpp finds on the page."""
    found: dict[str, list[str]] = {}
    for result in zxingcpp.read_barcodes(image):
        found.setdefault(result.format.name, []).append(result.text)
    return found


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of the document, per ``pdffonts``."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        out = subprocess.run(["pdffonts", str(source)], check=True, capture_output=True).stdout.decode()
    rows = out.splitlines()[2:]
    return [(row.split()[0], row.split()[-5] == "yes") for row in rows if row.strip()]


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, check=True, capture_output=True).stdout.decode()
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", out).groups()
    return round(float(width) * 25.4 / 72, 1), round(float(height) * 25.4 / 72, 1)
