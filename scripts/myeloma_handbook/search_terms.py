"""What each language's search index knows beyond the words on its pages.

A language's search data, `i18n/search/<language>.yml` (optional: a language
without it is searched by its page text alone), holds

- `spelling`: rules that fold variant spellings together (anaemia/anemia,
  hiperkalciemija/hiperkalcemija). The hooks copy them into the index's
  config; the search worker (overrides/assets/javascripts/workers/
  search-stemming.js) applies them to every indexed word and every query
  word, before the language's stemmer. Each rule names the words it must
  bring together (`meet`); `keep_apart` lists words no rule may merge
  (both checked by tests/test_search_terms.py, through node);
- `synonyms`: groups of names for one thing (eponyms, lay and clinical
  words, older names, abbreviations readers type);
- `brands`: each drug's generic name as the pages write it, with its brand
  names (EU first) and the record they were checked against;

Two lists the gates keep are read as groups too: the abbreviations glossary
(docs/<language>/abbreviations.md: each abbreviation and its meaning) and,
when the language has one, the terminology list (i18n/terms/<language>.yml,
terminology.py: each preferred term, its abbreviation and the forms to
avoid, which some readers still type).

How a group is matched: a term matches a page's text as whole words, with
hyphens and spaces alike; `*` in a word stands for any ending (`Kahlerjev*a`
matches Kahlerjeva, Kahlerjeve, Kahlerjevo; the word is written into the
index as `Kahlerjeva`). A term with a word of two or more capitals (MGUS,
IgG, D-VRd) is matched with its case; any other term ignores case.

`SearchTerms.extend(index)` gives every entry of Material's search index the
other members of each group one of its words belongs to, in fields the
reader never sees (Material shows only title and text): `title_aliases` when
the entry's title matched (with the title's boost: a section headed
"Daratumumab ..." ranks for "Darzalex" as for "daratumumab"), `aliases`
otherwise (with the text's boost). Words the entry already has are left out.
A group may name the page or section about it (`page: treatment/drugs.md#pi`,
a best bet): that entry gets the group's words in `topic`, with twice the
title's boost, so it comes first for any of them.

Common terms (on more than a tenth of the entries: in Slovenian DP and
diseminirani plazmocitom, IMWG) are added to titles only, never to `aliases`
or `topic` (added to most entries they would lose their weight, lunr's
inverse document frequency, and a best bet would win every query containing
them), and they make no additions to the text of the entries they are on
(or DP would add "Kahlerjeva bolezen" to nearly every entry). A drug's
generic name is the exception: its brand names reach every entry that names
the drug (Revlimid wherever lenalidomide is written).
"""
from __future__ import annotations

import bisect
import functools
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import render, terminology
from .problems import Problem

DATA_DIR = Path("i18n") / "search"
TOP_KEYS = {"spelling", "keep_apart", "synonyms", "brands"}
BRAND_KEYS = {"generic", "brands", "source", "page"}
SYNONYM_KEYS = {"names", "page"}
TITLE_FIELD, TEXT_FIELD, TOPIC_FIELD = "title_aliases", "aliases", "topic"
TOPIC_BOOST = 2.0  # times the title's boost
COMMON_SHARE = 0.10  # a word on more of the index's entries than this is common
WORD = re.compile(r"[\w'-]+")
JOINER = r"[\s\-\u2010-\u2015/]+"  # between the words of a term: spaces, hyphens, dashes, slashes
TAG = re.compile(r"<[^>]+>")
ABBREVIATION_LIKE = re.compile(r"^\S*[A-Z]\S*[A-Z]\S*$")  # IZ, KLL, oGF: another abbreviation in brackets


