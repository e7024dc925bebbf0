"""`--chart FILE.svg|FILE.png`: valid images that carry the title, axes and series named."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from reporthistory import SINCE, UNTIL, WEEK1, WEEK2

from bot.cli.main import main
from bot.reports.chart import SERIES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chart(scripted: Any, path: Path, *extra: str) -> int:
    return main(
        [
            "report",
            "--database-url",
            scripted.url,
            "--guidelines-dir",
            str(scripted.guidelines_dir),
            "--brand",
            "acme",
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--chart",
            str(path),
            *extra,
        ]
    )


def test_svg_chart(scripted: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.svg"
    assert chart(scripted, path, "--by", "submitter") == 0
    root = ET.fromstring(path.read_bytes())  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for series in SERIES:
        assert series in text
    assert f"acme: {SINCE} to {UNTIL}" in text
    for axis in ("first-pass approval rate (%)", "turnaround (minutes)", "precision"):
        assert axis in text
    for label in (WEEK1, WEEK2, "cheap", "no-guarantees", "ignores-customer"):
        assert label in text
    assert "Report for acme" in capsys.readouterr().out  # the table is still printed


def test_png_chart(scripted: Any, tmp_path: Path) -> None:
    from PIL import Image, PngImagePlugin

    path = tmp_path / "report.PNG"
    assert chart(scripted, path, "--format", "json") == 0
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        assert image.size == (900, 1100)
        assert image.text["Title"] == f"acme: {SINCE} to {UNTIL} (until excluded)"
        assert all(s in image.text["Description"] for s in SERIES)
