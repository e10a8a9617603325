"""Shared test helpers: fixture handbooks built from tests/fixtures/.

A fixture case is a small doc tree: tests/fixtures/base/ holds a good
two-language handbook, and tests/fixtures/<case>/ holds only the files that
differ (a file named *.delete removes its namesake). Real content is never
edited by a test."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))


def make_fixture(case: str, destination: Path) -> Path:
    """Copy base + the case's overlay into destination, with a mkdocs.yml
    that is the real one pointed at the fixture (nav left out)."""
    shutil.copytree(FIXTURES / "base", destination, dirs_exist_ok=True)
    if case != "base":
        for source in sorted((FIXTURES / case).rglob("*")):
            if source.is_dir():
                continue
            target = destination / source.relative_to(FIXTURES / case)
            if source.suffix == ".delete":
                target.with_suffix("").unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^nav:\n(?:[ \t]+.*\n?|\n)*", "", config, flags=re.M)
    config = config.replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
    config = config.replace("- scripts/mkdocs_hooks.py", f"- {ROOT / 'scripts' / 'mkdocs_hooks.py'}")
    (destination / "mkdocs.yml").write_text(config, encoding="utf-8")
    return destination


def mkdocs_build(project: Path, site: Path, strict: bool = True, pdf: bool = False,
                 site_url: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    if strict:
        command.insert(4, "--strict")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("HANDBOOK_PDF", None)
    env.pop("HANDBOOK_SITE_URL", None)
    if site_url:  # as the deploy workflow publishes it
        env["HANDBOOK_SITE_URL"] = site_url
    if pdf:  # also one PDF per language (scripts/myeloma_handbook/pdf.py)
        env["HANDBOOK_PDF"] = "1"
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=project)


def build_fixture(case: str, destination: Path) -> Path:
    """Build a fixture case with --strict; the site, or the test fails with the log."""
    project = make_fixture(case, destination / "project")
    site = project / "site"
    result = mkdocs_build(project, site)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real handbook, built once per test session with --strict."""
    site = tmp_path_factory.mktemp("real") / "site"
    result = mkdocs_build(ROOT, site)
    assert result.returncode == 0, f"strict build of the handbook failed:\n{result.stderr[-6000:]}"
    return site


@pytest.fixture(scope="session")
def built_site_with_pdf(tmp_path_factory) -> Path:
    """The real handbook with its PDFs (about 20 s more than built_site, so
    kept apart: only tests that read the PDFs use it)."""
    site = tmp_path_factory.mktemp("real-pdf") / "site"
    result = mkdocs_build(ROOT, site, pdf=True)
    assert result.returncode == 0, f"strict build of the handbook with PDFs failed:\n{result.stderr[-6000:]}"
    return site
