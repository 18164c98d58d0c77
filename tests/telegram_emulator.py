"""A local stand-in for the Telegram Bot API, so end-to-end tests can run the real bot without a network.

The bot under test talks HTTP to this server exactly as it would to api.telegram.org: python-telegram-bot
POSTs form or multipart fields to ``<root>/bot<token>/<method>`` (string values raw, everything else
JSON-encoded) and reads ``{"ok": ..., "result"/"description": ...}`` back, with the HTTP status deciding
which exception it raises. Tests play the users (``send_text``, ``press``, ...) and inspect what the bot
did (``messages``, ``calls``, ``errors``).

Where a mistake in the bot would only show up against the real Telegram (over-long or empty texts, HTML
or MarkdownV2 that Telegram refuses, oversized callback data, editing a message without changing it,
blocked users, unknown chats), the emulator answers with Telegram's status code and description, so the
bot's error handling is exercised for real. Where Telegram's behaviour does not matter to a bot it is kept
simple (no rate limits, no privacy mode in groups, one fixed bot account).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import socket
import struct
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Parameters that python-telegram-bot sends as raw strings. Every other form value is JSON, so decoding must
# not turn a text such as "42" or "true" into a number or a boolean.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "description",
        "short_description",
        "name",
        "title",
        "language_code",
        "file_id",
        "action",
        "query",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "document",
        "photo",
        "thumbnail",
        "certificate",
    }
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Update types Telegram delivers when a bot does not ask for specific ones.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A Telegram error answer; raised inside method handlers and turned into the JSON error reply."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class EntityParseError(Exception):
    """Why a formatted text was refused; becomes "Bad Request: can't parse entities: <reason>"."""


def bad_request(description: str) -> ApiError:
    """Telegram prefixes every 400 description this way, and python-telegram-bot strips and re-capitalises it."""
    return ApiError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    """Telegram counts lengths and entity offsets in UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offsets(text: str) -> list[int]:
    """UTF-8 byte offset of every character (plus the end), because Telegram's parse errors report bytes."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + len(char.encode("utf-8", "surrogatepass")))
    return offsets


class _Out:
    """Collects parsed text and its entities, with offsets in UTF-16 units as Telegram reports them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0
        self.entities: list[JSONDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.u16 += utf16_len(text)

    def entity(self, type_: str, start: int, end: int | None = None, **extra: Any) -> None:
        """Record an entity from `start` to `end` (default: here); empty ones are dropped, as Telegram does."""
        stop = self.u16 if end is None else end
        if stop > start:
            self.entities.append({"type": type_, "offset": start, "length": stop - start, **extra})

    def result(self) -> tuple[str, list[JSONDict]]:
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


# --- HTML -------------------------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));")


@dataclass
class _OpenTag:
    name: str
    type: str
    start: int
    url: str | None = None
    language: str | None = None


def _is_tag_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


def _is_attribute_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-_")


def _html_entity(src: str, i: int, offsets: list[int]) -> tuple[str, int]:
    """Decode the entity at `src[i]` ("&").

    Stricter than the server on purpose: Telegram's documentation requires every "&" outside an entity to be
    written as "&amp;" and allows only the four named entities and numeric ones, so a bot relying on the
    server's leniency is one escaping bug away from a refused message.
    """
    match = _HTML_ENTITY_RE.match(src, i)
    if match is None:
        raise EntityParseError(f'Character "&" at byte offset {offsets[i]} must be escaped as "&amp;"')
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name not in _HTML_NAMED_ENTITIES:
            raise EntityParseError(f'Unsupported HTML entity "{match.group(0)}" at byte offset {offsets[i]}')
        return _HTML_NAMED_ENTITIES[name], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f'Invalid HTML entity "{match.group(0)}" at byte offset {offsets[i]}')
    return chr(code), match.end()


def _html_decode(src: str, start: int, end: int, offsets: list[int]) -> str:
    """Decode entities in an attribute value (href="...&amp;...")."""
    parts: list[str] = []
    i = start
    while i < end:
        if src[i] == "&":
            char, i = _html_entity(src, i, offsets)
            parts.append(char)
        else:
            parts.append(src[i])
            i += 1
    return "".join(parts)


def _skip_spaces(src: str, i: int) -> int:
    while i < len(src) and src[i].isspace():
        i += 1
    return i


