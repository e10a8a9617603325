"""bibliography.bib: checked entry by entry, and formatted in Vancouver style
(the convention of medical journals) in the reader's language.

The formatter plugs into mkdocs-bibtex as its reference registry, so the
plugin keeps doing what it does well (finding [@key] blocks, turning them into
numbered footnotes) while the text of each reference is ours: Vancouver order,
DOI and PubMed links, Slovenian words on Slovenian pages, and each entry
formatted once per language per build instead of at every citation.
"""
from __future__ import annotations

import datetime as dt
import html
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pybtex.errors
import yaml
from pybtex.database import BibliographyData, Entry, parse_string
from pybtex.exceptions import PybtexError
from pybtex.scanner import PybtexSyntaxError

from .i18n import catalogue
from .problems import Problem

ENTRY_START = re.compile(r"^[ \t]*@(\w+)[ \t]*[{(][ \t]*([^,\s]*)[ \t]*,", re.M)
KEY_SYNTAX = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DOI_SYNTAX = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_SYNTAX = re.compile(r"^\d{1,9}$")
URL_SYNTAX = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$")
CONTAINER_FIELDS = ("journal", "booktitle", "publisher", "howpublished", "organization", "institution", "school")
VETERINARY = "veterinary"
COPY_HOSTS_FILE = "bibliography-copy-hosts.yml"  # beside bibliography.bib: hosts an entry's url must not be on


@dataclass
class Bibliography:
    entries: BibliographyData
    lines: dict[str, int]  # key -> line of "@type{key,"
    problems: list[Problem]
    readable: bool = True  # False when a syntax error stopped parsing

    def is_veterinary(self, key: str) -> bool:
        entry = self.entries.entries.get(key)
        return bool(entry) and VETERINARY in entry.fields.get("keywords", "").lower()


