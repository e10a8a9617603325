"""Shared test helpers: fixture handbooks built from tests/fixtures/, the
table of expected problems, the real handbook built once, a browser, and
the limits that keep a hung test from blocking CI.

A fixture case is a small doc tree: tests/fixtures/base/ holds a good
two-language handbook, and tests/fixtures/<case>/ holds only the files that
differ (a file named *.delete removes its namesake). Real content is never
edited by a test."""
from __future__ import annotations

import datetime as dt
import faulthandler
import fcntl
import functools
import http.server
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))

from myeloma_handbook import machine  # noqa: E402
from myeloma_handbook.i18n import read_languages  # noqa: E402

# The day the fixtures are judged on (review due, overdue, "in the future"):
# passed as `today` to the checks, and as SOURCE_DATE_EPOCH to fixture builds.
FIXTURE_TODAY = dt.date(2026, 11, 22)

# Every subprocess a test starts, and every test as a whole, has a limit:
# a hung build or browser fails its test instead of blocking CI for an hour.
# The limits are generous (a machine shared with other work can be ten times
# slower than the 60 s the real build with PDFs takes alone) but far below
# CI's hour.
SUBPROCESS_TIMEOUT = 900  # seconds
TEST_TIMEOUT = float(os.environ.get("HANDBOOK_TEST_TIMEOUT", "1500"))  # seconds per test, fixtures included

# Tests never install anything: scripts/handbook.py run by a test skips its
# setup (apt-get, pip, npm) and uses .venv and the system as they are.
os.environ["HANDBOOK_NO_INSTALL"] = "1"
os.environ["NO_MKDOCS_2_WARNING"] = "1"

# Browser tests fail when Playwright or Chromium is missing; this variable,
# set to 1, leaves them out instead (reported as skipped, with the reason).
RUNNING: set[int] = set()  # process groups of the commands run() is waiting for

