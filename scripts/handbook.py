#!/usr/bin/env python3
"""The one command-line entry point of the Myeloma Handbook.

    python3 scripts/handbook.py serve     set up, then serve at http://127.0.0.1:8000
    python3 scripts/handbook.py build     set up, then build the site (strict) into site/
    python3 scripts/handbook.py pdf [--bench]   the strict build plus one PDF of the handbook per language
    python3 scripts/handbook.py test      set up everything the tests need, then run them all
    python3 scripts/handbook.py check     the fast source gates only (front matter, twins, citations, numbers)
    python3 scripts/handbook.py links --online   check external links for real (cached)
    python3 scripts/handbook.py references [--online]   bibliography.bib against Crossref and PubMed (cached)
    python3 scripts/handbook.py bench     benchmark the build against its budgets (not a test)
    python3 scripts/handbook.py lighthouse [--site DIR] [--runs N]   Lighthouse scores, mobile, every page type (not a test)
    python3 scripts/handbook.py new SECTION/SLUG --title-en ... --title-sl ...   scaffold a chapter in every language
    python3 scripts/handbook.py new SECTION/SLUG --figure NAME --title-en ... --title-sl ...   a draft figure on a page
    python3 scripts/handbook.py translation-status [--markdown] [--changed] [--mark FILE ... | --wording-only FILE ...]
                                          missing and drifted twins, translations behind their source
    python3 scripts/handbook.py spellcheck [FILE ... | --changed]   English (codespell) and Slovenian (hunspell) spelling
    python3 scripts/handbook.py sign-off FILE [--review clinical|language --name ... --role ... --interests ...]
                                          a page's version and sign-offs; with --review, record a reviewer's sign-off
    python3 scripts/handbook.py setup [--test]   only install (venv from requirements.lock, system packages)
    python3 scripts/handbook.py lock [--check]   regenerate requirements.lock from requirements.in
    python3 scripts/handbook.py fresh-machine bookworm|trixie|here   the two commands on a fresh machine

It runs with Python 3.11.2 or newer (Debian 12's): it creates .venv/ from the pinned, hashed
requirements.lock and re-runs itself inside it. System packages are
installed with apt-get when run as root, or named in an exact install line.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
# Set to 1, no command installs anything (no apt-get, pip or npm): .venv and
# the system are used as they are. The tests set it for the commands they run.
NO_INSTALL = "HANDBOOK_NO_INSTALL"

sys.path.insert(0, str(ROOT / "scripts"))
from myeloma_handbook import machine  # noqa: E402  (standard library only: runs before .venv exists)


def run(*command, **kwargs) -> int:
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.call([str(c) for c in command], cwd=ROOT, **kwargs)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def install_system_packages(missing: list[str]) -> None:
    """apt-get as root; otherwise stop with the one line to run."""
    if not missing:
        return
    if not machine.is_root():
        sys.exit("Missing system packages. Install them once, then run the command again:\n  "
                 + machine.install_line(missing, sudo=True))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update, install = machine.install_line(missing, sudo=False).split(" && ")
    run(*update.split(), env=env)  # one broken third-party source must not stop the install
    if run(*install.split(), env=env) != 0:
        sys.exit(f"`{install}` failed (see above): fix what apt-get reports, then run this command again.")


def make_venv(found: machine.Machine) -> None:
    """.venv with pip, made by this python3; a half-made one (no pip, e.g. made
    before python3-venv was installed) is made again."""
    problem = machine.venv_problem(VENV, found)
    if problem is None:
        return
    if VENV.is_symlink():  # a shared .venv (several worktrees): never delete it from here
        sys.exit(f"{VENV} ({problem}) is a link to a shared environment: repair it where it lives.")
    if VENV.exists():
        print(f"Making .venv again ({problem}).", flush=True)
        shutil.rmtree(VENV)
    if run(sys.executable, "-m", "venv", VENV) != 0 or machine.venv_problem(VENV, found):
        sys.exit(f"`{sys.executable} -m venv .venv` did not make a virtual environment with pip: "
                 f"install {found.venv_package} (Debian, Ubuntu) and run the command again.")


def setup(test: bool = False) -> None:
    """System packages, .venv from requirements.lock (skipped when current), and
    for the tests node packages and (on Ubuntu) Playwright's Chromium."""
    found = machine.probe()
    problem = machine.python_problem(found)
    if problem:
        sys.exit(problem)
    install_system_packages(machine.missing_packages(found, test))
    if not found.has_ensurepip:
        found = machine.probe()  # python3.X-venv has just been installed
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        make_venv(found)
        code = run(VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                   "--require-hashes", "--no-deps", "-r", LOCK)
        if code != 0:
            sys.exit("pip could not install requirements.lock (see above): check the network, "
                     "then run the command again.")
        stamp.write_text(digest)
        print(f"Set up: .venv has the packages of {LOCK.name}.", flush=True)
    if test:
        install_node_packages()
        if machine.needs_playwright_chromium(found, test):
            install_playwright_chromium()


