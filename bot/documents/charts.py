"""Pictures for a phone screen: the plan at a glance, the ten-keys check, the ranking of candidates.

Drawn with Pillow (already needed by the PDF writer) and the bundled DejaVu fonts, 1080 pixels
wide so they stay readable on a phone. The colours are fixed so that tests and people can
tell done from open at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.plan.health import KeyResult

FONTS = Path(__file__).parent / "fonts"  # the DejaVu fonts the PDFs embed too

WIDTH = 1080
MARGIN = 40
DONE, BUSY, OPEN = (46, 139, 87), (230, 162, 36), (200, 200, 200)
INK, MUTED, PAPER = (30, 30, 30), (110, 110, 110), (255, 255, 255)
WEAK, STRONG = (204, 85, 68), (46, 139, 87)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Shorten a label with an ellipsis so it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True)
class StepState:
    label: str
    state: str  # done | busy | open
    note: str  # who is assigned, who answered, how far


@dataclass(frozen=True)
class StageRow:
    label: str
    steps: list[StepState]


def plan_at_a_glance(title: str, stages: list[StageRow], legend: tuple[str, str, str]) -> bytes:
    """The three stages on a timeline, each step a coloured bar: done, in progress, open."""
    row, head = 92, 64
    height = MARGIN * 2 + 60 + sum(head + row * len(s.steps) for s in stages) + 50
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), _fit(draw, title, _font(38, True), WIDTH - 2 * MARGIN), fill=INK, font=_font(38, True))
    y = MARGIN + 70
    colours = {"done": DONE, "busy": BUSY, "open": OPEN}
    for stage in stages:
        draw.text(
            (MARGIN, y + 14),
            _fit(draw, stage.label, _font(28, True), WIDTH - 2 * MARGIN),
            fill=INK,
            font=_font(28, True),
        )
        y += head
        for step in stage.steps:
            draw.rounded_rectangle((MARGIN, y, WIDTH - MARGIN, y + row - 14), radius=14, fill=colours[step.state])
            ink = PAPER if step.state == "done" else INK
            draw.text(
                (MARGIN + 22, y + 8),
                _fit(draw, step.label, _font(28, True), WIDTH - 2 * MARGIN - 44),
                fill=ink,
                font=_font(28, True),
            )
            draw.text(
                (MARGIN + 22, y + 44),
                _fit(draw, step.note, _font(22), WIDTH - 2 * MARGIN - 44),
                fill=ink,
                font=_font(22),
            )
            y += row
    x = MARGIN
    for colour, label in zip((DONE, BUSY, OPEN), legend, strict=True):
        draw.rectangle((x, y + 14, x + 26, y + 40), fill=colour)
        draw.text((x + 36, y + 12), label, fill=MUTED, font=_font(22))
        x += 60 + int(draw.textlength(label, font=_font(22)))
    return _png(image)


def bar_chart(title: str, bars: list[tuple[str, float, bool]], scale: float = 5.0) -> bytes:
    """Horizontal bars on a 1–`scale` axis; flagged bars (weak keys) in the warning colour."""
    row = 70
    height = MARGIN * 2 + 70 + row * len(bars)
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), _fit(draw, title, _font(34, True), WIDTH - 2 * MARGIN), fill=INK, font=_font(34, True))
    label_width, left = 470, MARGIN + 480
    length = WIDTH - MARGIN - left - 70
    y = MARGIN + 70
    for label, value, weak in bars:
        draw.text((MARGIN, y + 14), _fit(draw, label, _font(24), label_width), fill=INK, font=_font(24))
        draw.rectangle((left, y + 8, left + length, y + row - 16), fill=(240, 240, 240))
        filled = int(length * max(0.0, min(value, scale)) / scale)
        draw.rectangle((left, y + 8, left + filled, y + row - 16), fill=WEAK if weak else STRONG)
        draw.text((left + length + 12, y + 14), f"{value:g}", fill=INK, font=_font(24, True))
        y += row
    return _png(image)


def table_image(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    """A small table (the ranking) as a picture, columns sized by their content."""
    font, bold = _font(24), _font(24, True)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [
        max(probe.textlength(cell, font=bold) for cell in column) + 28 for column in zip(header, *rows, strict=False)
    ]
    available = WIDTH - 2 * MARGIN
    if sum(widths) > available:
        widths = [w * available / sum(widths) for w in widths]
    row = 52
    image = Image.new("RGB", (WIDTH, MARGIN * 2 + 70 + row * (len(rows) + 1)), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), _fit(draw, title, _font(34, True), available), fill=INK, font=_font(34, True))
    y = MARGIN + 70
    for number, cells in enumerate([header, *rows]):
        x = float(MARGIN)
        fill = (235, 235, 235) if number == 0 else PAPER
        draw.rectangle((MARGIN, y, WIDTH - MARGIN, y + row), fill=fill, outline=OPEN)
        for cell, width in zip(cells, widths, strict=False):
            draw.text(
                (x + 14, y + 12),
                _fit(draw, cell, bold if number == 0 else font, int(width) - 20),
                fill=INK,
                font=bold if number == 0 else font,
            )
            x += width
        y += row
    return _png(image)


def health_chart(title: str, results: list[KeyResult]) -> bytes:
    """The ten keys as bars on 1–5; the three weakest in the warning colour."""
    return bar_chart(title, [(f"{r.number}. {r.title}", float(r.score), r.weak) for r in results])
