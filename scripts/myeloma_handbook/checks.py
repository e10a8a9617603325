"""The source gates: twins, front matter, citations, clinical numbers and
content safety. `check_sources` is what the MkDocs hook, the command line
and the tests all call."""
from __future__ import annotations

import datetime as dt
import re
from difflib import get_close_matches
from dataclasses import dataclass, field
from pathlib import Path

from . import bibliography as bib
from . import figures, guideline_map, navigation, reference_records, search_terms, sign_offs, terminology
from .front_matter import check_front_matter, read_front_matter
from .i18n import Catalogue, CatalogueError, Catalogues, Languages, check_catalogues, read_config
from .links import check_page_links
from .markdown_source import (EVIDENCE_LEVELS, admonition_spans, mask_code, mask_non_prose, scan_citations,
                              scan_evidence_labels, scan_numbers)
from .problems import Problem

RAW_SCRIPT = re.compile(r"<\s*(script|iframe|object|embed)\b", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I | re.S)
HTML_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)


@dataclass
class Project:
    root: Path  # where mkdocs.yml lives; paths in problems are relative to it
    docs: Path
    bib_path: Path
    i18n: Catalogues | None = None  # its languages (mkdocs.yml) and catalogues (i18n/)

    def __post_init__(self):
        if self.i18n is None:
            self.i18n = Catalogues(self.root)

    @classmethod
    def at(cls, root: Path, docs: str = "docs", bib_file: str = "bibliography.bib") -> "Project":
        return cls(root, root / docs, root / bib_file)

    @classmethod
    def from_config(cls, root: Path) -> "Project":
        """The project as the build sees it: docs_dir and the bibtex plugin's
        bib_file from root/mkdocs.yml (the defaults when it has none)."""
        config = read_config(root) if (root / "mkdocs.yml").is_file() else {}
        bibtex = next((p["bibtex"] for p in config.get("plugins") or [] if isinstance(p, dict) and "bibtex" in p),
                      None) or {}
        return cls.at(root, config.get("docs_dir") or "docs", bibtex.get("bib_file") or "bibliography.bib")

    @property
    def languages(self) -> Languages:
        return self.i18n.languages

    def catalogue(self, language: str) -> Catalogue:
        return self.i18n(language)

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def pages(self, language: str) -> dict[str, Path]:
        base = self.docs / language
        return {p.relative_to(base).as_posix(): p for p in sorted(base.rglob("*.md"))} if base.is_dir() else {}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    bibliography: bib.Bibliography | None = None
    catalogues_readable: bool = True  # False: a language has no usable catalogue (nothing can be built)


def check_twins(project: Project) -> list[Problem]:
    """Every page exists in every language, at the same path."""
    problems = []
    languages = project.languages.all
    pages = {lang: project.pages(lang) for lang in languages}
    for lang in languages:
        for other in languages:
            if other == lang:
                continue
            for name, path in pages[lang].items():
                if name not in pages[other]:
                    problems.append(Problem(project.rel(path), 1, f"page has no {other} twin",
                                            f"create docs/{other}/{name} (a translation, never a copy of the "
                                            f"{lang} text) or scaffold it with scripts/handbook.py new "
                                            f"{name.removesuffix('.md')} --title-{other} TITLE"))
    stray = [p for p in project.docs.glob("*.md")]
    for path in stray:
        problems.append(Problem(project.rel(path), 1, "page is outside the language folders",
                                "move it to " + " and ".join(f"docs/{lang}/" for lang in languages)))
    return problems


def check_content_safety(text: str, rel: str) -> list[Problem]:
    masked = mask_code(text)
    problems = []

    def line(offset: int) -> int:
        return masked.count("\n", 0, offset) + 1

    for match in RAW_SCRIPT.finditer(masked):
        problems.append(Problem(rel, line(match.start()), f"raw <{match.group(1).lower()}> in content",
                                "content is Markdown only; interactive parts belong in overrides/"))
    for match in EVENT_HANDLER.finditer(masked):
        problems.append(Problem(rel, line(match.start()), "inline event handler (on…=) in content",
                                "remove it; no scripts in chapters"))
    for match in MD_IMAGE.finditer(masked):
        if not match.group(1).strip():
            problems.append(Problem(rel, line(match.start()), f"image '{match.group(2)}' has no alt text",
                                    "describe the image in the brackets: ![what it shows](path)"))
    for match in HTML_IMAGE.finditer(masked):
        alt = HTML_ALT.search(match.group(0))
        if not alt or not alt.group(1)[1:-1].strip():
            problems.append(Problem(rel, line(match.start()), "<img> has no alt text", 'add alt="what it shows"'))
    return problems


def scaffold_lines(words: Catalogue) -> list[str]:
    """The sentences of a language's new-page scaffold (`scaffold:` of its
    catalogue) that a finished page never keeps: its description and every
    line of its body that is prose, not a heading or a box."""
    try:
        scaffold = words.get("scaffold") or {}
    except KeyError:  # a catalogue without a scaffold
        return []
    body = str(scaffold.get("body") or "").format(key_points="", slovenia="")
    lines = [str(scaffold.get("description") or "")]
    for line in body.split("\n"):
        line = line.strip().removeprefix("- ").strip()
        if len(line) >= 25 and not line.startswith(("#", "!!!", "???")):
            lines.append(line)
    return [line for line in lines if line]


