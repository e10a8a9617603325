"""The navigation of mkdocs.yml against the pages: every page of the source
language is listed in `nav:`, every entry names a page that exists, and
every title of the nav has its translation under `nav_translations` of each
other language (mkdocs-static-i18n shows the source language's title
otherwise, without a word of warning). A mkdocs.yml without `nav:` lists
every page by itself: nothing to check then.

mkdocs.yml is read as YAML nodes, so each problem names its line."""
from __future__ import annotations

import yaml

from .front_matter import read_front_matter
from .i18n import ConfigLoader
from .problems import Problem


def _mapping_value(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value
    return None


def _entries(node, section: str | None = None):
    """(title node or None, path, line, section title) of every page of a nav
    sequence, and (title node, None, line, None) of every section."""
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        if isinstance(item, yaml.ScalarNode):
            yield None, item.value, item.start_mark.line + 1, section
        elif isinstance(item, yaml.MappingNode):
            for title, value in item.value:
                if isinstance(value, yaml.ScalarNode):
                    yield title, value.value, title.start_mark.line + 1, section
                else:
                    yield title, None, title.start_mark.line + 1, None
                    yield from _entries(value, title.value)


def _translations(root_node, language: str) -> dict[str, str] | None:
    """nav_translations of a language of the i18n plugin (None: no such language)."""
    for plugin in (_mapping_value(root_node, "plugins") or yaml.SequenceNode("", [])).value:
        languages = _mapping_value(_mapping_value(plugin, "i18n"), "languages")
        for entry in languages.value if isinstance(languages, yaml.SequenceNode) else []:
            locale = _mapping_value(entry, "locale")
            if isinstance(locale, yaml.ScalarNode) and locale.value == language:
                found = _mapping_value(entry, "nav_translations")
                if not isinstance(found, yaml.MappingNode):
                    return {}
                return {k.value: v.value for k, v in found.value
                        if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
    return None


def _not_in_nav(root_node):
    """MkDocs' not_in_nav patterns (gitignore style), or None."""
    patterns = _mapping_value(root_node, "not_in_nav")
    if not isinstance(patterns, yaml.ScalarNode) or not patterns.value.strip():
        return None
    import pathspec  # a dependency of MkDocs, which reads not_in_nav the same way

    return pathspec.gitignore.GitIgnoreSpec.from_lines(patterns.value.splitlines())


def check_nav(project) -> list[Problem]:
    """The nav of project.root/mkdocs.yml against the pages (checks.Project)."""
    config_path = project.root / "mkdocs.yml"
    if not config_path.is_file():
        return []
    try:
        root_node = yaml.compose(config_path.read_text(encoding="utf-8"), Loader=ConfigLoader)
    except yaml.YAMLError:
        return []  # MkDocs reports a broken mkdocs.yml itself, before anything else
    nav = _mapping_value(root_node, "nav")
    if not isinstance(nav, yaml.SequenceNode):
        return []
    rel_config = project.rel(config_path)
    languages = project.languages
    source = languages.source
    pages = project.pages(source)
    entries = list(_entries(nav))
    listed = {path for _, path, _, _ in entries if path}
    problems = []
    for _, path, line, _ in entries:
        if path and path.endswith(".md") and "://" not in path and path not in pages:
            problems.append(Problem(rel_config, line, f"nav entry '{path}' names no page: docs/{source}/{path} "
                                    "does not exist", "correct the path (relative to the language folder), or "
                                    "create the page with scripts/handbook.py new"))
    ignored = _not_in_nav(root_node)
    for name, path in pages.items():
        if name in listed or (ignored and ignored.match_file(name)):
            continue
        title = read_front_matter(path.read_text(encoding="utf-8")).get("title") or "Title"
        problems.append(Problem(project.rel(path), 1, "page is not in the navigation",
                                f'add "- {title}: {name}" to its section under nav: in mkdocs.yml, and its '
                                "translated title under nav_translations"))
    for language in languages.translations:
        translated = _translations(root_node, language)
        if translated is None:
            continue
        name_of_language = project.catalogue(language).english_name
        for title, path, line, _ in entries:
            if title is None or title.value in translated:
                continue
            twin = project.docs / language / path if path else None
            suggestion = (read_front_matter(twin.read_text(encoding="utf-8")).get("title")
                          if twin and twin.is_file() else None) or f"the {name_of_language} title"
            problems.append(Problem(rel_config, line, f"nav title '{title.value}' has no {name_of_language} "
                                    "translation", f'add "{title.value}: {suggestion}" under nav_translations of '
                                    f"locale {language} in mkdocs.yml"))
    return problems
