"""MkDocs hooks of the Myeloma Handbook: all build-time behaviour in one place.

- runs the source gates (scripts/myeloma_handbook/checks.py) before building;
- takes every word it writes from the language's catalogue (i18n/<language>.yml,
  scripts/myeloma_handbook/i18n.py): the languages are those of the i18n
  plugin in mkdocs.yml; the scripts get theirs as
  assets/javascripts/catalogue/<language>.js, the templates as
  config.extra.handbook_i18n;
- formats references in Vancouver style in the page's language, each with
  its last Crossref/PubMed check (scripts/reference-checks.json);
- adds evidence labels, the review line (dates, authors, sign-offs), disclaimer and
  abbreviation tooltips;
- turns figure markers ({{ figure "name" }}) into figures drawn by Graphviz
  in the page's language (scripts/myeloma_handbook/figures.py);
- checks every link and anchor of the built site, both languages;
- with HANDBOOK_PDF=1, writes one PDF of the whole handbook per language
  (scripts/myeloma_handbook/pdf.py), linked from every page's footer;
- writes each language's service worker for offline reading, registered only
  when the reader asks (scripts/myeloma_handbook/offline.py);
- removes the site directory when a build fails, so nothing half-built is
  ever mistaken for a good build.

Problems are logged as warnings naming file and line: `mkdocs serve` keeps
serving, `mkdocs build --strict` fails.
"""
from __future__ import annotations

import copy
import logging
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import Abort
from mkdocs.plugins import CombinedEvent, event_priority

sys.path.insert(0, str(Path(__file__).resolve().parent))

from myeloma_handbook import (figures, i18n, offline, pdf, per_language, reference_records,  # noqa: E402
                              registry_check, render, search_terms, sign_offs, theme_html, translation_records)
from myeloma_handbook.bibliography import make_registry  # noqa: E402
from myeloma_handbook.checks import Project, check_sources  # noqa: E402
from myeloma_handbook.links import check_site  # noqa: E402

log = logging.getLogger("mkdocs.hooks.handbook")

_state: dict = {"sources": {}, "books": {}}


def _languages(config) -> i18n.Languages:
    """The languages of the i18n plugin's config (mkdocs.yml): the source first."""
    plugin = config.plugins.get("i18n")
    if plugin is not None:
        return i18n.languages_from(plugin.config.languages)
    return i18n.read_languages(Path(config.config_file_path).resolve().parent)


def _language(config) -> str:
    plugin = config.plugins.get("i18n")
    return getattr(plugin, "current_language", None) or _languages(config).source


def _default_language(config) -> str:
    return _languages(config).source


def _outer_build(config) -> bool:
    """static-i18n builds the other languages inside the first build."""
    i18n = config.plugins.get("i18n")
    return not getattr(i18n, "building", False)


def _project(config) -> Project:
    root = Path(config.config_file_path).resolve().parent
    bibtex = config.plugins.get("bibtex")
    bib_file = bibtex.config.bib_file if bibtex else "bibliography.bib"
    return Project(root, Path(config.docs_dir), root / bib_file, i18n.activate(root))


def on_startup(command, dirty):
    """`serve --dirty` rebuilds only the pages that changed: the search index
    is then merged here (on_post_build)."""
    _state["dirty_serve"] = command == "serve" and dirty
    _state.pop("search_docs", None)


@event_priority(100)  # before mkdocs-bibtex, which would crash on a broken .bib
def on_config(config):
    _state["site_dir"] = config.site_dir
    bibtex = config.plugins.get("bibtex")
    if bibtex is not None:
        # mkdocs-bibtex would parse the .bib again to build a registry that
        # on_pre_build replaces: tell it the files are unchanged.
        bibtex.last_configured = float("inf")
    if _outer_build(config):
        _state["sources"] = {}
        _state["rebuilt"] = set()
        _state["books"] = {}
        i18n_plugin = config.plugins.get("i18n")
        if isinstance(getattr(i18n_plugin, "search_entries", None), list):
            # static-i18n collects each language's search entries in a list it
            # never empties: under `serve` every rebuild would add them again.
            i18n_plugin.search_entries.clear()
        report = check_sources(_project(config))
        _state["report"] = report
        _state["figures"] = figures.Pages(_project(config).root, _languages(config))
        _state["reference_note"] = _reference_notes(config, report.bibliography)
        for problem in report.problems:
            log.warning(str(problem))
        if report.problems and (config.strict or not report.bibliography.readable
                                or not report.catalogues_readable):
            raise Abort(f"{len(report.problems)} problem(s) in the sources, listed above; nothing was built.")
    return config


