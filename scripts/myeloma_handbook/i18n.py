"""The handbook's languages, and the words it writes itself in each of them.

**Languages** are listed once: in mkdocs.yml, under the i18n plugin's
`languages:` (mkdocs-static-i18n builds what it lists; `build: false` leaves
a language out). The language marked `default: true` is the source language:
every page of another language is a translation of the source page with the
same path.

**Words** the project writes itself (the review line, evidence labels,
reference styling, registry markers, PDF cover, 404 page, scaffold,
calculators, the translation notice...) come from one catalogue per
language: `i18n/<language>.yml`, next to mkdocs.yml. Python asks for them
with `catalogue(language).text("page.references")`; the build writes the
`javascript:` keys of each catalogue to `assets/javascripts/catalogue/<language>.js`
for the scripts in overrides/ (see `javascript()`), and puts the
`templates:` keys into `config.extra.handbook_i18n.strings` for the
templates. Every catalogue has exactly the keys of the source language's
catalogue, with the same `{placeholders}`; `check_catalogues` names a
missing or extra key with its file and line.

**Locale rules** are not code: numbers, dates and plural forms come from
CLDR through Babel, for the catalogue's `locale:` (decimal and thousands
separators, the layout of a date, month names, plural categories). A string
that depends on a count is a mapping of CLDR plural categories
(`{one: točka, two: točki, few: točke, other: točk}`); each catalogue lists
exactly the categories its locale has.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from .problems import Problem

CATALOGUE_DIR = "i18n"
REPO_ROOT = Path(__file__).resolve().parents[2]
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# Keys a catalogue may have or leave out, and fill freely (they are not strings
# the handbook writes in every language): Material's own interface strings
# that this language replaces, and the spell checker for its pages.
FREE_KEYS = ("material", "spelling")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
DATE_LENGTHS = ("short", "medium", "long", "full")  # the locale's own date formats
SKELETON = re.compile(r"^[A-Za-z]+$")  # a CLDR skeleton (yMd); anything else is an LDML pattern


# ------------------------------------------------------------------ languages

@dataclass(frozen=True)
class Languages:
    source: str
    translations: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return (self.source, *self.translations)

    def url_prefix(self, language: str) -> str:
        """Where a language's pages live in the site: '' or 'sl/'."""
        return "" if language == self.source else f"{language}/"


class ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml may hold !ENV or !!python/name tags; here only its shape counts."""


ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def read_config(root: Path) -> dict:
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=ConfigLoader) or {}


def i18n_plugin_config(config: dict) -> dict:
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "i18n" in plugin:
            return plugin["i18n"] or {}
    return {}


def languages_from(entries) -> Languages:
    """The languages of static-i18n's `languages:` list (dicts as written in
    mkdocs.yml, or the plugin's parsed config objects)."""
    def get(entry, key, default=None):
        return entry.get(key, default) if isinstance(entry, dict) else getattr(entry, key, default)

    built = [entry for entry in entries or [] if get(entry, "build", True) is not False]
    codes = [str(get(entry, "locale")) for entry in built]
    defaults = [str(get(entry, "locale")) for entry in built if get(entry, "default", False)]
    if not codes:
        raise ValueError("mkdocs.yml lists no language under plugins: i18n: languages")
    source = defaults[0] if defaults else codes[0]
    return Languages(source, tuple(code for code in codes if code != source))


def read_languages(root: Path) -> Languages:
    return languages_from(i18n_plugin_config(read_config(root)).get("languages"))


# ------------------------------------------------------------------ catalogues

