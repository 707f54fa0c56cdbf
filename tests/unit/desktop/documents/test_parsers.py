"""Parsers on real small files generated here, and on malformed ones that must each say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.documents.errors import (
    DamagedDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncodingError,
    EncryptedDocumentError,
    UnsupportedFormatError,
)
from desktop.documents.parsers import parse
from tests.fixtures.documents import write_docx, write_malformed, write_pdf


def test_pdf_has_a_section_per_page_with_outline_headings(tmp_path: Path) -> None:
    pages = ["Welcome to the annual report.", "Revenue grew by twelve percent.", "Costs stayed flat this year."]
    path = write_pdf(tmp_path / "report.pdf", pages, outline=[("Introduction", 0), ("Results", 1)], title="Report")
    document = parse(path)
    assert document.format == "pdf" and document.title == "Report"
    assert [s.page for s in document.sections] == [1, 2, 3]
    assert "twelve percent" in document.sections[1].text
    # Page 3 has no bookmark of its own: it belongs to the section that started before it.
    assert [s.heading for s in document.sections] == ["Introduction", "Results", "Results"]


def test_docx_sections_follow_heading_styles_and_keep_tables(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "guide.docx",
        [
            ("Heading 1", "Guide"),
            ("Normal", "What this guide covers."),
            ("Heading 2", "Installing"),
            ("Normal", "Run the installer and follow the steps."),
            ("table", "Platform|Command;Linux|make run"),
            ("Heading 2", "Removing"),
            ("Normal", "Delete the folder."),
        ],
    )
    document = parse(path)
    assert document.format == "docx" and document.title == "Guide"
    by_heading = {s.heading: s.text for s in document.sections}
    assert by_heading["Guide"] == "What this guide covers."
    assert "Run the installer" in by_heading["Guide › Installing"]
    assert "Linux | make run" in by_heading["Guide › Installing"]
    assert by_heading["Guide › Removing"] == "Delete the folder."


def test_html_visible_text_by_heading_without_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Garden notes</title><style>p {color: red}</style></head><body>"
        "<script>var secret = 1;</script><h1>Tomatoes</h1><p>Water them <b>daily</b>.</p>"
        "<h2>Pests</h2><ul><li>Aphids</li><li>Whitefly</li></ul><h1>Beans</h1><p>Sow in May &amp; June.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    document = parse(path)
    assert document.title == "Garden notes"
    texts = {s.heading: s.text for s in document.sections}
    assert texts == {
        "Tomatoes": "Water them daily.",
        "Tomatoes › Pests": "Aphids\nWhitefly",
        "Beans": "Sow in May & June.",
    }
    assert all("secret" not in s.text and "color" not in s.text for s in document.sections)


def test_markdown_headings_setext_and_fences(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "# Project\n\nIntro.\n\n## Build\n\n```sh\n# not a heading\nmake\n```\n\nSetext title\n------------\n\n"
        "Body under setext.\n\n- item\n---\n",
        encoding="utf-8",
    )
    document = parse(path)
    assert document.title == "Project"
    headings = [(s.heading, s.line) for s in document.sections]
    assert headings == [("Project", 3), ("Project › Build", 7), ("Project › Setext title", 15)]
    assert "# not a heading" in document.sections[1].text


def test_code_is_cut_at_top_level_definitions_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tool.py"
    path.write_text("import os\n\n\ndef load(path):\n    return open(path)\n\n\nclass Cache:\n    size = 1\n")
    sections = parse(path).sections
    assert [(s.heading, s.line) for s in sections] == [(None, 1), ("def load(path)", 4), ("class Cache", 8)]


def test_text_paragraphs_carry_their_first_line(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("first paragraph\nstill first\n\n\nsecond one\n", encoding="utf-8")
    assert [(s.text, s.line) for s in parse(path).sections] == [("first paragraph\nstill first", 1), ("second one", 5)]


def test_utf16_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffNotes from Windows: caf\u00e9".encode("utf-16-le"))
    assert parse(path).sections[0].text == "Notes from Windows: caf\u00e9"


@pytest.mark.parametrize(
    ("kind", "error", "reason"),
    [
        ("truncated_pdf", DamagedDocumentError, "the PDF is damaged or incomplete"),
        ("zip_not_docx", DamagedDocumentError, "it is not a valid Word document (.docx)"),
        ("binary_junk", UnsupportedFormatError, "it is not a text file nor a document format Hearth reads"),
        ("empty", EmptyDocumentError, "the file is empty"),
        ("non_utf8", EncodingError, "it is not UTF-8 text (byte 0xE9 at position 3); save it as UTF-8 to index it"),
    ],
)
def test_malformed_files_fail_with_a_plain_reason(tmp_path: Path, kind: str, error: type, reason: str) -> None:
    path = write_malformed(tmp_path)[kind]
    with pytest.raises(error) as raised:
        parse(path)
    assert raised.value.reason == reason
    assert str(raised.value) == f"Cannot read {path.name}: {reason}."


def test_encrypted_pdf_says_it_is_password_protected(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", ["secret plans"])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hunter2", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(EncryptedDocumentError, match="password-protected"):
        parse(locked)


def test_a_pdf_without_text_is_reported_as_scanned(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(EmptyDocumentError, match="no text layer"):
        parse(path)


def test_legacy_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "letter.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old word")
    with pytest.raises(UnsupportedFormatError, match=r"save it as \.docx"):
        parse(old)
    monkeypatch.setattr("desktop.documents.parsers.MAX_FILE_BYTES", 10)
    big = tmp_path / "big.txt"
    big.write_text("more than ten bytes of text")
    with pytest.raises(DocumentTooLargeError):
        parse(big)


def test_a_pdf_without_its_extension_is_recognised(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "download", ["Found by its first bytes."])
    assert parse(path).format == "pdf"
