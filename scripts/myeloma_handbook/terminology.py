"""The terminology gate: each language's preferred terms and writing
conventions, kept as data (`i18n/terms/<language>.yml`), and the check that
a page does not use a form the list says to avoid.

A list has three parts:

- `sources`: short names for what settles a decision (the national guideline,
  a dictionary, a journal, the product information), each with the label the
  messages print;
- `terms`: one entry per concept: `preferred` (the term as the pages write it),
  optional `abbreviation`, `avoid` (the forms not to write), `source` (a key
  of `sources`) and an optional `note`. The search data reads `preferred` and
  `avoid` as groups of names readers may type (search_terms.py);
- `style`: writing conventions that are not terms (dates, spacing, address),
  each a regular expression `pattern` with `write` (what to write instead),
  `source` and optional `note`.

How a form to avoid is matched: as whole words, each word case-insensitively
unless it has two or more capitals (SmPC, eGFR, IU keep their case); a space
between words matches any white space (a line break too), a hyphen any hyphen
or dash, so `CAR T cells` and `CAR-T cells` are different forms; `*` at the
end of a word stands for any ending, so an
inflected form is written out as its stem (`gamapatij*` matches gamapatija,
gamapatije, gamapatijo ...). A form may instead be `{pattern: REGEX}` where a
stem alone would catch too much. An entry or rule with `scope: headings`
applies only to headings below the page title (`##` and lower).

What is never checked: front matter other than `title` and `description`,
code (fenced and inline), HTML comments and tags, URLs and link targets,
citation keys, evidence labels, attribute lists, abbreviation definitions
and admonition heads (markdown_source.mask_non_prose). A quoted example of
what not to write (a contributing page, a note on an older name) is allowed
on its line by a comment on the same line: `<!-- terminology: allow "X" -->`
(several quoted forms may follow `allow`), or is written as code.

The strings of the language's catalogue (i18n/<language>.yml) are checked
with the same rules (only its values, not keys, comments or YAML quoting).

A page or catalogue string that uses a form to avoid fails with
`file:line: uses "X" -> write "Y" (source)`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import memo
from .markdown_source import FRONT_MATTER, mask_non_prose
from .problems import Problem

TERMS_DIR = Path("i18n") / "terms"
TOP_KEYS = {"sources", "terms", "style"}
TERM_KEYS = {"preferred", "abbreviation", "avoid", "source", "note", "scope"}
STYLE_KEYS = {"name", "pattern", "write", "source", "note", "scope", "flags"}
SCOPES = ("prose", "headings")
ALLOW = re.compile(r"<!--\s*terminology:\s*allow\s+(.*?)-->", re.I)
QUOTED = re.compile(r"\"([^\"]+)\"|»([^«]+)«|“([^”]+)”")
HEADING = re.compile(r"^#{2,6}[ \t]")
SHOWN_FIELDS = ("title", "description")  # front matter that readers see as text


class _LineLoader(yaml.SafeLoader):
    """Mappings remember the line they start on, for the problems."""


class _LineDict(dict):
    line = 0
    key_lines: dict = {}


def _mapping(loader, node):
    value = _LineDict(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    value.key_lines = {key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    write: str  # what the message tells the writer to write instead
    source: str  # the label of the source that settles it
    headings_only: bool = False
    # A word every match contains (casefolded), so a page without it is skipped
    # without running the pattern: most pages use no form to avoid, and the
    # patterns were most of a build's source checks.
    literal: str = ""


SEPARATORS = {" ": r"\s+", "-": r"[-\u2010-\u2015]", "/": "/"}


def form_pattern(form: str) -> re.Pattern:
    """A form to avoid as a pattern: whole words; a space in the form is any
    white space, a hyphen any hyphen or dash; `*` ends a word with any
    ending; a word with two or more capitals keeps its case, the others
    ignore it."""
    pieces = re.split(r"(\s+|[-\u2010-\u2015/])", form.strip())
    if not form.strip():
        raise ValueError("an empty form")
    parts = []
    for index, piece in enumerate(pieces):
        if index % 2:  # a separator
            key = " " if piece.isspace() else ("/" if piece == "/" else "-")
            parts.append(SEPARATORS[key])
            continue
        stem, star, rest = piece.partition("*")
        if rest or not stem:
            raise ValueError(f"a word is missing, or '*' is not at the end of a word: {form!r}")
        part = re.escape(stem) + (r"\w*" if star else "")
        parts.append(part if sum(c.isupper() for c in stem) >= 2 else f"(?i:{part})")
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)")


@dataclass
class Terminology:
    language: str
    rel: str  # the list's path, relative to the project root
    rules: list[Rule]
    problems: list[Problem]  # what is wrong with the list itself


def path_of(root: Path, language: str) -> Path:
    return root / TERMS_DIR / f"{language}.yml"


def load(root: Path, language: str) -> Terminology:
    """The language's list (no list: no rules), with its own problems."""
    path = path_of(root, language)
    rel = (TERMS_DIR / path.name).as_posix()
    if not path.is_file():
        return Terminology(language, rel, [], [])
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return Terminology(language, rel, [], [Problem(
            rel, mark.line + 1 if mark else 0, f"not valid YAML: {getattr(error, 'problem', error)}",
            "fix the YAML syntax (quote text that holds ': ' or starts with a special character)")])
    if not isinstance(data, dict):
        return Terminology(language, rel, [], [Problem(rel, 1, "a terminology list must be a mapping",
                                                       "write the keys sources, terms and style")])
    key_lines = _key_lines(data)
    problems = [Problem(rel, key_lines.get(key, data.line), f"unknown key '{key}'", "use sources, terms and style")
                for key in data if key not in TOP_KEYS]
    sources = data.get("sources") or {}
    if not isinstance(sources, dict) or not all(isinstance(v, str) and v.strip() for v in sources.values()):
        problems.append(Problem(rel, getattr(sources, "line", data.line), "'sources' must map names to labels",
                                "write each source as name: label (what settles the decision)"))
        sources = {}
    rules: list[Rule] = []
    for entry in _entries(data, "terms", rel, problems):
        rules += _term_rules(entry, sources, rel, problems)
    for entry in _entries(data, "style", rel, problems):
        rules += _style_rules(entry, sources, rel, problems)
    return Terminology(language, rel, rules, problems)


