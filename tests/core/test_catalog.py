"""The Khmer catalog is kept current: every interface string in the code has a translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KHMER = ROOT / "portal" / "translations" / "km" / "LC_MESSAGES" / "messages.po"


def test_every_interface_string_is_translated_to_khmer(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "prose",
            "-o",
            str(template),
            "portal",
            "templates",
            "templates/_macros",  # Babel skips folders named with a leading underscore
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    assert len(wanted) > 300, "the extraction found too few strings: check babel.cfg"
    with KHMER.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"{len(missing)} strings lack a Khmer translation: {missing[:10]}"
