"""Read a PDF back with poppler's tools: its text, page count and embedded fonts."""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            [tool, *args, file.name, *(["-"] if tool == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def text(pdf: bytes, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return _run("pdftotext", pdf, "-layout", *pages)


def reading_text(pdf: bytes) -> str:
    """The text in reading order (columns side by side come one after the other)."""
    return _run("pdftotext", pdf)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    return _run("pdftotext", pdf, "-layout").split("\f")[:-1]


@dataclass(frozen=True)
class Word:
    """A word as pdftotext -bbox places it: its page (from 1), box in points, and text."""

    page: int
    page_width: float
    page_height: float
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def words(pdf: bytes) -> list[Word]:
    """Every word of the PDF with its box, page by page, in reading order."""
    result = []
    for number, (width, height, body) in enumerate(
        _PAGE.findall(_run("pdftotext", pdf, "-bbox")), 1
    ):
        for x_min, y_min, x_max, y_max, text in _WORD.findall(body):
            result.append(
                Word(
                    number,
                    float(width),
                    float(height),
                    float(x_min),
                    float(y_min),
                    float(x_max),
                    float(y_max),
                    html.unescape(text),
                )
            )
    return result


def page_count(pdf: bytes) -> int:
    for line in _run("pdfinfo", pdf).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo gave no page count")


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font the PDF uses."""
    rows = _run("pdffonts", pdf).splitlines()[2:]
    result = []
    for row in rows:
        parts = row.split()
        # name type... emb sub uni object ID: 'emb' is the 5th column from the end.
        result.append((parts[0], parts[-5] == "yes"))
    return result


def to_png(pdf: bytes, page: int, folder: Path, resolution: int = 60) -> Path:
    """Render one page to PNG (for looking at it)."""
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(resolution),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(source),
            str(folder / f"page-{page}"),
        ],
        check=True,
    )
    return folder / f"page-{page}.png"