def _key_lines(data) -> dict:
    """The line of each top-level key (the loader keeps the mapping's line only)."""
    return getattr(data, "key_lines", {})


def _entries(data, key: str, rel: str, problems: list[Problem]) -> list:
    entries = data.get(key) or []
    if not isinstance(entries, list):
        problems.append(Problem(rel, data.line, f"'{key}' must be a list", f"write each entry of {key} as '- ...'"))
        return []
    kept = []
    for entry in entries:
        if isinstance(entry, dict):
            kept.append(entry)
        else:
            problems.append(Problem(rel, data.line, f"an entry of '{key}' is not a mapping",
                                    "write it as key: value lines under '- '"))
    return kept


def _source(entry, sources: dict, rel: str, problems: list[Problem]) -> str | None:
    name = entry.get("source")
    if name in sources:
        return sources[name]
    problems.append(Problem(rel, entry.line, f"source '{name}' is not listed under 'sources'" if name else
                            "the entry names no source",
                            "name what settles it: a key of sources (guideline, dictionary, journal, product information)"))
    return None


def _scope(entry, rel: str, problems: list[Problem]) -> bool | None:
    scope = entry.get("scope", "prose")
    if scope not in SCOPES:
        problems.append(Problem(rel, entry.line, f"unknown scope '{scope}'", f"use one of: {', '.join(SCOPES)}"))
        return None
    return scope == "headings"


def _term_rules(entry, sources: dict, rel: str, problems: list[Problem]) -> list[Rule]:
    for key in entry:
        if key not in TERM_KEYS:
            problems.append(Problem(rel, entry.line, f"unknown key '{key}' in a term",
                                    f"use {', '.join(sorted(TERM_KEYS))}"))
    preferred = entry.get("preferred")
    if not (isinstance(preferred, str) and preferred.strip()):
        problems.append(Problem(rel, entry.line, "a term has no 'preferred'", "write the term as the pages write it"))
        return []
    source, headings_only = _source(entry, sources, rel, problems), _scope(entry, rel, problems)
    avoid = entry.get("avoid") or []
    avoid = [avoid] if isinstance(avoid, (str, dict)) else avoid
    if not isinstance(avoid, list) or not avoid:
        problems.append(Problem(rel, entry.line, f"'{preferred}' lists no form to avoid",
                                "write avoid: [form, ...] (a stem ending in * covers its inflected forms)"))
        return []
    rules = []
    for form in avoid:
        try:
            literal = ""
            if isinstance(form, dict) and set(form) == {"pattern"}:
                pattern = re.compile(form["pattern"])
            elif isinstance(form, str):
                pattern = form_pattern(form)
                literal = re.split(r"[\s\-\u2010-\u2015/*]", form.strip())[0].casefold()
            else:
                raise ValueError("a form is text, or {pattern: REGEX}")
        except (re.error, ValueError, TypeError) as error:
            problems.append(Problem(rel, entry.line, f"'{preferred}': a form to avoid cannot be read: {error}",
                                    "write whole words with * only at a word's end, or {pattern: REGEX}"))
            continue
        if source is not None and headings_only is not None:
            abbreviation = entry.get("abbreviation")
            write = f"{preferred.strip()} ({abbreviation})" if abbreviation else preferred.strip()
            rules.append(Rule(pattern, write, source, headings_only, literal))
    return rules