def install_node_packages() -> None:
    """axe-core (accessibility tests) and lunr (Slovenian search tests), pinned
    in package-lock.json; reinstalled whenever the lock file changes."""
    lock = ROOT / "package-lock.json"
    if not lock.exists():
        return
    if not shutil.which("npm"):
        sys.exit("npm is missing: install it (Debian, Ubuntu: apt-get install npm), then run the command again.")
    installed = ROOT / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        if run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts") != 0:
            sys.exit("npm could not install package-lock.json (see above): check the network, "
                     "then run the command again.")


def install_playwright_chromium() -> None:
    """Ubuntu: Playwright's Chromium and the libraries it needs (once per
    Playwright version; the browser tests use it where /usr/bin/chromium is missing)."""
    stamp = VENV / ".playwright-chromium"
    version = subprocess.run([VENV_PYTHON, "-m", "playwright", "--version"], capture_output=True,
                             text=True).stdout.strip()
    if stamp.exists() and stamp.read_text() == version:
        return
    if not machine.is_root():
        sys.exit("The browser tests need Chromium. Install it once, then run the command again:\n  "
                 "sudo .venv/bin/python -m playwright install-deps chromium && "
                 ".venv/bin/python -m playwright install chromium")
    if run(VENV_PYTHON, "-m", "playwright", "install", "--with-deps", "chromium") != 0:
        sys.exit("Playwright could not install Chromium (see above): check the network, then run the command again.")
    stamp.write_text(version)


def lock() -> int:
    """requirements.lock from requirements.in: one resolution for every Python
    from machine.PYTHON_FLOOR up (uv's universal mode, preferring the fewest
    versions of a package), with the hash of every file; then check_lock()."""
    if run(VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "uv") != 0:
        sys.exit("pip could not install uv (see above): check the network, then run the command again.")
    code = run(VENV / "bin" / "uv", "pip", "compile", "-q", "--universal",
               "--python-version", ".".join(map(str, machine.PYTHON_FLOOR)), "--fork-strategy", "fewest",
               "--generate-hashes", "--custom-compile-command", "python3 scripts/handbook.py lock",
               "requirements.in", "-o", "requirements.lock")
    return code or check_lock()


def check_lock() -> int:
    """For each Python and processor we support (machine.LOCK_TARGETS), pip must
    find a wheel of every pin whose hash is in requirements.lock: a missing
    wheel or a Requires-Python the system's Python does not meet fails here,
    not on a contributor's machine. Downloads into a temporary folder."""
    print("| Python | machine | result |\n| --- | --- | --- |")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="handbook-lock-") as downloads:
        for python, arch in machine.LOCK_TARGETS:
            result = subprocess.run([VENV_PYTHON, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                                     *machine.pip_download_options(python, arch), "-d", downloads, "-r", LOCK],
                                    capture_output=True, text=True, cwd=ROOT)
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            failed += result.returncode != 0
            print(f"| {python} | {arch} | {'ok' if result.returncode == 0 else ' '.join(errors[-2:]) or 'failed'} |")
    if failed:
        print("requirements.lock does not install everywhere: pin an older version of the package named above "
              "in requirements.in, then run `python3 scripts/handbook.py lock` again.", file=sys.stderr)
    return 1 if failed else 0


def reexec_in_venv() -> None:
    if not in_venv():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])


def mkdocs_env() -> dict:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1")


