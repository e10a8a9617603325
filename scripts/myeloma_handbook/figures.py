"""Figures: clinical algorithms drawn once, labelled in every language.

A figure is two kinds of file in `figures/` (CONTRIBUTING.md, "Figures"):

- `figures/<name>.yml`, its **structure**: nodes (with a kind and, optionally,
  an evidence level), edges, groups, the **values** it shows (thresholds,
  doses: every number) and the **citation keys** of its sources;
- `figures/<name>.<language>.yml`, its **labels** in one language (one file
  per language of mkdocs.yml): a title, a caption and a text for every node,
  group and edge label. Labels name values by placeholder ("≥ {bm_plasma_cells}"),
  and the value is written the way the language's locale writes numbers
  (10% / 10 %, 0.26 / 0,26).

A page shows a figure where its Markdown has the marker `{{ figure "name" }}`
on a line of its own, in every language. The build replaces the marker with
a <figure>: the drawing (an SVG made by Graphviz `dot` at build time,
cached under .cache/figures/ by the content of what it draws), a caption
that cites the figure's sources through the handbook's citations (numbered
in the page's reference list) and the figure's content in words (generated
from the same structure and labels, so it cannot drift from the drawing),
which is also the drawing's accessible description.

`check` is the gate (used by checks.check_sources, so by the build, `check`
and the tests): every problem names the file and line.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from babel import numbers as babel_numbers

from .i18n import Catalogue, _TextLoader
from .markdown_source import (CITATION_KEY, EVIDENCE_LEVELS, FIGURE_MARKER, mask_code, normalise_number,
                              number_pattern, scan_citations)
from .problems import Problem

FIGURE_DIR = "figures"
CACHE_DIR = Path(".cache") / "figures"  # below the project root; git-ignored
DOT_VARIABLE = "HANDBOOK_DOT"  # the Graphviz program to run (default: dot on PATH)
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MARKER = FIGURE_MARKER
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
TOKEN = re.compile(r"⟦figure:([a-z0-9-]+)⟧")
STRUCTURE_KEYS = ("cite", "edges", "groups", "layout", "nodes", "ranks", "values", "wrap")
LABEL_KEYS = ("caption", "edges", "groups", "nodes", "title")
LAYOUTS = ("TB", "LR")
# A node's kind decides how it is drawn; the colours are for paper (the PDF)
# and pictures seen without the site's stylesheet, which recolours them for
# the light and dark schemes (overrides/assets/stylesheets/handbook.css).
KINDS = {
    "start": "#e8eaf6",     # where the pathway begins
    "question": "#ffffff",  # a test or a decision
    "action": "#f1f8e9",    # something to do
    "outcome": "#e3f2fd",   # a diagnosis, a stage, a result
    "urgent": "#ffebee",    # an emergency
}
LINE_COLOUR = "#424242"
URGENT_COLOUR = "#c62828"
FONT = "sans-serif"  # generic: the site's system font; the PDF maps it to its embedded sans (for_print)
PRINT_FONT = "Handbook Sans"  # pdf.FONTS
FONT_SIZE = 14
# Changing how figures are drawn (the DOT written below) changes every cache key.
DRAWING_VERSION = "2"


# ----------------------------------------------------------------- reading

@dataclass
class Source:
    """One YAML file, with the line of every key and list item."""
    path: Path
    rel: str
    data: dict
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *path) -> int:
        """The line of a key (or the nearest enclosing key that exists)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _lines(node, path: tuple = (), found: dict | None = None) -> dict[tuple, int]:
    found = {} if found is None else found
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found[path + (key.value,)] = key.start_mark.line + 1
            _lines(value, path + (key.value,), found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found[path + (index,)] = item.start_mark.line + 1
            _lines(item, path + (index,), found)
    return found


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML where every scalar is text (`yes:` stays a key, `10` a string), as
    i18n's catalogue loader; with libyaml's parser when it is there (fast)."""


_Loader.yaml_implicit_resolvers = _TextLoader.yaml_implicit_resolvers
_read: dict[Path, tuple[tuple, "Source | None", list]] = {}  # path -> (mtime and size, what was read)


def read_source(path: Path, rel: str) -> tuple[Source | None, list[Problem]]:
    """A figure file, read once per change (the gate and the build both ask)."""
    stamp = (path.stat().st_mtime_ns, path.stat().st_size, rel)
    if path in _read and _read[path][0] == stamp:
        return _read[path][1], list(_read[path][2])
    loader = _Loader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError:
        try:  # the pure-Python parser words its messages the same on every machine
            yaml.compose(path.read_text(encoding="utf-8"), Loader=_TextLoader)
            error = None
        except yaml.YAMLError as pure:
            error = pure
        mark = getattr(error, "problem_mark", None)
        found = None, [Problem(rel, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(error, 'problem', error)}",
                               "fix the YAML syntax (quote text that holds ': ' or starts with a special character)")]
    else:
        if isinstance(data, dict):
            found = Source(path, rel, data, _lines(node)), []
        else:
            found = None, [Problem(rel, 1, "a figure file must be a mapping of keys to values",
                                   "start from a figure made by scripts/handbook.py new PAGE --figure NAME")]
    finally:
        loader.dispose()
    _read[path] = (stamp, *found)
    return found[0], list(found[1])


@dataclass
class Edge:
    source: str
    target: str
    label: str | None  # key of the edge label in the labels files
    line: int


@dataclass
class Figure:
    name: str
    structure: Source
    labels: dict[str, Source]  # language -> labels
    _formatted: dict = field(default_factory=dict, repr=False)  # language -> its values, written once

    @property
    def nodes(self) -> dict[str, dict]:
        nodes = self.structure.data.get("nodes")
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in nodes.items()} if isinstance(nodes, dict) else {}

    @property
    def groups(self) -> dict[str, list[str]]:
        groups = self.structure.data.get("groups")
        if not isinstance(groups, dict):
            return {}
        return {str(k): [str(n) for n in v] if isinstance(v, list) else [] for k, v in groups.items()}

    @property
    def ranks(self) -> list[list[str]]:
        ranks = self.structure.data.get("ranks")
        return [[str(n) for n in rank] for rank in ranks if isinstance(rank, list)] if isinstance(ranks, list) else []

    @property
    def edges(self) -> list[Edge]:
        found = []
        for index, item in enumerate(self.structure.data.get("edges") or []):
            if isinstance(item, list) and len(item) in (2, 3):
                found.append(Edge(str(item[0]), str(item[1]), str(item[2]) if len(item) == 3 else None,
                                  self.structure.line("edges", index)))
        return found

    @property
    def cited(self) -> list[str]:
        """The figure's sources, in the order given: figure-wide, then per node."""
        keys = [str(k) for k in self.structure.data.get("cite") or []]
        for node in self.nodes.values():
            keys += [str(k) for k in node.get("cite") or []]
        return list(dict.fromkeys(keys))

    def values(self, words: Catalogue) -> dict[str, str]:
        """Every value, written the way the language's locale writes it."""
        if words.language in self._formatted:
            return self._formatted[words.language]
        found = self._formatted[words.language] = {}
        for name, spec in (self.structure.data.get("values") or {}).items():
            try:
                found[str(name)] = format_value(spec, words)
            except ValueError:
                pass  # reported by the gate
        return found

    def text(self, language: str, words: Catalogue, *key) -> str:
        """A label with its placeholders filled in."""
        value = self.labels[language].data
        for part in key:
            value = value[part]
        values = self.values(words)
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), str(value).strip())

    def edge_keys(self) -> set[str]:
        return {edge.label for edge in self.edges if edge.label is not None}


NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def format_value(spec, words: Catalogue) -> str:
    """`30` -> "30"; `0.26` -> "0.26" / "0,26"; `{percent: 10}` -> "10%" / "10 %"."""
    if isinstance(spec, dict) and set(spec) == {"percent"} and NUMBER.match(str(spec["percent"])):
        return babel_numbers.format_percent(Decimal(str(spec["percent"])) / 100, locale=words.locale,
                                            decimal_quantization=False, group_separator=False)
    if isinstance(spec, str) and NUMBER.match(spec):
        decimals = len(spec.partition(".")[2])  # as many decimals as written: 83.0 stays 83.0 (83,0)
        try:
            return words.number(Decimal(spec), decimals=decimals)
        except InvalidOperation:
            pass
    raise ValueError(spec)


def figure_files(root: Path) -> list[Path]:
    """The structure files: figures/<name>.yml (labels have a language before .yml)."""
    folder = root / FIGURE_DIR
    return sorted(p for p in folder.glob("*.yml") if "." not in p.stem) if folder.is_dir() else []


def load(root: Path, languages) -> tuple[dict[str, Figure], list[Problem]]:
    """Every figure of the project, and what could not be read."""
    figures, problems = {}, []
    for path in figure_files(root):
        rel = f"{FIGURE_DIR}/{path.name}"
        if not NAME.match(path.stem):
            problems.append(Problem(rel, 1, f"figure name '{path.stem}' has characters other than a-z, 0-9 and '-'",
                                    "rename the figure's files (and its markers)"))
            continue
        structure, found = read_source(path, rel)
        problems += found
        if structure is None:
            continue
        labels = {}
        for language in languages.all:
            label_path = path.with_name(f"{path.stem}.{language}.yml")
            if not label_path.is_file():
                problems.append(Problem(rel, 1, f"figure '{path.stem}' has no labels in {language}",
                                        f"create {FIGURE_DIR}/{label_path.name} with every label of "
                                        f"{FIGURE_DIR}/{path.stem}.{languages.source}.yml, translated"))
                continue
            source, found = read_source(label_path, f"{FIGURE_DIR}/{label_path.name}")
            problems += found
            if source is not None:
                labels[language] = source
        figures[path.stem] = Figure(path.stem, structure, labels)
    known = {f"{name}.{language}" for name in figures for language in languages.all}
    for path in sorted((root / FIGURE_DIR).glob("*.*.yml")) if (root / FIGURE_DIR).is_dir() else []:
        if path.stem not in known:
            name = path.stem.rsplit(".", 1)[0]
            problems.append(Problem(f"{FIGURE_DIR}/{path.name}", 1,
                                    f"labels of a figure '{name}' in a language that is not in mkdocs.yml"
                                    if name in figures else f"labels of figure '{name}', which has no {name}.yml",
                                    "remove the file, or add the figure's structure (or the language)"))
    return figures, problems


