"""`scripts/handbook.py new`: a new chapter in every language of mkdocs.yml,
listed in the navigation, that passes the strict build as soon as it is
created. Its skeleton comes from the `scaffold:` strings of each language's
catalogue (i18n/<language>.yml).

mkdocs.yml is edited as text (new lines inserted, nothing else touched), so
its comments and layout survive; the result is parsed again before it is
written, and nothing is written when the edit does not come out as intended.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import translation_records as records
from .i18n import Catalogues, ConfigLoader, i18n_plugin_config

PAGE_PATH = re.compile(r"^(?:[a-z0-9][a-z0-9-]*/)*[a-z0-9][a-z0-9-]*$")


class ScaffoldError(Exception):
    """Bad input to `new`; the message says what to do."""


@dataclass
class NewPage:
    name: str  # e.g. treatment/car-t.md
    title: dict[str, str]  # language -> title
    section: str | None  # the source language's nav label of the section; None: top level


def page_text(words: dict, title: str, authors: list[str], today: dt.date) -> str:
    """A new page from the `scaffold:` strings of its language's catalogue."""
    front = (f"title: {_yaml_scalar(title)}\ndescription: {_yaml_scalar(words['description'])}\n"
             f"reviewed: {today.isoformat()}\nauthors:\n" + "".join(f"  - {_yaml_scalar(a)}\n" for a in authors))
    body = words["body"].format(key_points=words["key_points"], slovenia=words["slovenia"])
    return f"---\n{front}---\n\n# {title}\n\n{body}"


# ---------------------------------------------------------------- mkdocs.yml

def _nav_block(lines: list[str]) -> tuple[int, int]:
    """First and one-past-last line index of the top-level `nav:` block."""
    start = next((i for i, line in enumerate(lines) if re.match(r"^nav:\s*$", line)), None)
    if start is None:
        raise ScaffoldError("mkdocs.yml has no top-level 'nav:' list; add the page to the navigation by hand")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_end(lines: list[str], head: int, stop: int) -> int:
    """One past the last line that is indented deeper than lines[head]."""
    end = head + 1
    while end < stop and (not lines[end].strip() or _indent(lines[end]) > _indent(lines[head])):
        end += 1
    while end > head + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _yaml_label(label: str) -> str:
    """A nav label (a mapping key) as YAML text: plain when that reads back unchanged."""
    try:
        plain = yaml.safe_load(f"{label}: x") == {label: "x"}
    except yaml.YAMLError:
        plain = False
    return label if plain else json.dumps(label, ensure_ascii=False)  # JSON strings are YAML too


def _yaml_scalar(value: str) -> str:
    """A front-matter value as YAML text: plain when that reads back unchanged."""
    try:
        plain = yaml.safe_load(f"key: {value}") == {"key": value}
    except yaml.YAMLError:
        plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def _nav_pages(nav) -> list[tuple[str | None, str]]:
    """(section label, page path) for every page of a parsed nav list."""
    found = []
    for item in nav or []:
        if isinstance(item, str):
            found.append((None, item))
        elif isinstance(item, dict):
            for label, value in item.items():
                if isinstance(value, str):
                    found.append((None, value))
                else:
                    found.extend((label, path) for _, path in _nav_pages(value))
    return found


def find_section(config: dict, name: str) -> str | None:
    """The nav section that already holds pages of the new page's folder."""
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else None
    for section, path in _nav_pages(config.get("nav")):
        if folder and section and path.startswith(folder):
            return section
    return None


def add_to_nav(text: str, page: NewPage, label: str) -> str:
    lines = text.split("\n")
    start, end = _nav_block(lines)
    entry = f"{_yaml_label(label)}: {page.name}"
    if page.section is None:
        item_indent = " " * _indent(lines[start + 1]) if end > start + 1 else "  "
        lines.insert(end, f"{item_indent}- {entry}")
        return "\n".join(lines)
    head_pattern = re.compile(rf"^(\s*)- {re.escape(_yaml_label(page.section))}:\s*$")
    head = next((i for i in range(start + 1, end) if head_pattern.match(lines[i])), None)
    if head is None:
        # A new section, placed before "About" (the back matter) when there is one.
        top = _indent(lines[start + 1]) if end > start + 1 else 2
        about = next((i for i in range(start + 1, end) if re.match(rf"^\s{{{top}}}- About:\s*$", lines[i])), end)
        lines[about:about] = [f"{' ' * top}- {_yaml_label(page.section)}:", f"{' ' * (top + 4)}- {entry}"]
        return "\n".join(lines)
    child_end = _block_end(lines, head, end)
    child_indent = " " * (_indent(lines[head + 1]) if child_end > head + 1 else _indent(lines[head]) + 4)
    where = head + 1 if page.name.endswith("/index.md") else child_end
    lines.insert(where, f"{child_indent}- {entry}")
    return "\n".join(lines)