def load(path: Path, rel: str = "bibliography.bib") -> Bibliography:
    """Parse and check the bibliography; never raises on bad input."""
    text = path.read_text(encoding="utf-8")
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    for match in ENTRY_START.finditer(text):
        kind, key = match.group(1).lower(), match.group(2)
        if kind in ("comment", "preamble", "string"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        if key in lines:
            problems.append(Problem(rel, line, f"duplicate key '{key}' (first defined at line {lines[key]})",
                                    "merge the two entries or rename one key"))
            continue
        lines[key] = line
        if not KEY_SYNTAX.match(key):
            problems.append(Problem(rel, line, f"key '{key}' has characters other than a-z, 0-9 and '-'",
                                    "mkdocs-bibtex truncates keys at ':' or '.'; rename it, e.g. smith2020trial"))
    # pybtex reports what it finds (syntax errors, bad names, repeated entries
    # or fields) through pybtex.errors; capture() collects every one of them
    # instead of stopping at the first.
    try:
        with pybtex.errors.capture() as errors:
            data = parse_string(text, "bibtex")
    except PybtexError as error:  # what pybtex could not read past
        errors, data = [error], None
    syntax = [e for e in errors if isinstance(e, PybtexSyntaxError)]
    for error in syntax:
        detail = re.sub(r"^syntax error in line \d+:\s*", "", str(error))
        problems.append(Problem(rel, error.lineno or 1, f"BibTeX syntax error: {detail}",
                                "check the braces and commas of the entry that ends here"))
    for error in errors:
        message = str(error)
        if error in syntax or message.startswith("repeated bibliography entry"):
            continue  # a repeated entry is reported above as a duplicate key, with both lines
        problems.append(Problem(rel, _error_line(text, message, lines), f"BibTeX could not read this: {message}",
                                "fix it (names are written Family, Given and Family, Given; each field once)"))
    if syntax or data is None:
        return Bibliography(BibliographyData(), lines, problems, readable=False)
    for key, entry in data.entries.items():
        problems.extend(check_entry(key, entry, rel, lines.get(key, 0)))
    seen_doi: dict[str, str] = {}
    for key, entry in data.entries.items():
        doi = entry.fields.get("doi", "").strip().lower()
        if doi and doi in seen_doi:
            problems.append(Problem(rel, lines.get(key, 0), f"entry '{key}' has the same DOI as '{seen_doi[doi]}'",
                                    "keep one entry per work"))
        seen_doi.setdefault(doi, key)
    problems.extend(check_copy_hosts(data, lines, rel, path.with_name(COPY_HOSTS_FILE)))
    return Bibliography(data, lines, problems)


def check_copy_hosts(data: BibliographyData, lines: dict[str, int], rel: str, hosts_path: Path) -> list[Problem]:
    """An entry's url must be the work's own address, not a copy: fail on a
    url whose host is listed in bibliography-copy-hosts.yml (a name matches
    itself and the hosts below it), or is an IP address when the file says
    so, unless the file keeps that entry with a reason. A record's `via` is
    not checked: naming the copy that was read is honest provenance."""
    if not hosts_path.is_file():
        return []
    where = hosts_path.name
    try:
        listed = yaml.safe_load(hosts_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [Problem(where, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(error, 'problem', error)}",
                        "fix the YAML at this line")]
    names = [str(name).lower().removeprefix("*.") for name in listed.get("hosts") or []]
    kept = listed.get("kept") or {}
    problems = []
    for key, entry in data.entries.items():
        url = entry.fields.get("url", "").strip()
        host = (urlsplit(url).hostname or "").rstrip(".").lower() if url else ""
        if not host or key in kept:
            continue
        copy = next((name for name in names if host == name or host.endswith("." + name)), None)
        if copy is None and listed.get("ip_addresses"):
            try:
                ipaddress.ip_address(host)
                copy = host
            except ValueError:
                pass
        if copy is not None:
            problems.append(Problem(rel, lines.get(key, 0), f"url of '{key}' points at a copy on {host}",
                                    "cite the work's own address (DOI, PubMed, publisher, regulator) and name the "
                                    f"copy you read in the record's via (the copy hosts are listed in {where})"))
    return problems


def _error_line(text: str, message: str, lines: dict[str, int]) -> int:
    """The line a pybtex error is about: the text it quotes (a bad name), else
    the entry it names (a repeated field), else the first line."""
    quoted = re.search(r"'(.+)'", message)
    if quoted and quoted.group(1) in text:
        return text.count("\n", 0, text.index(quoted.group(1))) + 1
    for key, line in lines.items():
        if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", message):
            return line
    return 1


def check_entry(key: str, entry: Entry, rel: str, line: int) -> list[Problem]:
    fields = {k.lower(): v.strip() for k, v in entry.fields.items()}
    where = f"entry '{key}'"
    problems = []

    def problem(message: str, fix: str) -> None:
        problems.append(Problem(rel, line, f"{where} {message}", fix))

    if not (entry.persons.get("author") or entry.persons.get("editor")):
        problem("has no author", "add author = {Family, Given and ...} (organisations in double braces)")
    if not fields.get("title"):
        problem("has no title", "add title = {...}")
    if not any(fields.get(name) for name in CONTAINER_FIELDS):
        problem("names no journal, book, publisher or site",
                "add journal (articles), booktitle (chapters), publisher (books) or howpublished/organization (web)")
    if not re.fullmatch(r"\d{4}", fields.get("year", "")):
        problem("has no four-digit year", "add the year of publication, e.g. year = {2019} "
                "(a BibLaTeX date = {...} field is not read)")
    if not any(fields.get(name) for name in ("doi", "pmid", "url")):
        problem("has no DOI, PMID or URL", "add doi = {10.xxxx/...} (preferred), pmid or url so readers can find it")
    if fields.get("doi") and not DOI_SYNTAX.match(fields["doi"]):
        problem(f"has an invalid DOI '{fields['doi']}'", "write the bare DOI, e.g. 10.1016/S1470-2045(14)70442-5, without https://doi.org/")
    if fields.get("pmid") and not PMID_SYNTAX.match(fields["pmid"]):
        problem(f"has an invalid PMID '{fields['pmid']}'", "a PMID is digits only, e.g. 25439696")
    if fields.get("url") and not URL_SYNTAX.match(fields["url"]):
        problem(f"has an invalid URL '{fields['url']}'", "write a full http(s):// address")
    if fields.get("urldate") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["urldate"]):
        problem(f"has urldate '{fields['urldate']}'", "write the access date as YYYY-MM-DD")
    names = {role.lower(): " and ".join(str(person) for person in people) for role, people in entry.persons.items()}
    for name, value in {**names, **fields}.items():  # names too: `{Johnson \\& Johnson}` is an author
        if re.search(r"\\[a-zA-Z'`^\"~&%$#_]", value) and name not in ("url",):
            problem(f"field '{name}' contains a LaTeX escape", "write the character itself in UTF-8 (é, č, ü, &)")
    return problems


# ----------------------------------------------------------------- formatting

def _plain(text: str) -> str:
    text = text.replace("\\&", "&").replace("---", "—").replace("--", "–")
    return re.sub(r"[{}]", "", text).strip()


def _markdown_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _initials(names: list[str]) -> str:
    letters = []
    for name in names:
        for part in re.split(r"[\s\-.]+", _plain(name)):
            if part:
                letters.append(part[0].upper())
    return "".join(letters)


def _person(person) -> str:
    raw = str(person)
    if raw.startswith("{") and raw.endswith("}"):  # organisation as author
        return _plain(raw)
    family = " ".join(_plain(n) for n in person.prelast_names + person.last_names)
    lineage = " ".join(_plain(n) for n in person.lineage_names)
    initials = _initials(person.first_names + person.middle_names)
    return " ".join(part for part in (family, initials, lineage) if part)


