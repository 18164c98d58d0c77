"""A Babel extractor for the plan files, so translators get every plan text in messages.pot.

Babel calls `extract_plan` for the files babel.cfg maps to it. It yields the wording under
the keys that hold text a person reads, with its line, and nothing else (no ids, no demo
answers), so the catalog stays in step with the plan without a hand-kept list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

TEXT_KEYS = {
    "text",
    "why",
    "hint",
    "warning",
    "purpose",
    "title",
    "period",
    "label",
    "tip",
    "description",
    "message",
    "low",
    "high",
    "name",
    "where",
    "source",
    "entry_name",
}
TEXT_LISTS = {"tasks", "results", "documents"}
TEXT_MAPPINGS = {"actions"}  # mappings whose values are all text (health.yaml's next actions per key)
NESTED_TEXT_MAPPINGS = {"terms"}  # mappings of mappings of text (terms.yaml: a term's wording per country)
VARIANT_KEYS = {"european", "north_south"}

Found = tuple[int, str, str, list[str]]


def extract_plan(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Found]:
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    root = yaml.compose(source)
    if root is not None:
        yield from _walk(root)


def _walk(node: yaml.Node) -> Iterator[Found]:
    if isinstance(node, yaml.MappingNode):
        is_question = any(key.value == "type" for key, _ in node.value)
        for key, value in node.value:
            if key.value == "tip" and is_question:
                continue  # a question's `tip` names a key to success (key4); the key's own tip is the text
            if key.value in TEXT_KEYS:
                yield from _texts(value)
            elif key.value in TEXT_MAPPINGS and isinstance(value, yaml.MappingNode):
                for _, text in value.value:
                    yield from _texts(text)
            elif key.value in NESTED_TEXT_MAPPINGS and isinstance(value, yaml.MappingNode):
                for _, inner in value.value:
                    if isinstance(inner, yaml.MappingNode):
                        for _, text in inner.value:
                            yield from _texts(text)
            elif key.value in TEXT_LISTS and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    yield from (
                        _texts(item) if not isinstance(item, yaml.MappingNode) or _is_variant(item) else _walk(item)
                    )
            else:
                yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)


def _is_variant(node: yaml.MappingNode) -> bool:
    return {key.value for key, _ in node.value} <= VARIANT_KEYS


def _texts(node: yaml.Node) -> Iterator[Found]:
    """A plain text, or both wordings of a european / north_south pair."""
    if isinstance(node, yaml.ScalarNode) and node.value and node.tag.endswith(":str"):
        yield node.start_mark.line + 1, "gettext", node.value, []
    elif isinstance(node, yaml.MappingNode) and _is_variant(node):
        for _, value in node.value:
            yield from _texts(value)
