"""The guideline map, `guidelines/map.yml`: every recommendation of the
guidelines the handbook follows, each with the sections that cover it or the
reason it is not covered (CONTRIBUTING.md, "The guideline map").

A record:

    - guideline: dimopoulos2016renal        # a key of bibliography.bib
      id: abstract 6                         # the recommendation as the guideline numbers it
      summary: ...                           # in the map's own words
      grade: A                               # optional: the grade or level the guideline gives
      source_read: abstract                  # full text | abstract | secondary
      covered: [supportive-care/renal.md#first-48-hours]
      # or: not_covered: the reason

A section is `page.md#heading-id` below docs/<language>/, the same in every
language; where a translation's id differs (a heading without an explicit
`{#id}` gets its id from its words), a mapping names each language's section:
`{en: page.md#a, sl: page.md#b}` (a language left out uses the source
language's). The gate, run by the build, `scripts/handbook.py check` and the
tests, checks that every section exists in every language, that every
guideline key is in the bibliography, and that every record has its coverage
or its reason.
"""
from __future__ import annotations

import re
from pathlib import Path

import markdown
import yaml

from . import memo
from .i18n import read_config
from .markdown_source import FRONT_MATTER
from .problems import Problem

MAP_FILE = Path("guidelines") / "map.yml"
TOP_KEYS = ("sources", "recommendations")
RECORD_KEYS = ("guideline", "id", "summary", "grade", "source_read", "covered", "not_covered", "note")
REQUIRED = ("guideline", "id", "summary", "source_read")
SOURCE_READ = ("full text", "abstract", "secondary")
SECTION = re.compile(r"([\w./-]+\.md)#([\w-]+)")
ELEMENT_ID = re.compile(r"""<[a-zA-Z][^>]*?\sid\s*=\s*("([^"]*)"|'([^']*)')""")
FIX_SECTION = "write page.md#heading-id, a page below docs/<language>/ and the id of one of its headings"


class _Loader(yaml.SafeLoader):
    """Each mapping remembers its line and the line of each of its keys."""


class _Record(dict):
    line = 0
    key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


def _mapping(loader, node):
    value = _Record(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    value.key_lines = {loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value}
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class Anchors:
    """The ids a page of docs/<language>/ has once rendered, as the build
    renders it (the Markdown extensions of mkdocs.yml): explicit {#id}s and
    the ids the toc extension gives the other headings."""

    def __init__(self, root: Path, docs: Path):
        self.docs = docs
        config = read_config(root) if (root / "mkdocs.yml").is_file() else {}
        names, options = ["toc", "tables", "fenced_code"], {}  # MkDocs' own, as it adds them
        for item in config.get("markdown_extensions") or []:
            for name, settings in (item.items() if isinstance(item, dict) else [(item, None)]):
                if name not in names:
                    names.append(name)
                if settings:
                    options[name] = settings
        self._markdown = markdown.Markdown(extensions=names, extension_configs=options)
        self._settings = repr((names, options))  # with the page's text, all its ids depend on
        self._cache: dict[Path, set[str] | None] = {}

    def _ids(self, text: str) -> set[str]:
        html = self._markdown.reset().convert(text)
        return {m.group(2) if m.group(2) is not None else m.group(3) for m in ELEMENT_ID.finditer(html)}

    def of(self, language: str, page: str) -> set[str] | None:
        """The page's ids, or None when the page does not exist."""
        path = self.docs / language / page
        if path not in self._cache:
            if not path.is_file():
                self._cache[path] = None
            else:
                text = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
                self._cache[path] = memo.remembered("ids", (self._settings, text), lambda: self._ids(text))
        return self._cache[path]


def load(path: Path, rel: str) -> tuple[list, list[Problem]]:
    """The map's records as written, and the problems of its shape (a file
    that is not YAML, no list of recommendations, unknown top-level keys,
    sources that name no bibliography entry are checked by `check`)."""
    data, problems = _read(path, rel)
    return (data.get("recommendations") if data is not None else []), problems


def _read(path: Path, rel: str) -> tuple[_Record | None, list[Problem]]:
    if not path.is_file():
        return None, []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(rel, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(error, 'problem', error)}",
                              "fix the YAML syntax (quote text that holds ': ' or starts with a special character)")]
    if not isinstance(data, _Record) or not isinstance(data.get("recommendations"), list):
        return None, [Problem(rel, 1, "the guideline map has no list 'recommendations'",
                              "write recommendations: followed by one record per recommendation (CONTRIBUTING.md)")]
    problems = [Problem(rel, data.line_of(key), f"unknown key '{key}' in the guideline map",
                        f"use {' and '.join(TOP_KEYS)}") for key in data if key not in TOP_KEYS]
    return data, problems