def _style_rules(entry, sources: dict, rel: str, problems: list[Problem]) -> list[Rule]:
    for key in entry:
        if key not in STYLE_KEYS:
            problems.append(Problem(rel, entry.line, f"unknown key '{key}' in a style rule",
                                    f"use {', '.join(sorted(STYLE_KEYS))}"))
    name = entry.get("name") or "a style rule"
    write = entry.get("write")
    if not (isinstance(write, str) and write.strip()):
        problems.append(Problem(rel, entry.line, f"{name} does not say what to write",
                                "write write: the form to use instead"))
        return []
    source, headings_only = _source(entry, sources, rel, problems), _scope(entry, rel, problems)
    flags = re.IGNORECASE if entry.get("flags") == "ignorecase" else 0
    try:
        pattern = re.compile(entry.get("pattern") or "", flags)
        if not pattern.pattern:
            raise re.error("empty pattern")
    except (re.error, TypeError) as error:
        problems.append(Problem(rel, entry.line, f"{name}: pattern is not a regular expression: {error}",
                                "fix the pattern (Python re syntax; quote it in single quotes)"))
        return []
    if source is None or headings_only is None:
        return []
    return [Rule(pattern, write.strip(), source, headings_only)]


def _prose(text: str) -> str:
    """The page with everything that is not prose blanked out (offsets and
    lines kept), except the front-matter title and description."""
    masked = mask_non_prose(text)
    match = FRONT_MATTER.match(text)
    if not match:
        return masked
    lines, original = masked.split("\n"), text.split("\n")
    for index in range(text.count("\n", 0, match.end())):
        key, colon, _ = original[index].partition(":")
        if colon and key.strip() in SHOWN_FIELDS and not original[index].startswith(" "):
            lines[index] = " " * (len(key) + 1) + original[index][len(key) + 1:]
    return "\n".join(lines)


def _allowed(line: str) -> set[str]:
    forms = set()
    for comment in ALLOW.finditer(line):
        for quoted in QUOTED.finditer(comment.group(1)):
            forms.add(next(group for group in quoted.groups() if group is not None).casefold())
    return forms


def check_page(text: str, rel: str, terminology: Terminology) -> list[Problem]:
    """Every use of a form to avoid on one page (a form may run over a line
    break; the problem names the line it starts on). Kept per text, path and
    rules (memo.py): `serve` checks every page again after each save."""
    if not terminology.rules:
        return []
    return memo.remembered("terminology", (text, rel, tuple(terminology.rules)),
                           lambda: _check_page(text, rel, terminology))


def _check_page(text: str, rel: str, terminology: Terminology) -> list[Problem]:
    prose = _prose(text)
    original = text.split("\n")
    starts = [0]
    for line in original[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    allowed = [_allowed(line) for line in original]
    heading = [bool(HEADING.match(line)) for line in original]
    problems = []
    folded = prose.casefold()
    for rule in terminology.rules:
        if rule.literal and rule.literal not in folded:
            continue
        for match in rule.pattern.finditer(prose):
            number = bisect.bisect_right(starts, match.start())
            if rule.headings_only and not heading[number - 1]:
                continue
            used = " ".join(match.group(0).split())
            if used.casefold() in allowed[number - 1]:
                continue
            problems.append(Problem(rel, number, f'uses "{used}"', f'write "{rule.write}" ({rule.source})'))
    return problems


def check_catalogue(path: Path, rel: str, terminology: Terminology) -> list[Problem]:
    """The strings of a language's catalogue (i18n/<language>.yml: the
    calculators, the review line, the PDF cover ...) under the same rules;
    keys, comments and YAML quoting are not text."""
    if not terminology.rules or not path.is_file():
        return []
    try:
        root_node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return []  # the catalogue check reports it
    strings = []

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for _, value in node.value:
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.ScalarNode):
            strings.append((node.start_mark.line + 1, node.value))
    walk(root_node)
    problems = []
    for line, value in strings:
        value = mask_non_prose(value)  # a string may hold Markdown (the scaffold's page body)
        for rule in terminology.rules:
            if rule.headings_only:
                continue
            for match in rule.pattern.finditer(value):
                used = " ".join(match.group(0).split())
                problems.append(Problem(rel, line, f'uses "{used}"', f'write "{rule.write}" ({rule.source})'))
    return problems


def check(root: Path, languages) -> tuple[dict[str, Terminology], list[Problem]]:
    """Every language's list, and what is wrong with the lists themselves."""
    lists = {language: load(root, language) for language in languages}
    problems = [problem for terms in lists.values() for problem in terms.problems]
    for language, terms in lists.items():
        catalogue = root / "i18n" / f"{language}.yml"
        problems += check_catalogue(catalogue, f"i18n/{language}.yml", terms)
    return lists, problems
