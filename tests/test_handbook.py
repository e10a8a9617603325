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


def test_language_switcher_leads_to_the_same_pages_twin(built_site):
    project = Project.at(ROOT)
    for name in project.pages("sl"):
        stem = name[:-3].removesuffix("index").rstrip("/")
        sl_page = built_site / "sl" / stem / "index.html"
        html = sl_page.read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]*)" hreflang="en" class="md-select__link"', html).group(1)
        target = (sl_page.parent / link).resolve()
        assert target == (built_site / stem).resolve(), name


def test_navigation_and_interface_are_translated(built_site):
    html = (built_site / "sl" / "index.html").read_text(encoding="utf-8")
    for slovenian in ("Diseminirani plazmocitom", "Zdravljenje", "Podporno zdravljenje", "Bolezni kože",
                      "Priročnik o diseminiranem plazmocitomu", "Išči"):
        assert slovenian in html, slovenian
    english = (built_site / "index.html").read_text(encoding="utf-8")
    assert "Multiple myeloma" in english and "Supportive care" in english


def test_page_titles_name_the_page_and_the_handbook_once(built_site):
    for home, name in ((built_site / "index.html", "Myeloma Handbook"),
                       (built_site / "sl" / "index.html", "Priročnik o diseminiranem plazmocitomu")):
        assert re.search(r"<title>(.*?)</title>", home.read_text(encoding="utf-8")).group(1) == name
    chapter = (built_site / "sl" / "myeloma" / "diagnosis" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>(.*?)</title>", chapter).group(1).endswith(" - Priročnik o diseminiranem plazmocitomu")
