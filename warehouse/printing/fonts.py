"""The CJK font embedded in every PDF we make.

The PDF carries a subset of a TrueType font, so Chinese renders wherever the file is opened, even
on a machine with no Chinese font. reportlab embeds TrueType outlines only: CFF fonts such as
Noto Sans CJK are refused, and the built-in ``STSong-Light`` embeds nothing (viewers without an
Adobe-GB1 font show blanks). The font comes from the ``PDF_CJK_FONT`` setting (a path, or
``path#index`` for a collection), else from the usual places on Debian/Ubuntu, Windows and macOS.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

logger = logging.getLogger(__name__)

FONT_NAME = "OmsCJK"

#: (path, index in a .ttc collection), tried in order
CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # Debian/Ubuntu fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora
    ("C:/Windows/Fonts/msyh.ttc", 0),  # Microsoft YaHei
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)

PACKAGE_HINT = "fonts-wqy-microhei"


class CJKFontMissing(Exception):
    """No TrueType CJK font could be loaded; ``message`` names the package to install."""

    def __init__(self, tried: list[str]):
        self.tried = tried
        self.message = _(
            "找不到可嵌入 PDF 的中文 TrueType 字体，无法生成面单/执行单。请安装 %(package)s"
            "（Debian/Ubuntu：apt-get install %(package)s），或用设置 PDF_CJK_FONT 指定一个 .ttf/.ttc 字体文件。"
            "也可以改用浏览器打印的网页版面单。"
        ) % {"package": PACKAGE_HINT}
        super().__init__(self.message)


_loaded: str | None = None


def _configured() -> list[tuple[str, int]]:
    value = (getattr(settings, "PDF_CJK_FONT", "") or "").strip()
    if not value:
        return list(CANDIDATES)
    path, _sep, index = value.partition("#")
    return [(path, int(index) if index.isdigit() else 0)]


def cjk_font() -> str:
    """Register the first loadable font under ``FONT_NAME`` (once per process) and return the name.

    A font named by the setting is the only one tried: a typo there should fail loudly, not fall
    back silently to something else."""
    global _loaded
    if _loaded is not None:
        return FONT_NAME
    tried = []
    for path, index in _configured():
        if not Path(path).is_file():
            tried.append(f"{path}: not found")
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
        except (TTFError, OSError, ValueError) as exc:
            tried.append(f"{path}: {exc}")
            continue
        _loaded = f"{path}#{index}"
        logger.info("PDF CJK font: %s", _loaded)
        return FONT_NAME
    raise CJKFontMissing(tried)


def font_source() -> str | None:
    """Which font file the PDFs use ("path#index"), once one is loaded."""
    return _loaded


def reset_for_tests() -> None:
    """Forget the loaded font, so a test can change ``PDF_CJK_FONT``."""
    global _loaded
    _loaded = None
    pdfmetrics._fonts.pop(FONT_NAME, None)
