"""One search index and one "page not found" page per language.

mkdocs-static-i18n builds a single search index holding every language and
leaves the 404 page of the language it built last at the site root. The
hooks use these functions to give each language its own:

- `split_search_index`: after the build, search/search_index.json keeps the
  default language; <lang>/search/search_index.json gets the others, each
  with its own lunr language when the site has one (Material's, or ours in
  overrides/assets/javascripts/lunr/min/, such as lunr.sl.min.js), and each
  extended by the language's search terms (search_terms.py: spelling
  variants, synonyms, brand names, abbreviations).
- `point_search_at_language_root`: Material's script loads the index from
  `search/search_index.json` below `base` in the page's `__config`; on a
  page of another language, `base` becomes that language's root, so the
  page loads its own index and result links resolve against it, and its
  search worker becomes <lang>/search/worker.js (`write_search_workers`),
  which runs the shared one. A search worker is matched to a service worker
  by its own URL, not by its page's: below the language's root, it is
  answered by that language's offline copy (offline.py, whose scope is the
  root), also when the network is gone; in /assets/ it never was.
- `write_not_found_pages`: 404.html (default language) and <lang>/404.html.
- `use_stemming_search_worker`: every page runs Material's search worker
  through overrides/assets/javascripts/workers/search-stemming.js, which
  keeps compounds whole, folds spelling variants, and stems prefix queries
  the way the index is stemmed.
- `drop_alternate_links`: Material's script fetches `sitemap.xml` next to
  every `<link rel="alternate" hreflang>` of a page; static-i18n points
  those at the page's twin, where no sitemap exists, so every page logged
  two 404 errors. Without site_url the links are relative, which search
  engines ignore anyway; the language switcher (visible links with
  hreflang) is untouched, and the sitemap carries the alternates.

Hosting contract: a request for a missing path below /<lang>/ is answered
with <lang>/404.html, any other missing path with 404.html (what
tests/test_browser.py's server does; Cloudflare Pages does it by itself, and
`mkdocs serve` and GitHub Pages serve 404.html for every missing path).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

INDEX = Path("search") / "search_index.json"
LUNR_LANGUAGE_FILE = "assets/javascripts/lunr/min/lunr.{}.min.js"

ALTERNATE_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')
STEMMING_WORKER = "search-stemming.js"
SHARED_WORKERS = "assets/javascripts/workers/"
LANGUAGE_WORKER = "search/worker.js"  # below a language's root: write_search_workers
CONFIG_SCRIPT = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def lunr_language(site: Path, language: str, combined: list[str]) -> list[str]:
    """The lunr language of one language's index: its own when lunr has it
    (Material's search plugin listed it, or the site ships lunr.<lang>.min.js),
    otherwise the one Material's search plugin chose for the source language."""
    if language in combined or (site / LUNR_LANGUAGE_FILE.format(language)).is_file():
        return [language]
    return combined[:1]


def split_search_index(site: Path, default: str, others: list[str], terms: dict | None = None,
                       problems: list | None = None) -> dict[str, int]:
    """Move each other language's entries into <lang>/search/search_index.json,
    each language's index extended by its search terms (`terms[language]`, a
    search_terms.SearchTerms: spelling rules, and the other names of what each
    entry mentions in fields the reader never sees; its problems go into
    `problems`). Returns the number of entries per language."""
    combined = json.loads((site / INDEX).read_text(encoding="utf-8"))
    buckets: dict[str, list[dict]] = {language: [] for language in [default, *others]}
    for entry in combined["docs"]:
        language = next((lang for lang in others if entry["location"].startswith(f"{lang}/")), default)
        if language != default:
            entry = dict(entry, location=entry["location"][len(language) + 1:])
        buckets[language].append(entry)
    for language, entries in buckets.items():
        # Material keeps only the pipeline steps the config names (mkdocs.yml: all three).
        config = dict(combined["config"], lang=lunr_language(site, language, combined["config"]["lang"]))
        index = {"config": config, "docs": entries}
        if terms and language in terms:
            index, found = terms[language].extend(index)
            if problems is not None:
                problems.extend(found)
        target = site / INDEX if language == default else site / language / INDEX
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return {language: len(entries) for language, entries in buckets.items()}


def merge_rebuilt_entries(previous: list[dict] | None, written: list[dict], rebuilt: set[str]) -> list[dict]:
    """The whole search index after a `serve --dirty` rebuild, which renders
    only the pages that changed. Material's search plugin merges them with
    the previous index, and static-i18n stacks that merge once per language,
    so the index it writes holds entries twice (and more after every save);
    Material also drops every entry when the rebuilt page is the home page
    (each location starts with its empty one). Here: each location once (its
    last entry), and for the pages rebuilt (`rebuilt`: their URLs) only
    their new entries, beside the previous index's entries of every other
    page. `previous` None: the first build."""
    def page(entry: dict) -> str:
        return entry["location"].split("#", 1)[0]

    if previous is None:
        latest: dict[str, dict] = {}
        for entry in written:
            latest.pop(entry["location"], None)
            latest[entry["location"]] = entry
        return list(latest.values())
    # A page's entries are written together, the page first, then its
    # sections: a rebuilt page's new entries are the last such run.
    runs: dict[str, tuple[int, list[dict]]] = {}
    run: list[dict] = []
    for index, entry in enumerate(written):
        if entry["location"] in rebuilt:
            runs[entry["location"]] = (index, [entry])
            run = runs[entry["location"]][1]
        elif run and page(entry) == page(run[0]) and "#" in entry["location"]:
            run.append(entry)
        else:
            run = []
    fresh = [entry for _, run in sorted(runs.values(), key=lambda r: r[0]) for entry in run]
    return [e for e in previous if page(e) not in rebuilt] + fresh


def point_search_at_language_root(page_html: str, language: str) -> str:
    """Set `base` in Material's __config to the root of `language`, so that
    search loads <lang>/search/search_index.json, and `search` (after
    use_stemming_search_worker) to <lang>/search/worker.js with the same
    query, so that the search worker runs below the language's root."""
    def rebase(config: dict) -> None:
        config["base"] = config["base"].rstrip("/") + f"/{language}/"
        if "search" in config:
            query = config["search"].partition("?")[2]
            config["search"] = config["base"] + LANGUAGE_WORKER + (f"?{query}" if query else "")

    return _edit_config(page_html, rebase)


def search_worker(site_root_from_worker: str) -> str:
    """A language's search worker: the shared search-stemming.js, told
    where the shared workers are (Material's worker and the lunr files load
    from there, not from this folder)."""
    return ("/* Written by the build (scripts/myeloma_handbook/per_language.py): the search worker of this\n"
            " * language's pages, below its root so that its offline copy answers for it; it runs\n"
            f" * {SHARED_WORKERS}{STEMMING_WORKER}. */\n"
            f"self.handbookSharedWorkers = new URL({json.dumps(site_root_from_worker + SHARED_WORKERS)}, "
            "self.location.href).href\n"
            f"importScripts(self.handbookSharedWorkers + {json.dumps(STEMMING_WORKER)})\n")


def write_search_workers(site: Path, others: list[str]) -> None:
    """<lang>/search/worker.js of each language but the default (whose pages
    use the shared worker, below their root already)."""
    for language in others:
        target = site / language / LANGUAGE_WORKER
        target.parent.mkdir(parents=True, exist_ok=True)
        up = "../" * (language.count("/") + 1 + LANGUAGE_WORKER.count("/"))
        target.write_text(search_worker(up), encoding="utf-8")


def use_stemming_search_worker(page_html: str) -> str:
    """Point `search` in Material's __config at our search worker
    (overrides/assets/javascripts/workers/search-stemming.js), which loads
    Material's worker, named in its query, and adds English stemming of the
    prefix terms Material sends."""
    def swap_worker(config: dict) -> None:
        folder, _, material_worker = config["search"].rpartition("/")
        config["search"] = f"{folder}/{STEMMING_WORKER}?material={material_worker}"

    return _edit_config(page_html, swap_worker)


def _edit_config(page_html: str, edit) -> str:
    def rewrite(match: re.Match) -> str:
        config = json.loads(match.group(2))
        edit(config)
        # Escape "<" as Jinja's tojson does, so the JSON cannot end the script.
        return match.group(1) + json.dumps(config).replace("<", "\\u003c") + match.group(3)

    return CONFIG_SCRIPT.sub(rewrite, page_html, count=1)


def drop_alternate_links(page_html: str) -> str:
    return ALTERNATE_LINK.sub("", page_html)


def write_not_found_pages(site: Path, pages: dict[str, str], default: str) -> None:
    """pages: the rendered 404.html of each language."""
    for language, page_html in pages.items():
        target = site / "404.html" if language == default else site / language / "404.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_html, encoding="utf-8")