class SearchDataError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, eq=False)
class Term:
    written: str  # as it goes into the index
    source: str  # the regular expression (compiled when first needed: most terms never are)
    # Its words in lower case (to `*` or punctuation) and whether each is a
    # prefix: a cheap test before the pattern.
    words: tuple[tuple[str, bool], ...]
    start: str  # how a match begins (lower case unless the term keeps its case)
    keeps_case: bool

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(self.source, 0 if self.keeps_case else re.IGNORECASE)

    def search(self, text: str, lowered: str) -> bool:
        """Whether the term is in the text: the pattern is tried only where
        its first word begins (str.find is far faster than a regex scan)."""
        if len(lowered) != len(text):  # a letter whose lower case is longer (İ): positions would differ
            return self.pattern.search(text) is not None
        haystack = text if self.keeps_case else lowered
        at = haystack.find(self.start)
        while at != -1:
            if self.pattern.match(text, at):
                return True
            at = haystack.find(self.start, at + 1)
        return False


def make_term(text: str) -> Term:
    words = [word for word in re.split(JOINER, text.strip()) if word]
    if not words:
        raise ValueError("an empty term")
    parts = [re.escape(word.partition("*")[0]) + (r"\w*" if "*" in word else "") for word in words]
    keeps_case = any(sum(c.isupper() for c in word) >= 2 for word in words)
    pattern = r"(?<!\w)" + JOINER.join(parts) + r"(?!\w)"
    probes = []
    for word in words:
        start = re.match(r"\w*", word.lower()).group(0)  # `Kahler's` -> kahler, as a prefix
        probes.append((start, start != word.lower()))
    start = words[0].partition("*")[0]
    return Term(text.replace("*", "").strip(), pattern, tuple(probes), start if keeps_case else start.lower(),
                keeps_case)


@dataclass
class Group:
    terms: list[Term]
    pages: list[tuple[str, int]] = field(default_factory=list)  # (page as written, line of the data file)
    added: set[Term] = field(default_factory=set)  # the terms that may be added to an entry (all but meanings)
    brands: bool = False  # a drug and its brand names: added wherever the drug is named, however often


def location(page: str) -> str:
    """A page as the data names it (treatment/drugs.md#pi, myeloma/index.md)
    as a location in Material's search index (treatment/drugs/#pi, myeloma/)."""
    path, _, anchor = page.partition("#")
    path = re.sub(r"(^|/)index\.md$", r"\1", path)
    path = re.sub(r"\.md$", "/", path)
    return path + (f"#{anchor}" if anchor else "")