def check_placeholders(text: str, rel: str, placeholders: list[str]) -> list[Problem]:
    """Text of the new-page scaffold (any language's) left in a page."""
    problems, previous = [], 0
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip().removeprefix("- ").strip().removeprefix("description:").strip().strip('"')
        if stripped and stripped in placeholders:
            if previous != number - 1:  # a paragraph of placeholder lines is one problem
                problems.append(Problem(rel, number, f"placeholder text of the new-page scaffold: "
                                        f"'{stripped[:40]}…'", "replace it with the page's own text (or delete it)"))
            previous = number
    return problems


def _is_date(value) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))) and bool(dt.date.fromisoformat(str(value)))
    except ValueError:
        return False


def check_review_dates(project: Project, name: str) -> list[Problem]:
    """Twins are reviewed together: each translation has its source's
    `reviewed` date (CONTRIBUTING.md, "Changing a chapter")."""
    languages = project.languages
    source = project.docs / languages.source / name
    if not source.is_file():
        return []
    reviewed = read_front_matter(source.read_text(encoding="utf-8")).get("reviewed")
    problems = []
    for language in languages.translations:
        twin = project.docs / language / name
        if not twin.is_file() or not reviewed:
            continue
        text = twin.read_text(encoding="utf-8")
        theirs = read_front_matter(text).get("reviewed")
        if theirs != reviewed and all(_is_date(d) for d in (theirs, reviewed)):
            line = next((n for n, l in enumerate(text.split("\n"), 1) if l.startswith("reviewed:")), 1)
            problems.append(Problem(project.rel(twin), line, f"'reviewed: {theirs}' differs from its twin "
                                    f"{project.rel(source)} (reviewed: {reviewed})",
                                    "twins are reviewed together: write the date of the review in both"))
    return problems


DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.\d+(?![\d.])")
POINT_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def check_decimal_separator(text: str, rel: str, words: Catalogue) -> list[Problem]:
    """A language whose locale writes 2,75 never writes 2.75 (the twin gate
    alone can miss it when both forms happen to occur elsewhere on the page).
    Where the locale groups thousands with a point (German 1.250), a number
    grouped that way is not a decimal."""
    if words.decimal_symbol == ".":
        return []
    masked = mask_non_prose(text)
    grouped = words.group_symbol == "."
    return [Problem(rel, masked.count("\n", 0, m.start()) + 1, f"decimal point in '{m.group(0)}'",
                    f"{words.english_name} uses the decimal comma: {m.group(0).replace('.', words.decimal_symbol)}")
            for m in DECIMAL_POINT.finditer(masked) if not (grouped and POINT_GROUPS.fullmatch(m.group(0)))]


def check_citations(text: str, rel: str, bibliography: bib.Bibliography) -> list[Problem]:
    problems = []
    scan = scan_citations(text)
    for line, block in scan.malformed:
        problems.append(Problem(rel, line, f"citation {block} is not of the form [@key] or [@key1; @key2]",
                                "keys use a-z, 0-9 and '-'; no prefixes, suffixes, ':' or '.'"))
    known = bibliography.entries.entries
    vet_spans = [(a, b) for kind, a, b in admonition_spans(text) if kind == bib.VETERINARY]
    for citation in scan.citations:
        if not bibliography.readable:
            break  # the bibliography's own syntax error is the problem to fix
        if citation.key not in known:
            near = get_close_matches(citation.key, list(known), n=1, cutoff=0.8)
            problems.append(Problem(rel, citation.line, f"unknown citation key '{citation.key}'",
                                    f"correct the key (did you mean '{near[0]}'?) or add the entry to "
                                    "bibliography.bib" if near else "add the entry to bibliography.bib or correct "
                                    "the key"))
        elif bibliography.is_veterinary(citation.key) and not any(a <= citation.line <= b for a, b in vet_spans):
            problems.append(Problem(rel, citation.line,
                                    f"'{citation.key}' is veterinary evidence cited outside a veterinary admonition",
                                    'put the sentence inside !!! veterinary "…" so readers see it is not human data'))
    for line, level in scan_evidence_labels(text):
        if level not in EVIDENCE_LEVELS:
            problems.append(Problem(rel, line, f"unknown evidence level '{level}'",
                                    f"use one of: {', '.join(EVIDENCE_LEVELS)}"))
    return problems


def _declared(meta: dict, kind: str) -> set[str]:
    values = (meta.get("twin_differences") or {}).get(kind) or []
    if kind == "numbers":
        return {str(v).replace(",", ".") for v in values}
    return {str(v) for v in values}


def check_twin_content(project: Project, name: str, known_keys=None) -> list[Problem]:
    """Each translation carries the citation keys and the clinical numbers of
    its source page, and no others (both read the way its locale writes them)."""
    languages = project.languages
    paths = {lang: project.docs / lang / name for lang in languages.all}
    texts = {lang: path.read_text(encoding="utf-8") for lang, path in paths.items() if path.is_file()}
    problems = []
    for translation in languages.translations:
        if languages.source in texts and translation in texts:
            problems += _compare_twins(project, paths, texts, (languages.source, translation), known_keys)
    return problems


