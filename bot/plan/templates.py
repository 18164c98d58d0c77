"""Which answers a document template reads, found from the template's syntax tree.

Templates read answers as `a.<question_id>` and question texts as `q.<question_id>` (or with
`a["<question_id>"]`); walking the parsed template finds every such name with its line, so a
typo fails at start-up, not in a draft. Templates a template imports (shared macros) count as
part of it.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, nodes


def answers_used(source: str) -> dict[str, int]:
    """Map each question id the template reads to the first line that reads it."""
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    used: dict[str, int] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            target, name = node.node, node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            target, name = node.node, node.arg.value
        else:
            continue
        if isinstance(target, nodes.Name) and target.name in ("a", "q"):
            used.setdefault(name, node.lineno)
    return used


def templates_read(templates: Path, name: str) -> list[str]:
    """A template and every template it imports or includes (by a literal name), each once, the template first."""
    seen: list[str] = []
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current in seen or not (templates / current).is_file():
            continue
        seen.append(current)
        tree = Environment(extensions=["jinja2.ext.i18n"]).parse((templates / current).read_text(encoding="utf-8"))
        for node in tree.find_all((nodes.Import, nodes.FromImport, nodes.Include)):
            target = getattr(node, "template", None)
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                pending.append(target.value)
    return seen
