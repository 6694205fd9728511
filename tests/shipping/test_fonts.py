"""Finding the CJK font to embed: the setting first, then the usual paths; never a silent fallback."""

import pytest

from warehouse.printing import fonts


@pytest.fixture(autouse=True)
def fresh_font():
    fonts.reset_for_tests()
    yield
    fonts.reset_for_tests()


def test_the_debian_font_is_found_on_this_machine(settings):
    settings.PDF_CJK_FONT = ""

    assert fonts.cjk_font() == fonts.FONT_NAME
    assert fonts.font_source().startswith("/usr/share/fonts/truetype/wqy/")


def test_a_font_named_by_the_setting_is_used(settings):
    settings.PDF_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#1"

    fonts.cjk_font()

    assert fonts.font_source() == "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#1"


def test_a_missing_or_unusable_font_in_the_setting_fails_loudly(settings, tmp_path):
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_bytes(b"this is not a font")
    for value in ("/nonexistent/font.ttc", str(not_a_font)):
        settings.PDF_CJK_FONT = value
        with pytest.raises(fonts.CJKFontMissing) as caught:
            fonts.cjk_font()
        assert "fonts-wqy-microhei" in caught.value.message
        assert caught.value.tried and caught.value.tried[0].startswith(value)


def test_without_the_setting_every_usual_path_is_tried(settings, monkeypatch):
    settings.PDF_CJK_FONT = ""
    monkeypatch.setattr(fonts, "CANDIDATES", (("/nonexistent/a.ttc", 0), ("/nonexistent/b.ttf", 0)))

    with pytest.raises(fonts.CJKFontMissing) as caught:
        fonts.cjk_font()

    assert caught.value.tried == ["/nonexistent/a.ttc: not found", "/nonexistent/b.ttf: not found"]
