"""The real handbook: it builds with --strict, and every page exists, is
decorated and is listed in both languages."""
from __future__ import annotations

import re

from conftest import ROOT
from myeloma_handbook.bibliography import load
from myeloma_handbook.checks import Project


def test_every_page_built_in_both_languages(built_site):
    project = Project.at(ROOT)
    for language, prefix in (("en", ""), ("sl", "sl/")):
        for name in project.pages(language):
            stem = name[:-3]
            out = "index.html" if stem == "index" else (
                stem[:-5] + "index.html" if stem.endswith("/index") else f"{stem}/index.html")
            html = (built_site / f"{prefix}{out}").read_text(encoding="utf-8")
            assert f'<html lang="{language}"' in html, name
            assert 'class="page-review"' in html and 'class="page-disclaimer"' in html, name


def test_full_bibliography_in_each_language(built_site):
    keys = set(load(ROOT / "bibliography.bib").entries.entries)
    for path in ("references/index.html", "sl/references/index.html"):
        html = (built_site / path).read_text(encoding="utf-8")
        assert set(re.findall(r'id="ref-([\w-]+)"', html)) == keys, path