def _compare_twins(project: Project, paths, texts, pair: tuple[str, str], known_keys) -> list[Problem]:
    metas = {lang: read_front_matter(texts[lang]) for lang in pair}
    allowed_numbers = set().union(*(_declared(m, "numbers") for m in metas.values()))
    allowed_keys = set().union(*(_declared(m, "citations") for m in metas.values()))
    problems = []
    citations = {lang: scan_citations(texts[lang]).citations for lang in pair}
    numbers = {}
    for lang in pair:
        words = project.catalogue(lang)
        # A decimal point where the locale writes a comma is reported once
        # (check_decimal_separator); compared here as the decimal it meant.
        text = texts[lang]
        for problem in check_decimal_separator(text, "", words):
            wrong = problem.message.split("'")[1]
            text = text.replace(wrong, wrong.replace(".", words.decimal_symbol))
        numbers[lang] = scan_numbers(text, words.decimal_symbol, words.group_symbol)
    for lang in pair:
        other = next(l for l in pair if l != lang)
        other_rel = project.rel(paths[other])
        other_keys = {c.key for c in citations[other]}
        reported = set()
        for citation in citations[lang]:
            if known_keys is not None and citation.key not in known_keys:
                continue  # reported as an unknown key already
            if citation.key not in other_keys and citation.key not in allowed_keys and citation.key not in reported:
                reported.add(citation.key)
                problems.append(Problem(project.rel(paths[lang]), citation.line,
                                        f"cites '{citation.key}' but its twin {other_rel} does not",
                                        "twins cite the same sources; cite it there too, or declare "
                                        "twin_differences: {citations: [...], reason: ...} in front matter"))
        for number, line in numbers[lang].items():
            if number not in numbers[other] and number not in allowed_numbers:
                problems.append(Problem(project.rel(paths[lang]), line,
                                        f"number {number} does not appear in its twin {other_rel}",
                                        "twins carry the same clinical numbers (2,75 = 2.75); fix the "
                                        "translation or declare twin_differences: {numbers: [...], reason: ...}"))
    return problems


def check_sources(project: Project, today: dt.date | None = None) -> Report:
    """Every source gate over the whole docs tree (`today`: the date the
    front-matter gate judges "in the future" by; default: the build date)."""
    report = Report()
    bibliography = bib.load(project.bib_path, project.rel(project.bib_path))
    report.bibliography = bibliography
    report.problems.extend(bibliography.problems)
    records_path = project.bib_path.with_name(reference_records.RECORDS_FILE)
    report.problems.extend(reference_records.check(
        bibliography, reference_records.load(records_path, project.rel(records_path)), project.rel(project.bib_path),
        project.rel(records_path)))
    languages = project.languages
    report.problems.extend(check_catalogues(project.root, languages))
    report.problems.extend(check_twins(project))
    term_lists, term_problems = terminology.check(project.root, languages.all)
    report.problems.extend(term_problems)
    report.problems.extend(search_terms.check(project.root, languages.all))
    report.problems.extend(navigation.check_nav(project))
    placeholders = []
    for lang in languages.all:
        try:
            placeholders += scaffold_lines(project.catalogue(lang))
        except CatalogueError:
            pass  # reported by check_catalogues
    for lang in languages.all:
        try:
            words = project.catalogue(lang)
        except CatalogueError:  # reported by check_catalogues
            words, report.catalogues_readable = None, False
        for name, path in project.pages(lang).items():
            rel = project.rel(path)
            text = path.read_text(encoding="utf-8")
            report.problems.extend(check_front_matter(path, rel, today))
            report.problems.extend(sign_offs.check(path, rel, project.root, today))
            report.problems.extend(check_citations(text, rel, bibliography))
            report.problems.extend(check_content_safety(text, rel))
            report.problems.extend(check_page_links(project, lang, path))
            report.problems.extend(check_placeholders(text, rel, placeholders))
            report.problems.extend(terminology.check_page(text, rel, term_lists[lang]))
            if words is not None:
                report.problems.extend(check_decimal_separator(text, rel, words))
            if lang == languages.source and "translated_from" in read_front_matter(text):
                report.problems.append(Problem(rel, 1, "a page of the source language has 'translated_from'",
                                               "only translations record the source they follow; remove it"))
    known = bibliography.entries.entries if bibliography.readable else None
    report.problems.extend(guideline_map.check(project.root, project.docs, known, languages.all))
    if report.catalogues_readable:
        for name in sorted(project.pages(languages.source)):
            report.problems.extend(check_twin_content(project, name, known))
            report.problems.extend(check_review_dates(project, name))
        catalogues = {lang: project.catalogue(lang) for lang in languages.all}
        report.problems.extend(figures.check(project, bibliography, catalogues))
    report.problems.sort(key=lambda p: (p.path, p.line, p.message))
    return report
