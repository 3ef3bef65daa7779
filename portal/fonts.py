"""The Khmer web font: Noto Sans Khmer from its Python package, made light for the browser.

The package ships one variable TrueType file (360 KB, every width and weight). Pages need the
normal width at regular to bold weights, so the web font is that instance as WOFF2 (about
55 KB), made once with fontTools and kept in the instance folder. PDFs embed the TrueType file.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import fontpkg_noto_sans_khmer

KHMER_TTF = next(fontpkg_noto_sans_khmer.ROOT.joinpath("files").glob("NotoSansKhmer*.ttf"))
_lock = threading.Lock()


def _make_woff2(source: Path) -> bytes:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = instancer.instantiateVariableFont(TTFont(str(source)), {"wdth": 100, "wght": (400, 700)})
    font.flavor = "woff2"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def khmer_woff2(cache_dir: str | os.PathLike) -> Path:
    """The path of the Khmer web font, made on first use (safe with several threads/processes)."""
    # The name carries the source's size, so a new font package makes a new file.
    target = Path(cache_dir) / f"noto-sans-khmer-{KHMER_TTF.stat().st_size}.woff2"
    if target.is_file():
        return target
    with _lock:
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(_make_woff2(KHMER_TTF))
            partial.replace(target)  # atomic: another process sees all of it or nothing
    return target
