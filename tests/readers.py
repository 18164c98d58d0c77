"""Read drafts back with real readers: python-docx for Word, pypdf for PDF."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from pypdf import PdfReader


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word document, in order, one per line."""
    document = Document(BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def docx_styles(content: bytes) -> list[tuple[str, str]]:
    """(style name, text) of every paragraph."""
    return [(p.style.name, p.text) for p in Document(BytesIO(content)).paragraphs]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages)
