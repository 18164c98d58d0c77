"""Blocks to a PDF with embedded Unicode fonts, page numbers and a footer.

fpdf2 is pure Python and embeds the DejaVu fonts that ship with this package, so ë, å, ö,
ç, ñ, ł, ő, € and curly quotes print the same on every machine, with nothing to install.
Emoji print from the monochrome Noto Emoji, a fallback font embedded only in drafts that
need it; a character no embedded font has prints as □ rather than vanishing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.documents.blocks import LINE_BREAK, Block, Span

# fontTools.subset logs about 150 INFO lines for every PDF; its warnings still come through
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
FACES = {"": "DejaVuSans", "B": "DejaVuSans-Bold", "I": "DejaVuSans-Oblique", "BI": "DejaVuSans-BoldOblique"}
EMOJI_FAMILY = "NotoEmoji"
EMOJI_FILE = "NotoEmoji-Regular"
MISSING = "□"  # printed for a character that no embedded font has
SIZES = {0: 10.5, 1: 20, 2: 15, 3: 12.5}
LINE = 5.6


@cache
def _characters(file: str) -> frozenset[int]:
    """The code points a font has a glyph for."""
    with TTFont(FONTS / f"{file}.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def _in_every_face() -> frozenset[int]:
    """What DejaVu prints in every style: text made of these needs no fallback font."""
    return frozenset.intersection(*(_characters(file) for file in FACES.values()))


@cache
def _in_some_font() -> frozenset[int]:
    return frozenset.union(_characters(EMOJI_FILE), *(_characters(file) for file in FACES.values()))


def _printable(text: str) -> str:
    """`text` with every character that no embedded font has replaced by a visible □.

    fpdf2 writes such a character as an empty, zero-width glyph that copies as nothing, so an
    answer's emoji or script the fonts lack would vanish from the PDF without a trace.
    """
    every = _in_every_face()
    if all(ord(ch) in every for ch in text):
        return text
    some = _in_some_font()
    return "".join(ch if ch == "\n" or ord(ch) in some else MISSING for ch in text)


def _needs_fallback(texts: Iterator[str]) -> bool:
    every = _in_every_face()
    return any(ord(ch) not in every and ch not in ("\n", LINE_BREAK) for text in texts for ch in text)


class _Draft(FPDF):
    def __init__(self, footer: str, fallback: bool = False, italic: bool = True) -> None:
        super().__init__(format="A4")
        self.footer_text = _printable(footer)
        for style, file in FACES.items():
            if italic or "I" not in style:  # fpdf2 parses a font for every document: only the styles it uses
                self.add_font(FAMILY, style, FONTS / f"{file}.ttf")
        if fallback:  # emoji, or a character one DejaVu style lacks: only then, as fpdf2 goes slower with it
            self.add_font(EMOJI_FAMILY, "", FONTS / f"{EMOJI_FILE}.ttf")
            self.set_fallback_fonts([FAMILY, EMOJI_FAMILY], exact_match=False)
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(110)
        self.cell(0, 8, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def _texts(blocks: list[Block], footer: str) -> Iterator[str]:
    yield footer
    for block in blocks:
        yield from (span.text for span in block.spans)
        yield from (span.text for row in block.rows for cell in row for span in cell)


def write_pdf(blocks: list[Block], title: str, footer: str, images: dict[str, bytes] | None = None) -> bytes:
    italic = any(span.italic for block in blocks for span in block.spans)
    pdf = _Draft(footer, fallback=_needs_fallback(_texts(blocks, footer)), italic=italic)
    pdf.set_title(title)
    pdf.add_page()
    for block in blocks:
        if block.kind == "image" and block.src in (images or {}):
            pdf.image(BytesIO((images or {})[block.src]), w=pdf.epw)
            pdf.ln(3)
        else:
            _add(pdf, block)
    return bytes(pdf.output())


def _add(pdf: _Draft, block: Block) -> None:
    if block.kind == "heading":
        if block.level > 1 and pdf.get_y() > pdf.h - pdf.b_margin - 30:
            pdf.add_page()  # a heading is not left alone at the foot of a page
        pdf.ln(3 if block.level > 1 else 0)
        _write(pdf, block.spans, SIZES.get(block.level, SIZES[3]), bold=True)
        pdf.ln(2)
    elif block.kind == "paragraph":
        _write(pdf, block.spans, SIZES[0])
        pdf.ln(1.5)
    elif block.kind in ("bullet", "number", "check"):
        marker = {"bullet": "•", "number": "–", "check": "☒" if block.checked else "☐"}[block.kind]
        indent = 6 * max(block.level, 1)
        pdf.set_x(pdf.l_margin + indent - 5)
        pdf.set_font(FAMILY, "", SIZES[0])
        pdf.cell(5, LINE, marker)
        left = pdf.l_margin
        pdf.set_left_margin(left + indent)
        _write(pdf, block.spans, SIZES[0])
        pdf.set_left_margin(left)
        pdf.ln(0.5)
    elif block.kind == "table":
        _table(pdf, block)
    elif block.kind == "image":  # a picture that was not made (yet): its description stands in
        _write(pdf, block.spans, SIZES[0])
    elif block.kind == "page":
        pdf.add_page()
    elif block.kind == "rule":
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)


def _write(pdf: _Draft, spans: list[Span], size: float, bold: bool = False) -> None:
    """Flowing text with bold and italic runs; answers' own line breaks are kept."""
    height = size * 0.53
    for number, span in enumerate(_merged(spans, bold)):
        style = ("B" if span.bold else "") + ("I" if span.italic else "")
        pdf.set_font(FAMILY, style, size)
        text = _printable(span.text.replace(LINE_BREAK, "\n"))
        first = re.match(r"\S+", text)
        if number and first and pdf.get_string_width(first.group(0)) > pdf.w - pdf.r_margin - pdf.get_x():
            pdf.ln(height)  # a run that starts with a word that no longer fits starts on the next line, whole
        pdf.write(height, text)
    pdf.ln(height)