def check(root: Path, docs: Path, bib_keys, languages) -> list[Problem]:
    """The gate. bib_keys: the keys of bibliography.bib (None when it could
    not be read: its own problem comes first); languages: source first."""
    rel = MAP_FILE.as_posix()
    data, problems = _read(root / MAP_FILE, rel)
    if data is None:
        return problems
    records = data["recommendations"]
    sources = data.get("sources") or _Record()
    if not isinstance(sources, _Record):
        problems.append(Problem(rel, data.line_of("sources"), "'sources' is not a mapping",
                                "write sources: {guideline key: what of it was read, where and when}"))
        sources = _Record()
    for key, text in sources.items():
        if bib_keys is not None and key not in bib_keys:
            problems.append(Problem(rel, sources.line_of(key), f"guideline '{key}' is not in bibliography.bib",
                                    "add the guideline to bibliography.bib (CONTRIBUTING.md, \"Adding a reference\") "
                                    "or correct the key"))
        if not _text(text):
            problems.append(Problem(rel, sources.line_of(key), f"the source of '{key}' says nothing",
                                    "say what of the guideline was read (full text, abstract, a summary), "
                                    "where and when"))
    anchors = Anchors(root, docs) if records else None
    seen: dict[tuple, int] = {}
    for record in records:
        if not isinstance(record, _Record):
            problems.append(Problem(rel, 1, "a record of 'recommendations' is not a mapping",
                                    "write each record as - guideline: key, id: ..., summary: ..., covered: [...]"))
            continue
        problems.extend(_check_record(record, rel, bib_keys, languages, anchors, seen))
    return problems


def _check_record(record: _Record, rel: str, bib_keys, languages, anchors: Anchors, seen) -> list[Problem]:
    problems = []

    def problem(key, message, fix):
        problems.append(Problem(rel, record.line_of(key), message, fix))

    name = f"recommendation '{record.get('id')}' of {record.get('guideline')}"
    for key in record:
        if key not in RECORD_KEYS:
            problem(key, f"{name} has an unknown key '{key}'", f"use {', '.join(RECORD_KEYS)}")
    for key in REQUIRED:
        if not _text(record.get(key)):
            problem(key, f"{name} lacks '{key}'", f"add {key}: " + {
                "guideline": "the guideline's key in bibliography.bib",
                "id": "the recommendation's number or section as the guideline gives it",
                "summary": "what it recommends, in your own words",
                "source_read": " | ".join(SOURCE_READ)}[key])
    guideline = record.get("guideline")
    if _text(guideline) and bib_keys is not None and guideline not in bib_keys:
        problem("guideline", f"guideline '{guideline}' is not in bibliography.bib",
                "add the guideline to bibliography.bib (CONTRIBUTING.md, \"Adding a reference\") or correct the key")
    if _text(record.get("source_read")) and record["source_read"] not in SOURCE_READ:
        problem("source_read", f"{name}: source_read '{record['source_read']}' is not one of {', '.join(SOURCE_READ)}",
                "say what was read: the full text, only the abstract, or a secondary report of it")
    if "grade" in record and not _text(record["grade"]):
        problem("grade", f"{name} has an empty 'grade'", "give the grade or level as the guideline writes it, "
                "or leave the key out when it gives none")
    if _text(guideline) and _text(record.get("id")):
        ident = (guideline, str(record["id"]))
        if ident in seen:
            problem("id", f"{name} is mapped twice (first at line {seen[ident]})", "merge the two records")
        else:
            seen[ident] = record.line
    covered, reason = record.get("covered"), record.get("not_covered")
    if "covered" in record and "not_covered" in record:
        problem("not_covered", f"{name} is both covered and not covered", "keep one of covered and not_covered")
    if covered:
        for section in covered if isinstance(covered, list) else [covered]:
            problems.extend(_check_section(section, record.line_of("covered"), rel, languages, anchors))
    elif not _text(reason):
        problem("covered" if "covered" in record else "not_covered",
                f"{name} has neither coverage nor a reason",
                "write covered: [page.md#heading-id] or not_covered: why the handbook does not cover it")
    return problems


def _check_section(section, line: int, rel: str, languages, anchors: Anchors) -> list[Problem]:
    source = languages[0]
    if isinstance(section, dict):
        if source not in section or any(key not in languages for key in section):
            names = ", ".join(map(str, section))
            return [Problem(rel, line, f"section per language ({names}) must name the {source} section "
                            f"and only languages of mkdocs.yml",
                            f"write {{{source}: page.md#id, ...}} with languages from {', '.join(languages)}")]
        targets = {language: section.get(language, section[source]) for language in languages}
    else:
        targets = {language: section for language in languages}
    problems = []
    for written in dict.fromkeys(targets.values()):
        if not (isinstance(written, str) and SECTION.fullmatch(written)):
            problems.append(Problem(rel, line, f"section '{written}' is not page.md#heading-id", FIX_SECTION))
    if problems:
        return problems
    for language, target in targets.items():
        match = SECTION.fullmatch(target)
        page, anchor = match.groups()
        ids = anchors.of(language, page)
        where = f"docs/{language}/{page}"
        if ids is None:
            problems.append(Problem(rel, line, f"page {where} does not exist",
                                    "correct the path (below docs/<language>/), or map the recommendation to "
                                    "the page that covers it"))
        elif anchor not in ids:
            fix = f"use the id of one of its headings, or give that heading an explicit {{#{anchor}}} in every language"
            if language != source:
                fix += f", or name each language's section: {{{source}: page.md#id, {language}: page.md#id}}"
            problems.append(Problem(rel, line, f"anchor #{anchor} not found in {where}", fix))
    return problems


def _text(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip() != ""