def add_nav_translations(text: str, pairs: dict[str, str], config: dict, language: str) -> str:
    """Add `source label: translated label` lines to a language's nav_translations."""
    entry = _language_entry(config, language)
    existing = (entry or {}).get("nav_translations") or {}
    for label, translated in pairs.items():
        if label in existing and existing[label] != translated:
            raise ScaffoldError(f"the nav label '{label}' is already translated as '{existing[label]}' "
                                f"({language}), not '{translated}'; use that translation or another title")
    # A title that reads the same in both languages is listed too: the nav
    # check asks for every title's translation (navigation.py).
    wanted = {label: translated for label, translated in pairs.items() if label not in existing}
    if not wanted:
        return text
    if entry is None:
        raise ScaffoldError(f"mkdocs.yml has no i18n language '{language}'; cannot add its nav labels")
    lines = text.split("\n")
    locale = next(i for i, line in enumerate(lines) if re.match(rf"^\s*- locale:\s*{re.escape(language)}\s*$", line))
    block_end = _block_end(lines, locale, len(lines))
    head = next((i for i in range(locale, block_end) if re.match(r"^\s*nav_translations:\s*$", lines[i])), None)
    if head is None:
        indent = _indent(lines[locale]) + 2
        head = block_end
        lines.insert(head, f"{' ' * indent}nav_translations:")
    end = _block_end(lines, head, len(lines))
    child_indent = _indent(lines[head + 1]) if end > head + 1 else _indent(lines[head]) + 2
    lines[end:end] = [f"{' ' * child_indent}{_yaml_label(e)}: {_yaml_label(s)}" for e, s in wanted.items()]
    return "\n".join(lines)


def _language_entry(config: dict, language: str) -> dict | None:
    for entry in i18n_plugin_config(config).get("languages") or []:
        if str(entry.get("locale")) == language:
            return entry
    return None


def create(root: Path, path: str, titles: dict[str, str], sections: dict[str, str] | None = None,
           authors: list[str] | None = None, today: dt.date | None = None) -> list[Path]:
    """Create docs/<language>/PATH.md in every language and list the page in
    mkdocs.yml. titles (and, for a new nav section, sections): language -> text,
    for every language of mkdocs.yml. Returns the files written."""
    catalogues = Catalogues(root)
    languages = catalogues.languages
    sections = {lang: label for lang, label in (sections or {}).items() if label}
    name = path.removesuffix(".md")
    if not PAGE_PATH.match(name):
        raise ScaffoldError(f"'{path}' is not a page path like treatment/car-t-cells "
                            "(lowercase ASCII letters, digits and hyphens, folders separated by '/')")
    name += ".md"
    targets = {lang: root / "docs" / lang / name for lang in languages.all}
    missing = [lang for lang, target in targets.items() if not target.exists()]
    if not missing:
        raise ScaffoldError(f"{targets[languages.source].relative_to(root)} exists already; edit it instead")
    for language in missing:
        if not titles.get(language):
            raise ScaffoldError(f"give the page's {catalogues(language).english_name} title with --title-{language}")
    for language in missing:
        if not 3 <= len(titles[language].strip()) <= 120:
            raise ScaffoldError(f"title '{titles[language]}' must have 3 to 120 characters")
    if len(missing) < len(targets):
        return _create_missing_twins(root, catalogues, name, missing, titles, authors, today)
    config_path = root / "mkdocs.yml"
    text = config_path.read_text(encoding="utf-8")
    config = yaml.load(text, Loader=ConfigLoader) or {}
    if any(p == name for _, p in _nav_pages(config.get("nav"))):
        raise ScaffoldError(f"{name} is already in the nav of mkdocs.yml")

    section = sections.get(languages.source) or find_section(config, name)
    if section is None and "/" in name:
        section = name.split("/")[0].replace("-", " ").capitalize()
    known_sections = {s for s, _ in _nav_pages(config.get("nav")) if s}
    translations: dict[str, dict[str, str]] = {lang: {} for lang in languages.translations}
    if section and section not in known_sections:
        for language in languages.translations:
            existing = (_language_entry(config, language) or {}).get("nav_translations") or {}
            if not sections.get(language) and section not in existing:
                raise ScaffoldError(f"the nav section '{section}' is new: give its "
                                    f"{catalogues(language).english_name} name with --section-{language}")
            if sections.get(language):
                translations[language][section] = sections[language]
    is_index = name.endswith("/index.md")
    label = catalogues(languages.source).text("scaffold.overview") if is_index else titles[languages.source].strip()
    for language in languages.translations:
        translations[language][label] = (catalogues(language).text("scaffold.overview") if is_index
                                         else titles[language].strip())

    page = NewPage(name, {lang: titles[lang].strip() for lang in languages.all}, section)
    new_text = add_to_nav(text, page, label)
    for language in languages.translations:
        new_text = add_nav_translations(new_text, translations[language], config, language)
    new_config = yaml.load(new_text, Loader=ConfigLoader)
    if (section, name) not in _nav_pages(new_config.get("nav")) and (None, name) not in _nav_pages(
            new_config.get("nav")):
        raise ScaffoldError("could not place the page in the nav of mkdocs.yml; add it by hand")

    authors = authors or ["Myeloma Handbook editorial team"]
    today = today or dt.date.today()
    texts = {lang: page_text(catalogues(lang).get("scaffold"), page.title[lang], authors, today)
             for lang in languages.all}
    source_version = records.fingerprint(texts[languages.source])
    for lang, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Each translation follows the new source page (translation_records.py).
        text = texts[lang] if lang == languages.source else records.with_record(texts[lang], source_version)
        target.write_text(text, encoding="utf-8")
    config_path.write_text(new_text, encoding="utf-8")
    return [*targets.values(), config_path]