def _reference_notes(config, bibliography):
    """What follows each reference, read once per build: its kind (news,
    congress) and a marker only when something is wrong or unverified (the
    verification records of bibliography-checks.yml; the registry cache for
    entries that differ from Crossref or PubMed or are retracted)."""
    root = _project(config).root
    try:
        findings = registry_check.reader_markers(bibliography, root / registry_check.CACHE_PATH)
    except ValueError as error:
        log.warning(f"scripts/{error} -> restore it from git or rerun "
                    "`scripts/handbook.py references --online`")
        findings = {}
    records = reference_records.load(root / reference_records.RECORDS_FILE)
    entries = bibliography.entries.entries if bibliography.readable else {}

    def note(key, language):
        parts = [registry_check.reader_marker(findings.get(key), language)]
        if key in entries:
            parts.append(reference_records.reader_note(key, entries[key], records, language))
        return " ".join(part for part in parts if part)
    return note


def _checks_summary(config, language):
    """The References page's statement of how the entries were checked."""
    root = _project(config).root
    try:
        cache = registry_check.load_cache(root / registry_check.CACHE_PATH)
    except ValueError:
        cache = {}
    records = reference_records.load(root / reference_records.RECORDS_FILE)
    return reference_records.summary(_state["report"].bibliography, records, cache, language)


def on_pre_build(config):
    """Per language: plug the Vancouver formatter into mkdocs-bibtex (after
    its own on_config) and load the language's abbreviations."""
    language = _language(config)
    _state["language"] = language
    # The language's abbreviations become the abbr extension's glossary: a
    # tooltip wherever one appears, without appending definitions to pages.
    abbreviations = render.abbreviations(_project(config).docs / language / "abbreviations.md")
    config.mdx_configs.setdefault("abbr", {})["glossary"] = abbreviations
    words, languages = i18n.catalogue(language), _languages(config)
    # For the templates: overrides/partials/language.html (Material's own
    # strings this language replaces), 404.html, partials/copyright.html.
    config.extra["handbook_i18n"] = {
        "language": language, "source": languages.source, "translations": list(languages.translations),
        "strings": words.get("templates"), "material": words.data.get("material") or {},
        "catalogue_script": CATALOGUE_SCRIPT.format(language)}
    config.extra.pop("handbook_pdf", None)
    # The footer's "Save this handbook for offline use" (overrides/partials/offline.html).
    config.extra["handbook_offline"] = {"worker": languages.url_prefix(language) + offline.WORKER,
                                        "language": language, "cache_prefix": offline.cache_prefix(language)}
    if pdf.enabled():  # the footer links to this language's PDF (overrides/partials/copyright.html)
        config.extra["handbook_pdf"] = {"url": pdf.site_path(language, _default_language(config)),
                                        "label": words.text("pdf.download")}
    bibtex = config.plugins.get("bibtex")
    if bibtex is None:  # citations switched off (the benchmark measures their cost this way)
        return
    registry = _state.get("registry")
    if registry is None or registry.bib_data is not _state["report"].bibliography.entries:
        registry = make_registry(_state["report"].bibliography, bibtex.config.footnote_format,
                                 _state.get("reference_note"))
        _state["registry"] = registry
    registry.language = language
    registry.cited.clear()  # citation tokens live only from a page's Markdown to its HTML
    bibtex.registry = registry


def on_files(files, config):
    """The print stylesheet in overrides/pdf/ is for the PDF only, and the
    offline worker's source in overrides/offline/ is written to each language
    root by on_post_build: neither is a site file as it stands."""
    for file in [f for f in files if f.src_uri.startswith((pdf.THEME_FOLDER + "/", offline.THEME_FOLDER + "/"))]:
        files.remove(file)
    return files


def on_nav(nav, config, files):
    if pdf.enabled():  # the language's book; its pages are read once they are built
        _state["books"][_state["language"]] = (nav, pdf.Book(
            _state["language"], config.site_name, config.site_description or "", config.site_author or "",
            config.copyright or "", str(config.extra.get("edition", "")), pdf.build_date()))
    return nav


