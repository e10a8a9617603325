"""Reading the handbook offline, one language at a time, when the reader asks.

Each language root of the built site (`/` for the source language, `/sl/`
for Slovenian) gets `offline-worker.js`, written by the hook after the
build: the service worker (overrides/offline/worker.js) preceded by its
manifest, one line of JSON:

- every URL that language's reader needs offline, relative to the language
  root: its pages (as their directory URLs), its search index, and the
  shared assets its pages and search use; never a page of another
  language, a PDF, a source map or a sitemap;
- the cache name: the language, the edition (`extra.edition` in mkdocs.yml)
  and a hash of every file in the manifest, so that any new build changes
  the worker; the browser then installs the new one, which saves the new
  edition and deletes the cache of the old one.

The worker's scope is its folder, the language root; it answers only for
the URLs of its manifest, so the source language's worker (scope `/`) never
serves or saves a page of `/sl/`.

Nothing is registered until the reader presses "Save this handbook for
offline use" (overrides/partials/offline.html, overrides/assets/javascripts/
offline.js): a reader who never does downloads nothing more.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

THEME_FOLDER = "offline"  # overrides/offline/: the worker's source, kept out of the site by the hook
WORKER_SOURCE = Path(__file__).resolve().parents[2] / "overrides" / THEME_FOLDER / "worker.js"
WORKER = "offline-worker.js"
CACHE_PREFIX = "myeloma-handbook"
SEARCH_INDEX = "search/search_index.json"
# Shared files no reader needs offline: source maps, sitemaps, the PDFs
# (linked from every page, downloaded on their own).
LEFT_OUT_SUFFIXES = (".map", ".pdf", ".xml", ".gz")
LUNR = "assets/javascripts/lunr/"
CATALOGUES = "assets/javascripts/catalogue/"


def cache_prefix(language: str) -> str:
    return f"{CACHE_PREFIX}-{language}-"


def _lunr_files(search_languages: list[str]) -> set[str]:
    """The lunr files Material's search worker loads for an index's
    languages (tinyseg for Japanese, wordcut for Hindi and Thai)."""
    files = {"min/lunr.stemmer.support.min.js", "min/lunr.multi.min.js"}
    files |= {f"min/lunr.{code}.min.js" for code in search_languages}  # none for lunr's own English
    files |= {"tinyseg.js" for code in search_languages if code == "ja"}
    files |= {"wordcut.js" for code in search_languages if code in ("hi", "th")}
    return {LUNR + name for name in files}


def site_files(site: Path, language: str, prefixes: dict[str, str]) -> list[str]:
    """The files (from the site root) a language's reader needs offline."""
    own = prefixes[language]
    others = [prefix for code, prefix in prefixes.items() if code != language and prefix]
    index = site / own / SEARCH_INDEX
    search_languages = json.loads(index.read_text(encoding="utf-8"))["config"]["lang"] if index.is_file() else []
    lunr = _lunr_files(search_languages)
    wanted = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        if name.endswith(LEFT_OUT_SUFFIXES) or posixpath.basename(name) == WORKER:
            continue
        if name.startswith("assets/"):
            if name.startswith(LUNR) and name not in lunr:
                continue
            if name.startswith(CATALOGUES) and name != f"{CATALOGUES}{language}.js":
                continue
        elif not name.startswith(own) or any(name.startswith(prefix) for prefix in others):
            continue  # another language's page or file
        wanted.append(name)
    return wanted


def manifest(site: Path, language: str, prefixes: dict[str, str], edition: str) -> dict:
    """The manifest of one language: its cache name and its URLs, relative to
    the language root (pages by their directory URL, as links name them)."""
    own = prefixes[language]
    files = site_files(site, language, prefixes)
    digest = hashlib.sha256(edition.encode())
    urls = []
    for name in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256((site / name).read_bytes()).digest())
        url = posixpath.relpath(name, own or ".")
        if posixpath.basename(url) == "index.html":
            url = posixpath.dirname(url) + "/" if posixpath.dirname(url) else "./"
        urls.append(url)
    return {"language": language, "edition": edition,
            "cache": f"{cache_prefix(language)}{edition}-{digest.hexdigest()[:12]}", "urls": urls}


def worker(found: dict) -> str:
    """The worker of one language: its manifest, then the code."""
    settings = dict(found, prefix=cache_prefix(found["language"]))
    return (f"/* Written by the build (scripts/myeloma_handbook/offline.py) from overrides/{THEME_FOLDER}/worker.js */\n"
            f"const OFFLINE = {json.dumps(settings, ensure_ascii=False)};\n"
            + WORKER_SOURCE.read_text(encoding="utf-8"))


def write(site: Path, prefixes: dict[str, str], edition: str) -> dict[str, dict]:
    """Each language's worker, beside its home page; returns the manifests."""
    written = {}
    for language, prefix in prefixes.items():
        written[language] = manifest(site, language, prefixes, edition)
        (site / prefix / WORKER).write_text(worker(written[language]), encoding="utf-8")
    return written


def read(site: Path, prefix: str) -> dict:
    """The manifest of a built worker (for the tests)."""
    first, second = (site / prefix / WORKER).read_text(encoding="utf-8").split("\n", 2)[:2]
    return json.loads(second.removeprefix("const OFFLINE = ").removesuffix(";"))
