"""The contributor's path: scaffolding a chapter, translation status,
spelling, Markdown style, the CI workflows, pre-commit hooks and CITATION.cff.
Everything runs on temporary fixture trees, never on the real chapters."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

import jsonschema
import pytest
import yaml

from conftest import FIXTURE_TODAY, ROOT, epoch, handbook_cli, make_fixture, mkdocs_build, run, with_nav
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.scaffold import ScaffoldError, create
from myeloma_handbook.spelling import check_files
from myeloma_handbook.translation import page_statuses

FIXTURE_NAV = """
nav:
  - index.md
  - Chapters:
      - Chapter: chapter/page.md
  - About:
      - Abbreviations: abbreviations.md
"""


def handbook(*args, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """scripts/handbook.py as a contributor runs it, but with HANDBOOK_NO_INSTALL=1
    (set in conftest): it installs nothing."""
    return run([sys.executable, ROOT / "scripts" / "handbook.py", *args], cwd=cwd, env=env)


FIXTURE_NAV_TRANSLATIONS = {"sl": {"Chapters": "Poglavja", "Chapter": "Poglavje", "About": "O priročniku",
                                   "Abbreviations": "Kratice"}}


def fixture_with_nav(case: str, tmp_path):
    project = make_fixture(case, tmp_path / case)
    config = project / "mkdocs.yml"
    text = with_nav(config.read_text(encoding="utf-8"), {"nav_translations": FIXTURE_NAV_TRANSLATIONS})
    config.write_text(text + FIXTURE_NAV, encoding="utf-8")
    return project


def cli_parser() -> argparse.ArgumentParser:
    return handbook_cli().make_parser()


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


# ------------------------------------------------------------------- new

def test_new_chapter_builds_strict_at_once(tmp_path):
    project = fixture_with_nav("base", tmp_path)
    before = (project / "mkdocs.yml").read_text(encoding="utf-8").split("\n")
    today = dt.date.today()  # the scaffold dates the page; it may be tomorrow by the time it runs
    result = handbook("new", "chapter/car-t-cells", "--title-en", "CAR-T cells: a primer",
                      "--title-sl", "Celice CAR-T: uvod", "--project", str(project))
    assert result.returncode == 0, result.stderr
    result = handbook("new", "cell-therapy/bispecifics", "--title-en", "Bispecific antibodies",
                      "--title-sl", "Bispecifična protitelesa", "--section-en", "Cell therapy",
                      "--section-sl", "Celično zdravljenje", "--project", str(project))
    assert result.returncode == 0, result.stderr

    after = (project / "mkdocs.yml").read_text(encoding="utf-8").split("\n")
    # Only lines were added; every line of the old file is still there, in order.
    remaining = iter(after)
    assert all(line in remaining for line in before)
    added = [line for line in after if line not in before]
    assert added == [
        '            "CAR-T cells: a primer": "Celice CAR-T: uvod"',
        "            Cell therapy: Celično zdravljenje",
        "            Bispecific antibodies: Bispecifična protitelesa",
        '      - "CAR-T cells: a primer": chapter/car-t-cells.md',
        "  - Cell therapy:",
        "      - Bispecific antibodies: cell-therapy/bispecifics.md",
    ]
    nav = yaml.safe_load("\n".join(after[after.index("nav:"):]))["nav"]
    assert nav[1] == {"Chapters": [{"Chapter": "chapter/page.md"},
                                   {"CAR-T cells: a primer": "chapter/car-t-cells.md"}]}
    assert nav[2] == {"Cell therapy": [{"Bispecific antibodies": "cell-therapy/bispecifics.md"}]}
    assert list(nav[3]) == ["About"]  # new sections go before the back matter

    page = (project / "docs/sl/chapter/car-t-cells.md").read_text(encoding="utf-8")
    assert re.search(r"^reviewed: (\S+)$", page, re.M).group(1) in {today.isoformat(), dt.date.today().isoformat()}
    assert '!!! abstract "Ključne točke"' in page and "# Celice CAR-T: uvod" in page
    # The scaffold's text must be replaced before the page builds: the gates
    # name every placeholder line, and nothing else.
    problems = [str(p) for p in check_sources(Project.at(project)).problems]
    new_pages = {f"docs/{lang}/{name}.md" for lang in ("en", "sl") for name in ("chapter/car-t-cells",
                                                                               "cell-therapy/bispecifics")}
    assert {p.split(":")[0] for p in problems} == new_pages, problems
    assert all(": placeholder text of the new-page scaffold: " in p for p in problems), problems
    assert {p.split(":")[0] for p in problems if ":3: " in p} == new_pages  # the description
    for path in (project / "docs").rglob("*.md"):
        path.write_text(written_over(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert check_sources(Project.at(project)).problems == []

    site = tmp_path / "site"
    build = mkdocs_build(project, site, today=None)  # the scaffold's date is the real one
    assert build.returncode == 0, build.stderr[-4000:]
    slovenian = (site / "sl/chapter/car-t-cells/index.html").read_text(encoding="utf-8")
    assert "Celično zdravljenje" in slovenian and "Bispecifična protitelesa" in slovenian
    assert 'lang="sl"' in slovenian


def written_over(page: str) -> str:
    """A scaffolded page with its placeholder text replaced, as a writer would."""
    lines = []
    for line in page.split("\n"):
        if line.startswith("description: "):
            line = "description: A page written over its scaffold by the test."
        elif line.strip() and not line.lstrip().startswith(("#", "!!!", "---")) and ":" not in line \
                and not line.startswith("  - "):
            line = line[:len(line) - len(line.lstrip())] + "Text."
        lines.append(line)
    return "\n".join(lines)


def test_new_scaffolds_a_missing_twin(tmp_path):
    """The advice of "page has no sl twin": `new` writes only the missing
    twin, with its twin's review date and authors, and leaves the nav alone."""
    project = fixture_with_nav("missing_twin", tmp_path)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    written = create(project, "chapter/page", {"sl": "Poglavje"})
    assert written == [project / "docs/sl/chapter/page.md"]
    page = written[0].read_text(encoding="utf-8")
    assert "\nreviewed: 2026-01-15\nauthors:\n  - Test Author\n" in page and "# Poglavje" in page
    assert (project / "mkdocs.yml").read_text(encoding="utf-8") == config
    problems = [str(p) for p in check_sources(Project.at(project)).problems]
    assert problems and all(": placeholder text of the new-page scaffold: " in p or ": number " in p
                            or ": cites " in p or "#dose" in p for p in problems), problems