# ----------------------------------------------------------------- the gate

def markers(text: str) -> list[tuple[str, int]]:
    """(figure name, line) of every figure marker on a page (not in code)."""
    if "{{" not in text:
        return []  # most pages: no need to mask the code
    masked = mask_code(text)
    return [(m.group(1), masked.count("\n", 0, m.start()) + 1) for m in MARKER.finditer(masked)]


def check(project, bibliography, catalogues: dict[str, Catalogue]) -> list[Problem]:
    """Every figure against its structure, its labels in every language, the
    bibliography and the pages it stands on; every marker on a page against
    the figures."""
    languages = project.languages
    figures, problems = load(project.root, languages)
    known_keys = bibliography.entries.entries if bibliography.readable else None
    for figure in figures.values():
        problems += _check_structure(figure, known_keys)
        problems += _check_labels(figure, languages, catalogues)
    problems += _check_pages(project, figures, known_keys)
    return problems


def _check_structure(figure: Figure, known_keys) -> list[Problem]:
    s = figure.structure
    problems = []

    def problem(line: int, message: str, fix: str) -> None:
        problems.append(Problem(s.rel, line, message, fix))

    for key in s.data:
        if key not in STRUCTURE_KEYS:
            problem(s.line(key), f"unknown key '{key}'", f"allowed keys: {', '.join(STRUCTURE_KEYS)}")
    if not figure.nodes:
        problem(1, "a figure needs nodes", "list them under nodes: (CONTRIBUTING.md, \"Figures\")")
    if s.data.get("layout", "TB") not in LAYOUTS:
        problem(s.line("layout"), f"layout '{s.data['layout']}' is unknown", "write TB (top to bottom) or LR (left to right)")
    if "wrap" in s.data and not (str(s.data["wrap"]).isdigit() and 10 <= int(s.data["wrap"]) <= 80):
        problem(s.line("wrap"), f"wrap '{s.data['wrap']}' is not a line length", "write a number of characters from 10 to 80")
    for name, spec in (s.data.get("values") or {}).items():
        if not NAME_OR_WORD.match(str(name)):
            problem(s.line("values", name), f"value name '{name}' is not a word", "use letters, digits and _ only")
        try:
            _check_value(spec)
        except ValueError:
            problem(s.line("values", name), f"value '{name}' is not a number",
                    "write a number (2.75) or a percentage ({percent: 10})")
    nodes = figure.nodes
    for name, spec in nodes.items():
        if not NAME_OR_WORD.match(name):
            problem(s.line("nodes", name), f"node name '{name}' is not a word", "use letters, digits and _ only")
        for key in spec:
            if key not in ("kind", "evidence", "cite"):
                problem(s.line("nodes", name, key), f"node '{name}' has the unknown key '{key}'",
                        "a node has kind, evidence and cite")
        kind = spec.get("kind", "question")
        if kind not in KINDS:
            problem(s.line("nodes", name, "kind"), f"node '{name}' has the kind '{kind}'",
                    f"use one of: {', '.join(KINDS)}")
        level = spec.get("evidence")
        if level is not None and level not in EVIDENCE_LEVELS:
            problem(s.line("nodes", name, "evidence"), f"unknown evidence level '{level}'",
                    f"use one of: {', '.join(EVIDENCE_LEVELS)}")
    for index, item in enumerate(s.data.get("edges") or []):
        if not (isinstance(item, list) and len(item) in (2, 3)):
            problem(s.line("edges", index), "an edge is [from, to] or [from, to, label]",
                    "write it as [a, b] or [a, b, label], label being a key under edges: in the labels")
            continue
        for end in item[:2]:
            if str(end) not in nodes:
                problem(s.line("edges", index), f"edge from '{item[0]}' to '{item[1]}': '{end}' is not a node",
                        "add it under nodes: or correct the name")
    for group, members in figure.groups.items():
        for member in members:
            if member not in nodes:
                problem(s.line("groups", group), f"group '{group}' holds '{member}', which is not a node",
                        "add it under nodes: or correct the name")
    for index, rank in enumerate(figure.ranks):
        for member in rank:
            if member not in nodes:
                problem(s.line("ranks", index), f"rank holds '{member}', which is not a node",
                        "add it under nodes: or correct the name")
    if not figure.cited:
        problem(1, "the figure cites no source", "list the sources of its page that it draws on under cite:")
    citations = [(k, s.line("cite", i)) for i, k in enumerate(s.data.get("cite") or [])]
    citations += [(k, s.line("nodes", n, "cite", i)) for n, spec in nodes.items()
                  for i, k in enumerate(spec.get("cite") or [])]
    for key, line in citations:
        if known_keys is not None and str(key) not in known_keys:
            problem(line, f"unknown citation key '{key}'", "add the entry to bibliography.bib or correct the key")
    return problems