def _merged(spans: list[Span], bold: bool) -> list[Span]:
    """Runs of the same style as one: fpdf2 breaks lines only inside one run, so each run is as long as can be."""
    out: list[Span] = []
    for span in spans:
        current = Span(span.text, bold or span.bold, span.italic)
        if out and (out[-1].bold, out[-1].italic) == (current.bold, current.italic):
            out[-1] = Span(out[-1].text + current.text, current.bold, current.italic)
        else:
            out.append(current)
    return out


def _table(pdf: _Draft, block: Block) -> None:
    """A table; one whose row would not fit on a page (a very long answer) is written as a list instead."""
    pdf.set_font(FAMILY, "", 9)
    columns = max(len(row) for row in block.rows)
    if not _fits(pdf, block, columns):
        _stacked(pdf, block)
        return
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    widths = _widths(pdf, block, columns)
    with pdf.table(text_align="LEFT", line_height=4.8, headings_style=heading, padding=1.2, col_widths=widths) as table:
        for cells in block.rows:
            row = table.row()
            for number in range(columns):
                row.cell(_cell_text(cells[number]) if number < len(cells) else "")
    pdf.ln(3)


def _widths(pdf: _Draft, block: Block, columns: int) -> tuple[float, ...]:
    """Column widths (mm) from the text they hold: every column at least as wide as its longest word (so no word
    is broken in two), and the rest of the page shared by how much text each column holds beyond that."""
    page = pdf.w - pdf.l_margin - pdf.r_margin
    natural, words = [], []
    for number in range(columns):
        texts = [_cell_text(row[number]) for row in block.rows if number < len(row)]
        natural.append(max((pdf.get_string_width(line) for t in texts for line in t.split("\n")), default=0) + 5)
        words.append(max((pdf.get_string_width(w) for t in texts for w in t.split()), default=0) + 5)
    if sum(natural) <= page:
        return tuple(width * page / sum(natural) for width in natural)
    base = [min(max(word, 12.0), 40.0) for word in words]
    spare = page - sum(base)
    if spare <= 0:
        return tuple(width * page / sum(base) for width in base)
    extra = [max(natural[n] - base[n], 0.0) for n in range(columns)]
    return tuple(base[n] + spare * extra[n] / (sum(extra) or 1) for n in range(columns))


def _cell_text(spans: list[Span]) -> str:
    return _printable("".join(s.text for s in spans).replace(LINE_BREAK, "\n"))


def _fits(pdf: _Draft, block: Block, columns: int) -> bool:
    widths = _widths(pdf, block, columns)
    page = pdf.w - pdf.l_margin - pdf.r_margin
    room = (pdf.h - pdf.t_margin - pdf.b_margin) * 0.9
    for cells in block.rows:
        for number, spans in enumerate(cells[:columns]):
            width = page * widths[number] / sum(widths) - 2.4
            text = _cell_text(spans)
            at_most = (len(text) * 2.0 / max(width, 1.0) + text.count("\n") + 1) * 4.8  # 2 mm a character is generous
            if at_most < room:
                continue  # surely fits: laying it out to measure it would double the table's cost
            lines: list[str] = pdf.multi_cell(width, 4.8, text, dry_run=True, output="LINES")  # type: ignore[assignment]
            if len(lines) * 4.8 > room:
                return False
    return True


def _stacked(pdf: _Draft, block: Block) -> None:
    header, *rows = block.rows
    for cells in rows:
        for name, spans in zip(header, cells, strict=False):
            _write(pdf, [Span(_cell_text(name) + ": ", bold=True), *spans], 9)
        pdf.ln(2)
