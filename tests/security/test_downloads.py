"""Every file we produce for download escapes cells a spreadsheet would run as formulas."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from channels.imports import template
from core.downloads import csv_bytes, safe_cell, xlsx_bytes

FORMULAS = ['=HYPERLINK("http://evil.example/","点击退款")', "@SUM(A1:A9)", "+86 138", "-1+2", "\t=1+1", "\r=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_text_that_starts_a_formula_is_escaped(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["王小明", "-12.50", "+3", "19.90", "", "a=b", 12, None, "0571-88886666"])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_the_csv_and_xlsx_writers_escape_every_cell():
    rows = [["名字", "备注"], [FORMULAS[0], FORMULAS[1]]]

    read_csv = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, text=True))).worksheets[0]

    assert read_csv[1] == ["'" + FORMULAS[0], "'" + FORMULAS[1]]
    cells = [sheet.cell(row=2, column=c) for c in (1, 2)]
    assert [c.value for c in cells] == ["'" + FORMULAS[0], "'" + FORMULAS[1]]
    assert all(c.data_type == "s" for c in cells)  # text, not a formula


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_import_template_downloads_go_through_the_writers(ops_client, monkeypatch, kind):
    example = list(template.EXAMPLE)
    example[17] = FORMULAS[0]  # 买家留言
    monkeypatch.setattr(template, "EXAMPLE", tuple(example))

    response = ops_client.get(reverse(f"admin:channels_importjob_template_{kind}"))

    data = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "csv":
        note = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1][17]
    else:
        note = load_workbook(io.BytesIO(data)).worksheets[0].cell(row=2, column=18).value
    assert note == "'" + FORMULAS[0]