NAME_OR_WORD = re.compile(r"^\w+$")


def _check_value(spec) -> None:
    if isinstance(spec, dict) and set(spec) == {"percent"} and NUMBER.match(str(spec["percent"])):
        return
    if isinstance(spec, str) and NUMBER.match(spec):
        return
    raise ValueError(spec)


def _label_entries(figure: Figure, data: dict) -> dict[tuple, object]:
    """Every label a language must give: title, caption, each node, group and edge label."""
    wanted = {("title",): data.get("title"), ("caption",): data.get("caption")}
    for section, names in (("nodes", figure.nodes), ("groups", figure.groups), ("edges", figure.edge_keys())):
        given = data.get(section) if isinstance(data.get(section), dict) else {}
        for name in names:
            wanted[(section, name)] = given.get(name)
    return wanted


WHAT = {"nodes": "node", "groups": "group", "edges": "edge label"}


def _describe(key: tuple) -> str:
    return f"'{key[0]}'" if len(key) == 1 else f"{WHAT[key[0]]} '{key[1]}'"


def _check_labels(figure: Figure, languages, catalogues: dict[str, Catalogue]) -> list[Problem]:
    problems = []
    values = set((figure.structure.data.get("values") or {}))
    source = figure.labels.get(languages.source)
    numbers: dict[str, dict[tuple, dict[str, int]]] = {}
    for language, labels in figure.labels.items():
        data = labels.data
        for key in data:
            if key not in LABEL_KEYS:
                problems.append(Problem(labels.rel, labels.line(key), f"unknown key '{key}'",
                                        f"allowed keys: {', '.join(LABEL_KEYS)}"))
        wanted = _label_entries(figure, data)
        for key, text in wanted.items():
            if not isinstance(text, str) or not text.strip():
                origin = f", translated from {source.rel}:{source.line(*key)}" if source and language != languages.source else ""
                problems.append(Problem(labels.rel, labels.line(*key), f"no label for {_describe(key)}",
                                        f"add it{origin}"))
        for section, known in (("nodes", figure.nodes), ("groups", figure.groups), ("edges", figure.edge_keys())):
            for name in (data.get(section) or {}) if isinstance(data.get(section), dict) else {}:
                if name not in known:
                    problems.append(Problem(
                        labels.rel, labels.line(section, name),
                        f"label for {WHAT[section]} '{name}', which {figure.structure.rel} does not have",
                        f"remove it, or add it to {figure.structure.rel} (every language draws the same figure)"))
        words = catalogues.get(language)
        if words is not None:  # the pages' rule: no 2.75 in a language that writes 2,75
            from .checks import DECIMAL_POINT, POINT_GROUPS, check_decimal_separator  # checks imports this
            problems += check_decimal_separator(labels.path.read_text(encoding="utf-8"), labels.rel, words)
        numbers[language] = {}
        for key, text in wanted.items():
            if not isinstance(text, str):
                continue
            line = labels.line(*key)
            for name in PLACEHOLDER.findall(text):
                if name not in values:
                    choice = ", ".join(f"{{{v}}}" for v in sorted(values)) or "none yet"
                    problems.append(Problem(labels.rel, line, f"placeholder {{{name}}} is not a value of "
                                            f"{figure.structure.rel}",
                                            f"use one of its values ({choice}) or add {name} under values:"))
            if "@" in text and CITATION_KEY.search(text):
                problems.append(Problem(labels.rel, line, f"citation in the label of {_describe(key)}",
                                        f"list sources under cite: in {figure.structure.rel}; the caption cites them"))
            if words is not None:
                bare = PLACEHOLDER.sub(" ", text)
                if words.decimal_symbol != ".":  # reported above; read it as the number it means
                    grouped = words.group_symbol == "."  # German 1.250 is a thousand, not a decimal
                    bare = DECIMAL_POINT.sub(lambda m: m.group(0) if grouped and POINT_GROUPS.fullmatch(m.group(0))
                                             else m.group(0).replace(".", words.decimal_symbol), bare)
                numbers[language][key] = {
                    normalise_number(m.group(1), m.group(2)): line
                    for m in number_pattern(words.decimal_symbol, words.group_symbol).finditer(bare)}
    if source is not None and languages.source in numbers:
        for language in languages.translations:
            if language not in numbers:
                continue
            for key, found in numbers[language].items():
                theirs = numbers[languages.source].get(key, {})
                for number, line in found.items():
                    if number not in theirs:
                        problems.append(Problem(figure.labels[language].rel, line,
                                                f"the label of {_describe(key)} has the number {number}, which "
                                                f"{source.rel} does not",
                                                _NUMBER_FIX.format(structure=figure.structure.rel)))
                for number in theirs:
                    if number not in found:
                        problems.append(Problem(source.rel, theirs[number],
                                                f"the label of {_describe(key)} has the number {number}, which "
                                                f"{figure.labels[language].rel} does not",
                                                _NUMBER_FIX.format(structure=figure.structure.rel)))
    return problems


