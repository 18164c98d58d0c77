"""Blocks to an editable Word document with real styles, optionally on the municipality's letterhead.

Headings use Word's Heading 1–3 and the first heading the Title style, lists use List Bullet
and List Number, tables Table Grid, checklists a ☐ box, so a town hall can restyle the
draft in Word or LibreOffice like any of its own documents.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
import zlib
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_BREAK
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from bot.documents.blocks import LINE_BREAK, Block, Span

LETTERHEAD_LIMIT = 5 * 1024 * 1024  # the file as sent
LETTERHEAD_UNPACKED_LIMIT = 20 * 1024 * 1024  # all its parts unpacked: a letterhead with a logo needs far less
LETTERHEAD_PARTS_LIMIT = 500  # a letterhead has a few dozen parts
_CHUNK = 64 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)

log = logging.getLogger(__name__)


class LetterheadError(ValueError):
    """The file is not a Word document we can build drafts on."""


def check_letterhead(content: bytes) -> None:
    """Refuse anything that is not a readable .docx (a renamed PDF, a .doc, a damaged file, a huge file).

    The package is unpacked once with a budget before python-docx sees it, because python-docx
    reads every part whole into memory: a zip bomb (a few hundred kB that unpack to gigabytes) or
    ten thousand parts must be refused quickly and in little memory.
    """
    _open_letterhead(content)


def _open_letterhead(content: bytes) -> DocxDocument:
    """The letterhead as a python-docx document, after the checks of `check_letterhead`."""
    if len(content) > LETTERHEAD_LIMIT:
        raise LetterheadError("too large")
    if not zipfile.is_zipfile(BytesIO(content)):
        raise LetterheadError("not a zip package")
    _check_unpacked_size(content)
    try:
        return Document(BytesIO(content))
    except (PackageNotFoundError, KeyError, *_ZIP_ERRORS) as error:
        raise LetterheadError(str(error)) from None


def _check_unpacked_size(content: bytes) -> None:
    """Bound the number of parts and what they unpack to, reading every part with a limit.

    The sizes a zip declares are not trusted: each part is decompressed in chunks and counted,
    and reading stops as soon as the budget is spent.
    """
    try:
        with zipfile.ZipFile(BytesIO(content)) as package:
            parts = package.infolist()
            if len(parts) > LETTERHEAD_PARTS_LIMIT:
                raise LetterheadError(f"{len(parts)} parts")
            if sum(part.file_size for part in parts) > LETTERHEAD_UNPACKED_LIMIT:
                raise LetterheadError("too large unpacked (declared)")
            budget = LETTERHEAD_UNPACKED_LIMIT
            for part in parts:
                budget -= _unpacked_size(package, part, budget)
    except LetterheadError:
        raise
    except _ZIP_ERRORS as error:
        raise LetterheadError(str(error)) from None


def _unpacked_size(package: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int) -> int:
    """The size of one part, decompressed; refused as soon as it passes `budget` or its own declared size."""
    size = 0
    with package.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > budget or size > part.file_size:
                raise LetterheadError("too large unpacked")
    return size


def write_docx(
    blocks: list[Block], title: str, letterhead: bytes | None = None, images: dict[str, bytes] | None = None
) -> bytes:
    document = _base(letterhead)
    document.core_properties.title = title
    for number, block in enumerate(blocks):
        if block.kind == "image" and block.src in (images or {}):
            document.add_picture(BytesIO((images or {})[block.src]), width=Cm(16))
        else:  # the first heading, and the first after a page break (a bilingual draft's second text), is a title
            _add(document, block, first=number == 0 or blocks[number - 1].kind == "page")
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _base(letterhead: bytes | None) -> DocxDocument:
    """The municipality's own document with its body emptied (header, footer and styles stay), or Word's default."""
    if letterhead is None:
        return Document()
    try:
        document = _open_letterhead(letterhead)  # stored before the checks were as strict as now, perhaps
    except LetterheadError as error:
        log.warning("The stored letterhead is refused (%s); the draft is made on a plain page", error)
        return Document()
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return document


def _add(document: DocxDocument, block: Block, first: bool) -> None:
    if block.kind == "heading":
        style = "Title" if first and block.level == 1 else f"Heading {min(block.level, 3)}"
        _fill(_paragraph(document, style), block.spans)
    elif block.kind == "paragraph":
        _fill(document.add_paragraph(), block.spans)
    elif block.kind == "bullet":
        _fill(_paragraph(document, "List Bullet" if block.level < 2 else "List Bullet 2"), block.spans)
    elif block.kind == "number":
        _fill(_paragraph(document, "List Number" if block.level < 2 else "List Number 2"), block.spans)
    elif block.kind == "check":
        paragraph = document.add_paragraph()
        paragraph.add_run("☒ " if block.checked else "☐ ").font.size = Pt(13)
        _fill(paragraph, block.spans)
    elif block.kind == "table":
        _table(document, block)
    elif block.kind == "rule":
        document.add_paragraph("—" * 20)
    elif block.kind == "page":
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    elif block.kind == "image":  # a picture that was not made (yet): its description stands in
        _fill(document.add_paragraph(), block.spans)


def _paragraph(document: DocxDocument, style: str) -> Paragraph:
    """A paragraph in a named style; a letterhead that lacks the style gets a plain paragraph."""
    try:
        return document.add_paragraph(style=style)
    except KeyError:
        return document.add_paragraph()


def _fill(paragraph: Paragraph, spans: list[Span]) -> None:
    for span in spans:
        for number, line in enumerate(span.text.split(LINE_BREAK)):
            run = paragraph.add_run()
            if number:
                run.add_break()
            run.add_text(line)
            run.bold, run.italic = span.bold or None, span.italic or None


def _table(document: DocxDocument, block: Block) -> None:
    columns = max(len(row) for row in block.rows)
    table = document.add_table(rows=0, cols=columns)
    with contextlib.suppress(KeyError):
        table.style = "Table Grid"
    for number, cells in enumerate(block.rows):
        row = table.add_row()
        for cell, spans in zip(row.cells, cells, strict=False):
            paragraph = cell.paragraphs[0]
            _fill(paragraph, [Span(s.text, s.bold or number == 0, s.italic) for s in spans])
    document.add_paragraph()