@event_priority(50)  # before mkdocs-bibtex: a figure's caption cites its sources like the text does
def _figures(markdown, page, config, files):
    return _state["figures"].expand(markdown, _state["language"], i18n.catalogue(_state["language"]))


def _evidence_and_bibliography(markdown, page, config, files):
    language = _state["language"]
    markdown = render.evidence_labels(markdown, language)
    if reference_records.SUMMARY in markdown:
        markdown = markdown.replace(reference_records.SUMMARY, _checks_summary(config, language))
    if render.FULL_BIBLIOGRAPHY in markdown:
        markdown = markdown.replace(render.FULL_BIBLIOGRAPHY,
                                    render.full_bibliography(_state["report"].bibliography, language,
                                                             getattr(_state.get("registry"), "formatted", None)))
    return markdown


on_page_markdown = CombinedEvent(_figures, _evidence_and_bibliography)


def on_page_content(html, page, config, files):
    _state["sources"][page.file.dest_uri] = Path(page.file.abs_src_path)
    _state.setdefault("rebuilt", set()).add(page.url)
    registry = _state.get("registry")
    if registry is not None:
        html = registry.fill_references(html, _state["language"])
    try:  # the drawings, cached by content (.cache/figures/)
        html = _state["figures"].fill(html, _state["language"], i18n.catalogue(_state["language"]))
    except figures.DrawingError as error:
        log.warning(str(error))
    # The sign-offs, each current only while the page reads as its reviewer read it.
    reviews = sign_offs.read(page.meta, Path(page.file.abs_src_path).read_text(encoding="utf-8"))
    return render.decorate_html(html, page.meta, _state["language"], notice=_translation_notice(page, config),
                                sign_offs=reviews)


def _translation_notice(page, config) -> str:
    """On a translation whose source changed since its record
    (`translated_from`): when, and a link to the source page, in the page's
    language (scripts/myeloma_handbook/translation_records.py)."""
    languages, language = _languages(config), _state["language"]
    record = page.meta.get(translation_records.RECORD_KEY)
    if language == languages.source or not record:
        return ""
    project = _project(config)
    translation = Path(page.file.abs_src_path)
    source = project.docs / languages.source / translation.relative_to(project.docs / language)
    if not source.is_file():
        return ""
    late = translation_records.behind(project.root, language, translation, source, str(record))
    if late is None:
        return ""
    source_url = page.url.removeprefix(languages.url_prefix(language))
    if config.site_url:  # the published address, which the PDF prints as well
        source_url = config.site_url.rstrip("/") + "/" + source_url
    else:
        source_url = "../" * page.url.count("/") + source_url
    return render.translation_notice(language, languages.source, late.changed_on, source_url or "./")


@event_priority(100)  # before Material's search plugin reads the page
def _hide_references_from_search(context, page, config, nav):
    """Reference lists are kept out of the search index anyway
    (data-search-exclude); hiding them while the search plugin parses the page
    saves it parsing several hundred references per build."""
    _state["full_content"] = page.content
    page.content = render.without_references(page.content)
    return context


@event_priority(-100)  # after the search plugin: the page is written in full
def _restore_references(context, page, config, nav):
    full = _state.pop("full_content", page.content)
    # Material's search plugin strips its data-search-* attributes from the
    # page it indexed; do the same to the restored reference list.
    page.content = SEARCH_ATTRIBUTES.sub("", full)
    return context


SEARCH_ATTRIBUTES = re.compile(r'\s?data-search-\w+="[^"]+"')
on_page_context = CombinedEvent(_hide_references_from_search, _restore_references)


def on_post_page(output, page, config):
    """Pages of another language than the default search their own index.
    static-i18n links the home pages as "/" and "/<language>/" (below site_url's
    path when it is set): such links become
    relative, so the site works below any path (e.g. a GitHub Pages project)."""
    base_path = urlsplit(config.site_url or "/").path or "/"
    root_absolute = re.compile(r'href="' + re.escape(base_path) + r'(?!/)')
    output = root_absolute.sub('href="' + ("../" * page.file.dest_uri.count("/") or "./"), output)
    output = per_language.drop_alternate_links(output)
    output = per_language.use_stemming_search_worker(output)
    output = theme_html.label_navigation_sections(output)
    output = theme_html.wrap_tables(output)
    if _state["language"] != _default_language(config):
        output = per_language.point_search_at_language_root(output, _state["language"])
    return output