@dataclass
class SearchTerms:
    language: str
    spelling: list[tuple[str, str]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    data_file: str = ""
    pages: Path | None = None  # docs/<language>/: a best bet on a page this tree lacks is left out

    def extend(self, index: dict) -> tuple[dict, list[Problem]]:
        """Material's search index of this language, with the spelling rules
        in its config and the other names of what each entry mentions; and
        the best bets (`page:`) that name no entry of the index."""
        config = dict(index["config"])
        fields = dict(config.get("fields") or {})
        fields[TITLE_FIELD] = dict(fields.get("title") or {"boost": 1000.0})
        fields[TEXT_FIELD] = dict(fields.get("text") or {"boost": 1.0})
        fields[TOPIC_FIELD] = {"boost": TOPIC_BOOST * fields[TITLE_FIELD].get("boost", 1.0)}
        config["fields"] = fields
        config["spelling"] = [list(rule) for rule in self.spelling]
        entries = [_Entry(entry) for entry in index["docs"]]
        terms = [term for group in self.groups for term in group.terms]
        by_first_word = _TermIndex(terms)
        found = [(entry.terms_in(by_first_word, title=True), entry.terms_in(by_first_word, title=False))
                 for entry in entries]
        # A term or word on more than a tenth of the entries is common: added
        # to still more entries it would lose its weight (lunr's inverse
        # document frequency), and a best bet would win every query with it.
        limit = COMMON_SHARE * len(entries)
        term_count = Counter(term for in_title, in_text in found for term in in_title | in_text)
        word_count = Counter(word for entry in entries for word in entry.words)
        common_terms = {term for term in terms if term_count[term] > limit}
        common_words = {word for word, count in word_count.items() if count > limit}

        problems, topics = [], {}
        locations = {entry.location for entry in entries}
        for group in self.groups:
            for page, line in group.pages:
                if location(page) not in locations:
                    # A page this tree does not have (a test fixture) is left out; one it has
                    # must have the heading.
                    if self.pages is None or (self.pages / page.partition("#")[0]).is_file():
                        problems.append(Problem(self.data_file, line,
                                                f"best bet '{page}' is not a section of the search index",
                                                "name a page of docs/<language>/ and the id of one of its headings"))
                    continue
                topics.setdefault(location(page), []).extend(
                    word for term in group.terms if term not in common_terms
                    for word in _words(term.written) if word.lower() not in common_words)
        docs = []
        group_terms = [set(group.terms) for group in self.groups]
        for entry, (in_title, in_text) in zip(entries, found):
            from_title, from_text = [], []
            for group, members in zip(self.groups, group_terms):
                if in_title & members:
                    from_title += [t.written for t in group.terms if t in group.added and t not in in_title | in_text]
                elif (in_text - common_terms if not group.brands else in_text) & members:
                    from_text += [t.written for t in group.terms
                                  if t in group.added and t not in in_text | common_terms]
            doc = dict(entry.doc)
            for name, phrases in ((TITLE_FIELD, from_title), (TEXT_FIELD, from_text),
                                  (TOPIC_FIELD, topics.get(entry.location, []))):
                words = [word for word in dict.fromkeys(w for phrase in phrases for w in _words(phrase))
                         if word.lower() not in entry.words or name == TOPIC_FIELD]
                if words:
                    doc[name] = " ".join(words)
            docs.append(doc)
        return {**index, "config": config, "docs": docs}, problems


def _words(phrase: str) -> list[str]:
    """The words of a phrase, without the punctuation around them (no dashes)."""
    words = (re.sub(r"^\W+|\W+$", "", word) for word in phrase.split())
    return [word for word in words if word]


class _Entry:
    """One entry of Material's search index, as plain text."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.location = doc["location"]
        self.title = html.unescape(TAG.sub(" ", doc.get("title", "")))
        self.text = html.unescape(TAG.sub(" ", doc.get("text", "")))
        self.words = set(WORD.findall((self.title + " " + self.text).lower()))

    def terms_in(self, terms: "_TermIndex", title: bool) -> set[Term]:
        text = self.title if title else self.text
        lowered = text.lower()
        words = sorted(set(re.findall(r"\w+", lowered)))
        present = set(words)

        def has(word: str, is_prefix: bool) -> bool:
            if not is_prefix:
                return word in present
            at = bisect.bisect_left(words, word)
            return at < len(words) and words[at].startswith(word)

        # Only a term whose every word is there can match: only then run its pattern.
        return {term for term in terms.starting_with(words)
                if all(has(word, is_prefix) for word, is_prefix in term.words) and term.search(text, lowered)}


class _TermIndex:
    """Terms by their first word, to find the few an entry may hold."""

    def __init__(self, terms: list[Term]):
        self.whole: dict[str, list[Term]] = {}
        self.prefix: dict[str, list[Term]] = {}
        for term in terms:
            first, is_prefix = term.words[0]
            (self.prefix if is_prefix else self.whole).setdefault(first, []).append(term)
        self.lengths = sorted({len(first) for first in self.prefix})
        self.seen: dict[str, tuple[Term, ...]] = {}  # words recur from entry to entry

    def starting_with(self, words: list[str]):
        for word in words:
            found = self.seen.get(word)
            if found is None:
                found = self.seen[word] = (*self.whole.get(word, ()), *(
                    term for length in self.lengths if length <= len(word)
                    for term in self.prefix.get(word[:length], ())))
            yield from found


# ----------------------------------------------------------------- reading

class _LineLoader(yaml.SafeLoader):
    """Every mapping and list remembers its line, and a mapping the line of
    each key, for the problems."""


class _LineDict(dict):
    line = 0
    key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _LineList(list):
    line = 0


def _mapping(loader, node):
    value = _LineDict(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    value.key_lines = {loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value}
    return value


def _sequence(loader, node):
    value = _LineList(loader.construct_sequence(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def data_path(root: Path, language: str) -> Path:
    return root / DATA_DIR / f"{language}.yml"


def read_data(root: Path, language: str) -> tuple[dict, list[Problem]]:
    """The language's search data as written, and what is wrong with it."""
    path = data_path(root, language)
    rel = (DATA_DIR / path.name).as_posix()
    if not path.is_file():
        return {}, []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return {}, [Problem(rel, mark.line + 1 if mark else 0, f"not valid YAML: {getattr(error, 'problem', error)}",
                            "fix the YAML syntax (quote text that holds ': ' or starts with a special character)")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(rel, 1, "search data must be a mapping", f"use the keys {', '.join(sorted(TOP_KEYS))}")]
    check = _Checker(rel, root)
    for key in data:
        if key not in TOP_KEYS:
            check.problem(data.line_of(key), f"unknown key '{key}'", f"use {', '.join(sorted(TOP_KEYS))}")
    check.spelling(data.get("spelling"), data.line_of("spelling"))
    check.groups(data.get("synonyms"), "synonyms", data.line_of("synonyms"))
    check.groups(data.get("keep_apart"), "keep_apart", data.line_of("keep_apart"))
    check.brands(data.get("brands"), data.line_of("brands"))
    if check.problems:
        return {}, check.problems
    return data, []


def _is_term(value) -> bool:
    return isinstance(value, str) and re.search(r"\w", value) is not None


class _Checker:
    """The problems of one search data file."""

    def __init__(self, rel: str, root: Path):
        self.rel, self.root = rel, root
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, fix: str) -> None:
        self.problems.append(Problem(self.rel, line, message, fix))

    def spelling(self, rules, line: int) -> None:
        if rules is None:
            return
        if not isinstance(rules, list):
            return self.problem(line, "'spelling' must be a list of rules",
                                "write each rule as {rule: [pattern, replacement], meet: [word/variant, ...]}")
        for rule in rules:
            at = getattr(rule, "line", line)
            pair = rule.get("rule") if isinstance(rule, dict) else None
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair) and pair[0]):
                self.problem(at, "a spelling rule needs 'rule: [pattern, replacement]'",
                             "write the pattern as a regular expression on one lower-case word")
                continue
            if "(?<" in pair[0]:
                self.problem(at, f"spelling rule '{pair[0]}' looks behind",
                             "use a group and $1 instead: older phone browsers cannot read look-behind")
                continue
            try:
                re.compile(pair[0])
            except re.error as error:
                self.problem(at, f"spelling rule '{pair[0]}' is not a regular expression: {error}",
                             "fix the pattern")
                continue
            meet = rule.get("meet")
            if not (isinstance(meet, list) and meet
                    and all(isinstance(m, str) and re.fullmatch(r"[^/\s]+/[^/\s]+", m) for m in meet)):
                self.problem(at, f"spelling rule '{pair[0]}' names no words it brings together",
                             "add meet: [word/variant, ...], for example meet: [anaemia/anemia]")

    def groups(self, groups, key: str, line: int) -> None:
        if groups is None:
            return
        if not isinstance(groups, list):
            return self.problem(line, f"'{key}' must be a list", "write each entry as - [one name, another name]")
        for group in groups:
            at = getattr(group, "line", line)
            if key == "synonyms" and isinstance(group, dict):
                for unknown in sorted(set(group) - SYNONYM_KEYS):
                    self.problem(group.line_of(unknown), f"unknown key '{unknown}' in a synonyms entry",
                                 f"use {', '.join(sorted(SYNONYM_KEYS))}")
                self.page(group.get("page"), group.line_of("page"))
                group = group.get("names")
            if not (isinstance(group, list) and len(group) >= 2 and all(_is_term(term) for term in group)):
                self.problem(at, f"an entry of '{key}' is not a list of at least two words or phrases",
                             "write it as - [one name, another name]")

    def brands(self, brands, line: int) -> None:
        if brands is None:
            return
        if not isinstance(brands, list):
            return self.problem(line, "'brands' must be a list",
                                "write each drug as {generic: ..., brands: [...], source: ...}")
        for entry in brands:
            at = getattr(entry, "line", line)
            if not isinstance(entry, dict):
                self.problem(at, "a brands entry is not a mapping",
                             "write it as {generic: ..., brands: [...], source: ...}")
                continue
            for unknown in sorted(set(entry) - BRAND_KEYS):
                self.problem(entry.line_of(unknown), f"unknown key '{unknown}' in a brands entry",
                             f"use {', '.join(sorted(BRAND_KEYS))}")
            generic, names = entry.get("generic"), entry.get("brands")
            if not _is_term(generic):
                self.problem(at, "a brands entry has no generic name",
                             "write the name the pages use: generic: lenalidomide")
            elif not (isinstance(names, list) and all(_is_term(name) for name in names)):
                self.problem(entry.line_of("brands"), f"'{generic}' has no list of brand names",
                             "write brands: [Revlimid] (or brands: [] for a drug without one)")
            elif names and not (isinstance(entry.get("source"), str) and entry["source"].strip()):
                self.problem(at, f"the brand names of '{generic}' name no source",
                             "add source: the bibliography key, or the EPAR or SmPC you read and when")
            self.page(entry.get("page"), entry.line_of("page"))

    def page(self, page, line: int) -> None:
        if page is None or (isinstance(page, str) and re.fullmatch(r"[\w./-]+\.md(#[\w-]+)?", page)):
            return
        self.problem(line, f"best bet '{page}' is not a page",
                     "write the page's path below docs/<language>/, with a heading id: treatment/drugs.md#pi")


