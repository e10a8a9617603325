"""The end of MkDocs 1.x and of Material for MkDocs is planned for (README,
"The stack's future"): the handbook also builds with ProperDocs, the
maintained fork of MkDocs 1.6 (PyPI `properdocs`, pinned in
requirements.lock), and comes out the same as the MkDocs build: the same
pages and files, the same search entries in every language, the same links
and anchors, and the same HTML but for the generator's name."""
from __future__ import annotations

import difflib
import json
import re

import pytest

from conftest import ROOT, mkdocs_build
from myeloma_handbook.links import _Page

GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("properdocs") / "site"
    result = mkdocs_build(ROOT, site, today=None, runner="properdocs")
    assert result.returncode == 0, f"strict ProperDocs build failed:\n{result.stderr[-6000:]}"
    return site


def files(site):
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def test_properdocs_builds_the_same_pages_and_files(built_site, properdocs_site):
    assert files(properdocs_site) == files(built_site)


def test_properdocs_builds_the_same_search_entries(built_site, properdocs_site):
    indexes = [p.relative_to(built_site) for p in built_site.rglob("search_index.json")]
    assert len(indexes) == 2  # one per language
    for index in indexes:
        mkdocs, properdocs = (json.loads((site / index).read_text(encoding="utf-8"))
                              for site in (built_site, properdocs_site))
        assert properdocs == mkdocs, index


def test_properdocs_builds_the_same_links_and_html(built_site, properdocs_site):
    differing = []
    for page in sorted(built_site.rglob("*.html")):
        rel = page.relative_to(built_site)
        mkdocs = page.read_text(encoding="utf-8")
        properdocs = (properdocs_site / rel).read_text(encoding="utf-8")
        a, b = _Page(mkdocs), _Page(properdocs)
        assert (b.links, b.ids) == (a.links, a.ids), f"{rel}: links or anchors differ"
        if GENERATOR.sub("", mkdocs) != GENERATOR.sub("", properdocs):
            differing.append(rel)
    if differing:
        first = differing[0]
        diff = difflib.unified_diff(*((site / first).read_text(encoding="utf-8").splitlines()
                                      for site in (built_site, properdocs_site)), lineterm="", n=1)
        pytest.fail(f"{len(differing)} page(s) differ beyond the generator, first {first}:\n" + "\n".join(list(diff)[:40]))