def on_pre_template(template, template_name, config):
    """The 404 page's language switcher leads to the language homes (static-i18n
    leaves the links of the last page it rendered)."""
    roots = getattr(config.plugins.get("i18n"), "extra_alternate", None)
    if template_name == "404.html" and roots:
        config.extra.alternate = copy.deepcopy(roots)  # the attribute, as static-i18n sets it
    return template


def on_post_template(output_content, template_name, config):
    """Keep each language's 404 page: static-i18n would leave only the last."""
    if template_name == "404.html":
        output_content = per_language.drop_alternate_links(output_content)
        output_content = per_language.use_stemming_search_worker(output_content)
        output_content = theme_html.label_navigation_sections(output_content)
        if _state["language"] != _default_language(config):
            output_content = per_language.point_search_at_language_root(output_content, _state["language"])
        _state.setdefault("not_found", {})[_state["language"]] = output_content
    return output_content


CATALOGUE_SCRIPT = "assets/javascripts/catalogue/{}.js"  # loaded by overrides/main.html


@event_priority(-200)  # after static-i18n has built every language
def on_post_build(config):
    if not _outer_build(config):
        return
    root = _project(config).root
    site, languages = Path(config.site_dir), _languages(config)
    default, others = languages.source, list(languages.translations)
    for language in languages.all:  # each language's words for the scripts in overrides/
        target = site / CATALOGUE_SCRIPT.format(language)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(i18n.catalogue(language).javascript(), encoding="utf-8")
    per_language.write_not_found_pages(site, _state.get("not_found", {}), default)
    if (site / per_language.INDEX).is_file() and _state.get("dirty_serve"):
        _merge_dirty_search_index(config, site / per_language.INDEX)
    if (site / per_language.INDEX).is_file():
        terms = {language: search_terms.load(root, _project(config).docs, language) for language in languages.all}
        problems: list = []
        entries = per_language.split_search_index(site, default, others, terms, problems)
        log.info("Search index entries per language: " + ", ".join(f"{k} {v}" for k, v in entries.items()))
        for problem in problems:
            log.warning(str(problem))
    per_language.write_search_workers(site, others)  # before the offline manifests, which list them
    # Before the link check: every page's footer links to its language's PDF.
    for result in pdf.publish(list(_state["books"].values()), Path(config.site_dir), _default_language(config)):
        for problem in result.problems:
            log.warning(f"PDF {result.path.name}: {problem}")
        log.info(f"PDF {result}")
    # Last, so that it lists every file the languages' pages need offline.
    prefixes = {language: languages.url_prefix(language) for language in languages.all}
    for language, found in offline.write(site, prefixes, str(config.extra.get("edition", ""))).items():
        log.info(f"Offline copy ({language}): {len(found['urls'])} files, cache {found['cache']}")
    base_path = urlsplit(config.site_url or "/").path or "/"  # a site served below a path (GitHub Pages)
    for problem in check_site(Path(config.site_dir), _state["sources"], root, base_path):
        log.warning(str(problem))


def _merge_dirty_search_index(config, path: Path) -> None:
    """`serve --dirty`: the whole index, each entry once (per_language.merge_rebuilt_entries);
    Material's search plugin keeps it as the index the next rebuild merges into."""
    import json

    combined = json.loads(path.read_text(encoding="utf-8"))
    docs = per_language.merge_rebuilt_entries(_state.get("search_docs"), combined["docs"],
                                              _state.get("rebuilt", set()))
    _state["search_docs"] = docs
    search = config.plugins.get("material/search") or config.plugins.get("search")
    entries = getattr(getattr(search, "search_index", None), "entries", None)
    if isinstance(entries, list):
        entries[:] = docs
    path.write_text(json.dumps(dict(combined, docs=docs), ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def on_build_error(error):
    site = _state.get("site_dir")
    if site and Path(site).is_dir() and not (Path(site) / "mkdocs.yml").exists():
        shutil.rmtree(site, ignore_errors=True)
        log.error("Build failed: its unfinished site was removed (the problems are listed above).")