SKIP_BROWSER = "HANDBOOK_SKIP_BROWSER_TESTS"
CHROMIUM = machine.chromium_for_tests()  # None on Ubuntu: Playwright's own Chromium (setup --test)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """The watchdog: a test (with the fixtures it sets up) that runs longer
    than TEST_TIMEOUT prints which test it is and every thread's stack, and
    ends the test process with an error (under xdist, the worker's crash
    fails that test)."""
    def expire():
        capture = item.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.suspend_global_capture(in_=True)  # write to the real terminal
        sys.stderr.write(f"\n\n{item.nodeid} ran longer than {TEST_TIMEOUT:.0f} s "
                         "(HANDBOOK_TEST_TIMEOUT); its threads:\n")
        sys.stderr.flush()
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        for group in list(RUNNING):  # the commands it started (run() gives each its own group)
            os.killpg(group, signal.SIGKILL)
        os._exit(3)

    watchdog = threading.Timer(TEST_TIMEOUT, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()


def run(command: list, timeout: float = SUBPROCESS_TIMEOUT, input: str | None = None,
        **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run(capture_output=True, text=True) with a time limit that
    also ends the command's own children (a build's PDF workers): past it,
    the whole process group is killed and the test fails with the log."""
    with subprocess.Popen([str(c) for c in command], stdin=subprocess.PIPE if input is not None else None,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                          **kwargs) as process:
        RUNNING.add(process.pid)
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail(f"{' '.join(map(str, command))} did not finish within {timeout:.0f} s:\n{stderr[-3000:]}")
        finally:
            RUNNING.discard(process.pid)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def handbook_cli():
    """scripts/handbook.py as a fresh module, to call its functions in-process."""
    spec = importlib.util.spec_from_file_location("handbook_cli", ROOT / "scripts" / "handbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_problems() -> dict[str, dict]:
    """tests/fixtures/problems.yml: case -> {"source": [...], "site": [...]}."""
    table = yaml.safe_load((FIXTURES / "problems.yml").read_text(encoding="utf-8"))
    return {case: {kind: (row.get(kind) or "").splitlines() for kind in ("source", "site")} | {"covers": row["covers"]}
            for case, row in table.items()}


def make_fixture(case: str, destination: Path) -> Path:
    """Copy base + the case's overlay into destination, with a mkdocs.yml
    that is the real one pointed at the fixture (nav left out), and the
    real catalogues (i18n/) unless the case brings its own. The real
    terminology lists (i18n/terms/) stay out: a case that tests the
    terminology gate brings its own list, and the real lists are held to the
    real pages by the real build."""
    shutil.copytree(FIXTURES / "base", destination, dirs_exist_ok=True)
    shutil.copytree(ROOT / "i18n", destination / "i18n", dirs_exist_ok=True, ignore=shutil.ignore_patterns("terms"))
    if case != "base":
        assert (FIXTURES / case).is_dir(), f"no fixture tests/fixtures/{case}/"
        for source in sorted((FIXTURES / case).rglob("*")):
            if source.is_dir():
                continue
            target = destination / source.relative_to(FIXTURES / case)
            if source.name == NAV_FILE:
                continue
            if source.suffix == ".delete":
                target.with_suffix("").unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^nav:\n(?:[ \t]+.*\n?|\n)*", "", config, flags=re.M)
    config = config.replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
    config = config.replace("- scripts/mkdocs_hooks.py", f"- {ROOT / 'scripts' / 'mkdocs_hooks.py'}")
    nav = FIXTURES / case / NAV_FILE
    if case != "base" and nav.is_file():
        config = with_nav(config, yaml.safe_load(nav.read_text(encoding="utf-8")))
    (destination / "mkdocs.yml").write_text(config, encoding="utf-8")
    return destination


# A case that tests the navigation brings its nav and each translation's
# nav_translations in this file (tests/fixtures/<case>/mkdocs.nav.yml):
#     nav: [...]
#     nav_translations: {sl: {Title: Naslov, ...}}
NAV_FILE = "mkdocs.nav.yml"


def with_nav(config: str, nav: dict) -> str:
    """The fixture's mkdocs.yml text with a nav and nav_translations (which
    replace the real handbook's), written as a person writes them."""
    for language, translations in (nav.get("nav_translations") or {}).items():
        block = re.search(rf"^([ \t]*)- locale: {language}\n(?:\1[ \t]+.*\n)*?(\1[ \t]+)nav_translations:\n"
                          r"(?:\2[ \t]+.*\n)*", config, re.M)
        assert block, f"mkdocs.yml: no nav_translations of {language}"
        indent = block.group(2) + "  "
        lines = "".join(f"{indent}{title}: {text}\n" for title, text in translations.items())
        head = block.group(0)[:block.group(0).index("nav_translations:\n") + len("nav_translations:\n")]
        config = config.replace(block.group(0), head + lines)
    if "nav" not in nav:
        return config
    # First in the file, so the lines problems name do not move with the real mkdocs.yml.
    return yaml.dump({"nav": nav["nav"]}, Dumper=_IndentedLists, allow_unicode=True, sort_keys=False) + "\n" + config


class _IndentedLists(yaml.SafeDumper):
    """Lists indented below their key, as mkdocs.yml writes them (and `new` expects)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def epoch(day: dt.date) -> str:
    """SOURCE_DATE_EPOCH for noon UTC of a day."""
    return str(int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()))


def mkdocs_build(project: Path, site: Path, strict: bool = True, pdf: bool = False,
                 site_url: str | None = None, today: dt.date | None = FIXTURE_TODAY,
                 runner: str = "mkdocs") -> subprocess.CompletedProcess:
    """`mkdocs build` of a project. today: the build's date (SOURCE_DATE_EPOCH);
    None for the real handbook, whose review dates follow the calendar.
    runner: "properdocs" builds with ProperDocs instead (tests/test_properdocs.py)."""
    command = [sys.executable, "-m", runner, "build", "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    if strict:
        command.insert(4, "--strict")
    env = dict(os.environ)
    env.pop("HANDBOOK_PDF", None)
    env.pop("HANDBOOK_SITE_URL", None)
    if today:
        env["SOURCE_DATE_EPOCH"] = epoch(today)
    if site_url:  # as the deploy workflow publishes it
        env["HANDBOOK_SITE_URL"] = site_url
    if pdf:  # also one PDF per language (scripts/myeloma_handbook/pdf.py)
        env["HANDBOOK_PDF"] = "1"
    return run(command, env=env, cwd=project)


def build_warnings(stderr: str) -> list[str]:
    """The messages of every WARNING line of a MkDocs log."""
    return [m.group(1) for m in re.finditer(r"^WARNING\s+-\s+(.*)$", stderr, re.M)]


def build_fixture(case: str, destination: Path, today: dt.date = FIXTURE_TODAY) -> Path:
    """Build a fixture case with --strict; the site, or the test fails with the log."""
    project = make_fixture(case, destination / "project")
    site = project / "site"
    result = mkdocs_build(project, site, today=today)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def page_sources(project: Path) -> dict[str, Path]:
    """Built page (relative to the site) -> its Markdown source, as the hook
    hands them to the link check: docs/sl/a/b.md -> sl/a/b/index.html."""
    sources = {}
    languages = read_languages(project)
    for language in languages.all:
        prefix = languages.url_prefix(language)
        for path in sorted((project / "docs" / language).rglob("*.md")):
            stem = path.relative_to(project / "docs" / language).as_posix()[:-3]
            built = "index.html" if stem == "index" else (
                stem[:-5] + "index.html" if stem.endswith("/index") else f"{stem}/index.html")
            sources[prefix + built] = path
    return sources


def catalogue_scripts(destination: Path, root: Path = ROOT) -> list[str]:
    """Each language's catalogue as the build writes it for the scripts
    (assets/javascripts/catalogue/<language>.js), for running them in node."""
    from myeloma_handbook.i18n import Catalogues

    catalogues = Catalogues(root)
    destination.mkdir(parents=True, exist_ok=True)
    paths = []
    for language in catalogues.languages.all:
        path = destination / f"{language}.js"
        path.write_text(catalogues(language).javascript(), encoding="utf-8")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """The real handbook, built once per test run with --strict (under xdist,
    by the first worker that needs it; the others wait for it and share it)."""
    shared = tmp_path_factory.getbasetemp().parent if worker_id != "master" else tmp_path_factory.mktemp("real")
    site, log = shared / "real-site", shared / "real-site.log"
    with open(shared / "real-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not log.exists():
            result = mkdocs_build(ROOT, site, today=None)
            log.write_text(f"{result.returncode}\n{result.stderr}", encoding="utf-8")
    code, stderr = log.read_text(encoding="utf-8").split("\n", 1)
    assert code == "0", f"strict build of the handbook failed:\n{stderr[-6000:]}"
    return site


@pytest.fixture(scope="session")
def built_site_with_pdf(tmp_path_factory) -> Path:
    """The real handbook with its PDFs (about 20 s more than built_site, so
    kept apart: only tests that read the PDFs use it)."""
    site = tmp_path_factory.mktemp("real-pdf") / "site"
    result = mkdocs_build(ROOT, site, pdf=True, today=None)
    assert result.returncode == 0, f"strict build of the handbook with PDFs failed:\n{result.stderr[-6000:]}"
    return site


# ------------------------------------------------------------------ browser

class HostingContractHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, served as the README's hosting contract says: a missing
    path gets <lang>/404.html below /<lang>/, else 404.html."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        site = Path(self.directory)
        first = urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
        page = site / first / "404.html" if first in read_languages(ROOT).translations else site / "404.html"
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(directory: Path, handler=HostingContractHandler):
    """A local HTTP server for a directory; returns (base URL without a
    trailing slash, server). Shut it down with server.shutdown()."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="session")
def served_site(built_site):
    """The real handbook on a free local port (base URL, no trailing slash)."""
    base, server = serve(built_site)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright. Missing either fails the
    tests that need it, unless HANDBOOK_SKIP_BROWSER_TESTS=1."""
    if os.environ.get(SKIP_BROWSER) == "1":
        pytest.skip(f"{SKIP_BROWSER}=1: browser tests left out on request")
    how = f"run `python3 scripts/handbook.py setup --test`, or set {SKIP_BROWSER}=1 to leave the browser tests out"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(f"Playwright cannot be imported ({error}): {how}")
    if CHROMIUM and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing ({CHROMIUM}): {how}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
