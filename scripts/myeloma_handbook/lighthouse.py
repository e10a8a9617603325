"""Lighthouse on the built handbook (`scripts/handbook.py lighthouse`): a
benchmark, never a test.

The site is served from this machine with gzip, as a host would serve it;
Lighthouse (pinned in package-lock.json, run with node) drives the system's
Chromium (CHROME_PATH) with its default mobile preset: a mid-range phone on
a slow 4G connection, simulated. Nothing is downloaded at run time. One
Markdown table: each page type in each language, the score of each
category and the two metrics that usually decide performance.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .i18n import read_languages
from .machine import chromium_for_tests

# A page of every type the issue names, as a path below the language root.
PAGES = {
    "home": "",
    "drug reference (long, tables)": "treatment/drugs/",
    "diagnosis (calculator)": "myeloma/diagnosis/",
    "staging (four calculators)": "myeloma/staging-and-risk/",
    "references": "references/",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
LIGHTHOUSE = Path("node_modules") / "lighthouse" / "cli" / "index.js"
# Text that a host compresses; images (SVG aside) and fonts are already compressed.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking " \
               "--disable-component-update --disable-sync"


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text compressed with gzip when the browser accepts it."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().do_GET()  # the standard redirect to the address with a slash
            path = path / "index.html"
        if not path.is_file():
            return self.send_error(404)
        body = path.read_bytes()
        kind = self.guess_type(str(path))
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if kind.startswith(COMPRESSED_TYPES) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, 6)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@dataclass
class Result:
    language: str
    page: str
    path: str
    scores: dict[str, int]
    lcp_ms: float
    tbt_ms: float
    failing: list[str]  # the audits that cost points outside performance
    cpu_index: float  # Lighthouse's benchmarkIndex: this machine's speed during the run (higher: faster)

    def below_target(self) -> list[str]:
        return [c for c in CATEGORIES if self.scores[c] < TARGETS[c]]


def audit(root: Path, url: str, out: Path, chromium: str) -> dict:
    env = dict(os.environ, CHROME_PATH=chromium)
    command = ["node", str(root / LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def read(report: dict, language: str, page: str, path: str) -> Result:
    categories = report["categories"]
    audits = report["audits"]
    failing = sorted({ref["id"] for name in CATEGORIES if name != "performance"
                      for ref in categories[name]["auditRefs"]
                      if ref["weight"] and audits[ref["id"]]["score"] not in (None, 1)})
    return Result(language, page, path, {c: round(categories[c]["score"] * 100) for c in CATEGORIES},
                  audits["largest-contentful-paint"]["numericValue"], audits["total-blocking-time"]["numericValue"],
                  failing, report["environment"]["benchmarkIndex"])


def median_run(results: list[Result]) -> Result:
    """Of several runs of one page, the run with the median performance score
    (of an even number, the lower of the two middle ones)."""
    ordered = sorted(results, key=lambda r: r.scores["performance"])
    return ordered[(len(ordered) - 1) // 2]


def run(root: Path, site: Path, runs: int = 1, keep: Path | None = None) -> list[Result]:
    if not (root / LIGHTHOUSE).is_file():
        raise RuntimeError(f"{LIGHTHOUSE} is missing: run `npm ci` (package-lock.json pins lighthouse)")
    chromium = os.environ.get("CHROME_PATH") or chromium_for_tests() or ""
    if not Path(chromium).is_file():
        raise RuntimeError(f"Chromium is missing ({chromium or 'not found'}): install Debian's `chromium` "
                           "or set CHROME_PATH")
    languages = read_languages(root)
    base, server = serve(site)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="handbook-lighthouse-") as tmp:
            reports = Path(keep or tmp)
            reports.mkdir(parents=True, exist_ok=True)
            for language in languages.all:
                for page, path in PAGES.items():
                    url = base + languages.url_prefix(language) + path
                    tries = []
                    for n in range(runs):
                        name = f"{language}-{path.strip('/').replace('/', '-') or 'home'}-{n + 1}.json"
                        tries.append(read(audit(root, url, reports / name, chromium), language, page, path))
                    results.append(median_run(tries))
                    print(f"  {language} {page}: {results[-1].scores}", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return results


def table(results: list[Result]) -> str:
    lines = ["| language | page | performance | accessibility | best practices | SEO | LCP | TBT | CPU index |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        scores = [f"{r.scores[c]}" + ("" if r.scores[c] >= TARGETS[c] else " ✗") for c in CATEGORIES]
        lines.append(f"| {r.language} | {r.page} | {' | '.join(scores)} | {r.lcp_ms / 1000:.1f} s | "
                     f"{r.tbt_ms:.0f} ms | {r.cpu_index:.0f} |")
    below = [r for r in results if r.below_target()]
    lines.append("")
    lines.append(f"Targets (mobile): performance ≥ {TARGETS['performance']}, the others "
                 f"{TARGETS['accessibility']}; {len(results) - len(below)} of {len(results)} pages meet all. "
                 "CPU index: Lighthouse's measure of this machine's speed during the run; a busy machine "
                 "scores lower on performance.")
    for r in below:
        if r.failing:
            lines.append(f"- {r.language} {r.path or '/'}: failing audits {', '.join(r.failing)}")
    return "\n".join(lines)