_NUMBER_FIX = "write a threshold once, under values: in {structure}, and name it by {{placeholder}} in every language"


def _check_pages(project, figures: dict[str, Figure], known_keys) -> list[Problem]:
    """Markers name existing figures, stand in every twin, and each figure
    stands on one page whose text cites every source the figure cites."""
    languages = project.languages
    problems = []
    placed: dict[str, dict[str, tuple[str, int]]] = {}  # figure -> language -> (page, line)
    for language in languages.all:
        for name, path in project.pages(language).items():
            rel = project.rel(path)
            for figure, line in markers(path.read_text(encoding="utf-8")):
                if figure not in figures:
                    problems.append(Problem(rel, line, f"figure '{figure}' does not exist",
                                            f"correct the name, or create {FIGURE_DIR}/{figure}.yml and its labels "
                                            f"(scripts/handbook.py new PAGE --figure NAME)"))
                    continue
                where = placed.setdefault(figure, {})
                if language in where:
                    first = where[language]
                    problems.append(Problem(rel, line, f"figure '{figure}' is already on "
                                            f"{project.rel(project.docs / language / first[0])}:{first[1]}",
                                            "a figure stands once, on the page it belongs to; link to it there"))
                    continue
                where[language] = (name, line)
    for figure_name, where in sorted(placed.items()):
        pages = {page for page, _ in where.values()}
        for language, (page, line) in where.items():
            for other in languages.all:
                if other != language and where.get(other, (None,))[0] != page:
                    problems.append(Problem(
                        project.rel(project.docs / language / page), line,
                        f"figure '{figure_name}' is not on its twin docs/{other}/{page}",
                        f"place {{{{ figure \"{figure_name}\" }}}} at the same place in every language"))
        if len(pages) == 1 and languages.source in where:
            page = where[languages.source][0]
            text = (project.docs / languages.source / page).read_text(encoding="utf-8")
            cited = scan_citations(text).keys
            figure = figures[figure_name]
            s = figure.structure
            lines = {str(k): s.line("cite", i) for i, k in enumerate(s.data.get("cite") or [])}
            for node, spec in figure.nodes.items():
                for i, k in enumerate(spec.get("cite") or []):
                    lines.setdefault(str(k), s.line("nodes", node, "cite", i))
            for key in figure.cited:
                if key not in cited and (known_keys is None or key in known_keys):  # unknown: reported already
                    problems.append(Problem(s.rel, lines.get(key, 1),
                                            f"cites '{key}', which docs/{languages.source}/{page} (where the figure "
                                            "stands) does not cite",
                                            "a figure shows what its page says: cite the source in the page's text "
                                            "too, or remove it from the figure"))
    for name, figure in sorted(figures.items()):
        if name not in placed:
            problems.append(Problem(figure.structure.rel, 1, f"figure '{name}' is on no page",
                                    f"place {{{{ figure \"{name}\" }}}} on the page it belongs to, in every language"))
    return problems


# ----------------------------------------------------------------- drawing

# Never break a line between a comparison sign and its number, or a number
# and its unit: "≥ 5 mm" stays on one line (a no-break space).
KEEP_TOGETHER = re.compile(r"(?<=[≥≤<>=±×]) (?=\d)|(?<=\d) (?=[^\W\d]|%|/)")


