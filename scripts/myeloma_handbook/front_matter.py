"""Front matter: every page declares who wrote it, when it was last reviewed
and what it is about; a JSON Schema says exactly which keys are allowed."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import jsonschema
import yaml

from . import memo
from .markdown_source import split_front_matter
from .problems import Problem

REVIEW_CYCLE_MONTHS = 12

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "description", "reviewed", "authors"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 120},
        "description": {"type": "string", "minLength": 20, "maxLength": 200},
        "reviewed": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "authors": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}},
        # A deliberate clinical difference between the twins, with its reason.
        "twin_differences": {
            "type": "object",
            "required": ["reason"],
            "additionalProperties": False,
            "properties": {
                "reason": {"type": "string", "minLength": 10},
                "numbers": {"type": "array", "items": {"type": ["string", "number"]}},
                "citations": {"type": "array", "items": {"type": "string"}},
            },
        },
        # Translations only: the source version this page follows, written by
        # `scripts/handbook.py translation-status --mark` (translation_records.py).
        "translated_from": {"type": "string", "pattern": r"^[0-9a-f]{12}$"},
        # Independent reviews of this page in this language, each of the
        # version the reviewer read (sign_offs.py, which reports their problems).
        "sign_offs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["review", "name", "role", "date", "interests", "version"],
                "additionalProperties": False,
                "properties": {
                    "review": {"enum": ["clinical", "language"]},
                    "name": {"type": "string", "minLength": 2, "maxLength": 100, "pattern": r"\S"},
                    "role": {"type": "string", "minLength": 2, "maxLength": 200, "pattern": r"\S"},
                    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "interests": {"type": "string", "minLength": 2, "maxLength": 300, "pattern": r"\S"},
                    "version": {"type": "string", "pattern": r"^[0-9a-f]{12}$"},
                },
            },
        },
        # Material for MkDocs' own page keys.
        "hide": {"type": "array", "items": {"enum": ["navigation", "toc", "footer", "path", "tags", "feedback"]}},
        "search": {"type": "object", "properties": {"exclude": {"type": "boolean"}, "boost": {"type": "number"}},
                   "additionalProperties": False},
        "icon": {"type": "string"},
        "status": {"type": "string"},
        "subtitle": {"type": "string"},
        "template": {"type": "string"},
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is a schema error
    with a line number rather than a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(yaml_text: str):
    """Front matter as YAML data, dates left as text (kept per text: memo.py)."""
    return memo.remembered("front matter", yaml_text, lambda: yaml.load(yaml_text, Loader=_Loader))



def build_date() -> dt.date:
    """The day of the build: SOURCE_DATE_EPOCH when set (a reproducible
    build, and how the tests pin the date), else the clock. Every date rule
    (review due, overdue, "lies in the future") takes `today` as a parameter
    and defaults to this."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch else dt.date.today()


def review_due(reviewed: dt.date) -> dt.date:
    """The next review is due one review cycle (12 months) after the last."""
    try:
        return reviewed.replace(year=reviewed.year + REVIEW_CYCLE_MONTHS // 12)
    except ValueError:  # 29 February
        return reviewed.replace(year=reviewed.year + REVIEW_CYCLE_MONTHS // 12, day=28)


def _as_plain(value):
    """YAML reads 2026-11-22 as a date; the schema checks the ISO string."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10] if isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, dict):
        return {k: _as_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_plain(v) for v in value]
    return value


def _key_line(yaml_text: str, key: str, first_line: int) -> int:
    match = re.search(rf"^{re.escape(str(key))}\s*:", yaml_text, re.M)
    return first_line + yaml_text.count("\n", 0, match.start()) if match else first_line - 1


def read_front_matter(text: str) -> dict:
    """The front matter as plain data ({} when there is none or it is broken)."""
    yaml_text, _ = split_front_matter(text)
    try:
        data = load_yaml(yaml_text) if yaml_text else {}
    except yaml.YAMLError:
        return {}
    return _as_plain(data) if isinstance(data, dict) else {}


def check_front_matter(path: Path, rel: str, today: dt.date | None = None) -> list[Problem]:
    text = path.read_text(encoding="utf-8")
    yaml_text, first_line = split_front_matter(text)
    fix = "start the page with a --- block declaring title, description, reviewed (YYYY-MM-DD) and authors"
    if yaml_text is None:
        return [Problem(rel, 1, "page has no front matter", fix)]
    try:
        data = load_yaml(yaml_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark else 1
        return [Problem(rel, line, f"front matter is not valid YAML: {getattr(error, 'problem', error)}",
                        "fix the YAML syntax (quote values containing ':' or '#')")]
    if not isinstance(data, dict):
        return [Problem(rel, first_line, "front matter must be a mapping of keys to values", fix)]
    data = _as_plain(data)
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.path)):
        top = error.path[0] if error.path else None
        if top == "sign_offs":
            continue  # sign_offs.check says what is wrong with a sign-off, at its line
        if error.validator == "required":
            missing = error.message.split("'")[1]
            problems.append(Problem(rel, first_line - 1, f"front matter lacks required key '{missing}'", fix))
        elif error.validator == "additionalProperties" and top is None:
            allowed = ", ".join(sorted(SCHEMA["properties"]))
            for key in sorted(set(data) - set(SCHEMA["properties"])):
                problems.append(Problem(rel, _key_line(yaml_text, key, first_line),
                                        f"unknown front-matter key '{key}'", f"allowed keys: {allowed}"))
        elif error.validator == "pattern" and list(error.path) == ["reviewed"]:
            problems.append(Problem(rel, _key_line(yaml_text, top, first_line),
                                    f"'reviewed: {error.instance}' is not written YYYY-MM-DD",
                                    "write the date of the review as year-month-day, e.g. 2026-12-06"))
        else:
            where = ".".join(str(p) for p in error.path)
            problems.append(Problem(rel, _key_line(yaml_text, top, first_line),
                                    f"front-matter key '{where}': {error.message}",
                                    "see the front matter section of CONTRIBUTING.md"))
    reviewed = data.get("reviewed")
    if isinstance(reviewed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed):
        line = _key_line(yaml_text, "reviewed", first_line)
        try:
            date = dt.date.fromisoformat(reviewed)
        except ValueError:
            problems.append(Problem(rel, line, f"'reviewed: {reviewed}' is not a real date", "use YYYY-MM-DD"))
        else:
            if date > (today or build_date()):
                problems.append(Problem(rel, line, f"'reviewed: {reviewed}' lies in the future",
                                        "set the date the page was actually reviewed"))
    return problems
