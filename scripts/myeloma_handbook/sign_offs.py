"""Sign-offs: who reviewed a page independently, when, and which version.

A page's front matter records each independent review of that page, in that
language, by someone who did not write it:

    sign_offs:
      - review: clinical            # or: language (a review of this page's language)
        name: Name Surname          # as the reviewer wants to be named
        role: Consultant haematologist, Hospital
        date: 2027-01-20            # the day of the review
        interests: None declared    # the reviewer's declared interests
        version: "3f2a9c1b7e04"     # the page the reviewer read

`version` is the page's fingerprint as the reviewer read it: the same hash
translations record of their source (translation_records.fingerprint: title,
description and body, white space collapsed), so front matter (the sign-off
itself included) does not change it. `scripts/handbook.py sign-off` writes
the entry.

The gate (`check`) accepts a version that is the page as it is now or a
committed version of it (its git history), and nothing else. A sign-off of
an earlier version still names the reviewer, says so, and does not count:
the page is signed off only while it reads as the reviewer read it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from . import translation_records as records
from .front_matter import SCHEMA, build_date, load_yaml, read_front_matter
from .markdown_source import FRONT_MATTER, split_front_matter
from .problems import Problem

KEY = "sign_offs"
KINDS = ("clinical", "language")
ITEM_SCHEMA = SCHEMA["properties"][KEY]["items"]
FIELDS = tuple(ITEM_SCHEMA["properties"])
COMMAND = "scripts/handbook.py sign-off"
GUIDE = 'CONTRIBUTING.md, "Review"'
WHAT_TO_ADD = {
    "review": "add review: clinical (an independent clinician's review) or review: language",
    "name": "add name: the reviewer's name, as they want to be named",
    "role": "add role: the reviewer's role (and workplace), as they want to be named",
    "date": "add date: the day of the review, YYYY-MM-DD",
    "interests": "add interests: the reviewer's declared interests (None declared, if none)",
    "version": f"add version: the version the reviewer read, as {COMMAND} writes it",
}


@dataclass(frozen=True)
class SignOff:
    review: str  # clinical or language
    name: str
    role: str
    date: dt.date
    interests: str
    version: str
    current: bool  # the page reads as the reviewer read it


def read(meta: dict, text: str) -> list[SignOff]:
    """The well-formed sign-offs of a page (the gate reports the others),
    each marked current or not against the page's text now."""
    entries = meta.get(KEY)
    if not isinstance(entries, list):
        return []
    now = records.fingerprint(text)
    found = []
    for entry in entries:
        if not isinstance(entry, dict) or any(_VALIDATOR.iter_errors(_plain(entry))):
            continue
        entry = _plain(entry)
        try:
            day = dt.date.fromisoformat(entry["date"])
        except ValueError:
            continue
        found.append(SignOff(entry["review"], entry["name"], entry["role"], day, entry["interests"],
                             entry["version"], entry["version"] == now))
    return found


def current_reviews(meta: dict, text: str) -> set[str]:
    """The kinds of review (clinical, language) the page has for its text as it is now."""
    return {sign_off.review for sign_off in read(meta, text) if sign_off.current}


# ------------------------------------------------------------------ the gate

_VALIDATOR = jsonschema.Draft202012Validator(ITEM_SCHEMA)