def _html_start_tag(src: str, i: int, offsets: list[int], stack: list[_OpenTag], out: _Out) -> int:
    """Parse the start tag at `src[i]` ("<"), push it, and return the index after it."""
    n = len(src)
    j = i + 1
    while j < n and _is_tag_char(src[j]):
        j += 1
    name = src[i + 1 : j].lower()
    if name not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offsets[i]}')
    attributes: dict[str, str] = {}
    while True:
        j = _skip_spaces(src, j)
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offsets[i]}")
        if src[j] == ">":
            j += 1
            break
        k = j
        while k < n and _is_attribute_char(src[k]):
            k += 1
        if k == j:
            raise EntityParseError(f'Empty attribute name in the tag "{name}" at byte offset {offsets[j]}')
        attribute = src[j:k].lower()
        k = _skip_spaces(src, k)
        value = ""
        if k < n and src[k] == "=":
            k = _skip_spaces(src, k + 1)
            if k >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {offsets[i]}")
            if src[k] in "\"'":
                close = src.find(src[k], k + 1)
                if close == -1:
                    raise EntityParseError(f"Unclosed start tag at byte offset {offsets[i]}")
                value = _html_decode(src, k + 1, close, offsets)
                k = close + 1
            else:
                m = k
                while m < n and not src[m].isspace() and src[m] != ">":
                    m += 1
                value = _html_decode(src, k, m, offsets)
                k = m
        attributes[attribute] = value
        j = k
    type_ = _HTML_TAGS[name]
    tag = _OpenTag(name, type_, out.u16)
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offsets[i]}')
    if name == "a":
        tag.url = attributes.get("href")
    if name == "blockquote" and "expandable" in attributes:
        tag.type = "expandable_blockquote"
    if name == "code" and stack and stack[-1].name == "pre":
        language_class = attributes.get("class", "")
        if language_class.startswith("language-"):
            tag.language = language_class.removeprefix("language-")
    stack.append(tag)
    return j


def _html_end_tag(src: str, i: int, offsets: list[int], stack: list[_OpenTag], out: _Out) -> int:
    """Parse the end tag at `src[i]` ("</"), close the matching entity, and return the index after it."""
    n = len(src)
    k = i + 2
    while k < n and _is_tag_char(src[k]):
        k += 1
    name = src[i + 2 : k].lower()
    k = _skip_spaces(src, k)
    if k >= n or src[k] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {offsets[i]}")
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offsets[i]}")
    top = stack[-1]
    if name != top.name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offsets[i]}, expected "</{top.name}>", found "</{name}>"'
        )
    stack.pop()
    if top.type == "text_link":
        if top.url:
            out.entity("text_link", top.start, url=top.url)
    elif top.name == "code" and top.language is not None:
        stack[-1].language = top.language  # <pre><code class="language-x"> is one pre entity with a language
    elif top.type == "pre" and top.language:
        out.entity("pre", top.start, language=top.language)
    else:
        out.entity(top.type, top.start)
    return k + 1


