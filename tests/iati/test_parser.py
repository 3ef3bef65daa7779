"""Reading IATI files: safe against entity tricks, strict about malformed files."""

import pytest

from portal.iati.parser import FileRefused, parse_file

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03"><iati-activity>
<iati-identifier>&lol9;</iati-identifier></iati-activity></iati-activities>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity>
<iati-identifier>&secret;</iati-identifier></iati-activity></iati-activities>"""

NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/iati.dtd">
<iati-activities version="2.03"><iati-activity>
<iati-identifier>XM-1-A</iati-identifier></iati-activity></iati-activities>"""

MALFORMED = b"""<?xml version="1.0"?>
<iati-activities version="2.03">
<iati-activity>
<iati-identifier>XM-1-A</iati-identifier>
<title><narrative>Unclosed</title>
</iati-activity>
</iati-activities>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, NETWORK_DTD])
def test_entity_tricks_are_refused_without_expansion(app, data):
    with app.test_request_context(), pytest.raises(FileRefused) as refused:
        parse_file("evil.xml", data)
    message = refused.value.message
    assert "evil.xml" in message
    assert "root:" not in message and "lollol" not in message


def test_a_malformed_file_is_refused_with_line_and_reason(app):
    with app.test_request_context(), pytest.raises(FileRefused) as refused:
        parse_file("broken.xml", MALFORMED)
    assert refused.value.line == 5
    assert "line 5" in refused.value.message
    assert "mismatch" in refused.value.message


def test_size_limit_and_wrong_kind_of_file(app):
    with app.test_request_context():
        with pytest.raises(FileRefused, match="larger than"):
            parse_file("big.xml", b"<iati-activities/>" + b" " * 2048, max_bytes=1024)
        with pytest.raises(FileRefused, match="not an IATI activity file"):
            parse_file("org.xml", b'<iati-organisations version="2.03"/>')
        with pytest.raises(FileRefused, match="no <iati-activity>"):
            parse_file("empty.xml", b'<iati-activities version="2.03"/>')
        with pytest.raises(FileRefused, match="empty"):
            parse_file("nothing.xml", b"  ")


def test_the_real_file_reads_as_96_activities(app, real_file):
    parsed = parse_file("kh-activities-2021.xml", real_file)
    assert len(parsed.activities) == 96
    first = parsed.activities[0]
    assert first["identifier"] == "41AAA-22539-001"
    assert first["reporting_org"]["ref"] == "41AAA"
    assert first["default_currency"] == "USD"
    assert {a["version"] for a in parsed.activities} == {"2.02", "2.03"}
    without_type = [t for a in parsed.activities for t in a["transactions"] if not t["type"]]
    assert len(without_type) == 2
