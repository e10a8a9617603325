"""Performance benchmark of the handbook build (`scripts/handbook.py bench`).

Run separately, never as a timed test: it prints one Markdown table of
measurements next to the budgets agreed in issue "Performance" (see README).
Every measurement works on a temporary copy of the project, so the
repository is never touched.
"""
from __future__ import annotations

import gzip
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .i18n import read_languages
from .markdown_source import FIGURE_MARKER

BUDGETS = {
    "build": 6.0,            # s, full bilingual HTML build
    "citation_share": 0.10,  # citation processing as a share of build time
    "rebuild": 3.0,          # s, dev server rebuild after one edit
    "pdf": 15.0,             # s per language
    "page_kb": 100.0,        # KB gzip, chapter page with its CSS and JS
    "index_kb": 1024.0,      # KB per language search index
}


def _env() -> dict:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1")


def copy_project(root: Path, destination: Path, without_citations: bool = False) -> Path:
    """A copy of the project (docs, bibliography, config, overrides; scripts
    are referenced in place)."""
    shutil.copytree(root / "docs", destination / "docs")
    shutil.copytree(root / "i18n", destination / "i18n")
    if (root / "figures").is_dir():  # not .cache/figures: the copy draws its figures itself
        shutil.copytree(root / "figures", destination / "figures")
    for name in ("bibliography.bib", "bibliography-checks.yml", "bibliography-copy-hosts.yml"):  # entries, records, copy hosts
        if (root / name).is_file():
            shutil.copy(root / name, destination / name)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("custom_dir: overrides", f"custom_dir: {root / 'overrides'}")
    config = config.replace("- scripts/mkdocs_hooks.py", f"- {root / 'scripts' / 'mkdocs_hooks.py'}")
    if without_citations:
        config = re.sub(r"^  - bibtex:\n(?:    .*\n)+", "", config, flags=re.M)
    (destination / "mkdocs.yml").write_text(config, encoding="utf-8")
    return destination


def multiply_content(project: Path, factor: int) -> None:
    """Add factor-1 synthetic copies of every chapter (same length, tables and
    citations) in every language, and drop the nav so all pages are built."""
    for language in read_languages(project).all:
        base = project / "docs" / language
        chapters = [p for p in base.rglob("*.md") if p.parent != base]
        for copy in range(2, factor + 1):
            for page in chapters:
                target = base / f"synthetic-{copy}" / page.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                text = FIGURE_MARKER.sub("", page.read_text(encoding="utf-8"))  # a figure stands on one page
                target.write_text(re.sub(r"\]\((?!https?:)[^)]*\)", "](#)", text), encoding="utf-8")
    config = project / "mkdocs.yml"
    text = re.sub(r"^nav:\n(?:[ \t]+.*\n?|\n)*", "", config.read_text(encoding="utf-8"), flags=re.M)
    text = text.replace("omitted_files: warn", "omitted_files: info").replace("anchors: warn", "anchors: info")
    config.write_text(text, encoding="utf-8")


def timed_build(project: Path, site: Path, strict: bool = True) -> tuple[float, float]:
    """(wall seconds, peak MB of the build process)."""
    command = [sys.executable, "-m", "mkdocs", "build", "-q" if not strict else "--strict",
               "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"build failed:\n{result.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def best_of(runs: int, function):
    results = [function() for _ in range(runs)]
    return min(results, key=lambda r: r[0])


PAIRS = 9  # builds with and without citations, alternated

SERVE_OPTIONS = ["--dirty"]  # what `handbook.py serve` runs: rebuild only the pages that changed


def rebuild_time(project: Path, port: int = 8431) -> float:
    """Seconds from editing one page to the dev server finishing its rebuild."""
    command = [sys.executable, "-m", "mkdocs", "serve", *SERVE_OPTIONS, "-f", str(project / "mkdocs.yml"),
               "--dev-addr", f"127.0.0.1:{port}"]
    log = project / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=_env(), start_new_session=True)
    try:
        deadline = time.time() + 120
        while "Serving on" not in log.read_text() and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        done_before = log.read_text().count("Documentation built in")
        page = project / "docs" / read_languages(project).source / "myeloma" / "diagnosis.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n\nEdited for the benchmark.\n", encoding="utf-8")
        start = time.perf_counter()
        while time.time() < deadline:
            text = log.read_text()
            if text.count("Documentation built in") > done_before or "Reloading browsers" in text.split("Serving on")[-1]:
                return time.perf_counter() - start
            time.sleep(0.05)
        raise RuntimeError("the dev server did not rebuild within 120 s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def gzip_kb(paths: list[Path]) -> float:
    return sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths) / 1024


