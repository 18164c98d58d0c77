"""Read dialogs/ into a checked `Plan`, or fail saying which file, where and what is wrong.

The checks go beyond the shape of each file: ids must be unique across the whole plan,
every `when` and `tip` must name something that exists and comes earlier, and every
document template may only read answers the plan defines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError
from pydantic import ValidationError

from bot.documents.inspect import answers_used
from bot.paths import DIALOGS_DIR
from bot.plan.models import Condition, Plan, Step


class PlanError(Exception):
    """A plan file is broken; the message names the file, the place and the problem."""

    def __init__(self, file: Path | str, place: str, problem: str) -> None:
        self.file, self.place, self.problem = str(file), place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")


def load_plan(root: Path = DIALOGS_DIR) -> Plan:
    """Load and check the plan kept in `root` (by default the project's dialogs/)."""
    index_file = root / "plan.yaml"
    index = _read_yaml(index_file)
    steps_dir = root / "steps"
    steps: dict[str, Step] = {}
    step_files: dict[str, Path] = {}
    for path in sorted(steps_dir.glob("*.yaml")):
        step = _parse(Step, _read_yaml(path), path)
        if step.id in steps:
            raise PlanError(path, "id", f"step id {step.id!r} is also used in {step_files[step.id].name}")
        steps[step.id] = step
        step_files[step.id] = path
    setup_id = index.get("setup") if isinstance(index, dict) else None
    if setup_id not in steps:
        raise PlanError(index_file, "setup", f"no step file defines the setup step {setup_id!r}")
    keys_file = root / "keys.yaml"
    documents_file = root / "documents.yaml"
    data = {
        "kinds": index.get("kinds"),
        "stages": index.get("stages"),
        "setup": steps.pop(setup_id),
        "steps": steps,
        "keys": {k["id"]: k for k in _read_yaml(keys_file).get("keys", []) if isinstance(k, dict)},
        "documents": _read_yaml(documents_file).get("documents"),
        "funding": _read_yaml(root / "funding.yaml"),
        "carry_over": index.get("carry_over", []),
        "calendar": index.get("calendar", []),
        "health": _read_yaml(root / "health.yaml"),
        "root": root,
    }
    plan = _parse(Plan, data, index_file)
    _check_stages(plan, index_file)
    _check_questions(plan, step_files)
    unknown = [qid for qid in plan.carry_over if qid not in plan.questions()]
    if unknown:
        raise PlanError(index_file, "carry_over", f"no question {unknown[0]!r}")
    _check_health(plan, root / "health.yaml")
    _check_calendar(plan, index_file)
    _check_documents(plan, root, documents_file)
    return plan


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise PlanError(path, "", "file is missing") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanError(path, place, f"not valid YAML ({getattr(error, 'problem', error)})") from None


def _parse(model: type, data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise PlanError(path, _place(data, first["loc"]), _problem(first)) from None


def _place(data: Any, loc: tuple[Any, ...]) -> str:
    """Describe a pydantic location the way an editor looks for it: by ids, not by indexes."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            label = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{item + 1}]" + (f" (id {label})" if label else ""))
        elif isinstance(item, str) and isinstance(node, dict):
            node = node.get(item)
            parts.append(item)
        else:
            parts.append(str(item))
    return " > ".join(parts).replace(" > [", " [")


def _problem(error: dict[str, Any]) -> str:
    if error["type"] == "enum" and error["loc"] and error["loc"][-1] == "type":
        return f"unknown question type {error['input']!r} ({error['ctx']['expected']})"
    if error["type"] == "extra_forbidden":
        return f"unknown setting {error['loc'][-1]!r}"
    return error["msg"].removeprefix("Value error, ")


def _check_stages(plan: Plan, index_file: Path) -> None:
    seen: set[str] = set()
    for stage in plan.stages:
        for step_id in stage.steps:
            if step_id not in plan.steps:
                raise PlanError(index_file, f"stage {stage.number} > steps", f"no step {step_id!r}")
            if step_id in seen:
                raise PlanError(index_file, f"stage {stage.number} > steps", f"step {step_id!r} listed twice")
            seen.add(step_id)
            if plan.steps[step_id].stage != stage.number:
                raise PlanError(index_file, f"stage {stage.number}", f"step {step_id!r} says it is in another stage")
    unused = set(plan.steps) - seen
    if unused:
        raise PlanError(index_file, "stages", f"steps not placed in any stage: {', '.join(sorted(unused))}")


def _check_questions(plan: Plan, files: dict[str, Path]) -> None:
    """Ids unique across the plan; `when` and `tip` point at things that exist (and come earlier)."""
    seen: dict[str, str] = {}
    for step in plan.ordered_steps():
        path = files[step.id]
        for position, question in enumerate(step.questions, start=1):
            place = f"questions [{position}] (id {question.id})"
            if question.id in seen:
                raise PlanError(path, place, f"duplicate id: {question.id!r} is also used in step {seen[question.id]}")
            if question.when is not None:
                _check_condition(question.when, seen, path, place)
            if question.tip is not None and question.tip not in plan.keys:
                raise PlanError(path, f"{place} > tip", f"no key to success {question.tip!r} in keys.yaml")
            seen[question.id] = step.id


def _check_condition(condition: Condition, earlier: dict[str, str], path: Path, place: str) -> None:
    for name in condition.questions():
        if name != "kind" and name not in earlier:
            raise PlanError(path, f"{place} > when", f"names unknown or later question {name!r}")


def _check_calendar(plan: Plan, index_file: Path) -> None:
    """Calendar sources are lists with a date field and a label field."""
    questions = plan.questions()
    for position, source in enumerate(plan.calendar, start=1):
        question = questions.get(source.question)
        fields = {f.id: f.type for f in question.fields} if question else {}
        if question is None or question.type != "repeat":
            raise PlanError(index_file, f"calendar [{position}]", f"{source.question!r} is not a list question")
        if fields.get(source.date_field) != "date" or source.label_field not in fields:
            raise PlanError(index_file, f"calendar [{position}]", "needs a date field and a label field of the list")


def _check_health(plan: Plan, path: Path) -> None:
    """Signals and actions name keys and questions that exist."""
    questions = plan.questions()
    for position, signal in enumerate(plan.health.signals, start=1):
        place = f"signals [{position}]"
        if signal.key not in plan.keys:
            raise PlanError(path, f"{place} > key", f"no key {signal.key!r} in keys.yaml")
        for qid in sorted(signal.questions()):
            if qid not in questions:
                raise PlanError(path, place, f"no question {qid!r}")
    missing = set(plan.keys) - set(plan.health.actions)
    if missing:
        raise PlanError(path, "actions", f"no next action for {', '.join(sorted(missing))}")


def _check_documents(plan: Plan, root: Path, documents_file: Path) -> None:
    known = set(plan.questions())
    ids: set[str] = set()
    for position, document in enumerate(plan.documents, start=1):
        place = f"documents [{position}] (id {document.id})"
        if document.id in ids:
            raise PlanError(documents_file, place, f"duplicate document id {document.id!r}")
        ids.add(document.id)
        if document.stage not in {s.number for s in plan.stages}:
            raise PlanError(documents_file, place, f"no stage {document.stage}")
        template = plan.templates / document.template
        if not template.is_file():
            raise PlanError(documents_file, f"{place} > template", f"no template file {document.template!r}")
        try:
            used = answers_used(template.read_text(encoding="utf-8"))
        except TemplateSyntaxError as error:
            raise PlanError(template, f"line {error.lineno}", error.message or "template syntax error") from None
        for name, line in sorted(used.items(), key=lambda item: item[1]):
            if name not in known:
                raise PlanError(template, f"line {line}", f"uses answer {name!r}, which no question defines")