class _TextLoader(yaml.SafeLoader):
    """Every scalar is text: `yes:`, `no:` and `1:` stay the keys they look like."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CatalogueError(Exception):
    """A catalogue that cannot be used, as a Problem (file, line, what, what to do)."""

    def __init__(self, rel: str, line: int, message: str, fix: str):
        self.problem = Problem(rel, line, message, fix)
        super().__init__(str(self.problem))


def _key_lines(node, prefix: str = "", lines: dict | None = None) -> dict[str, int]:
    """dotted key -> 1-based line, from a composed YAML mapping node."""
    lines = {} if lines is None else lines
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            lines[key] = key_node.start_mark.line + 1
            _key_lines(value_node, key + ".", lines)
    return lines


def is_plural(value) -> bool:
    return isinstance(value, dict) and bool(value) and "other" in value and set(value) <= set(PLURAL_CATEGORIES)


def _leaves(data: dict, prefix: str = "") -> dict[str, Any]:
    """dotted key -> string (or plural mapping), below the free keys."""
    found = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if not prefix and key in FREE_KEYS:
            continue
        if isinstance(value, dict) and not is_plural(value) and "format" not in value:  # {format:} is a date
            found.update(_leaves(value, dotted + "."))
        else:
            found[dotted] = value
    return found


def _placeholders(value) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts if isinstance(text, str) for name in PLACEHOLDER.findall(text)}


class Catalogue:
    """The words and locale rules of one language."""

    def __init__(self, language: str, path: Path, data: dict, lines: dict[str, int]):
        self.language = language
        self.path = path
        self.data = data
        self.lines = lines
        try:
            self.locale = Locale.parse(str(data.get("locale") or language))
        except (UnknownLocaleError, ValueError) as error:
            raise CatalogueError(f"{CATALOGUE_DIR}/{path.name}", lines.get("locale", 1),
                                 f"locale '{data.get('locale')}' is unknown to CLDR ({error})",
                                 "write a CLDR locale such as en_GB, sl or de") from None

    # --- words
    def get(self, key: str):
        value: Any = self.data
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(f"{self.path.name} has no string '{key}'")
            value = value[part]
        return value

    def text(self, key: str, **values) -> str:
        """The string at a dotted key, with {placeholders} filled in."""
        text = self.get(key)
        return text.format(**values) if values else text

    def plural(self, key: str, count: float, **values) -> str:
        """The form of a plural string for count (CLDR's rule for the locale);
        {count} is the number written in the locale's way."""
        forms = self.get(key)
        form = forms.get(self.locale.plural_form(count), forms["other"])
        return form.format(count=self.number(count), **values)

    # --- locale rules
    @property
    def decimal_symbol(self) -> str:
        return babel_numbers.get_decimal_symbol(self.locale)

    @property
    def group_symbol(self) -> str:
        return babel_numbers.get_group_symbol(self.locale)

    @property
    def english_name(self) -> str:
        """'Slovenian': for messages to contributors, which are in English."""
        return self.locale.english_name.split(" (")[0]

    @property
    def own_name(self) -> str:
        """The language's name in itself ('slovenščina'), as CLDR writes it."""
        return self.locale.get_language_name(self.locale) or self.language

    def number(self, value: float, decimals: int | None = None) -> str:
        """A number in the locale's way, without thousands grouping (the
        handbook's prose groups thousands with a space in every language)."""
        pattern = "0." + ("0" * decimals if decimals is not None else "######") if decimals != 0 else "0"
        return babel_numbers.format_decimal(value, format=pattern, locale=self.locale, group_separator=False)

    def date(self, value: dt.date, style: str = "text") -> str:
        """A date in one of the catalogue's `dates:` styles: one of the
        locale's own formats (short, medium, long, full), a CLDR skeleton (yMd:
        the fields, laid out as the locale does) or an LDML pattern (y-MM-dd);
        optionally {format: ..., locale: ...}."""
        spec = self.get(f"dates.{style}")
        locale = self.locale
        if isinstance(spec, dict):
            locale = Locale.parse(spec.get("locale") or str(self.locale))
            spec = spec["format"]
        if spec in DATE_LENGTHS:
            return babel_dates.format_date(value, spec, locale=locale)
        if SKELETON.match(spec):
            return babel_dates.format_skeleton(spec, value, locale=locale)
        return babel_dates.format_date(value, spec, locale=locale)

    # --- the JavaScript side
    def javascript(self) -> str:
        """assets/javascripts/catalogue/<language>.js: the `javascript:` keys
        and the locale rules the scripts need, as a global
        `HandbookCatalogue[<language>]` (and under node, for the tests)."""
        percent = babel_numbers.format_percent(0.5, locale=self.locale)
        data = {
            "language": self.language,
            "locale": str(self.locale).replace("_", "-"),  # BCP 47, for Intl.PluralRules
            "decimal": self.decimal_symbol,
            "group": self.group_symbol,
            "percent": percent.replace(babel_numbers.format_decimal(50, locale=self.locale), "{n}", 1),
            **self.get("javascript"),
        }
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        return (f"/* Generated by the build from {CATALOGUE_DIR}/{self.path.name}: edit the catalogue, "
                "not this file. */\n"
                '(function (root) { (root.HandbookCatalogue = root.HandbookCatalogue || {})'
                f"[{json.dumps(self.language)}] = {body}; }})"
                '(typeof self !== "undefined" ? self : globalThis);\n')


def catalogue_path(root: Path, language: str) -> Path:
    return root / CATALOGUE_DIR / f"{language}.yml"


@functools.lru_cache(maxsize=16)
def _parse_catalogue(text: str):
    """(node, data, None), or (None, None, (line, what, what to do)) for broken YAML.
    Cached by text: a build reads each catalogue several times and the pure-Python
    parser is slow; callers only read what it returns."""
    try:
        return yaml.compose(text, Loader=_TextLoader), yaml.load(text, Loader=_TextLoader), None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, None, (mark.line + 1 if mark else 0, f"not valid YAML: {getattr(error, 'problem', error)}",
                            "fix the YAML syntax (quote text that holds ': ' or starts with a special character)")


def load_catalogue(root: Path, language: str) -> Catalogue:
    path = catalogue_path(root, language)
    rel = f"{CATALOGUE_DIR}/{language}.yml"
    if not path.is_file():
        raise CatalogueError(rel, 0, f"the catalogue of language '{language}' (mkdocs.yml) is missing",
                             f"copy the source language's catalogue to {rel} and translate every string")
    text = path.read_text(encoding="utf-8")
    node, data, error = _parse_catalogue(text)
    if error is not None:
        raise CatalogueError(rel, *error) from None
    if not isinstance(data, dict):
        raise CatalogueError(rel, 1, "a catalogue must be a mapping of keys to strings",
                             "start from a copy of the source language's catalogue")
    return Catalogue(language, path, copy.deepcopy(data), _key_lines(node))


class Catalogues:
    """The languages and catalogues of one project (the handbook, or a test
    fixture); catalogues are read once and again when their file changes."""

    def __init__(self, root: Path):
        self.root = root
        self._loaded: dict[str, tuple[float, Catalogue]] = {}
        self._languages: tuple[float, Languages] | None = None

    @property
    def languages(self) -> Languages:
        stamp = (self.root / "mkdocs.yml").stat().st_mtime
        if self._languages is None or self._languages[0] != stamp:
            self._languages = (stamp, read_languages(self.root))
        return self._languages[1]

    def __call__(self, language: str) -> Catalogue:
        path = catalogue_path(self.root, language)
        stamp = path.stat().st_mtime if path.is_file() else -1.0
        cached = self._loaded.get(language)
        if cached is None or cached[0] != stamp:
            cached = (stamp, load_catalogue(self.root, language))
            self._loaded[language] = cached
        return cached[1]


_active = Catalogues(REPO_ROOT)


def activate(root: Path) -> Catalogues:
    """Use the catalogues of the project at root (the build calls this for
    the project it builds; the default is this repository)."""
    global _active
    if _active.root != root:
        _active = Catalogues(root)
    return _active


def catalogue(language: str) -> Catalogue:
    """The catalogue of a language of the active project."""
    return _active(language)


def languages() -> Languages:
    return _active.languages


# ------------------------------------------------------------------ the gate

def check_catalogues(root: Path, langs: Languages | None = None) -> list[Problem]:
    """Every language has a readable catalogue with a known CLDR locale, the
    source catalogue's keys and placeholders, and the plural forms its locale
    has. Problems name the file and line."""
    langs = langs or read_languages(root)
    problems: list[Problem] = []
    loaded: dict[str, Catalogue] = {}
    for language in langs.all:
        try:
            loaded[language] = load_catalogue(root, language)
        except CatalogueError as error:
            problems.append(error.problem)
    source = loaded.get(langs.source)
    if source is None:
        return problems
    expected = _leaves(source.data)
    source_rel = f"{CATALOGUE_DIR}/{source.path.name}"
    for language, found in loaded.items():
        rel = f"{CATALOGUE_DIR}/{found.path.name}"
        leaves = _leaves(found.data)
        categories = set(found.locale.plural_form.tags) | {"other"}
        for key, value in expected.items():
            if key not in leaves:
                parent = key.rpartition(".")[0]
                line = found.lines.get(parent, 1) if parent else 1
                problems.append(Problem(rel, line, f"missing string '{key}'",
                                        f"add it, translated from {source_rel}:{source.lines.get(key, 0)}"))
                continue
            mine = leaves[key]
            if isinstance(value, dict) != isinstance(mine, dict) and not (
                    is_plural(value) or is_plural(mine) or key.startswith("dates.")):
                problems.append(Problem(rel, found.lines.get(key, 0), f"'{key}' is not a string",
                                        f"write it as {source_rel}:{source.lines.get(key, 0)} does"))
            if _placeholders(value) != _placeholders(mine):
                want = ", ".join(f"{{{p}}}" for p in sorted(_placeholders(value))) or "none"
                got = ", ".join(f"{{{p}}}" for p in sorted(_placeholders(mine))) or "none"
                problems.append(Problem(rel, found.lines.get(key, 0),
                                        f"'{key}' has the placeholders {got}, the source has {want}",
                                        f"use exactly the placeholders of {source_rel}:{source.lines.get(key, 0)}"))
        for key, mine in leaves.items():
            if key not in expected:
                problems.append(Problem(rel, found.lines.get(key, 0), f"string '{key}' is not in {source_rel}",
                                        f"remove it, or add it to {source_rel} and every catalogue"))
            elif is_plural(mine) or is_plural(expected[key]):
                forms = set(mine) if isinstance(mine, dict) else set()
                for category in sorted(categories - forms, key=PLURAL_CATEGORIES.index):
                    problems.append(Problem(rel, found.lines.get(key, 0),
                                            f"'{key}' lacks the plural form '{category}' of locale {found.locale}",
                                            "give every CLDR plural category of the locale (one, two, few, many, "
                                            "other: see the CLDR plural rules)"))
                for category in sorted(forms - categories, key=PLURAL_CATEGORIES.index):
                    problems.append(Problem(rel, found.lines.get(f"{key}.{category}", found.lines.get(key, 0)),
                                            f"'{key}' has the plural form '{category}', which locale "
                                            f"{found.locale} does not use", "remove it"))
        for style in ("text", "compact", "cited"):
            try:
                found.date(dt.date(2026, 1, 15), style)
            except KeyError:
                pass  # reported as a missing string above
            except Exception as error:  # a malformed skeleton or pattern
                problems.append(Problem(rel, found.lines.get(f"dates.{style}", 0),
                                        f"date style '{style}' cannot be used: {error}",
                                        "write short, medium, long or full, a CLDR skeleton (yMd) or an LDML pattern (y-MM-dd)"))
    return sorted(problems)