def parse_html(src: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML subset into (plain text, entities), refusing what Telegram refuses."""
    out = _Out()
    offsets = _byte_offsets(src)
    stack: list[_OpenTag] = []
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "&":
            decoded, i = _html_entity(src, i, offsets)
            out.add(decoded)
        elif char == "<":
            if src.startswith("</", i):
                i = _html_end_tag(src, i, offsets, stack, out)
            else:
                i = _html_start_tag(src, i, offsets, stack, out)
        else:
            j = i + 1
            while j < n and src[j] not in "&<":
                j += 1
            out.add(src[i:j])
            i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


# --- MarkdownV2 and legacy Markdown -----------------------------------------------------------------------

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenMark:
    type: str
    start: int
    byte: int
    language: str | None = None


def _is_mdv2_end(top: str | None, src: str, i: int) -> bool:
    """Whether the character at `i` closes the innermost open entity (tdlib's rule, simplified)."""
    char, following = src[i], src[i + 1 : i + 2]
    return {
        "bold": char == "*",
        "italic": char == "_" and following != "_",
        "underline": src.startswith("__", i),
        "strikethrough": char == "~",
        "spoiler": src.startswith("||", i),
        "code": char == "`",
        "pre": src.startswith("```", i),
        "text_link": char == "]",
        "custom_emoji": char == "]",
    }.get(top or "", False)


def _mdv2_open(src: str, i: int, offsets: list[int], stack: list[_OpenMark], out: _Out) -> int:
    """Open the entity whose markup starts at `src[i]`; a reserved character that starts nothing is an error."""
    char, following = src[i], src[i + 1 : i + 2]
    begin = offsets[i]
    if char == "_" and following == "_":
        stack.append(_OpenMark("underline", out.u16, begin))
        return i + 2
    simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}
    if char in simple:
        stack.append(_OpenMark(simple[char], out.u16, begin))
        return i + 1
    if char == "|" and following == "|":
        stack.append(_OpenMark("spoiler", out.u16, begin))
        return i + 2
    if char == "!" and following == "[":
        stack.append(_OpenMark("custom_emoji", out.u16, begin))
        return i + 2
    if char == "`":
        if not src.startswith("```", i):
            stack.append(_OpenMark("code", out.u16, begin))
            return i + 1
        i += 3
        j = i
        while j < len(src) and src[j] != "`" and not src[j].isspace():
            j += 1
        language = None
        if j < len(src) and src[j] == "\n":
            language, i = src[i:j] or None, j + 1
        stack.append(_OpenMark("pre", out.u16, begin, language))
        return i
    raise EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _mdv2_close(src: str, i: int, offsets: list[int], stack: list[_OpenMark], out: _Out) -> int:
    """Close the innermost entity at `src[i]` and return the index after its closing markup (and URL)."""
    mark = stack.pop()
    if mark.type in ("text_link", "custom_emoji"):
        i += 1
        url = None
        if src.startswith("(", i):
            j, chars = i + 1, []
            while j < len(src) and src[j] != ")":
                if src[j] == "\\" and j + 1 < len(src) and 0 < ord(src[j + 1]) <= 126:
                    j += 1
                chars.append(src[j])
                j += 1
            if j >= len(src):
                raise EntityParseError(f"Can't find end of a URL at byte offset {offsets[i]}")
            url, i = "".join(chars), j + 1
        if mark.type == "custom_emoji":
            if url is None or not url.startswith("tg://emoji?id="):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            out.entity("custom_emoji", mark.start, custom_emoji_id=url.removeprefix("tg://emoji?id="))
        elif url:
            out.entity("text_link", mark.start, url=url)
        return i
    if mark.type == "pre":
        if mark.language:
            out.entity("pre", mark.start, language=mark.language)
        else:
            out.entity("pre", mark.start)
        return i + 3
    out.entity(mark.type, mark.start)
    return i + (2 if mark.type in ("underline", "spoiler") else 1)


def parse_markdown_v2(src: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 into (plain text, entities); unescaped reserved characters are errors, as in Telegram."""
    out = _Out()
    offsets = _byte_offsets(src)
    stack: list[_OpenMark] = []
    quote_start: int | None = None
    quote_type = "blockquote"
    quote_line_end = 0
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        top = stack[-1].type if stack else None
        in_code = top in ("code", "pre")
        if not in_code and (i == 0 or src[i - 1] == "\n"):
            quoted_line = char == ">" or src.startswith("**>", i)
            if quote_start is not None and not quoted_line:
                out.entity(quote_type, quote_start, quote_line_end)
                quote_start = None
            if quoted_line:
                if quote_start is None:
                    quote_start = out.u16
                    quote_type = "expandable_blockquote" if char == "*" else "blockquote"
                i += 3 if char == "*" else 1
                continue
        if char == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if char == "\n" and quote_start is not None:
            quote_line_end = out.u16
        if (
            quote_start is not None
            and not in_code
            and top != "spoiler"
            and src.startswith("||", i)
            and (i + 2 == n or src[i + 2] == "\n")
        ):
            quote_type = "expandable_blockquote"
            i += 2
            continue
        if char not in ("`" if in_code else _MDV2_RESERVED):
            out.add(char)
            i += 1
        elif _is_mdv2_end(top, src, i):
            i = _mdv2_close(src, i, offsets, stack, out)
        else:
            i = _mdv2_open(src, i, offsets, stack, out)
    if stack:
        mark = stack[-1]
        raise EntityParseError(f"Can't find end of {_MDV2_NAMES[mark.type]} entity at byte offset {mark.byte}")
    if quote_start is not None:
        out.entity(quote_type, quote_start)
    return out.result()


def parse_markdown(src: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url)); unclosed markup is an error."""
    out = _Out()
    offsets = _byte_offsets(src)
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        unclosed = EntityParseError(f"Can't find end of the entity starting at byte offset {offsets[i]}")
        start = out.u16
        if char == "[":
            close = src.find("]", i + 1)
            if close == -1:
                raise unclosed
            out.add(src[i + 1 : close])
            i = close + 1
            if src.startswith("(", i):
                end = src.find(")", i + 1)
                if end == -1:
                    raise unclosed
                out.entity("text_link", start, url=src[i + 1 : end])
                i = end + 1
        elif src.startswith("```", i):
            end = src.find("```", i + 3)
            if end == -1:
                raise unclosed
            body = src[i + 3 : end]
            first, newline, rest = body.partition("\n")
            language = first if newline and first and not any(c.isspace() for c in first) else None
            out.add(rest if language else body)
            if language:
                out.entity("pre", start, language=language)
            else:
                out.entity("pre", start)
            i = end + 3
        else:
            end = src.find(char, i + 1)
            if end == -1:
                raise unclosed
            out.add(src[i + 1 : end])
            out.entity({"*": "bold", "_": "italic", "`": "code"}[char], start)
            i = end + 1
    return out.result()


_PARSERS: dict[str, Callable[[str], tuple[str, list[JSONDict]]]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}


def _strip(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims leading and trailing whitespace from texts and captions; entities move along."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def format_text(raw: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSONDict]]:
    """Turn a text parameter into what the recipient sees: (trimmed plain text, entities)."""
    text = "" if raw is None else str(raw)
    if parse_mode:
        parser = _PARSERS.get(str(parse_mode).lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        try:
            text, found = parser(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    elif entities is not None:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        found = [dict(e) for e in entities]
    else:
        found = []
    return _strip(text, found)


def _tiny_png() -> bytes:
    """A valid 1x1 PNG, so a user's "photo" is a real image if the bot downloads and inspects it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


# --- data the tests look at -------------------------------------------------------------------------------


@dataclass
class Upload:
    """One file part of a multipart request; the bytes are left out of repr so `calls` stays readable."""

    filename: str
    content_type: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class StoredFile:
    """A file the emulator holds (an upload of the bot or a user's photo), reachable through getFile."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)
    file_name: str
    mime_type: str


@dataclass
class SentMessage:
    """A message the bot sent, kept live: edits change it in place and deletion sets `deleted`.

    `text` is what the recipient sees (markup removed, entities decoded, trimmed); for a document it is the
    caption. `raw_text` is what the bot sent, to debug formatting. `buttons` lists inline keyboard rows as
    (text, callback_data), with "" for buttons that carry no callback data (URL buttons and the like).
    `reply_markup` is the inline keyboard as Telegram echoes it; `keyboard` keeps any other markup the bot
    sent (reply keyboard, force_reply, remove_keyboard), which Telegram never echoes back.
    """

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    document: JSONDict | None = None
    edits: int = 0
    raw_text: str = ""
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    keyboard: JSONDict | None = None
    reply_to_message_id: int | None = None
    date: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def labels(self) -> list[str]:
        """All button texts in reading order, for quick assertions."""
        return [text for row in self.buttons for text, _ in row]


def _buttons_of(markup: JSONDict | None) -> list[list[tuple[str, str]]]:
    if not markup:
        return []
    return [[(b["text"], b.get("callback_data", "")) for b in row] for row in markup["inline_keyboard"]]


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Integer') from None


# --- the server -------------------------------------------------------------------------------------------

Handler = Callable[[JSONDict], Awaitable[Any]]


class BotAPIEmulator:
    """The fake Bot API: an aiohttp server on 127.0.0.1 plus the state of one bot, its chats and its users.

    Everything runs on the test's event loop, so tests can read the state directly without locks.
    """

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "twinning_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.bot_name = bot_username.removesuffix("_bot").replace("_", " ").title() or "Test"
        self.root = ""
        # what the bot did
        self.calls: list[tuple[str, JSONDict]] = []
        self.errors: list[tuple[str, str]] = []
        self.updates: list[JSONDict] = []  # every update ever queued, confirmed or not
        self.callback_answers: dict[str, JSONDict] = {}  # callback query id -> answerCallbackQuery params
        self.chat_actions: list[tuple[int, str]] = []
        self.bot_commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope JSON, language) -> commands
        self.descriptions: dict[str, str] = {}  # language ("" = default) -> description
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}  # chat id (None = default) -> menu button
        self.webhook_url = ""
        self.webhook_secret = ""
        # state
        self._pending: list[JSONDict] = []  # unconfirmed updates, oldest first
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._fetched_upto = 0
        self._allowed_updates: list[str] | None = None
        self._poll_sequence = 0
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._started: set[int] = set()  # users whose private chat with the bot exists
        self._groups: set[int] = set()  # groups the bot is a member of
        self._arrivals: dict[int, asyncio.Event] = {}  # per chat: set when the bot sends a message there
        self._blocked: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self._sent: dict[int, list[SentMessage]] = {}
        self._sent_by_id: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], JSONDict] = {}
        self._queries: dict[str, int] = {}  # callback query id -> update id
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._changed = asyncio.Event()
        self._last_activity = time.monotonic()
        self._inflight = 0
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._faults: dict[str, list[tuple[int, str, int | None]]] = {}
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "logout": self._ok,
            "close": self._ok,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "senddocument": self._send_document,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._set_my_description,
            "getmydescription": self._get_my_description,
            "setmyshortdescription": self._set_my_short_description,
            "getmyshortdescription": self._get_my_short_description,
            "setmyname": self._set_my_name,
            "getmyname": self._get_my_name,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
        }

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on 127.0.0.1 with a port the OS picks (parallel test runs never collide); return the root URL."""
        self._stopping = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        # handler_cancellation: a long poll whose client went away (a stopped bot) must not swallow updates.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.root = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.root

    async def stop(self) -> None:
        """Release pending long polls first, so shutdown does not wait for their timeouts."""
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- what users do ------------------------------------------------------------------------------------

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Test",
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user writes `text` in their private chat (chat_id None) or a group (negative chat_id)."""
        user = self._user(user_id, language_code, first_name)
        chat = self._chat_of_user(user, chat_id)
        message = self._user_message(user, chat)
        message["text"] = text
        command = _COMMAND_RE.match(text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}]
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._message_json_by_id(chat["id"], reply_to_message_id)
        return self._queue("message", message)

    async def edit_text(self, user_id: int, update_id: int, text: str) -> int:
        """The user edits a message they sent earlier (given by the update that carried it)."""
        original = next(u["message"] for u in self.updates if u["update_id"] == update_id and "message" in u)
        edited = dict(original, text=text, edit_date=int(time.time()))
        return self._queue("edited_message", edited)

    async def send_photo(
        self, user_id: int, *, chat_id: int | None = None, language_code: str = "en", caption: str | None = None
    ) -> int:
        """A user sends a photo (a real 1x1 PNG, in two sizes as Telegram offers them)."""
        user = self._user(user_id, language_code)
        chat = self._chat_of_user(user, chat_id)
        message = self._user_message(user, chat)
        content = _tiny_png()
        sizes = []
        for width in (90, 800):
            stored = self._store_file(content, "photo.png", "image/png", "photos")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": width,
                    "file_size": len(content),
                }
            )
        message["photo"] = sizes
        if caption is not None:
            message["caption"] = caption
        return self._queue("message", message)

    async def press(self, user_id: int, message: SentMessage, label: str, *, language_code: str = "en") -> int:
        """A user presses the first inline button whose text contains `label`, on the message as it is now."""
        current = self._sent_by_id.get((message.chat_id, message.message_id))
        if current is None or current.deleted:
            raise LookupError(f"message {message.message_id} in chat {message.chat_id} does not exist (any more)")
        for row in current.buttons:
            for text, data in row:
                if label in text:
                    if not data:
                        raise LookupError(f"button {text!r} has no callback data, pressing it sends no update")
                    return await self.press_data(
                        user_id, current.chat_id, current.message_id, data, language_code=language_code
                    )
        raise LookupError(f"no button containing {label!r} on message {current.message_id}: {current.labels}")

    async def press_data(
        self, user_id: int, chat_id: int, message_id: int, data: str, *, language_code: str = "en"
    ) -> int:
        """A callback query with arbitrary data, as a modified client could send; the message may not exist."""
        user = self._user(user_id, language_code)
        chat = self._chats[chat_id] if chat_id in self._chats else self._chat_of_user(user, chat_id)
        sent = self._sent_by_id.get((chat_id, message_id))
        if sent is not None and not sent.deleted:
            message = self._message_json(sent)
        else:
            message = {"chat": chat, "message_id": message_id, "date": 0}  # InaccessibleMessage
        query_id = f"{self.bot_id}{next(self._query_ids):010d}"
        update_id = self._queue(
            "callback_query",
            {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(abs(chat_id) * 7919 % 10**12),
                "data": data,
            },
        )
        self._queries[query_id] = update_id
        return update_id

    async def add_bot_to_group(self, user_id: int, group_id: int, title: str = "Committee") -> int:
        """A user adds the bot to a group: Telegram tells the bot with a my_chat_member update."""
        if group_id >= 0:
            raise ValueError("group ids are negative")
        user = self._user(user_id, "en")
        chat = {"id": group_id, "type": "group", "title": title}
        self._chats[group_id] = chat
        self._groups.add(group_id)
        bot = self._bot_user()
        return self._queue(
            "my_chat_member",
            {
                "chat": chat,
                "from": user,
                "date": int(time.time()),
                "old_chat_member": {"user": bot, "status": "left"},
                "new_chat_member": {"user": bot, "status": "member"},
            },
        )

    def fail_next(
        self, method: str, status: int, description: str, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the next `times` calls of `method` fail: 429 (with retry_after), 5xx, or 0 for no answer at all."""
        self._faults.setdefault(method.lower(), []).extend([(status, description, retry_after)] * times)

    def block(self, user_id: int) -> None:
        """The user blocks the bot; a later message from them in the private chat unblocks it, as in Telegram."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    # --- what the bot did ---------------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in that chat that still exist, oldest first, as they look now."""
        return [m for m in self._sent.get(chat_id, []) if not m.deleted]

    def last(self, chat_id: int) -> SentMessage:
        sent = self.messages(chat_id)
        if not sent:
            raise LookupError(f"the bot has no message in chat {chat_id}")
        return sent[-1]

    def callback_answer(self, update_id: int) -> JSONDict | None:
        """How the bot answered the callback query of that update (None if it has not)."""
        for query_id, queued in self._queries.items():
            if queued == update_id:
                return self.callback_answers.get(query_id)
        return None

    def my_commands(self, language_code: str = "", scope: JSONDict | None = None) -> list[JSONDict]:
        """The commands set for that scope (default: all chats) and language ("" = no language)."""
        return self.bot_commands.get((self._scope_key(scope), language_code), [])

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (a restarted bot gets them again)."""
        return len(self._pending)

    async def wait_for(
        self, chat_id: int, predicate: Callable[[SentMessage], bool] | None = None, timeout: float = 10
    ) -> SentMessage:
        """The first message the bot sends to the chat after this call that matches (checked again on edits)."""
        seen = len(self._sent.get(chat_id, []))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self._sent.get(chat_id, [])[seen:]:
                if not message.deleted and (predicate is None or predicate(message)):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"no new bot message in chat {chat_id} matched within {timeout}s; {self._describe(chat_id)}"
                )
            await self._wait_for_change(remaining)

    async def sent_count(self, chat_id: int, count: int) -> None:
        """Wait until the bot has sent at least `count` messages to the chat (woken per chat, no polling)."""
        while len(self._sent.get(chat_id, [])) < count:
            await self._arrivals.setdefault(chat_id, asyncio.Event()).wait()

    def _describe(self, chat_id: int, count: int = 5) -> str:
        """Recent texts of the chat and recent API errors: what a failing test needs to see first."""
        recent = [m.text[:200] for m in self.messages(chat_id)[-count:]]
        described = f"recent messages: {recent!r}"
        if self.errors:
            described += f"; recent errors: {self.errors[-3:]!r}"
        return described

    async def settle(self, quiet: float = 0.3, timeout: float = 15) -> None:
        """Wait until the bot fetched every queued update and then made no API call for `quiet` seconds.

        getUpdates itself does not count as activity (a polling bot calls it forever), but handing out
        updates does, so the bot gets `quiet` seconds to react to what it just received.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            unfetched = [u["update_id"] for u in self._pending if u["update_id"] > self._fetched_upto]
            idle_for = time.monotonic() - self._last_activity
            if not unfetched and self._inflight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"the bot did not settle within {timeout}s: updates not fetched {unfetched}, "
                    f"{self._inflight} calls in progress, last activity {idle_for:.2f}s ago"
                )
            await asyncio.sleep(0.02)

    async def download(self, file_id: str) -> bytes:
        """Fetch a file over HTTP the way the bot would, to prove the file URL really serves it."""
        stored = self._files.get(file_id)
        if stored is None:
            raise KeyError(f"unknown file_id {file_id!r}")
        url = f"{self.root}/file/bot{self.token}/{stored.file_path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            response.raise_for_status()
            return await response.read()

    # --- HTTP ---------------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        lowered = method.lower()
        polling = lowered == "getupdates"
        if not polling:
            self._inflight += 1
        try:
            params = await self._read_params(request)
            self.calls.append((method, params))
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            fault = self._faults.get(lowered)
            if fault:
                status, description, retry_after = fault.pop(0)
                if status == 0:  # the server does not answer at all
                    await asyncio.sleep(3600)
                raise ApiError(status, description, {"retry_after": retry_after} if retry_after else None)
            if polling:
                result = await self._get_updates(params, request)
            else:
                handler = self._handlers.get(lowered)
                if handler is None:
                    raise ApiError(404, "Not Found")
                result = await handler(params)
            return web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            self.errors.append((method, exc.description))
            body: JSONDict = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        except Exception as exc:  # a bug in the emulator: make it visible in `errors`, not just in a log
            self.errors.append((method, f"Internal Server Error: {exc!r}"))
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"}
            return web.json_response(body, status=500)
        finally:
            if not polling:
                self._inflight -= 1
                self._last_activity = time.monotonic()
                self._notify()

    async def _read_params(self, request: web.Request) -> JSONDict:
        """Decode query, form, multipart or JSON parameters into Python values, as Telegram accepts all four."""
        params: JSONDict = {k: self._decode(k, v) for k, v in request.query.items()}
        if request.method != "POST":
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json() if request.can_read_body else {}
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            params.update(body)
            return params
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                params[name] = Upload(value.filename or name, value.content_type or "", value.file.read())
            else:
                params[name] = self._decode(name, value)
        return params

    @staticmethod
    def _decode(name: str, value: str) -> Any:
        if name in STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # --- updates ------------------------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake everything waiting for a change (long polls, wait_for) by replacing a set event."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_change(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def _queue(self, kind: str, payload: JSONDict) -> int:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._pending.append(update)
        self.updates.append(update)
        self._notify()
        return update["update_id"]

    def _deliverable(self, limit: int) -> list[JSONDict]:
        """Pending updates of the types the bot asked for; others are dropped, as Telegram never stores them."""
        if self._allowed_updates:
            allowed = set(self._allowed_updates)

            def wanted(update: JSONDict) -> bool:
                return any(key in allowed for key in update if key != "update_id")
        else:

            def wanted(update: JSONDict) -> bool:
                return not any(key in DEFAULT_EXCLUDED_UPDATES for key in update)

        self._pending = [u for u in self._pending if wanted(u)]
        return self._pending[:limit]

    async def _get_updates(self, params: JSONDict, request: web.Request) -> list[JSONDict]:
        """Long polling: answer at once if updates wait, else when one arrives or `timeout` seconds pass.

        A newer getUpdates supersedes a waiting one, which then returns nothing (Telegram answers it with
        409 Conflict; here the old request normally belongs to a bot that was just stopped).
        """
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise bad_request('field "timeout" must be of type Integer') from None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed]
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._poll_sequence += 1
        sequence = self._poll_sequence
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._stopping or sequence != self._poll_sequence:
                return []
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                break
            await self._wait_for_change(remaining)
        if request.transport is None or request.transport.is_closing():
            return []
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return batch

    # --- users and chats ----------------------------------------------------------------------------------

    def _bot_user(self) -> JSONDict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def _user(self, user_id: int, language_code: str, first_name: str | None = None) -> JSONDict:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        known = self._users.get(user_id, {})
        user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name", "Test"),
            "language_code": language_code,
        }
        self._users[user_id] = user
        return user

    def _chat_of_user(self, user: JSONDict, chat_id: int | None) -> JSONDict:
        """The chat a user acts in; writing there proves the chat exists and that the bot may write back."""
        user_id = user["id"]
        if chat_id is None or chat_id == user_id:
            chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            self._started.add(user_id)
            self._blocked.discard(user_id)
        elif chat_id < 0:
            chat = self._chats.get(chat_id) or {"id": chat_id, "type": "group", "title": "Committee"}
            self._groups.add(chat_id)
        else:
            raise ValueError(f"user {user_id} cannot act in the private chat of {chat_id}")
        self._chats[chat["id"]] = chat
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the bot's and the users' messages as in Telegram."""
        number = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = number + 1
        return number

    def _user_message(self, user: JSONDict, chat: JSONDict) -> JSONDict:
        message = {"message_id": self._new_message_id(chat["id"]), "from": user, "chat": chat, "date": int(time.time())}
        self._user_messages[(chat["id"], message["message_id"])] = message
        return message

    def _target_chat(self, params: JSONDict) -> int:
        """The chat a bot call addresses, refused the way Telegram refuses it."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except ValueError:
            raise bad_request("chat not found") from None  # @usernames: only channels have them
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id > 0 and chat_id not in self._started:
            if chat_id in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if chat_id < 0 and chat_id not in self._groups:
            raise bad_request("chat not found")
        return chat_id

    def _chat_json(self, chat_id: int) -> JSONDict:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        return {"id": chat_id, "type": "group", "title": "Committee"}

    # --- messages -----------------------------------------------------------------------------------------

    def _message_json(self, message: SentMessage, with_reply: bool = True) -> JSONDict:
        """The bot's message as Telegram returns it (and as callback queries carry it)."""
        result: JSONDict = {
            "message_id": message.message_id,
            "from": self._bot_user(),
            "chat": self._chat_json(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id is not None:
            replied = self._message_json_by_id(message.chat_id, message.reply_to_message_id, with_reply=False)
            if replied is not None:
                result["reply_to_message"] = replied
        if message.document is not None:
            stored = self._files[message.document["file_id"]]
            result["document"] = {**message.document, "file_unique_id": stored.file_unique_id}
            if message.text:
                result["caption"] = message.text
            if message.entities:
                result["caption_entities"] = message.entities
        else:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        return result

    def _message_json_by_id(self, chat_id: int, message_id: int, with_reply: bool = True) -> JSONDict | None:
        sent = self._sent_by_id.get((chat_id, message_id))
        if sent is not None and not sent.deleted:
            return self._message_json(sent, with_reply)
        return self._user_messages.get((chat_id, message_id))

    @staticmethod
    def _reply_markup(raw: Any, *, inline_only: bool = False) -> JSONDict | None:
        """Validate reply_markup; return the inline keyboard (the only kind Telegram echoes back), else None."""
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in raw:
            if inline_only:
                raise bad_request("inline keyboard expected")
            if not any(key in raw for key in ("keyboard", "remove_keyboard", "force_reply")):
                raise bad_request("can't parse reply keyboard markup JSON object")
            return None
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                text = button.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
                        raise bad_request("BUTTON_URL_INVALID")
                elif not any(
                    key in button
                    for key in (
                        "switch_inline_query",
                        "switch_inline_query_current_chat",
                        "switch_inline_query_chosen_chat",
                        "login_url",
                        "web_app",
                        "callback_game",
                        "pay",
                        "copy_text",
                    )
                ):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows]}

    @staticmethod
    def _other_keyboard(raw: Any) -> JSONDict | None:
        """A validated non-inline reply_markup (call after `_reply_markup`), kept for tests to inspect."""
        if isinstance(raw, str) and raw:
            raw = json.loads(raw)
        if isinstance(raw, dict) and "inline_keyboard" not in raw:
            return raw
        return None

    @staticmethod
    def _text_param(params: JSONDict) -> tuple[str, list[JSONDict]]:
        text, entities = format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, entities

    @staticmethod
    def _caption_param(params: JSONDict) -> tuple[str, list[JSONDict]]:
        caption, entities = format_text(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return caption, entities

    def _reply_target(self, chat_id: int, params: JSONDict) -> int | None:
        """The replied-to message id; a missing one is an error unless the bot allowed sending without it."""
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, str):
            reply = json.loads(reply)
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get("reply_to_message_id")
        if message_id is None:
            return None
        if self._message_json_by_id(chat_id, int(message_id)) is None:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def _record(self, message: SentMessage) -> JSONDict:
        self._sent.setdefault(message.chat_id, []).append(message)
        self._sent_by_id[(message.chat_id, message.message_id)] = message
        arrived = self._arrivals.pop(message.chat_id, None)
        if arrived is not None:
            arrived.set()
        return self._message_json(message)

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("message to edit not found")  # the emulator has no inline mode
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        if message_id is None or message_id == "":
            raise bad_request("message identifier is not specified")
        message = self._sent_by_id.get((chat_id, _int_param(params, "message_id", 0)))
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return message

    def _apply_edit(
        self, message: SentMessage, text: str, entities: list[JSONDict], markup: JSONDict | None, raw: str | None
    ) -> JSONDict:
        if text == message.text and entities == message.entities and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.buttons = _buttons_of(markup)
        if raw is not None:
            message.raw_text = raw
        message.edits += 1
        message.edit_date = int(time.time())
        self._notify()
        return self._message_json(message)

    # --- API methods --------------------------------------------------------------------------------------

    async def _ok(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,  # the emulator delivers every group message
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        self.webhook_secret = str(params.get("secret_token") or "")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._allowed_updates:
            info["allowed_updates"] = self._allowed_updates
        return info

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        text, entities = self._text_param(params)
        markup = self._reply_markup(params.get("reply_markup"))
        keyboard = self._other_keyboard(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            text=text,
            parse_mode=params.get("parse_mode") or None,
            buttons=_buttons_of(markup),
            raw_text=str(params.get("text")),
            entities=entities,
            reply_markup=markup,
            keyboard=keyboard,
            reply_to_message_id=reply_to,
            date=int(time.time()),
        )
        return self._record(message)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        message = self._editable(params)
        if message.document is not None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text_param(params)
        markup = self._reply_markup(params.get("reply_markup"), inline_only=True)
        message.parse_mode = params.get("parse_mode") or None
        return self._apply_edit(message, text, entities, markup, str(params.get("text")))

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        message = self._editable(params)
        if message.document is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption_param(params)
        markup = self._reply_markup(params.get("reply_markup"), inline_only=True)
        message.parse_mode = params.get("parse_mode") or None
        return self._apply_edit(message, caption, entities, markup, str(params.get("caption") or ""))

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        message = self._editable(params)
        markup = self._reply_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(message, message.text, message.entities, markup, None)

    async def _delete_message(self, params: JSONDict) -> bool:
        key = (_int_param(params, "chat_id", 0), _int_param(params, "message_id", 0))
        sent = self._sent_by_id.get(key)
        if sent is not None and not sent.deleted:
            sent.deleted = True
            self._notify()
            return True
        if self._user_messages.pop(key, None) is not None:
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._queries or query_id in self.callback_answers:
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": bool(params.get("show_alert")),
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        chat_id = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, str(action)))
        return True

    def _store_file(self, content: bytes, file_name: str, mime_type: str, folder: str) -> StoredFile:
        number = next(self._file_numbers)
        suffix = PurePosixPath(file_name).suffix
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAIB{number:06d}",
            file_unique_id=f"AgADB{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _document_param(self, params: JSONDict) -> StoredFile:
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))
        if isinstance(document, Upload):
            if not document.content:
                raise bad_request("file must be non-empty")
            if document.size > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            mime = document.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
            return self._store_file(document.content, document.filename, mime, "documents")
        if isinstance(document, str) and document in self._files:
            return self._files[document]
        if isinstance(document, str) and document.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")  # the emulator fetches nothing from outside
        if document:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request("there is no document in the request")

    async def _send_document(self, params: JSONDict) -> JSONDict:
        chat_id = self._target_chat(params)
        stored = self._document_param(params)
        caption, entities = self._caption_param(params)
        markup = self._reply_markup(params.get("reply_markup"))
        keyboard = self._other_keyboard(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            text=caption,
            parse_mode=params.get("parse_mode") or None,
            buttons=_buttons_of(markup),
            document={
                "file_id": stored.file_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            },
            raw_text=str(params.get("caption") or ""),
            entities=entities,
            reply_markup=markup,
            keyboard=keyboard,
            reply_to_message_id=reply_to,
            date=int(time.time()),
        )
        return self._record(message)

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat_id = _int_param(params, "chat_id", 0)
        if chat_id not in self._chats:
            raise bad_request("chat not found")
        return {**self._chats[chat_id], "accent_color_id": 0, "max_reaction_count": 11}

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if isinstance(scope, str):
            scope = json.loads(scope)
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('field "commands" must be of type Array')
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("BOT_COMMAND_INVALID")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if cleaned:
            self.bot_commands[key] = cleaned
        else:
            self.bot_commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.bot_commands.get(key, [])

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.bot_commands.pop(key, None)
        return True

    @staticmethod
    def _store_text(store: dict[str, str], params: JSONDict, name: str, limit: int) -> bool:
        """Set (or with an empty value remove) a per-language bot text, within Telegram's length limit."""
        value = str(params.get(name) or "")
        if utf16_len(value) > limit:
            raise bad_request(f"{name} is too long")
        language = str(params.get("language_code") or "")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._store_text(self.descriptions, params, "description", 512)

    async def _get_my_description(self, params: JSONDict) -> JSONDict:
        return {"description": self.descriptions.get(str(params.get("language_code") or ""), "")}

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._store_text(self.short_descriptions, params, "short_description", 120)

    async def _get_my_short_description(self, params: JSONDict) -> JSONDict:
        return {"short_description": self.short_descriptions.get(str(params.get("language_code") or ""), "")}

    async def _set_my_name(self, params: JSONDict) -> bool:
        return self._store_text(self.names, params, "name", 64)

    async def _get_my_name(self, params: JSONDict) -> JSONDict:
        return {"name": self.names.get(str(params.get("language_code") or ""), self.bot_name)}

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = _int_param(params, "chat_id", 0) or None
        if chat_id is not None:
            self._target_chat(params)
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        chat_id = _int_param(params, "chat_id", 0) or None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}