@pytest.mark.parametrize("args, message", [
    (("chapter/page", "Chapter", "Poglavje"), "exists already"),
    (("Chapter/Bad Name", "Title", "Naslov"), "is not a page path"),
    (("newsection/page", "Title", "Naslov"), "give its Slovenian name with --section-sl"),
    (("chapter/other", "Chapter", "Drugo poglavje"), "already translated as"),
])
def test_new_refuses_bad_input_and_writes_nothing(tmp_path, args, message):
    project = fixture_with_nav("base", tmp_path)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert "            Chapter: Poglavje\n" in config  # to test a conflict
    files = sorted(p for p in (project / "docs").rglob("*") if p.is_file())
    path, title_en, title_sl = args
    with pytest.raises(ScaffoldError, match=message):
        create(project, path, {"en": title_en, "sl": title_sl})
    assert (project / "mkdocs.yml").read_text(encoding="utf-8") == config
    assert sorted(p for p in (project / "docs").rglob("*") if p.is_file()) == files


# ------------------------------------------------------------ installing

def test_commands_run_by_tests_install_nothing(tmp_path):
    """With HANDBOOK_NO_INSTALL=1 (conftest sets it) a command neither asks
    dpkg nor runs apt-get, sudo or npm: fakes of them first on PATH record
    any call. (pip runs as .venv/bin/python -m pip, skipped with them.)"""
    fakes, calls = tmp_path / "bin", tmp_path / "calls.log"
    fakes.mkdir()
    for tool in ("apt-get", "dpkg-query", "sudo", "npm"):
        (fakes / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\nexit 1\n')
        (fakes / tool).chmod(0o755)
    env = dict(os.environ, PATH=f"{fakes}{os.pathsep}{os.environ['PATH']}")
    project = make_fixture("base", tmp_path / "base")
    (project / "scripts").mkdir()
    for word_list in ("wordlist-en.txt", "wordlist-sl.txt"):  # the real lists know the fixture's terms
        shutil.copy(ROOT / "scripts" / word_list, project / "scripts" / word_list)
    for args in (("translation-status", "--project", str(project)), ("spellcheck", "--project", str(project),
                                                                      str(project / "docs/sl/index.md"))):
        result = handbook(*args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert not calls.exists(), calls.read_text()


# ---------------------------------------------------------- translation status

def test_translation_status_in_sync_exits_zero(tmp_path):
    project = make_fixture("base", tmp_path / "base")
    result = handbook("translation-status", "--project", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 page(s): 3 in sync" in result.stdout


def test_translation_status_reports_missing_twin_and_number_drift(tmp_path):
    missing = handbook("translation-status", "--project", str(make_fixture("missing_twin", tmp_path / "m")))
    assert missing.returncode == 1
    assert "chapter/page.md: missing twin: no docs/sl/chapter/page.md" in missing.stdout
    drift = handbook("translation-status", "--markdown", "--project",
                     str(make_fixture("number_drift", tmp_path / "n")))
    assert drift.returncode == 1
    assert "| page | status | details |" in drift.stdout
    assert re.search(r"\| `chapter/page.md` \| drift \| .*number 40 does not appear in its twin", drift.stdout)


def test_translation_status_reports_structural_drift(tmp_path):
    project = make_fixture("base", tmp_path / "base")
    english = project / "docs/en/chapter/page.md"
    english.write_text(english.read_text(encoding="utf-8") + (
        "\n## Monitoring {#monitoring}\n\n| Test | When |\n| --- | --- |\n| FLC | monthly |\n"
        "| Hb | monthly |\n\nRecommendation. [evidence: expert]\n"), encoding="utf-8")
    slovenian = project / "docs/sl/chapter/page.md"
    slovenian.write_text(slovenian.read_text(encoding="utf-8") + (
        "\n| Preiskava | Kdaj |\n| --- | --- |\n| FLC | mesečno |\n"), encoding="utf-8")
    drift = next(s for s in page_statuses(Project.at(project), use_git=False) if s.name == "chapter/page.md").drift
    assert drift[:4] == [
        "headings: en 3 (h1×1, h2×2), sl 2 (h1×1, h2×1)",
        "heading ids: only en: #monitoring",
        "tables (body rows): en [2], sl [1]",
        "evidence labels: en 1, sl 0",
    ]


# ------------------------------------------------------------------ spelling

def test_spellcheck_reports_misspellings_by_file_and_line_and_ignores_markup(tmp_path):
    project = make_fixture("base", tmp_path / "spell")
    english = project / "docs/en/chapter/page.md"
    english.write_text(english.read_text(encoding="utf-8") + (
        "\nPatients recieve daratumumab weekly.\n\n"
        "`recieve` in code, https://example.org/recieve and [link](recieve.md) are not prose.\n"),
        encoding="utf-8")
    slovenian = project / "docs/sl/chapter/page.md"
    slovenian.write_text(slovenian.read_text(encoding="utf-8") + (
        "\nBolniki prejemajo zdravlenje z daratumumabom.\n\n"
        "`zdravlenje` v kodi ni besedilo [@smith2020trial].\n"), encoding="utf-8")
    (project / "scripts").mkdir()
    (project / "scripts/wordlist-sl.txt").write_text("# drug names\ndaratumumab*\n", encoding="utf-8")
    found = [str(m) for m in check_files([english, slovenian], project)]
    assert found == [
        "docs/en/chapter/page.md:19: recieve ==> receive",
        "docs/sl/chapter/page.md:20: zdravlenje",
    ]
    # Without the word list, the drug name is unknown to hunspell-sl.
    (project / "scripts/wordlist-sl.txt").unlink()
    found = [str(m) for m in check_files([slovenian], project)]
    assert "docs/sl/chapter/page.md:20: daratumumabom" in found


def test_spellcheck_command_fails_on_a_misspelling(tmp_path):
    project = make_fixture("base", tmp_path / "cmd")
    (project / "scripts").mkdir()
    for word_list in ("wordlist-en.txt", "wordlist-sl.txt"):  # the real lists know the fixture's terms
        (project / "scripts" / word_list).write_text((ROOT / "scripts" / word_list).read_text(encoding="utf-8"))
    assert handbook("spellcheck", "--project", str(project)).returncode == 0
    slovenian = project / "docs/sl/index.md"
    slovenian.write_text(slovenian.read_text(encoding="utf-8") + "\nTo je napakka.\n", encoding="utf-8")
    result = handbook("spellcheck", "--project", str(project), str(slovenian))
    assert result.returncode == 1
    assert "docs/sl/index.md:17: napakka" in result.stdout


# ------------------------------------------------------------- Markdown style

def test_markdown_style_accepts_admonitions_and_catches_real_problems(tmp_path):
    good = tmp_path / "good.md"
    good.write_text('---\ntitle: T\n---\n\n# Title\n\n!!! slovenia "V Sloveniji"\n\n    Indented body.\n\n'
                    "```bash\nls\n```\n\n## Section {#section}\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n",
                    encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text("# Title\n## Too close\n* item\n", encoding="utf-8")
    pymarkdown = [sys.executable, "-m", "pymarkdown", "--config", str(ROOT / ".pymarkdown.json"), "scan"]
    assert run([*pymarkdown, good]).returncode == 0
    result = run([*pymarkdown, bad])
    assert result.returncode == 1 and "MD022" in result.stdout


# ------------------------------------------------------- workflows and hooks

def workflow(name: str) -> dict:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def handbook_calls(command: str) -> list[list[str]]:
    """The argument lists of every `python3 scripts/handbook.py ...` in a shell command."""
    calls = []
    for line in command.splitlines():
        for match in re.finditer(r"python3 scripts/handbook\.py\b([^|;&>]*)", line):
            calls.append(shlex.split(match.group(1)))
    return calls


def test_workflows_call_the_contributor_commands():
    parser = cli_parser()
    assert {"test", "build", "links", "translation-status"} <= subcommands(parser)
    expected_triggers = {"pr.yml": {"pull_request"}, "deploy.yml": {"push", "workflow_dispatch"},
                         "links.yml": {"schedule", "workflow_dispatch"}}
    used = set()
    for name, triggers in expected_triggers.items():
        data = workflow(name)
        assert set(data["on"]) == triggers, name
        for job in data["jobs"].values():
            for step in job["steps"]:
                if "run" not in step:
                    continue
                calls = handbook_calls(step["run"])
                assert calls, f"{name}: step '{step.get('name')}' does not call scripts/handbook.py"
                for args in calls:
                    parsed = parser.parse_args(args)  # exits (fails the test) on an unknown command
                    used.add(parsed.command)
    assert {"test", "pdf", "links", "references"} <= used  # PR: tests + preview with PDFs; weekly: links, registries
    assert workflow("deploy.yml")["on"]["push"]["branches"] == ["main"]
    assert workflow("links.yml")["on"]["schedule"][0]["cron"]


def test_workflows_publish_what_they_build():
    def uses(name):
        return [step.get("uses", "").split("@")[0] for job in workflow(name)["jobs"].values()
                for step in job["steps"]]

    assert "actions/upload-artifact" in uses("pr.yml")
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses("deploy.yml"))
    links_step = next(s for s in workflow("links.yml")["jobs"]["links"]["steps"] if "run" in s)
    assert "--report \"$GITHUB_STEP_SUMMARY\"" in links_step["run"]


def test_pre_commit_hooks_are_local_and_call_real_commands():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    parser = cli_parser()
    requirements = (ROOT / "requirements.in").read_text(encoding="utf-8")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert {"spelling-en", "spelling-sl", "markdown-style", "sources"} <= set(hooks)
    for hook in hooks.values():
        assert hook["language"] in ("system", "python")
        for args in handbook_calls(hook["entry"]):
            parser.parse_args(args)
        for pin in hook.get("additional_dependencies", []):
            assert pin in requirements, f"{pin} is pinned in the hook but not in requirements.in"
    assert re.match(hooks["spelling-sl"]["files"], "docs/sl/myeloma/diagnosis.md")
    assert not re.match(hooks["spelling-sl"]["files"], "docs/en/myeloma/diagnosis.md")


def test_citation_cff_is_valid_cff_1_2_0():
    schema = json.loads((ROOT / "tests" / "data" / "cff-1.2.0.schema.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(citation)
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "CC-BY-SA-4.0"


# ------------------------------------------------------------------- serve

def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def search_locations(url: str) -> list[str]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return [entry["location"] for entry in json.loads(response.read())["docs"]]


def wait_for(condition, what: str, log, timeout: float = 240):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout:.0f} s:\n{log.read_text(encoding='utf-8')[-3000:]}")


def start_serve(project, port, log_path):
    log = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, ROOT / "scripts" / "handbook.py", "serve", "--project", project,
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process


def temporary_site(log_path) -> str:
    return re.search(r"Building 'en' documentation to directory: (\S+)", log_path.read_text(encoding="utf-8")).group(1)


def test_serve_keeps_one_search_entry_per_section_and_stops_on_ctrl_c(tmp_path):
    """`serve` (--dirty): the search index has each section once, after the
    first build and after a save of a page and of the home page (it used to
    double with every save); Ctrl-C stops the server, without a traceback,
    removes its temporary site and frees the port."""
    project = make_fixture("base", tmp_path / "project")
    port, log = free_port(), tmp_path / "serve.log"
    server = start_serve(project, port, log)
    index = f"http://127.0.0.1:{port}/search/search_index.json"
    try:
        wait_for(lambda: "Serving on" in log.read_text(encoding="utf-8"), "serve did not answer", log)
        first = search_locations(index)
        assert sorted(first) == ["", "abbreviations/", "chapter/page/", "chapter/page/#dose"]
        page = project / "docs/en/chapter/page.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n## Vaccination {#vaccination}\n\nA new section.\n",
                        encoding="utf-8")
        wait_for(lambda: "chapter/page/#vaccination" in search_locations(index), "the saved page was not indexed", log)
        home = project / "docs/en/index.md"
        home.write_text(home.read_text(encoding="utf-8") + "\nA saved home page.\n", encoding="utf-8")
        wait_for(lambda: log.read_text(encoding="utf-8").count("Search index entries per language") >= 3,
                 "the saved home page was not rebuilt", log)
        assert sorted(search_locations(index)) == sorted(first + ["chapter/page/#vaccination"])
        assert sorted(search_locations(f"http://127.0.0.1:{port}/sl/search/search_index.json")) == sorted(first)
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "'dirty' build" not in text, text[-3000:]
    assert not os.path.exists(temporary_site(log))
    import socket

    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server still answers"


def test_serve_stops_on_sigterm_during_its_first_build_and_says_when_the_port_is_taken(tmp_path):
    """`kill PID` (SIGTERM) of `serve` stops it: no process and no temporary
    site are left behind (MkDocs used to run as a child that outlived it). A
    port in use is said in one sentence, naming who holds it."""
    import socket

    project = make_fixture("base", tmp_path / "project")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        taken = handbook("serve", "--project", str(project), "--port", str(port))
    assert taken.returncode == 1
    assert re.fullmatch(rf"serve: port {port} is taken by PID {os.getpid()} \(\S+\), probably by an earlier "
                        rf"serve: stop it \(Ctrl-C in its terminal, or kill {os.getpid()}\), or serve on another "
                        rf"port with --port {port + 1}\.", taken.stderr.strip()), taken.stderr
    log = tmp_path / "serve.log"
    server = start_serve(project, free_port(), log)
    try:
        wait_for(lambda: "Building 'en' documentation" in log.read_text(encoding="utf-8"), "serve did not start", log)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert "Traceback" not in log.read_text(encoding="utf-8")
    assert not os.path.exists(temporary_site(log))
    assert subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True).stdout == b"", "a process is left"


def test_dirty_rebuild_search_entries_are_merged_once_each():
    from myeloma_handbook.per_language import merge_rebuilt_entries

    def entries(*locations, text="old"):
        return [{"location": location, "text": text} for location in locations]

    first = merge_rebuilt_entries(None, entries("", "a/", "a/#x", "sl/", "sl/a/", "") , set())
    assert [e["location"] for e in first] == ["a/", "a/#x", "sl/", "sl/a/", ""]
    # Material drops every entry when the home page is rebuilt; static-i18n writes them twice
    written = entries("", text="new") + entries("", text="new")
    after_home = merge_rebuilt_entries(first, written, {""})
    assert after_home == entries("a/", "a/#x", "sl/", "sl/a/") + entries("", text="new")
    # a section removed from a rebuilt page goes, though the stale index is written too; the other pages stay
    written = entries("a/", "a/#x", "sl/", "sl/a/", "sl/a/#y") + entries("a/", text="new") + entries("sl/")
    assert merge_rebuilt_entries(after_home, written, {"a/"}) == (
        entries("sl/", "sl/a/") + entries("", text="new") + entries("a/", text="new"))
    written = entries("a/", "sl/a/", "sl/a/#y") + entries("sl/a/", "sl/a/#z", text="new")
    assert merge_rebuilt_entries(after_home, written, {"sl/a/"}) == (
        entries("a/", "a/#x", "sl/") + entries("", text="new") + entries("sl/a/", "sl/a/#z", text="new"))


# ------------------------------------------------------------------- build

def test_build_replaces_the_site_and_a_failed_build_leaves_none(tmp_path, monkeypatch, capsys):
    """`scripts/handbook.py build` (its function, on a fixture as the project
    root): a good build replaces site/; a failed one removes the previous
    site/ too (README: "a failed build leaves no site/"), and says so."""
    cli = handbook_cli()
    project = make_fixture("base", tmp_path / "project")
    monkeypatch.setattr(cli, "ROOT", project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(FIXTURE_TODAY))
    site = project / "site"
    site.mkdir()
    (site / "stale.html").write_text("an old build")
    assert cli.build(site) == 0
    assert (site / "index.html").is_file() and not (site / "stale.html").exists()
    page = project / "docs/en/index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("@registry2024]", "@registry2042]", 1), encoding="utf-8")
    assert cli.build(site) == 1
    assert not site.exists()
    assert capsys.readouterr().err.strip().endswith(
        "Build failed; see the problems above (file:line: what -> what to do). The previous site/ was removed, so it "
        "cannot pass for this build.")