def _people(persons, words: dict) -> str:
    names = [p for p in persons if str(p).lower() != "others"]
    more = len(names) != len(persons) or len(names) > 6
    listed = ", ".join(_person(p) for p in names[:6])
    return f"{listed}, {words['et_al']}" if more else listed


def _pages(pages: str) -> str:
    """Vancouver elides the repeated leading digits: 335-351 -> 335-51."""
    pages = _plain(pages).replace("–", "-")
    match = re.fullmatch(r"([A-Za-z]*)(\d+)-([A-Za-z]*)(\d+)", pages)
    if not match:
        return pages
    prefix, first, _, last = match.groups()
    if len(first) == len(last):
        index = 0
        while index < len(first) - 1 and first[index] == last[index]:
            index += 1
        last = last[index:]
    return f"{prefix}{first}-{last}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _cited(date: str, language: str, words: dict) -> str:
    """The access date of a web page: "[cited 2026 Jan 15]", "[citirano 15. 1. 2026]"."""
    return f"[{words['cited']} {catalogue(language).date(dt.date.fromisoformat(date), 'cited')}]"


def format_entry(entry: Entry, language: str) -> str:
    """One reference in Vancouver style, as Markdown with DOI/PubMed links."""
    words = catalogue(language).get("references")
    f = {k.lower(): _plain(v) for k, v in entry.fields.items()}
    kind = entry.type.lower()
    authors = entry.persons.get("author") or []
    editors = entry.persons.get("editor") or []
    parts = []
    if authors:
        parts.append(_sentence(_people(authors, words)))
    elif editors:
        parts.append(_sentence(f"{_people(editors, words)}, {words['editors' if len(editors) > 1 else 'editor']}"))
    title = _markdown_escape(f.get("title", ""))
    web = kind in ("misc", "online", "electronic", "webpage") and f.get("url")
    if web:
        parts.append(_sentence(f"{title} [{words['internet']}]"))
    else:
        parts.append(_sentence(title))
    year = f.get("year", "")
    if kind == "article":
        journal = _markdown_escape(f.get("shortjournal") or f.get("journal", ""))
        detail = year
        if f.get("volume"):
            detail += f";{f['volume']}"
            if f.get("number"):
                detail += f"({f['number']})"
        if f.get("pages"):
            detail += f":{_pages(f['pages'])}"
        parts.append(f"{journal}. {detail}.")
    elif kind in ("incollection", "inbook", "inproceedings"):
        book = _markdown_escape(f.get("booktitle", ""))
        lead = f"{words['in']}: "
        if editors and authors:
            lead += f"{_people(editors, words)}, {words['editors' if len(editors) > 1 else 'editor']}. "
        parts.append(_sentence(lead + book))
        if f.get("edition"):
            parts.append(f"{f['edition']}. {words['edition']}")
        place = f"{f['address']}: " if f.get("address") else ""
        parts.append(f"{place}{f.get('publisher', '')}; {year}.".strip())
        if f.get("pages"):
            parts.append(f"{words['pages']} {_pages(f['pages'])}.")
    elif kind == "book":
        if f.get("edition"):
            parts.append(f"{f['edition']}. {words['edition']}")
        place = f"{f['address']}: " if f.get("address") else ""
        parts.append(f"{place}{f.get('publisher', '')}; {year}.")
    else:
        publisher = f.get("howpublished") or f.get("organization") or f.get("publisher") or f.get("institution", "")
        stamp = year
        if web and f.get("urldate"):
            stamp += f" {_cited(f['urldate'], language, words)}"
        parts.append(f"{_markdown_escape(publisher)}; {stamp}." if publisher else f"{stamp}.")
    links = []
    if f.get("doi"):
        links.append(f"[doi:{_markdown_escape(f['doi'])}](https://doi.org/{f['doi']})")
    if f.get("pmid"):
        links.append(f"[PMID: {f['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{f['pmid']}/)")
    if f.get("url") and not f.get("doi") and not f.get("pmid"):
        links.append(f"{words['available']}: <{f['url']}>")
    elif f.get("url") and web:
        links.append(f"{words['available']}: <{f['url']}>")
    text = " ".join(p for p in parts if p)
    return f"{text} {' '.join(links)}".strip()


