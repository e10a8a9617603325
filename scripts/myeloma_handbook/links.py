"""Links in the built site: every internal link and #anchor must resolve, in
both languages; external links are syntax-checked offline, and checked for
real only on request (`scripts/handbook.py links --online`), with a cache."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
import html
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from .problems import Problem

EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$|^localhost$|^127\.0\.0\.1$", re.I)
# Theme plumbing that is not content: skip it.
SKIP_PREFIXES = ("javascript:", "data:", "blob:")


TAG = re.compile(r"<(a|link|area|img|script|source|iframe|[a-z][a-z0-9]*)\b([^>]*)>", re.I)
# Only the attributes the check reads (a tag's other attributes are skipped).
ATTRIBUTE = re.compile(r"""\s(id|name|href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


class _Page:
    """Ids and links of one HTML page. A regular expression over the tags is
    enough for the HTML MkDocs writes, and many times faster than a parser."""

    def __init__(self, text: str):
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, url)
        for tag in TAG.finditer(text):
            attributes = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                          for m in ATTRIBUTE.finditer(tag.group(2))}
            if not attributes:
                continue
            name = tag.group(1).lower()
            if attributes.get("id"):
                self.ids.add(attributes["id"])
            if name == "a" and attributes.get("name"):
                self.ids.add(attributes["name"])
            if name in ("a", "link", "area") and "href" in attributes:
                self.links.append(("href", attributes["href"]))
            if name in ("img", "script", "source", "iframe") and attributes.get("src"):
                self.links.append(("src", attributes["src"]))


def _parse(path: Path) -> _Page:
    return _Page(path.read_text(encoding="utf-8", errors="replace"))


def _target_file(site: Path, page: Path, url_path: str, base_path: str = "/") -> Path:
    if url_path.startswith(base_path) and base_path != "/":
        url_path = "/" + url_path[len(base_path):]  # the site is served below base_path
    base = "/" + page.relative_to(site).as_posix()
    resolved = urlsplit(urljoin(base, url_path)).path
    target = site / unquote(resolved).lstrip("/")
    if resolved.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


@lru_cache(maxsize=None)  # the same DOI and PubMed links recur on many pages
def external_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        if not parts.hostname or not HOST.match(parts.hostname):
            return "has no valid host name"
        if re.search(r"\s", url):
            return "contains white space"
        return None
    if parts.scheme == "mailto":
        return None if "@" in url else "is not an e-mail address"
    return f"uses the scheme '{parts.scheme}', which readers cannot follow"