def page_weight(site: Path, page: str) -> float:
    """gzip KB of a page plus the CSS and JS it loads from this site
    (the search index and worker are loaded on demand and counted apart)."""
    html_file = site / page
    html = html_file.read_text(encoding="utf-8")
    assets = []
    for url in re.findall(r'(?:href|src)="([^"]+\.(?:css|js))(?:\?[^"]*)?"', html):
        if url.startswith(("http:", "https:", "//")):
            continue
        asset = (html_file.parent / url).resolve()
        if asset.is_file() and "search_index" not in asset.name and "worker" not in asset.name:
            assets.append(asset)
    return gzip_kb([html_file, *sorted(set(assets))])


def search_indexes(site: Path, source: str) -> dict[str, float]:
    found = {}
    for index in sorted(site.rglob("search_index.json")):
        language = index.parent.parent.relative_to(site).as_posix()
        found[language if language != "." else source] = index.stat().st_size / 1024
    return found


def run(root: Path, factors=(1, 5, 10), with_rebuild: bool = True, pdf_timer=None) -> list[tuple[str, str, str]]:
    root = root.resolve()
    rows: list[tuple[str, str, str]] = []

    def verdict(value: float, budget: float) -> str:
        return "ok" if value <= budget else "OVER"

    with tempfile.TemporaryDirectory(prefix="handbook-bench-") as tmp:
        tmp = Path(tmp)
        project = copy_project(root, tmp / "full")
        bare = copy_project(root, tmp / "bare", without_citations=True)
        # Alternate the two builds so that drift in the machine's speed hits
        # both alike. Other work on a shared machine only ever slows a build
        # down, so the best run of each is the estimate (as timeit advises);
        # the median of the pairs' shares is printed too, as a measure of
        # the noise.
        full_runs, bare_runs = [], []
        for _ in range(PAIRS):
            full_runs.append(timed_build(project, tmp / "site-full"))
            bare_runs.append(timed_build(bare, tmp / "site-bare", strict=False)[0])
        build_s, peak_mb = min(full_runs)
        bare_s = min(bare_runs)
        rows.append((f"full bilingual build (best of {PAIRS})", f"{build_s:.2f} s, peak {peak_mb:.0f} MB",
                     f"≤ {BUDGETS['build']:.0f} s: {verdict(build_s, BUDGETS['build'])}"))
        drawings = len(list((project / ".cache" / "figures").glob("*.svg")))
        rows.append((f"first build, every figure drawn ({drawings} drawings; later builds draw none)",
                     f"{full_runs[0][0]:.2f} s", "once per changed figure"))
        share = max(build_s - bare_s, 0) / build_s
        paired = statistics.median((full - bare_) / full for (full, _), bare_ in zip(full_runs, bare_runs))
        rows.append((f"build without citation processing (best of {PAIRS})",
                     f"{bare_s:.2f} s; citations = {share:.1%} of build (median of the pairs: {paired:.1%})",
                     f"≤ {BUDGETS['citation_share']:.0%}: {verdict(share, BUDGETS['citation_share'])}"))
        per_factor = {}
        for factor in factors:
            scaled = copy_project(root, tmp / f"x{factor}")
            multiply_content(scaled, factor)
            pages = sum(1 for _ in (scaled / "docs").rglob("*.md"))
            seconds, peak = timed_build(scaled, tmp / f"site-x{factor}", strict=False)
            per_factor[factor] = seconds
            rows.append((f"{factor}x content ({pages} pages)", f"{seconds:.2f} s, peak {peak:.0f} MB",
                         f"{seconds / per_factor[factors[0]] / factor:.2f} of linear" if factor != factors[0] else "baseline"))
        if with_rebuild:
            rebuild_s = rebuild_time(copy_project(root, tmp / "serve"))
            rows.append(("dev server rebuild after one edit", f"{rebuild_s:.2f} s",
                         f"≤ {BUDGETS['rebuild']:.0f} s: {verdict(rebuild_s, BUDGETS['rebuild'])}"))
        if pdf_timer:
            for language, seconds in pdf_timer().items():
                rows.append((f"PDF, {language}", f"{seconds:.2f} s",
                             f"≤ {BUDGETS['pdf']:.0f} s: {verdict(seconds, BUDGETS['pdf'])}"))
        site, languages = tmp / "site-full", read_languages(root)
        for page in (f"{languages.url_prefix(language)}treatment/drugs/index.html" for language in languages.all):
            if (site / page).is_file():
                kb = page_weight(site, page)
                rows.append((f"page weight {page} (gzip, with CSS+JS)", f"{kb:.0f} KB",
                             f"≤ {BUDGETS['page_kb']:.0f} KB: {verdict(kb, BUDGETS['page_kb'])}"))
        for language, kb in search_indexes(site, languages.source).items():
            rows.append((f"search index ({language})", f"{kb:.0f} KB",
                         f"≤ {BUDGETS['index_kb']:.0f} KB: {verdict(kb, BUDGETS['index_kb'])}"))
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| measurement | result | budget |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