def _html_label(text: str, wrap: int, evidence: str | None = None) -> str:
    """A Graphviz HTML-like label: the first line bold when there are more,
    each line wrapped to `wrap` characters."""
    lines = [KEEP_TOGETHER.sub("\u00a0", line.strip()) for line in text.split("\n") if line.strip()]
    out = []
    for index, line in enumerate(lines):
        wrapped = textwrap.wrap(line, wrap, break_long_words=False, break_on_hyphens=False) or [""]
        escaped = "<BR/>".join(html.escape(part, quote=True) for part in wrapped)
        out.append(f"<B>{escaped}</B>" if index == 0 and len(lines) > 1 else escaped)
    if evidence:
        out.append(f"<I>{html.escape(evidence)}</I>")
    return "<" + "<BR/>".join(out) + ">"


def dot_source(figure: Figure, language: str, words: Catalogue) -> str:
    """The figure in Graphviz's DOT language, in one language."""
    data = figure.structure.data
    wrap = int(data.get("wrap", 26))
    evidence_names = words.get("page.evidence")
    out = [
        "digraph figure {",
        f'  graph [rankdir={data.get("layout", "TB")}, bgcolor=transparent, fontname="{FONT}", '
        f'fontsize={FONT_SIZE}, nodesep=0.25, ranksep=0.35, pad=0.05, newrank=true, ordering=out, remincross=false];',
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize={FONT_SIZE}, '
        f'margin="0.12,0.06", penwidth=1.2, color="{LINE_COLOUR}"];',
        f'  edge [fontname="{FONT}", fontsize={FONT_SIZE - 1}, color="{LINE_COLOUR}", fontcolor="{LINE_COLOUR}", '
        'arrowsize=0.8, penwidth=1.1];',
    ]

    def node_line(name: str, spec: dict, indent: str) -> str:
        kind = spec.get("kind", "question")
        evidence = evidence_names.get(spec["evidence"]) if spec.get("evidence") else None
        label = _html_label(figure.text(language, words, "nodes", name), wrap, evidence)
        colour = f', color="{URGENT_COLOUR}", penwidth=2' if kind == "urgent" else ""
        return f'{indent}"{name}" [class="kind-{kind}", fillcolor="{KINDS[kind]}"{colour}, label={label}];'

    grouped = {member for members in figure.groups.values() for member in members}
    for index, (group, members) in enumerate(figure.groups.items()):
        out.append(f'  subgraph "cluster_{group}" {{')
        out.append(f'    class="group"; style="rounded,dashed"; color="{LINE_COLOUR}"; margin=10; '
                   f'label={_html_label(figure.text(language, words, "groups", group), wrap * 2)};')
        out += [node_line(m, figure.nodes[m], "    ") for m in members if m in figure.nodes]
        out.append("  }")
    out += [node_line(n, spec, "  ") for n, spec in figure.nodes.items() if n not in grouped]
    for rank in figure.ranks:
        out.append("  { rank=same; " + " ".join(f'"{n}";' for n in rank) + " }")
        # side by side in the order written (ISS I, II, III), not wherever
        # the layout would put them: invisible arrows between neighbours
        out += [f'  "{a}" -> "{b}" [style=invis];' for a, b in zip(rank, rank[1:])]
    for edge in figure.edges:
        label = (f" [label={_html_label(figure.text(language, words, 'edges', edge.label), wrap)}]"
                 if edge.label else "")
        out.append(f'  "{edge.source}" -> "{edge.target}"{label};')
    out.append("}")
    return "\n".join(out) + "\n"


class DrawingError(Exception):
    """Graphviz could not draw a figure; the message says what to do."""