def build(site_dir: Path = ROOT / "site", with_pdf: bool = False) -> int:
    """Strict build into a temporary directory, moved into place only on
    success. A failed build removes the previous site too: no site is left
    that looks like this build's. With PDFs: handbook-<language>.pdf beside
    each language's home page (scripts/myeloma_handbook/pdf.py)."""
    env = dict(mkdocs_env(), HANDBOOK_PDF="1") if with_pdf else mkdocs_env()
    with tempfile.TemporaryDirectory(prefix="handbook-site-") as tmp:
        out = Path(tmp) / "site"
        code = run(VENV_PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", out, env=env)
        if code != 0:
            removed = ""
            if site_dir.is_dir() and not (site_dir / "mkdocs.yml").exists():  # never a project folder
                shutil.rmtree(site_dir)
                removed = f" The previous {site_dir.name}/ was removed, so it cannot pass for this build."
            print(f"Build failed; see the problems above (file:line: what -> what to do).{removed}", file=sys.stderr)
            return code
        if site_dir.exists():
            shutil.rmtree(site_dir)
        shutil.move(str(out), site_dir)
    print(f"Built {site_dir}")
    return 0


class Stop(KeyboardInterrupt):
    """SIGTERM (`kill PID`), handled as Ctrl-C: MkDocs stops its server and
    removes its temporary site either way."""


def _stop(signum, frame):
    raise Stop()


def holder_of_port(port: int) -> str:
    """The process listening on a local TCP port, as 'PID 123 (python)', read
    from /proc (Linux); '' when it cannot be told."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                name = (fd_dir.parent / "comm").read_text().strip()
                return f"PID {fd_dir.parent.name} ({name})"
        except OSError:
            continue
    return ""


def port_taken(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def port_message(port: int) -> int:
    holder = holder_of_port(port)
    print(f"serve: port {port} is taken{' by ' + holder if holder else ''}, probably by an earlier serve: stop it "
          f"(Ctrl-C in its terminal{', or kill ' + holder.split()[1] if holder else ''}), or serve on another "
          f"port with --port {port + 1}.", file=sys.stderr)
    return 1


def serve(project: Path, full: bool, port: int) -> int:
    """`mkdocs serve` in this process (no child left behind when this one is
    stopped): Ctrl-C or SIGTERM stop the server and remove its temporary site;
    a taken port is said in one sentence."""
    import errno
    import logging
    import signal

    from click.exceptions import Abort, ClickException
    from mkdocs.__main__ import cli
    from mkdocs.exceptions import MkDocsException

    # --dirty rebuilds only the edited pages (about 2 s instead of 5 s); the
    # hooks keep the search index whole (mkdocs_hooks.py). MkDocs' warning
    # about dirty builds and its note on stale files are about that mode,
    # which CONTRIBUTING explains: not shown.
    class QuietDirty(logging.Filter):
        def filter(self, record):
            text = record.getMessage()
            return not (text.startswith("A 'dirty' build is being performed") or
                        text.startswith("The directory contains stale files"))

    logging.getLogger("mkdocs.commands.build").addFilter(QuietDirty())
    logging.getLogger("mkdocs.structure.files").addFilter(QuietDirty())
    if port_taken(port):  # say so before a first build that could not be served
        return port_message(port)
    args = ["serve", "-f", str(project / "mkdocs.yml"), *([] if full else ["--dirty"]),
            "--dev-addr", f"127.0.0.1:{port}"]
    print("+ mkdocs", " ".join(args), flush=True)
    signal.signal(signal.SIGTERM, _stop)
    os.chdir(project)
    try:
        cli.main(args, prog_name="mkdocs", standalone_mode=False)
    except (KeyboardInterrupt, Abort):  # stopped during the first build: MkDocs has cleaned up
        print("Stopped.", file=sys.stderr)
        return 0
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        return port_message(port)
    except (ClickException, MkDocsException) as error:  # a bad option, a broken mkdocs.yml
        print(f"serve: {error}", file=sys.stderr)
        return 1
    return 0


def check() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook.checks import Project, check_sources

    report = check_sources(Project.from_config(ROOT))  # the files the build reads (mkdocs.yml)
    for problem in report.problems:
        print(problem)
    print(f"{len(report.problems)} problem(s)" if report.problems else "All source checks passed.")
    return 1 if report.problems else 0


def new_page(args) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook.scaffold import ScaffoldError, create, create_figure

    try:
        if args.figure:
            written = create_figure(Path(args.project).resolve(), args.path, args.figure, args.titles)
        else:
            written = create(Path(args.project).resolve(), args.path, args.titles, args.sections, args.author or None)
    except ScaffoldError as error:
        print(f"new: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    if args.figure:
        print("Next: move the marker to its place in every twin, draw what the page says (CONTRIBUTING.md, "
              "\"Figures\"), run `python3 scripts/handbook.py check`.")
    else:
        print("Next: replace the placeholder text in every twin, add the sources to bibliography.bib, "
              "run `python3 scripts/handbook.py check`.")
    return 0


def translation_status(args) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook.checks import Project
    from myeloma_handbook.translation import as_markdown, as_text, mark, mark_wording_only, page_statuses

    project = Project.from_config(Path(args.project).resolve())
    if args.mark or args.wording_only:
        files = [Path(f).resolve() for f in args.mark or args.wording_only]
        outside = [str(f) for f in files if not f.is_relative_to(project.docs.resolve())]
        if outside:
            print(f"translation-status: not pages of {project.rel(project.docs)}/: {', '.join(outside)}", file=sys.stderr)
            return 2
        for line in (mark(project, files) if args.mark else mark_wording_only(project, files)):
            print(line)
        return 0
    names = None
    if args.changed:
        from myeloma_handbook.changes import ChangesError, changed_files

        try:
            changed = changed_files(project.root, args.changed)
        except ChangesError as error:
            print(f"translation-status --changed: {error}", file=sys.stderr)
            return 2
        names = {path.relative_to(project.docs / language).as_posix() for path in changed
                 for language in project.languages.all
                 if path.suffix == ".md" and path.is_relative_to(project.docs / language)}
    statuses = page_statuses(project, base=args.base, names=names)
    print(as_markdown(statuses, project) if args.markdown else as_text(statuses, project), end="")
    return 1 if any(s.failing for s in statuses) else 0


def spellcheck(files: list[str], project: Path = ROOT, changed: str | None = None) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook.spelling import SpellcheckError, check_files, unchecked_languages

    every = sorted((project / "docs").rglob("*.md")) + sorted(
        (project / "figures").glob("*.*.yml"))  # the labels of figures
    paths = [Path(f).resolve() for f in files] or every
    if changed:
        from myeloma_handbook.changes import ChangesError, changed_files

        try:
            touched = set(changed_files(project, changed))
        except ChangesError as error:
            print(f"spellcheck --changed: {error}", file=sys.stderr)
            return 2
        paths = [path for path in every if path in touched]
        if not paths:
            print(f"spellcheck: no page or figure label differs from {changed}.")
            return 0
    for language in unchecked_languages(project):
        print(f"spellcheck: i18n/{language}.yml names no spelling checker: docs/{language}/ is not checked")
    try:
        found = check_files(paths, project)
    except SpellcheckError as error:
        print(f"spellcheck: {error}", file=sys.stderr)
        return 2
    for misspelling in found:
        print(misspelling)
    if found:
        print(f"{len(found)} unknown word(s). Fix the spelling, or add a correct word (a medical term, a name, an "
              "ordinary word the dictionary lacks) to the word list named under `spelling:` in the language's "
              "catalogue (i18n/<language>.yml), e.g. scripts/wordlist-sl.txt.")
    else:
        print(f"spellcheck: {len(paths)} file(s), no unknown word.")
    return 1 if found else 0


def links_online(report: str | None = None) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook.links import check_online, external_links

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if build(site) != 0:
            return 1
        urls = external_links(site)
        results = check_online(sorted(urls), ROOT / ".cache" / "external-links.json")
    broken = {u: r for u, r in results.items() if not r["ok"]}
    table = ["| status | URL | pages |", "| --- | --- | --- |"]
    for url, result in sorted(broken.items()):
        table.append(f"| {result['status']} | {url} | {', '.join(sorted(urls[url]))} |")
    table.append(f"\n{len(results)} external links checked, {len(broken)} broken.")
    print("\n".join(table))
    if report:  # e.g. $GITHUB_STEP_SUMMARY in the weekly workflow
        with open(report, "a", encoding="utf-8") as out:
            out.write("### External links\n\n" + "\n".join(table) + "\n")
    return 1 if broken else 0


def references(online: bool, report: str | None = None, max_age_days: int | None = None,
               project: Path = ROOT) -> int:
    """Every entry with a DOI or PMID against the cached registry answers in
    scripts/reference-checks.json; --online first refreshes what is new or old."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook import bibliography, registry_check
    from myeloma_handbook.checks import Project

    bib_path, cache_path = Project.from_config(project).bib_path, project / registry_check.CACHE_PATH
    loaded = bibliography.load(bib_path)
    if not loaded.readable:
        for problem in loaded.problems:
            print(problem)
        return 1
    expected = registry_check.expected_entries(loaded)
    run = None
    try:
        cache = registry_check.load_cache(cache_path)
        if online:
            run = registry_check.refresh(cache, expected, max_age_days=max_age_days or registry_check.MAX_AGE_DAYS)
            registry_check.save_cache(cache_path, cache)
    except (ValueError, registry_check.RegistryError) as error:
        print(f"references: {error}", file=sys.stderr)
        return 2
    findings = [registry_check.assess(e, cache) for e in expected]
    for finding in findings:
        for problem in registry_check.problems_of(finding):
            print(problem)
    summary = registry_check.markdown_table(findings, run)
    unlisted = len(loaded.entries.entries) - len(expected)
    print(summary + f"\n{unlisted} entries have neither DOI nor PMID (web pages, books): not in these registries.")
    if report:  # e.g. $GITHUB_STEP_SUMMARY in the weekly workflow
        with open(report, "a", encoding="utf-8") as out:
            out.write(summary)
    failed = any(not f.verified for f in findings) or (run and any(run.errors.values()))
    return 1 if failed else 0


def sign_off(args) -> int:
    """`sign-off FILE`: the page's version and its sign-offs; with --review,
    record a reviewer's sign-off of the page as it is now (sign_offs.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import datetime as dt

    from myeloma_handbook import sign_offs
    from myeloma_handbook.checks import Project
    from myeloma_handbook.front_matter import read_front_matter
    from myeloma_handbook.translation_records import fingerprint

    project = Project.at(Path(args.project).resolve())
    page = Path(args.file).resolve()
    if not page.is_file() or not page.is_relative_to(project.docs.resolve()) or page.suffix != ".md":
        print(f"sign-off: {args.file} is not a page of {project.rel(project.docs)}/", file=sys.stderr)
        return 2
    rel = project.rel(page)
    if args.review:
        missing = [f"--{name}" for name in ("name", "role", "interests") if not getattr(args, name)]
        if missing:
            print(f"sign-off: give {', '.join(missing)} (as the reviewer wants to be named; --interests "
                  "\"None declared\" if none)", file=sys.stderr)
            return 2
        try:
            day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
            version = sign_offs.add(page, args.review, args.name, args.role, day, args.interests)
        except ValueError as error:
            print(f"sign-off {rel}: {error}", file=sys.stderr)
            return 1
        print(f"{rel}: {args.review} sign-off by {args.name} on {day.isoformat()} of version {version}")
    text = page.read_text(encoding="utf-8")
    print(f"{rel}: version {fingerprint(text)} (title, description and text as they are now)")
    for entry in sign_offs.read(read_front_matter(text), text):
        state = "of this version" if entry.current else "of an earlier version"
        print(f"  {entry.review} sign-off by {entry.name} ({entry.role}) on {entry.date.isoformat()}, {state}")
    problems = sign_offs.check(page, rel, project.root)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def reference_record(args) -> int:
    """`references --record KEY ...`: write the verification record of an entry
    you checked (bibliography-checks.yml); `--missing`: list entries without one."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import datetime as dt

    from myeloma_handbook import bibliography, reference_records

    bib_path = Path(args.project).resolve() / "bibliography.bib"
    if args.missing:
        loaded = bibliography.load(bib_path)
        records = reference_records.load(bib_path.with_name(reference_records.RECORDS_FILE))
        problems = reference_records.check(loaded, records)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)" if problems else "Every entry has a current verification record.")
        return 1 if problems else 0
    if not (args.url or args.unverifiable or args.unchecked):
        print("references --record: give --url (the record you read), --unverifiable REASON or --unchecked REASON",
              file=sys.stderr)
        return 2

    def words(text: str) -> list[str]:
        return [w.strip() for w in text.split(",") if w.strip()]

    try:
        written = reference_records.write_record(
            bib_path, args.record, url=args.url, matched=words(args.fields), unconfirmed=words(args.unconfirmed),
            corrections=args.correction, reason=args.unverifiable or args.unchecked, unchecked=bool(args.unchecked),
            via=args.via, note=args.note,
            checked=dt.date.fromisoformat(args.date) if args.date else None)
    except ValueError as error:
        print(f"references --record {args.record}: {error}", file=sys.stderr)
        return 1
    print(f"{args.record}: {written['status']}, fingerprint {written['fingerprint']} "
          f"(written to {reference_records.RECORDS_FILE})")
    return 0


