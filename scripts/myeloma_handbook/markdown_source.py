"""Reading a chapter's Markdown source: front matter, citations, evidence
labels and the clinical numbers of its prose.

Everything works on a *masked* copy of the text, in which the parts that are
not prose (front matter, code, comments, URLs, HTML tags, attribute lists) are
replaced by spaces. Masking keeps every character's offset, so each finding
can name its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(\n|\Z)", re.S)
FENCED_CODE = re.compile(r"^([ \t]*)(```|~~~).*?^\1\2[ \t]*$", re.S | re.M)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)

# Pandoc-style citation blocks, as mkdocs-bibtex reads them: [@a], [@a; @b].
CITATION_BLOCK = re.compile(r"\[([^\[\]\n]*@[^\[\]\n]*)\]")
CITATION_KEY = re.compile(r"@([\w-]+)")
VALID_BLOCK = re.compile(r"^\s*@[\w-]+(\s*;\s*@[\w-]+)*\s*$")

EVIDENCE_LABEL = re.compile(r"\[evidence:\s*([^\]\n]*)\]", re.I)
EVIDENCE_LEVELS = ("guideline", "label", "meta-analysis", "rct", "cohort", "case-control", "case-series", "case-report", "expert")

# Not prose: link and image targets, autolinks, bare URLs, HTML tags,
# attribute lists ({#id .class}), abbreviation and link definitions.
LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
AUTOLINK_OR_TAG = re.compile(r"<[^>\n]+>")
BARE_URL = re.compile(r"https?://\S+")
ATTR_LIST = re.compile(r"\{[ \t]*[:#.][^}\n]*\}")
DEFINITION = re.compile(r"^\s*(\*\[[^\]]+\]|\[[^\]]+\]):.*$", re.M)
# A figure's place on a page (figures.py): {{ figure "name" }} on a line of its own.
FIGURE_MARKER = re.compile(r'^\{\{[ \t]*figure[ \t]+"([^"\n]*)"[ \t]*\}\}[ \t]*$', re.M)
ADMONITION_HEAD = re.compile(r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*([\w-]+)(?:[ \t]+\"[^\"\n]*\")?[ \t]*$", re.M)


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def split_front_matter(text: str) -> tuple[str | None, int]:
    """The YAML between the leading --- lines (or None) and the line it starts on."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None, 0
    return match.group(1) or "", 2


def mask_code(text: str) -> str:
    """Blank out front matter, fenced and inline code, and HTML comments."""
    for pattern in (FRONT_MATTER, FENCED_CODE, HTML_COMMENT, INLINE_CODE):
        text = pattern.sub(_blank, text)
    return text


def mask_non_prose(text: str) -> str:
    """mask_code, then also everything that is markup rather than prose
    (a figure marker too: its figure's words are checked in figures/)."""
    text = mask_code(text)
    for pattern in (CITATION_BLOCK, EVIDENCE_LABEL, LINK_TARGET, AUTOLINK_OR_TAG, BARE_URL,
                    ATTR_LIST, DEFINITION, ADMONITION_HEAD, FIGURE_MARKER):
        text = pattern.sub(_blank, text)
    return text


@dataclass
class Citation:
    key: str
    line: int


@dataclass
class CitationScan:
    citations: list[Citation] = field(default_factory=list)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, block text)

    @property
    def keys(self) -> set[str]:
        return {c.key for c in self.citations}


def scan_citations(text: str) -> CitationScan:
    masked = mask_code(text)
    scan = CitationScan()
    for block in CITATION_BLOCK.finditer(masked):
        line = masked.count("\n", 0, block.start()) + 1
        inner = block.group(1)
        if not VALID_BLOCK.match(inner):
            scan.malformed.append((line, block.group(0)))
        for key in CITATION_KEY.finditer(inner):
            scan.citations.append(Citation(key.group(1), line))
    return scan


def scan_evidence_labels(text: str) -> list[tuple[int, str]]:
    """(line, level) of every [evidence: …] label."""
    masked = mask_code(text)
    return [(masked.count("\n", 0, m.start()) + 1, m.group(1).strip().lower())
            for m in EVIDENCE_LABEL.finditer(masked)]


# Numbers, as the language's locale writes them (decimal and thousands
# separators from CLDR: 2.75 and 10,000 in English, 2,75 and 10.000 in
# Slovenian). Groups of three separated by a (no-break/thin) space count as
# one number in every language. A digit run glued to a letter before it
# (CD38, IgG1, β2) is a name, not a quantity, and is left out.
_NOT_AFTER_LETTER = r"(?<![^\W\d])(?<!\d)"
_SPACE = "[ \u00a0\u202f\u2009]"


@lru_cache(maxsize=None)
def number_pattern(decimal: str, group: str) -> re.Pattern:
    group_mark = f"(?:{re.escape(group)}|{_SPACE})" if group.strip() else _SPACE
    return re.compile(_NOT_AFTER_LETTER + rf"(\d{{1,3}}(?:{group_mark}\d{{3}})+(?![\d])|\d+)({re.escape(decimal)}\d+)?")


def normalise_number(integer_part: str, fraction: str | None) -> str:
    digits = re.sub(r"\D", "", integer_part).lstrip("0") or "0"
    if fraction:
        decimals = fraction[1:].rstrip("0")
        if decimals:
            return f"{digits}.{decimals}"
    return digits


def scan_numbers(text: str, decimal: str, group: str) -> dict[str, int]:
    """Every number in the prose, read with the locale's decimal and
    thousands separators and normalised ("2,75" -> "2.75"), with the line of
    its first appearance."""
    masked = mask_non_prose(text)
    found: dict[str, int] = {}
    for match in number_pattern(decimal, group).finditer(masked):
        number = normalise_number(match.group(1), match.group(2))
        found.setdefault(number, masked.count("\n", 0, match.start()) + 1)
    return found


def admonition_spans(text: str) -> list[tuple[str, int, int]]:
    """(type, first line, last line) of every admonition/details block."""
    lines = text.split("\n")
    spans = []
    for index, line in enumerate(lines):
        head = ADMONITION_HEAD.match(line)
        if not head:
            continue
        indent = len(line) - len(line.lstrip())
        end = index
        for later in range(index + 1, len(lines)):
            body = lines[later]
            if body.strip() == "":
                continue
            if len(body) - len(body.lstrip()) > indent:
                end = later
            else:
                break
        spans.append((head.group(1).lower(), index + 1, end + 1))
    return spans
