"""A rendered draft as a short list of blocks: the one shape both the DOCX and the PDF writer read.

Templates write Markdown (one template per document, whatever the format); markdown-it-py
parses it, and this module keeps only what drafts use: headings, paragraphs, bullet and
numbered lists (with checkboxes), tables and rules, with bold and italic spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

LINE_BREAK = "\ue000"  # a line break inside an answer; survives Markdown, tables included
PAGE_BREAK = "\ue001"  # a paragraph of only this starts a new page (the second language of a bilingual draft)
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue001\ufffe\uffff]")


def escape_markdown(text: str) -> str:
    """User text as literal Markdown: no markup, no control characters, line breaks kept."""
    text = _CONTROL.sub("", text)
    return _SPECIAL.sub(r"\\\1", text).replace("\r\n", "\n").replace("\n", LINE_BREAK)


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """kind: heading | paragraph | bullet | number | check | table | rule | image | page."""

    kind: str
    spans: list[Span] = field(default_factory=list)
    src: str = ""  # images: the name of a picture handed to the writers
    level: int = 0
    checked: bool = False
    rows: list[list[list[Span]]] = field(default_factory=list)  # tables: the header row first

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


def parse(markdown: str) -> list[Block]:
    """The blocks of a Markdown draft, in order."""
    tokens = _MARKDOWN.parse(markdown)
    blocks: list[Block] = []
    lists: list[str] = []
    row: list[list[Span]] | None = None
    table: Block | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            blocks.append(Block("heading", _spans(tokens[index + 1]), level=int(token.tag[1])))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("bullet" if kind == "bullet_list_open" else "number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open" and _is_image(token):
            image = (token.children or [])[0]
            blocks.append(Block("image", [Span(image.content)], src=str(image.attrs.get("src", ""))))
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open" and token.content == PAGE_BREAK:
            blocks.append(Block("page"))
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open":
            blocks.append(_paragraph(token, lists, depth=len(lists)))
        elif kind == "table_open":
            table = Block("table")
        elif kind == "tr_open":
            row = []
        elif kind == "inline" and row is not None:
            row.append(_spans(token))
        elif kind == "tr_close" and table is not None and row is not None:
            table.rows.append(row)
            row = None
        elif kind == "table_close" and table is not None:
            blocks.append(table)
            table = None
        elif kind == "hr":
            blocks.append(Block("rule"))
    return blocks


def _is_image(token: Token) -> bool:
    children = token.children or []
    return len(children) == 1 and children[0].type == "image"


def _paragraph(token: Token, lists: list[str], depth: int) -> Block:
    spans = _spans(token)
    if not lists:
        return Block("paragraph", spans)
    first = spans[0].text if spans else ""
    box = re.match(r"\[( |x|X)\]\s*", first)
    if lists[-1] == "bullet" and box:
        rest = Span(first[box.end() :], spans[0].bold, spans[0].italic)
        return Block("check", [rest, *spans[1:]], level=depth, checked=box.group(1).lower() == "x")
    return Block(lists[-1], spans, level=depth)


def _spans(token: Token) -> list[Span]:
    """Text spans of an inline token, with bold and italic; soft breaks become spaces."""
    spans: list[Span] = []
    bold = italic = False
    for child in token.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("text", "code_inline"):
            spans.append(Span(child.content, bold, italic))
        elif child.type == "softbreak":
            spans.append(Span(" ", bold, italic))
        elif child.type == "hardbreak":
            spans.append(Span(LINE_BREAK, bold, italic))
    return spans