def _plain(value):
    """YAML may read a date as a date: the schema checks the ISO text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _node_lines(yaml_text: str, first_line: int) -> tuple[int, list[tuple[int, dict[str, int]]]]:
    """The line of the sign_offs key, and for each item its line and the
    lines of its keys (from the YAML nodes, so every problem names its line)."""
    root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    key_line, items = first_line, []
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value != KEY:
                continue
            key_line = first_line + key_node.start_mark.line
            if isinstance(value_node, yaml.SequenceNode):
                for item in value_node.value:
                    keys = ({k.value: first_line + k.start_mark.line for k, _ in item.value}
                            if isinstance(item, yaml.MappingNode) else {})
                    items.append((first_line + item.start_mark.line, keys))
    return key_line, items


def check(path: Path, rel: str, root: Path, today: dt.date | None = None) -> list[Problem]:
    """The sign-offs of one page: their fields, their dates, that each
    reviewer is not an author of the page, and that each version is the page
    as it is now or as it was in a commit."""
    text = path.read_text(encoding="utf-8")
    yaml_text, first_line = split_front_matter(text)
    if not yaml_text:
        return []
    try:
        meta = load_yaml(yaml_text)
    except yaml.YAMLError:
        return []  # the front-matter gate reports it
    if not isinstance(meta, dict) or KEY not in meta:
        return []
    key_line, lines = _node_lines(yaml_text, first_line)
    entries = meta[KEY]
    if not isinstance(entries, list) or not entries:
        return [Problem(rel, key_line, f"'{KEY}' is not a list of sign-offs",
                        f"write each sign-off as a list item (- review: clinical ...), or remove '{KEY}' ({GUIDE})")]
    today = today or build_date()
    authors = {str(a).strip().casefold() for a in meta.get("authors") or [] if isinstance(a, str)}
    problems: list[Problem] = []
    versions = None  # the page's git history, read only when a sign-off is not of the page as it is now
    now = records.fingerprint(text)
    for number, entry in enumerate(entries, 1):
        item_line, key_lines = lines[number - 1] if number <= len(lines) else (key_line, {})
        where = f"sign-off {number}"

        def line_of(key: str) -> int:
            return key_lines.get(key, item_line)

        if not isinstance(entry, dict):
            problems.append(Problem(rel, item_line, f"{where} is not a mapping of keys to values",
                                    f"write review, name, role, date, interests and version ({GUIDE})"))
            continue
        entry = _plain(entry)
        broken = set()
        for error in sorted(_VALIDATOR.iter_errors(entry), key=lambda e: (list(e.path), e.validator)):
            field = str(error.path[0]) if error.path else None
            if field in broken:
                continue  # one problem per field (an empty text is both too short and blank)
            if error.validator == "required":
                missing = error.message.split("'")[1]
                broken.add(missing)
                problems.append(Problem(rel, item_line, f"{where} lacks '{missing}'", WHAT_TO_ADD[missing]))
            elif error.validator == "additionalProperties":
                for key in sorted(set(entry) - set(FIELDS)):
                    problems.append(Problem(rel, line_of(key), f"{where} has an unknown key '{key}'",
                                            f"allowed keys: {', '.join(sorted(FIELDS))}"))
            elif field == "review":
                broken.add(field)
                problems.append(Problem(rel, line_of(field), f"{where}: review '{entry[field]}' is neither "
                                        f"{' nor '.join(KINDS)}",
                                        "write review: clinical (an independent clinician's review) or review: "
                                        "language (a review of this page's language)"))
            elif field == "date":
                broken.add(field)
                problems.append(Problem(rel, line_of(field), f"{where}: 'date: {entry[field]}' is not YYYY-MM-DD",
                                        "write the day of the review as YYYY-MM-DD"))
            elif field == "version":
                broken.add(field)
                problems.append(Problem(rel, line_of(field), f"{where}: version '{entry[field]}' is not a page "
                                        "version (12 hexadecimal digits)",
                                        f"record the version the reviewer read with {COMMAND}"))
            elif field is not None:
                broken.add(field)
                schema = ITEM_SCHEMA["properties"][field]
                problems.append(Problem(rel, line_of(field), f"{where}: '{field}' must be text of "
                                        f"{schema['minLength']} to {schema['maxLength']} characters",
                                        WHAT_TO_ADD[field].replace("add ", "write ", 1)))
        if "date" not in broken and "date" in entry:
            try:
                day = dt.date.fromisoformat(entry["date"])
            except ValueError:
                problems.append(Problem(rel, line_of("date"), f"{where}: 'date: {entry['date']}' is not a real date",
                                        "write the day of the review as YYYY-MM-DD"))
            else:
                if day > today:
                    problems.append(Problem(rel, line_of("date"), f"{where}: 'date: {entry['date']}' lies in the "
                                            "future", "write the day the review actually happened"))
        name = entry.get("name")
        if "name" not in broken and isinstance(name, str) and name.strip().casefold() in authors:
            problems.append(Problem(rel, line_of("name"), f"{where} is by '{name}', an author of this page",
                                    "a sign-off comes from someone who did not write the page; an author's own "
                                    "check is the page's 'reviewed' date"))
        version = entry.get("version")
        if "version" not in broken and isinstance(version, str) and version != now:
            if versions is None:
                versions = {v.fingerprint for v in records.history(root, path)} if _inside(path, root) else {now}
            if version not in versions:
                problems.append(Problem(
                    rel, line_of("version"),
                    f"{where} is of version '{version}', which is neither this page as it is now ({now}) "
                    "nor a committed version of it",
                    f"record the version the reviewer read ({COMMAND}); in a shallow clone, fetch the history "
                    "first (git fetch --unshallow)"))
    return problems


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ writing

def entry_yaml(review: str, name: str, role: str, day: dt.date, interests: str, version: str,
               indent: str = "  ") -> str:
    """One sign-off as a list item of the front matter."""
    def scalar(value: str) -> str:
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip() \
            .removesuffix("...").strip()

    inner = indent + "  "
    return (f"{indent}- review: {review}\n{inner}name: {scalar(name)}\n{inner}role: {scalar(role)}\n"
            f"{inner}date: {day.isoformat()}\n{inner}interests: {scalar(interests)}\n"
            f"{inner}version: \"{version}\"\n")


def add(path: Path, review: str, name: str, role: str, day: dt.date, interests: str) -> str:
    """Add a sign-off of the page as it is now to its front matter; returns
    the version recorded. The front matter is edited as text, so the rest
    of it stays exactly as it was."""
    if review not in KINDS:
        raise ValueError(f"review must be one of {', '.join(KINDS)}")
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ValueError("the page has no front matter")
    yaml_text = match.group(1) or ""
    version = records.fingerprint(text)
    block = re.search(rf"^{KEY}:[ \t]*\n((?:[ \t]+.*\n|-.*\n|[ \t]*\n)*)", yaml_text, re.M)
    if block:
        first = re.search(r"^([ \t]*)-", block.group(1) or "", re.M)
        if not first:
            raise ValueError(f"'{KEY}' is not a list written one item per line; add the sign-off by hand")
        item = entry_yaml(review, name, role, day, interests, version, first.group(1))
        yaml_text = yaml_text[:block.end()] + item + yaml_text[block.end():]
    elif re.search(rf"^{KEY}:", yaml_text, re.M):
        raise ValueError(f"'{KEY}' is not written as a block list; add the sign-off by hand")
    else:
        yaml_text = yaml_text + f"{KEY}:\n" + entry_yaml(review, name, role, day, interests, version)
    new = f"---\n{yaml_text}---" + text[match.end() - len(match.group(2)):]
    if read_front_matter(new).get(KEY) is None:
        raise ValueError("the sign-off could not be added to the front matter")
    path.write_text(new, encoding="utf-8")
    return version