def glossary_groups(glossary: dict[str, str]) -> list[list[str]]:
    """One group per row of the abbreviations glossary: the abbreviation, its
    meaning without the bracketed notes, and an abbreviation in brackets (IZ)."""
    groups = []
    for abbreviation, meaning in glossary.items():
        plain = re.sub(r"\s*\([^)]*\)", "", meaning).strip(" ,;")
        group = [abbreviation, plain] if plain and plain != abbreviation else [abbreviation]
        group += [inner.strip() for inner in re.findall(r"\(([^)]*)\)", meaning)
                  if ABBREVIATION_LIKE.match(inner.strip()) and inner.strip() not in group]
        if len(group) > 1:
            groups.append(group)
    return groups


def terminology_groups(path: Path) -> list[list[str]]:
    """The terminology list of a language (i18n/terms/<language>.yml, read by
    terminology.py too): each entry's `preferred` term, its `abbreviation` and
    the forms to `avoid`, which some readers still type. A form given as a
    pattern (`{pattern: ...}`) is not a name and is left out, and so is an
    entry about where or how a term is written (`scope`, a note in brackets)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    entries = data.get("terms", []) if isinstance(data, dict) else data
    groups = []
    for entry in entries if isinstance(entries, list) else []:
        # A rule for where a term is written (scope: headings) or for how it
        # is used ("plasma-cell (as a modifier)") names nothing readers type.
        if isinstance(entry, dict) and _is_term(entry.get("preferred")) and not entry.get("scope") \
                and "(" not in entry["preferred"]:
            avoid = entry.get("avoid") or []
            avoid = [avoid] if isinstance(avoid, str) else avoid
            names = [entry["preferred"], entry.get("abbreviation"), *avoid]
            group = list(dict.fromkeys(name for name in names if _is_term(name)))
            if len(group) > 1:
                groups.append(group)
    return groups


def load(root: Path, docs: Path, language: str) -> SearchTerms:
    """The search terms of one language. Raises SearchDataError on data the
    source gates would report (`check`)."""
    data, problems = read_data(root, language)
    if problems:
        raise SearchDataError(problems[0])
    phrases: list[_Phrases] = []
    for group in data.get("synonyms") or []:
        if isinstance(group, dict):
            phrases.append(_Phrases(list(group["names"]), [(group["page"], group.line)] if group.get("page") else []))
        else:
            phrases.append(_Phrases(list(group)))
    for entry in data.get("brands") or []:
        if entry["brands"] or entry.get("page"):
            phrases.append(_Phrases([entry["generic"], *entry["brands"]],
                                    [(entry["page"], entry.line)] if entry.get("page") else [], brands=True))
    for group in glossary_groups(render.abbreviations(docs / language / "abbreviations.md")):
        # An abbreviation finds the pages that spell it out; a meaning is not
        # added where only the abbreviation stands (EHA, IARC: long names that
        # would only blur what the page is about).
        phrases.append(_Phrases(group, added={key(term) for term in group[:1] + group[2:]}))
    terms_list = root / terminology.TERMS_DIR / f"{language}.yml"
    if terms_list.is_file():
        phrases += [_Phrases(group) for group in terminology_groups(terms_list)]
    spelling = [(rule["rule"][0], rule["rule"][1]) for rule in data.get("spelling") or []]
    groups = []
    for group in merged(phrases):
        terms = {term: make_term(term) for term in group.terms}
        added = {made for term, made in terms.items() if group.added is None or key(term) in group.added}
        groups.append(Group(list(terms.values()), group.pages, added, group.brands))
    return SearchTerms(language, spelling, groups, (DATA_DIR / f"{language}.yml").as_posix(), docs / language)


def key(term: str) -> str:
    return term.replace("*", "").strip().casefold()


@dataclass
class _Phrases:
    """A group as written: its terms, its best bets (page, line) and the keys
    of the terms that may be added to an entry (None: all of them)."""
    terms: list[str]
    pages: list[tuple[str, int]] = field(default_factory=list)
    added: set[str] | None = None
    brands: bool = False


def merged(groups: list[_Phrases]) -> list[_Phrases]:
    """Groups that share a term become one (the glossary's CI and IZ both mean
    "interval zaupanja"; a brand's generic is also a glossary meaning)."""
    def unique(terms: list[str]) -> list[str]:  # one term per key; `lenalidomid*` rather than `lenalidomid`
        chosen: dict[str, str] = {}
        for term in terms:
            if key(term) not in chosen or ("*" in term and "*" not in chosen[key(term)]):
                chosen[key(term)] = term
        return list(chosen.values())

    def addable(group: _Phrases) -> set[str]:
        return {key(term) for term in group.terms} if group.added is None else group.added

    result: dict[int, _Phrases] = {}  # by the order of the group's first appearance
    holder: dict[str, int] = {}  # a term's key -> the group holding it
    for number, group in enumerate(groups):
        for other_number in sorted({holder[k] for k in map(key, group.terms) if k in holder}):
            other = result.pop(other_number)
            both_all = group.added is None and other.added is None
            group = _Phrases([*other.terms, *group.terms], [*other.pages, *group.pages],
                             None if both_all else addable(group) | addable(other), group.brands or other.brands)
            number = min(number, other_number)
        result[number] = _Phrases(unique(group.terms), group.pages, group.added, group.brands)
        holder.update((key(term), number) for term in result[number].terms)
    return [result[number] for number in sorted(result)]


def check(root: Path, languages) -> list[Problem]:
    """The source gate: every language's search data is readable and sound."""
    problems = []
    for language in languages:
        problems.extend(read_data(root, language)[1])
    return problems