# ------------------------------------------------------------ --changed

def git(project, *args):
    result = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args], cwd=project,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_spellcheck_and_translation_status_check_only_what_a_branch_changed(tmp_path):
    """--changed: the files a branch changed since it left main (committed,
    edited, new), not those main changed since, nor the untouched ones."""
    from myeloma_handbook.changes import changed_files

    project = make_fixture("base", tmp_path / "repo")
    (project / "scripts").mkdir()
    for word_list in ("wordlist-en.txt", "wordlist-sl.txt"):
        shutil.copy(ROOT / "scripts" / word_list, project / "scripts" / word_list)
    english = project / "docs/en/abbreviations.md"
    english.write_text(english.read_text(encoding="utf-8") + "\nAn old mispelling nobody touched.\n", encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    git(project, "switch", "-qc", "topic")
    committed = project / "docs/sl/index.md"
    committed.write_text(committed.read_text(encoding="utf-8") + "\nBolniki prejemajo zdravlenje.\n", encoding="utf-8")
    git(project, "commit", "-qam", "topic")
    edited = project / "docs/en/chapter/page.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nPatients recieve it weekly.\n", encoding="utf-8")
    (project / "docs/sl/chapter/new.md").write_text((project / "docs/sl/chapter/page.md").read_text(encoding="utf-8"),
                                                    encoding="utf-8")
    git(project, "switch", "-q", "main")  # main moves on: not this branch's change
    other = project / "docs/sl/abbreviations.md"
    git(project, "stash", "-qu")
    other.write_text(other.read_text(encoding="utf-8") + "\nNapaka glavne veje: zdravlenje.\n", encoding="utf-8")
    git(project, "commit", "-qam", "main moves on")
    git(project, "switch", "-q", "topic")
    git(project, "stash", "pop", "-q")

    assert changed_files(project) == [edited, project / "docs/sl/chapter/new.md", committed]
    spelling = handbook("spellcheck", "--changed", "--project", str(project), cwd=project)
    assert spelling.returncode == 1
    assert [line for line in spelling.stdout.splitlines() if line.startswith("docs/")] == [
        "docs/en/chapter/page.md:19: recieve ==> receive", "docs/sl/index.md:17: zdravlenje"]
    status = handbook("translation-status", "--changed", "--project", str(project), cwd=project)
    assert status.returncode == 1  # the new page has no twin
    assert status.stdout.splitlines()[-1] == ("3 page(s): 1 in sync, 1 with a translation behind its source, "
                                              "0 without a record, 0 drifted, 1 missing a twin.")
    assert "chapter/new.md: missing twin" in status.stdout and "abbreviations.md" not in status.stdout
    unknown = handbook("spellcheck", "--changed", "nosuch", "--project", str(project), cwd=project)
    assert unknown.returncode == 2 and unknown.stderr.startswith("spellcheck --changed: git knows no revision 'nosuch'")


@pytest.mark.parametrize("document", ["CONTRIBUTING.md", "docs/en/contributing.md", "docs/sl/contributing.md",
                                      "docs/en/editorial-policy.md", "docs/sl/editorial-policy.md"])
def test_every_evidence_label_is_defined_where_readers_and_contributors_look(document):
    """A label added to EVIDENCE_LEVELS must also be defined in the tables that
    explain the badges (the `case-control` and `label` rows were once missing
    from the editorial policy while the gate already accepted them)."""
    from myeloma_handbook.markdown_source import EVIDENCE_LEVELS

    text = (ROOT / document).read_text(encoding="utf-8").replace("&#91;", "[").replace("&#93;", "]")
    missing = [level for level in EVIDENCE_LEVELS if f"[evidence: {level}]" not in text]
    assert not missing, f"{document}: no row for {missing} -> add it to the evidence-label table"