def _create_missing_twins(root: Path, catalogues: Catalogues, name: str, missing: list[str],
                          titles: dict[str, str], authors: list[str] | None, today: dt.date | None) -> list[Path]:
    """`new` for a page that exists in some languages: only the missing twins,
    from the scaffold (the nav lists the page already), with the review date
    of the existing twin (twins are reviewed together). A translation gets no
    record of the source it follows: translation-status asks for one
    (--mark) once it is translated."""
    from .front_matter import read_front_matter

    languages = catalogues.languages
    existing = next(root / "docs" / lang / name for lang in [languages.source, *languages.all] if lang not in missing)
    meta = read_front_matter(existing.read_text(encoding="utf-8"))
    reviewed = str(meta.get("reviewed") or "")
    try:
        day = dt.date.fromisoformat(reviewed) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed) else None
    except ValueError:
        day = None
    written = []
    for lang in missing:
        target = root / "docs" / lang / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_text(catalogues(lang).get("scaffold"), titles[lang].strip(),
                                    authors or meta.get("authors") or ["Myeloma Handbook editorial team"],
                                    today or day or dt.date.today()), encoding="utf-8")
        written.append(target)
    return written


# ---------------------------------------------------------------- figures

class _LabelDumper(yaml.SafeDumper):
    """Labels of several lines as YAML block text (|-), as people write them."""


_LabelDumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def create_figure(root: Path, page: str, name: str, titles: dict[str, str]) -> list[Path]:
    """`new PAGE --figure NAME`: a draft figure on an existing page, in every
    language: figures/NAME.yml (two nodes, one value, the page's first
    source), figures/NAME.<language>.yml (the titles given, draft labels from
    each catalogue's `figures:` strings) and the marker at the end of every
    twin. It passes the gate at once; then draw what the page says."""
    from .figures import FIGURE_DIR, NAME
    from .markdown_source import scan_citations

    catalogues = Catalogues(root)
    languages = catalogues.languages
    if not NAME.match(name):
        raise ScaffoldError(f"'{name}' is not a figure name like treatment-at-relapse "
                            "(lowercase ASCII letters, digits and hyphens)")
    page = page.removesuffix(".md") + ".md"
    pages = {lang: root / "docs" / lang / page for lang in languages.all}
    for lang, path in pages.items():
        if not path.is_file():
            raise ScaffoldError(f"docs/{lang}/{page} does not exist: a figure goes on an existing page "
                                "(scaffold the page first)")
        if not titles.get(lang):
            raise ScaffoldError(f"give the figure's {catalogues(lang).english_name} title with --title-{lang}")
    folder = root / FIGURE_DIR
    targets = {None: folder / f"{name}.yml"} | {lang: folder / f"{name}.{lang}.yml" for lang in languages.all}
    for target in targets.values():
        if target.exists():
            raise ScaffoldError(f"{target.relative_to(root)} exists already; edit it instead")
    cited = [c.key for c in scan_citations(pages[languages.source].read_text(encoding="utf-8")).citations]
    if not cited:
        raise ScaffoldError(f"docs/{languages.source}/{page} cites no source yet, and a figure shows what its "
                            "page says with the page's sources: cite them in the page first")
    folder.mkdir(exist_ok=True)
    targets[None].write_text(
        f"# {titles[languages.source].strip()}: on docs/*/{page}. Structure (nodes, edges, values,\n"
        f"# sources); the words are in {name}.<language>.yml. See CONTRIBUTING.md, \"Figures\".\n"
        f"cite: [{cited[0]}]\nvalues:\n  example: {{percent: 10}}\nnodes:\n  first: {{kind: start}}\n"
        "  second: {kind: outcome}\nedges:\n  - [first, second]\n", encoding="utf-8")
    # A translation that followed its source page still does: both gain the same marker.
    in_sync = {lang for lang in languages.translations
               if records.record_of(pages[lang].read_text(encoding="utf-8"))
               == records.fingerprint(pages[languages.source].read_text(encoding="utf-8"))}
    for lang in languages.all:
        words = catalogues(lang).get("figures")
        labels = {"title": titles[lang].strip(), "caption": words["draft_caption"],
                  "nodes": {"first": words["draft_first"], "second": words["draft_second"]}}
        targets[lang].write_text(yaml.dump(labels, Dumper=_LabelDumper, allow_unicode=True, sort_keys=False,
                                           width=100), encoding="utf-8")
        text = pages[lang].read_text(encoding="utf-8").rstrip("\n")
        pages[lang].write_text(f'{text}\n\n{{{{ figure "{name}" }}}}\n', encoding="utf-8")
    source_version = records.fingerprint(pages[languages.source].read_text(encoding="utf-8"))
    for lang in in_sync:
        records.write_record(pages[lang], source_version)
    return [*targets.values(), *pages.values()]