def sort_key(entry: Entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    first = _person(persons[0]) if persons else _plain(entry.fields.get("title", ""))
    return f"{first.lower()} {entry.fields.get('year', '')}"


# ----------------------------------------------------- mkdocs-bibtex registry

# The Markdown format_entry writes: text with backslash escapes, [label](url)
# links (DOIs may hold balanced parentheses) and <https://…> autolinks.
_INLINE_TOKEN = re.compile(r"\\(.)|\[((?:\\.|[^\]\\])*)\]\(((?:[^()\s]|\([^()\s]*\))+)\)|<(https?://[^>\s]+)>")


def _escaped_text(text: str) -> str:
    return html.escape(re.sub(r"\\(.)", r"\1", text), quote=False)


def markdown_to_html(text: str) -> str:
    """A reference's Markdown as HTML, without running Python-Markdown."""
    parts, position = [], 0
    for match in _INLINE_TOKEN.finditer(text):
        parts.append(html.escape(text[position:match.start()], quote=False))
        escaped, label, url, autolink = match.groups()
        if escaped is not None:
            parts.append(html.escape(escaped, quote=False))
        else:
            url = url or autolink
            shown = _escaped_text(label) if label is not None else html.escape(url)
            parts.append(f'<a href="{html.escape(url)}">{shown}</a>')
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


PLACEHOLDER = re.compile(r"⟦ref:([\w-]+)⟧")
CITATION = re.compile(r"⟦cite:(\d+)⟧")


def make_registry(bibliography: Bibliography, footnote_format: str, annotate=None):
    """A mkdocs-bibtex registry whose references are Vancouver in the language
    being built. `annotate(key, language)` returns what follows a reference
    (the registry-check marker).

    mkdocs-bibtex finds the citations ([@a; @b]) and asks the registry for
    their text. Left to itself it would write Markdown footnotes ([^a][^b],
    plus a definition per reference), and Python-Markdown's footnote handling
    was most of the cost of citations in a build. So the registry writes a
    token per citation (⟦cite:n⟧, n indexing `cited`), mkdocs.yml sets
    `bib_by_default: false` so that no definitions are added, and
    `fill_references` turns the tokens into the HTML the footnotes extension
    would have written (numbered marks, then the numbered list), each
    reference rendered once per language per build. Markdown never sees a
    footnote."""
    from mkdocs_bibtex.registry import ReferenceRegistry

    class VancouverRegistry(ReferenceRegistry):
        def __init__(self):  # noqa: D401 - data is already parsed
            self.bib_data = bibliography.entries
            self.footnote_format = footnote_format
            self.language = None  # set by the hook for each language it builds
            self.cited: list[tuple[str, ...]] = []  # keys of each citation, by token number

        def validate_citation_blocks(self, citation_blocks) -> None:
            """Unknown keys are reported, with file and line, by the citation gate."""

        def validate_inline_references(self, inline_references):
            return set()

        def inline_text(self, citation_block) -> str:
            keys = tuple(c.key for c in citation_block.citations)
            if not all(key in self.bib_data.entries for key in keys):
                return str(citation_block)  # leave it visible; the gate fails the strict build
            self.cited.append(keys)
            return f"⟦cite:{len(self.cited) - 1}⟧"  # digits only: no abbreviation can match inside

        def reference_text(self, citation) -> str:
            return f"⟦ref:{citation.key}⟧"  # unused while bib_by_default is false

        @staticmethod
        def formatted(key: str, language: str) -> str:
            """The reference as a placeholder that fill_references resolves."""
            return f"⟦ref:{key}⟧"

        def fill_references(self, html: str, language: str) -> str:
            """Citation tokens -> numbered marks and the page's reference list
            (in order of first citation, as Python-Markdown numbers
            footnotes); reference placeholders -> the rendered reference."""
            numbers: dict[str, int] = {}
            uses: dict[str, int] = {}

            def marks(match: re.Match) -> str:
                out = []
                for key in self.cited[int(match.group(1))]:
                    number = numbers.setdefault(key, len(numbers) + 1)
                    uses[key] = uses.get(key, 0) + 1
                    mark_id = f"fnref:{key}" if uses[key] == 1 else f"fnref{uses[key]}:{key}"
                    out.append(f'<sup id="{mark_id}"><a class="footnote-ref" href="#fn:{key}">{number}</a></sup>')
                return "".join(out)

            html = CITATION.sub(marks, html)
            if numbers:
                items = "".join(
                    f'<li id="fn:{key}">\n<p>⟦ref:{key}⟧&#160;<a class="footnote-backref" href="#fnref:{key}" '
                    f'title="Jump back to footnote {number} in the text">&#8617;</a></p>\n</li>\n'
                    for key, number in numbers.items())
                html += f'\n<div class="footnote">\n<hr />\n<ol>\n{items}</ol>\n</div>'
            return PLACEHOLDER.sub(lambda m: _html(m.group(1), language), html)

    @lru_cache(maxsize=None)
    def _html(key: str, language: str) -> str:
        rendered = markdown_to_html(format_entry(bibliography.entries.entries[key], language))
        note = annotate(key, language) if annotate else ""  # already HTML
        return f"{rendered} {note}" if note else rendered

    return VancouverRegistry()