@dataclass
class Drawer:
    """Draws figures with Graphviz `dot`, remembering each drawing under
    .cache/figures/<sha256 of the DOT source>.svg: a figure whose structure,
    labels and values have not changed is never drawn again."""
    root: Path
    calls: int = 0  # how often dot ran (the tests check that a warm cache makes none)

    @property
    def cache(self) -> Path:
        return self.root / CACHE_DIR

    def svg(self, source: str) -> str:
        digest = hashlib.sha256(f"{DRAWING_VERSION}\n{source}".encode()).hexdigest()
        cached = self.cache / f"{digest}.svg"
        if cached.is_file():
            return cached.read_text(encoding="utf-8")
        program = os.environ.get(DOT_VARIABLE) or "dot"
        self.calls += 1
        try:
            result = subprocess.run([program, "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise DrawingError(f"Graphviz '{program}' is not installed -> run `python3 scripts/handbook.py setup` "
                               "(it installs the Debian package graphviz)") from None
        except subprocess.TimeoutExpired:
            raise DrawingError(f"Graphviz '{program}' took more than 60 s -> simplify the figure") from None
        if result.returncode != 0 or "<svg" not in result.stdout:
            raise DrawingError(f"Graphviz '{program}' failed: {result.stderr.strip()[:500]} -> check the figure's labels")
        self.cache.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(result.stdout, encoding="utf-8")
        partial.replace(cached)  # atomic: a parallel build never reads half a file
        return result.stdout


SVG_PREAMBLE = re.compile(r"\A.*?(?=<svg\b)", re.S)
SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)
SVG_TITLE = re.compile(r"<title>.*?</title>\s*", re.S)
SVG_ID = re.compile(r'\sid="[^"]*"')
SVG_FONT = re.compile(r'\sfont-family="[^"]*"')
SVG_BACKGROUND = re.compile(r'<polygon fill="transparent" stroke="transparent"[^>]*/>\s*')
SVG_ROOT = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([^"]*)"[^>]*>')


def inline_svg(svg: str, title: str, described_by: str) -> str:
    """Graphviz's SVG made fit to sit inside a page: no XML preamble,
    comments, ids (two figures on a page would share them) or tooltips of
    node names; one generic font family on the root; sized in CSS pixels
    (1 Graphviz point = 1 px, so the labels are 14 px); an accessible name
    and description."""
    svg = SVG_PREAMBLE.sub("", svg, count=1)
    for pattern in (SVG_COMMENT, SVG_TITLE, SVG_ID, SVG_FONT, SVG_BACKGROUND):
        svg = pattern.sub("", svg)

    def root(match: re.Match) -> str:
        width, height, box = match.groups()
        return (f'<svg class="handbook-figure__svg" width="{float(width):g}" height="{float(height):g}" '
                f'viewBox="{box}" xmlns="http://www.w3.org/2000/svg" role="img" focusable="false" '
                f'aria-label="{html.escape(title, quote=True)}" aria-describedby="{described_by}" '
                f'font-family="{FONT}">')

    svg, count = SVG_ROOT.subn(root, svg, count=1)
    if not count:
        raise DrawingError("Graphviz wrote an SVG of an unexpected shape -> report this with the figure's name")
    return svg.strip()


def for_print(content: str) -> str:
    """The PDF embeds only the handbook's own fonts (pdf.FONTS): figures name
    the embedded sans instead of the generic family. Paper shows the drawing,
    not the figure in words (handbook-print.css), so a tagged figure's
    alternative text, which WeasyPrint takes from the SVG's <title>, is the
    accessible name followed by the words (the element aria-describedby
    names), citation numbers left out."""
    described = {match.group(1): print_words(match.group(2)) for match in WORDS_BLOCK.finditer(content)}

    def root(match: re.Match) -> str:
        start, label = match.group(1), ARIA_LABEL.search(match.group(1))
        described_by = DESCRIBED_BY.search(start)
        words = described.get(described_by.group(1), "") if described_by else ""
        alternative = ". ".join(part for part in (html.unescape(label.group(1)) if label else "", words) if part)
        title = f"<title>{html.escape(alternative, quote=False)}</title>" if alternative else ""
        return f'{start} font-family="{PRINT_FONT}">{title}'

    return PRINT_ROOT.sub(root, content)


def print_words(fragment: str) -> str:
    """A figure's words list as one line of text: items end with ";", a
    nested list goes in brackets."""
    text = OUTER_LIST.sub(r"\1", CITATION.sub("", fragment))
    for tag, plain in (("<ul>", " ("), ("</ul>", ")"), ("</li>", "; ")):
        text = text.replace(tag, plain)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
    text = re.sub(r"\s*;\s*\)", ")", re.sub(r"\(\s+", "(", text))
    return re.sub(r"\s+;", ";", text).rstrip("; ")


PRINT_ROOT = re.compile(r'(<svg class="handbook-figure__svg"[^>]*?) font-family="[^"]*">')
ARIA_LABEL = re.compile(r'\saria-label="([^"]*)"')
DESCRIBED_BY = re.compile(r'\saria-describedby="([^"]*)"')
WORDS_BLOCK = re.compile(r'<details class="handbook-figure__words">.*?<div id="([^"]+)">(.*?)</div>\s*</details>', re.S)
OUTER_LIST = re.compile(r"\A\s*<ul>(.*)</ul>\s*\Z", re.S)
CITATION = re.compile(r'<sup (?:id="fnref|class="cite-sep")[^>]*>.*?</sup>', re.S)


# ----------------------------------------------------------------- on the page

def _markdown_text(text: str) -> str:
    """A label as literal Markdown text (inline; no markup of its own)."""
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", html.escape(text, quote=False))


def _title_and_rest(text: str) -> tuple[str, str]:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    # A list drawn one item a line ("ISS III: 1.5", "ISS II: 1") is read as a
    # list, not run together: a line without closing punctuation ends in "; ".
    rest = "".join(line + ("" if index == len(lines) - 2 else (" " if line[-1] in ".;:?!" else "; "))
                   for index, line in enumerate(lines[1:]))
    return (lines[0] if lines else ""), rest


def words_markdown(figure: Figure, language: str, words: Catalogue) -> str:
    """The figure in words: one item per node, in the order of the structure,
    with its group, its evidence level and where each of its arrows leads."""
    evidence = words.get("page.evidence")
    s = words.get("figures")
    group_of = {m: g for g, members in figure.groups.items() for m in members}
    items = []
    for name, spec in figure.nodes.items():
        head, rest = _title_and_rest(figure.text(language, words, "nodes", name))
        line = f"- **{_markdown_text(head)}**"
        if rest:  # "**MGUS**: M-protein …", but "**Any event?** A CRAB feature …"
            line += (" " if head[-1:] in "?.!:" else ": ") + _markdown_text(rest)
        extras = []
        if name in group_of:
            extras.append(_markdown_text(figure.text(language, words, "groups", group_of[name]).replace("\n", " ")))
        if spec.get("evidence"):
            extras.append(f"{_markdown_text(words.text('page.evidence_title'))}: {_markdown_text(evidence[spec['evidence']])}")
        if extras:
            line += " (" + "; ".join(extras) + ")"
        if spec.get("cite"):
            line += " [" + "; ".join(f"@{k}" for k in spec["cite"]) + "]"
        items.append(line)
        for edge in figure.edges:
            if edge.source != name:
                continue
            target = _markdown_text(_title_and_rest(figure.text(language, words, "nodes", edge.target))[0])
            if edge.label:
                condition = _markdown_text(figure.text(language, words, "edges", edge.label).replace("\n", " "))
                items.append("    - " + s["branch"].format(condition=condition, target=target))
            else:
                items.append("    - " + s["next"].format(target=target))
    return "\n".join(items)


def figure_markdown(figure: Figure, language: str, words: Catalogue, number: int) -> str:
    """What replaces a page's marker: a <figure> with the drawing's token (the
    SVG goes in after Markdown, in `fill`), the numbered caption with its
    citations, and the figure in words."""
    s = words.get("figures")
    anchor = f"figure-{figure.name}"
    title = _markdown_text(figure.text(language, words, "title"))
    caption = _markdown_text(figure.text(language, words, "caption"))
    keys = "; ".join(f"@{key}" for key in figure.cited)
    label = s["label"].format(number=number)
    return "\n".join([
        "",
        f'<figure class="handbook-figure" id="{anchor}" markdown="block">',
        # above the drawing, shown only on a narrow screen (handbook.css), where it scrolls sideways
        f'<p class="handbook-figure__hint" aria-hidden="true" data-search-exclude="true">{html.escape(s["scroll_hint"])}</p>',
        f'<div class="handbook-figure__drawing" data-search-exclude="true">⟦figure:{figure.name}⟧</div>',
        '<figcaption markdown="span">'
        f"<strong>{html.escape(label)}</strong> {title}. {caption} [{keys}]</figcaption>",
        '<details class="handbook-figure__words" markdown="block">',
        f"<summary>{html.escape(s['in_words'].format(number=number))}</summary>",
        f'<div id="{anchor}-words" markdown="block">',
        "",
        words_markdown(figure, language, words),
        "",
        "</div>",
        "</details>",
        "</figure>",
        "",
    ])


class Pages:
    """What the build hook uses: markers in a page's Markdown become figures,
    and after Markdown the tokens become drawings."""

    def __init__(self, root: Path, languages):
        self.root = root
        self.figures, _ = load(root, languages)  # problems: reported by the gate before the build
        self.drawer = Drawer(root)

    def expand(self, markdown: str, language: str, words: Catalogue) -> str:
        if "{{" not in markdown:
            return markdown
        count = 0
        masked = mask_code(markdown)

        def replace(match: re.Match) -> str:
            nonlocal count
            if masked[match.start():match.end()] != match.group(0) or match.group(1) not in self.figures:
                return match.group(0)  # in code, or unknown (the gate reports it)
            count += 1
            return figure_markdown(self.figures[match.group(1)], language, words, count)

        return MARKER.sub(replace, markdown)

    def fill(self, content: str, language: str, words: Catalogue) -> str:
        def replace(match: re.Match) -> str:
            figure = self.figures[match.group(1)]
            try:
                svg = self.drawer.svg(dot_source(figure, language, words))
            except DrawingError as error:
                raise DrawingError(f"{figure.structure.rel}:1: {error}") from None
            return inline_svg(svg, figure.text(language, words, "title"), f"figure-{figure.name}-words")

        return TOKEN.sub(replace, content)