def source_line(source: Path | None, needle: str) -> int:
    """The first line of the Markdown source that mentions the link target."""
    if not source or not source.is_file() or not needle:
        return 0
    for number, line in enumerate(source.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return number
    return 0


def check_site(site: Path, sources: dict[str, Path] | None = None, root: Path | None = None,
               base_path: str = "/") -> list[Problem]:
    """Check every link of every HTML page below site. `sources` maps a page's
    path relative to site ('sl/myeloma/index.html') to its Markdown file, so a
    problem can name the file and line a writer has to change."""
    sources = sources or {}
    pages = sorted(site.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    ids_cache: dict[Path, set[str]] = {page: p.ids for page, p in parsed.items()}
    problems: list[Problem] = []
    for page, parser in parsed.items():
        rel_html = page.relative_to(site).as_posix()
        source = sources.get(rel_html)
        where = source.relative_to(root).as_posix() if source and root else f"site/{rel_html}"
        seen = set()
        for attribute, url in parser.links:
            if url in seen or url.startswith(SKIP_PREFIXES):
                continue
            seen.add(url)
            if EXTERNAL.match(url) or url.startswith("//"):
                why = external_url_problem(url if not url.startswith("//") else "https:" + url)
                if why:
                    fix = "write it as mailto:name@example.org" if url.startswith("mailto:") else \
                        "write a full https:// address"
                    problems.append(Problem(where, source_line(source, url), f"external link {url} {why}", fix))
                continue
            if url.startswith("#"):  # most links (citations, headings): no path to resolve
                path_part, anchor, target = "", url[1:], page
            else:
                path_part, anchor = urldefrag(url)
                target = _target_file(site, page, path_part, base_path) if path_part else page
            if not target.exists():
                needle = path_part.rstrip("/").split("/")[-1] or path_part
                if path_part.endswith(".md"):
                    message = f"link to {url}: no such page in this language"
                else:
                    message = f"link to {url} leads nowhere"
                problems.append(Problem(where, source_line(source, needle.replace(".html", "")), message,
                                        "link to an existing page's .md file, relative to this page"))
                continue
            if anchor and target.suffix == ".html":
                if target not in ids_cache:
                    ids_cache[target] = _parse(target).ids
                if unquote(anchor) not in ids_cache[target]:
                    problems.append(Problem(where, source_line(source, "#" + anchor),
                                            f"link {url} points to a missing anchor #{anchor}",
                                            "use an explicit heading id ({#id}) that exists in both twins"))
    return problems


def external_links(site: Path) -> dict[str, set[str]]:
    """Every external http(s) URL in the site, with the pages that use it."""
    found: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        for _, url in _parse(page).links:
            if url.startswith(("http://", "https://")):
                found.setdefault(url, set()).add(page.relative_to(site).as_posix())
    return found


def check_online(urls: list[str], cache_file: Path, max_age_days: int = 7, timeout: float = 15.0,
                 workers: int = 8) -> dict[str, dict]:
    """Fetch each URL (HEAD, then GET) unless the cache has a fresh answer.
    Returns {url: {"ok": bool, "status": ..., "checked": epoch}}."""
    cache = json.loads(cache_file.read_text()) if cache_file.is_file() else {}
    now = time.time()
    stale = [u for u in urls if now - cache.get(u, {}).get("checked", 0) > max_age_days * 86400]

    def fetch(url: str) -> tuple[str, dict]:
        last = ""
        headers = {"User-Agent": "myeloma-handbook-linkcheck/1.0 (+https://github.com/)"}
        for method in ("HEAD", "GET"):
            try:
                request = urllib.request.Request(url, method=method, headers=headers)
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return url, {"ok": response.status < 400, "status": response.status, "checked": now}
            except urllib.error.HTTPError as error:
                if method == "HEAD" and error.code in (403, 405, 501):
                    continue
                return url, {"ok": error.code in (401, 403, 429), "status": error.code, "checked": now}
            except Exception as error:  # network errors are results here
                last = str(error)
        return url, {"ok": False, "status": last, "checked": now}

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for url, result in pool.map(fetch, stale):
            cache[url] = result
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(cache, indent=1, sort_keys=True))
    return {u: cache[u] for u in urls}


# ------------------------------------------------------------ in the sources
# The same links, checked in the Markdown before anything is built
# (`scripts/handbook.py check` and the first step of the build), with the
# line the writer has to change: pages, files and anchors, each in the
# page's own language.

INLINE_LINK = re.compile(r"(!?)\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.M)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
EXPLICIT_ID = re.compile(r"\{[ \t]*:?[^}\n]*?#([A-Za-z][\w:.-]*)[^}\n]*\}")
HTML_ID = re.compile(r"<[a-z][^>]*?\s(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
INLINE_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[*_`]")
# Ids the hooks write on every page with references (render.py, bibliography.py).
GENERATED_IDS = {"references"}


@lru_cache(maxsize=256)
def _source_ids(path: Path, mtime: float) -> frozenset[str]:
    """The ids a page's Markdown gives its HTML: explicit {#id}, id= in HTML,
    and each other heading's id as the toc extension makes it (unique with _1, _2)."""
    from markdown.extensions.toc import slugify, unique

    from .markdown_source import mask_code

    text = mask_code(path.read_text(encoding="utf-8"))
    ids = set(GENERATED_IDS) | set(EXPLICIT_ID.findall(text)) | set(HTML_ID.findall(text))
    used: set[str] = set()
    for heading in HEADING.finditer(text):
        title = heading.group(2)
        explicit = EXPLICIT_ID.search(title)
        if explicit:
            used.add(explicit.group(1))
            continue
        words = INLINE_MARKUP.sub(lambda m: m.group(1) or "", title)
        ids.add(unique(slugify(html.unescape(words), "-"), used))
    return frozenset(ids)


def page_ids(path: Path) -> frozenset[str]:
    return _source_ids(path, path.stat().st_mtime)


def _links(text: str):
    """(line, is_image, target) of every link and image of a page's Markdown."""
    from .markdown_source import mask_code

    masked = mask_code(text)
    for pattern, image in ((INLINE_LINK, None), (REFERENCE_DEFINITION, False), (HTML_LINK, None)):
        for match in pattern.finditer(masked):
            target = match.group(2) if pattern is INLINE_LINK else match.group(1)
            is_image = (match.group(1) == "!") if pattern is INLINE_LINK else (
                image if image is not None else match.group(0).lower().startswith("<img"))
            yield masked.count("\n", 0, match.start()) + 1, is_image, html.unescape(target)


def check_page_links(project, language: str, path: Path) -> list[Problem]:
    """The links and images of one page (checks.Project; path below docs/<language>/)."""
    from difflib import get_close_matches

    rel = project.rel(path)
    base = project.docs / language
    problems = []
    for line, is_image, url in _links(path.read_text(encoding="utf-8")):
        if not url or url.startswith(SKIP_PREFIXES):
            continue
        if EXTERNAL.match(url) or url.startswith("//"):
            why = external_url_problem(url if not url.startswith("//") else "https:" + url)
            if why:
                fix = "write it as mailto:name@example.org" if url.startswith("mailto:") else \
                    "write a full https:// address"
                problems.append(Problem(rel, line, f"external link {url} {why}", fix))
            continue
        if url.startswith("/"):
            continue  # MkDocs' own validation (absolute_links) reports these
        path_part, anchor = urldefrag(url)
        target = (path.parent / unquote(path_part)).resolve() if path_part else path
        if path_part and not target.is_relative_to(base.resolve()):
            problems.append(Problem(rel, line, f"link {url} leaves docs/{language}/",
                                    f"each language has its own copy of a file: put it in docs/{language}/ and "
                                    "link to it relative to this page"))
            continue
        if path_part and not target.exists():
            wanted = target.relative_to(base.resolve()).as_posix()
            if path_part.endswith(".md"):
                if any((project.docs / other / wanted).is_file() for other in project.languages.all):
                    continue  # the page has no twin in this language: check_twins reports that
                problems.append(Problem(rel, line, f"link to {path_part}: no such page in this language",
                                        "link to an existing page's .md file, relative to this page"))
            elif is_image:
                problems.append(Problem(rel, line, f"image {path_part}: no such file docs/{language}/{wanted}",
                                        f"each language has its own copy of an image: put it at "
                                        f"docs/{language}/{wanted}, or draw the figure in figures/ "
                                        "(CONTRIBUTING.md, \"Figures\")"))
            else:
                problems.append(Problem(rel, line, f"link to {path_part}: no such file docs/{language}/{wanted}",
                                        "link to a file of this language's folder, relative to this page"))
            continue
        if anchor and target.suffix == ".md" and target.is_file():
            ids = page_ids(target)
            if unquote(anchor) not in ids:
                close = get_close_matches(unquote(anchor), sorted(ids - GENERATED_IDS), n=3, cutoff=0.6)
                where = "this page" if target == path else project.rel(target)
                hint = f"use an id {where} has ({', '.join('#' + c for c in close)}), or " if close else ""
                problems.append(Problem(rel, line, f"link {url} points to a missing anchor #{anchor}",
                                        f"{hint}give the heading an explicit id ({{#id}}) in both twins"))
    return problems