def pdf_bench() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook import pdf

    results = pdf.benchmark(ROOT)
    print("| PDF | pages | seconds (wall) | seconds (CPU) | budget |\n| --- | --- | --- | --- | --- |")
    for r in results:
        verdict = "ok" if r.seconds <= pdf.BUDGET_SECONDS else "OVER"
        print(f"| {r.path.name} | {r.pages} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | ≤ {pdf.BUDGET_SECONDS:.0f} s: {verdict} |")
    return 0


def bench(quick: bool = False) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook import benchmark

    from myeloma_handbook import pdf

    def pdf_timer() -> dict[str, float]:
        return {result.path.name: result.seconds for result in pdf.benchmark(ROOT)}

    rows = benchmark.run(ROOT, factors=(1, 5) if quick else (1, 5, 10), with_rebuild=not quick,
                         pdf_timer=None if quick else pdf_timer)
    print(benchmark.table(rows))
    return 0


def lighthouse(site: str | None, runs: int, keep: str | None) -> int:
    """Lighthouse (mobile) on each page type in each language, served with gzip
    (scripts/myeloma_handbook/lighthouse.py); builds the site first unless given one."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from myeloma_handbook import lighthouse as lh

    with tempfile.TemporaryDirectory(prefix="handbook-lighthouse-site-") as tmp:
        built = Path(site).resolve() if site else Path(tmp) / "site"
        if not site and build(built) != 0:
            return 1
        try:
            results = lh.run(ROOT, built, runs=runs, keep=Path(keep).resolve() if keep else None)
        except RuntimeError as error:
            print(f"lighthouse: {error}", file=sys.stderr)
            return 1
    print(lh.table(results))
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The command line; the tests read its subcommands to check the CI workflows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup").add_argument("--test", action="store_true", help="also what the tests need")
    serve_parser = sub.add_parser("serve", help="serve at http://127.0.0.1:8000, rebuilding what changes; "
                                  "Ctrl-C stops it")
    serve_parser.add_argument(
        "--full", action="store_true",
        help="rebuild every page on each change (slower; use after editing bibliography.bib, mkdocs.yml or "
             "abbreviations, or when a page links to a heading you just renamed)")
    serve_parser.add_argument("--port", type=int, default=8000, help="serve on this port (default 8000)")
    serve_parser.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    sub.add_parser("build")
    pdf = sub.add_parser("pdf", help="the strict build plus one PDF per language (handbook-<language>.pdf)")
    pdf.add_argument("--bench", action="store_true", help="only time the PDF of each language (not a test)")
    sub.add_parser("check")
    test = sub.add_parser("test")
    test.add_argument("pytest_args", nargs="*", help="passed to pytest")
    links = sub.add_parser("links")
    links.add_argument("--online", action="store_true", required=True)
    links.add_argument("--report", metavar="FILE", help="also append the Markdown report to FILE")
    refs = sub.add_parser("references", help="bibliography.bib against Crossref and PubMed (cached answers)")
    mode = refs.add_mutually_exclusive_group()
    mode.add_argument("--online", action="store_true", help="first ask the registries about new or old entries")
    mode.add_argument("--offline", dest="online", action="store_false", help="only the cached answers (default)")
    refs.add_argument("--report", metavar="FILE", help="also append the Markdown report to FILE")
    refs.add_argument("--max-age-days", type=int, help="re-ask answers older than this (default 90)")
    refs.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    record = refs.add_argument_group("recording a check by hand (bibliography-checks.yml; CONTRIBUTING, "
                                     "\"Adding a reference\")")
    record.add_argument("--record", metavar="KEY", help="record that you checked entry KEY against a record of the work")
    record.add_argument("--url", help="the record you read: PubMed/PMC, the publisher, the trial registry, the regulator")
    record.add_argument("--fields", default="", help="comma-separated fields that matched the record, e.g. "
                        "author,title,journal,year,volume,number,pages,doi,pmid")
    record.add_argument("--unconfirmed", default="", help="comma-separated fields no record showed (status partial)")
    record.add_argument("--correction", action="append", default=[], help="what you corrected in the entry (repeatable)")
    record.add_argument("--unverifiable", metavar="REASON", help="the work could not be found: what was looked for")
    record.add_argument("--unchecked", metavar="REASON", help="a placeholder: the entry is not checked yet, and why "
                        "(readers see \"not verified\" beside it until someone checks it)")
    record.add_argument("--via", help="how the record was read when not at its address, e.g. through a copy")
    record.add_argument("--note", help="anything else a later checker should know")
    record.add_argument("--date", help="the day you read the record, YYYY-MM-DD (default today)")
    record.add_argument("--missing", action="store_true", help="list the entries that have no verification record")
    bench = sub.add_parser("bench", help="benchmark the build; prints a table with the budgets")
    bench.add_argument("--quick", action="store_true", help="1x and 5x content only, no dev-server rebuild")
    lighthouse_parser = sub.add_parser("lighthouse", help="Lighthouse scores (mobile) of every page type in every "
                                       "language, site served with gzip; prints a table (not a test)")
    lighthouse_parser.add_argument("--site", metavar="DIR", help="an already built site (default: build one)")
    lighthouse_parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is shown")
    lighthouse_parser.add_argument("--keep", metavar="DIR", help="keep Lighthouse's JSON reports in DIR")
    lock_parser = sub.add_parser("lock", help="regenerate requirements.lock for every supported Python")
    lock_parser.add_argument("--check", action="store_true",
                             help="only check that pip finds a hashed wheel of every pin for each target")
    new = sub.add_parser("new", help="scaffold a chapter in every language and list it in the nav",
                         epilog="For each language of mkdocs.yml: --title-LANG TEXT (required) and, for a new nav "
                                "section, --section-LANG TEXT (e.g. --title-en ... --title-sl ...). Without "
                                "--section-<source language>, the page goes into the section holding SECTION/.")
    new.add_argument("path", metavar="SECTION/SLUG", help="e.g. treatment/car-t-cells")
    new.add_argument("--author", action="append", help="repeat for several authors")
    new.add_argument("--figure", metavar="NAME", help="instead of a page: a draft figure NAME on the existing page "
                     "SECTION/SLUG (figures/NAME.yml and its labels; --title-LANG: the figure's titles)")
    new.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    status = sub.add_parser("translation-status", help="missing and drifted twins, translations behind their source")
    status.add_argument("--markdown", action="store_true", help="a Markdown table for a pull-request comment")
    status.add_argument("--base", metavar="REV", help="a git revision (the pull request's target): say which "
                                                     "translations fell behind since")
    status.add_argument("--changed", nargs="?", const="main", metavar="BRANCH",
                        help="only the pages your change touches: changed since it left BRANCH (default main), "
                             "committed or not")
    records = status.add_mutually_exclusive_group()
    records.add_argument("--mark", nargs="+", metavar="FILE",
                         help="record that these translations follow their source as it is now (a source page or a "
                              "folder: every translation of or in it)")
    records.add_argument("--wording-only", nargs="+", metavar="FILE",
                         help="these source pages' last change was wording only: translations that followed their "
                              "previous version follow them now")
    status.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    fresh = sub.add_parser("fresh-machine", help="the two commands on a fresh Debian root or in this checkout")
    fresh.add_argument("target", choices=["bookworm", "trixie", "here"],
                       help="bookworm/trixie: a minimal Debian 12/13 root (debootstrap, as root) with a fresh clone; "
                            "here: this checkout (CI containers)")
    fresh.add_argument("--only", choices=["serve", "test"], help="here: only this one of the two commands")
    fresh.add_argument("--keep", action="store_true", help="keep the root in /var/tmp/handbook-fresh-machine/")
    fresh.add_argument("--mirror", default="http://deb.debian.org/debian", help="Debian mirror for debootstrap")
    signing = sub.add_parser("sign-off", help="a page's version and sign-offs; with --review, record a sign-off",
                             epilog="A reviewer who read the whole page records the sign-off in their own pull "
                                    "request (CONTRIBUTING.md, \"Review\").")
    signing.add_argument("file", help="the page, e.g. docs/en/myeloma/diagnosis.md")
    signing.add_argument("--review", choices=["clinical", "language"],
                         help="record a sign-off of the page as it is now: an independent clinician's review, or a "
                              "review of the page's language")
    signing.add_argument("--name", help="the reviewer's name, as they want to be named")
    signing.add_argument("--role", help="the reviewer's role (and workplace), as they want to be named")
    signing.add_argument("--interests", help='the reviewer\'s declared interests ("None declared" if none)')
    signing.add_argument("--date", help="the day of the review, YYYY-MM-DD (default today)")
    signing.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    spell = sub.add_parser("spellcheck", help="spelling of each language's pages (checker: i18n/<language>.yml)")
    spell.add_argument("files", nargs="*", help="chapter files (default: every page and figure label)")
    spell.add_argument("--changed", nargs="?", const="main", metavar="BRANCH",
                       help="only the pages and figure labels your change touches: changed since it left BRANCH "
                            "(default main), committed or not")
    spell.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    return parser


PER_LANGUAGE_OPTION = re.compile(r"^--(title|section)-([A-Za-z]{2,3}(?:[_-][A-Za-z0-9]+)?)(?:=(.*))?$", re.S)


def per_language_options(parser: argparse.ArgumentParser, extra: list[str]) -> tuple[dict, dict]:
    """`new`'s --title-<language> and --section-<language> options: one per
    language of mkdocs.yml, so they are not declared one by one."""
    found: dict[str, dict[str, str]] = {"title": {}, "section": {}}
    items = iter(extra)
    for item in items:
        match = PER_LANGUAGE_OPTION.match(item)
        if not match:
            parser.error(f"unrecognized argument: {item}")
        value = match.group(3) if match.group(3) is not None else next(items, None)
        if value is None:
            parser.error(f"{item} needs a value")
        found[match.group(1)][match.group(2)] = value
    return found["title"], found["section"]


def main() -> int:
    parser = make_parser()
    args, extra = parser.parse_known_args()
    if args.command == "new":
        args.titles, args.sections = per_language_options(parser, extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "setup":
        setup(test=args.test)
        return 0
    if args.command == "fresh-machine":  # installs nothing here: it runs the commands that do
        from myeloma_handbook import fresh_machine
        return fresh_machine.main(args.target, ROOT, args.only, args.keep, args.mirror)
    if args.command == "lock":
        setup()
        return check_lock() if args.check else lock()
    if os.environ.get(NO_INSTALL) != "1":
        setup(test=args.command in ("test", "lighthouse"))  # lighthouse: node, Chromium and package-lock.json too
        if args.command == "spellcheck":
            install_system_packages(machine.not_installed(machine.probe(), ["hunspell", "hunspell-sl"]))
    reexec_in_venv()
    if args.command == "serve":
        os.environ.update(mkdocs_env())
        return serve(Path(args.project).resolve(), args.full, args.port)
    if args.command == "build":
        return build()
    if args.command == "pdf":
        return pdf_bench() if args.bench else build(with_pdf=True)
    if args.command == "check":
        return check()
    if args.command == "links":
        return links_online(args.report)
    if args.command == "references" and (args.record or args.missing):
        return reference_record(args)
    if args.command == "references":
        return references(args.online, args.report, args.max_age_days, Path(args.project).resolve())
    if args.command == "new":
        return new_page(args)
    if args.command == "translation-status":
        return translation_status(args)
    if args.command == "sign-off":
        return sign_off(args)
    if args.command == "spellcheck":
        if args.files and args.changed:
            parser.error("spellcheck: name files or use --changed, not both")
        return spellcheck(args.files, Path(args.project).resolve(), args.changed)
    if args.command == "bench":
        return bench(quick=args.quick)
    if args.command == "lighthouse":
        return lighthouse(args.site, args.runs, args.keep)
    if args.command == "test":
        pytest_args = args.pytest_args or ["tests", "-n", "2", "-p", "no:cacheprovider"]
        return run(VENV_PYTHON, "-m", "pytest", *pytest_args, env=mkdocs_env())
    return 2


if __name__ == "__main__":
    sys.exit(main())
