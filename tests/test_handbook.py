"""The real handbook: it builds with --strict, and every page exists, is
decorated and is listed in both languages."""
from __future__ import annotations

import html
import re

from conftest import ROOT
from myeloma_handbook.bibliography import load
from myeloma_handbook.checks import Project
from myeloma_handbook.i18n import i18n_plugin_config, read_config


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
    """Every entry of bibliography.bib, read from the file itself (not through
    bibliography.load, which writes the list), is on both References pages."""
    text = (ROOT / "bibliography.bib").read_text(encoding="utf-8")
    keys = {key for kind, key in re.findall(r"^\s*@(\w+)\s*\{\s*([^,\s]+)\s*,", text, re.M)
            if kind.lower() not in ("comment", "string", "preamble")}
    assert len(keys) > 100 and keys == set(load(ROOT / "bibliography.bib").entries.entries)
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


def nav_labels(page) -> list[str]:
    """The texts of the primary navigation (sections and pages), in order."""
    text = page.read_text(encoding="utf-8")
    nav = text[text.index('<nav class="md-nav md-nav--primary"'):text.index("md-sidebar--secondary")]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", label)).split())
            for label in re.findall(r'<span class="md-ellipsis">(.*?)</span>', nav, re.S)]


def test_navigation_and_interface_are_translated(built_site):
    """Every label of the Slovenian navigation is the nav_translations entry
    of the English label in the same place (the site name: its site_name);
    a label without an entry would show in English. Read from the
    404 pages: the whole navigation, without a page's own contents list."""
    i18n = i18n_plugin_config(read_config(ROOT))
    slovenian = next(language for language in i18n["languages"] if language["locale"] == "sl")
    translations = dict(slovenian["nav_translations"], **{"Myeloma Handbook": slovenian["site_name"]})
    english, sl = nav_labels(built_site / "404.html"), nav_labels(built_site / "sl" / "404.html")
    assert len(english) > 40 and "Multiple myeloma" in english and "Supportive care" in english
    assert [label for label in english if label not in translations] == [], "no nav_translations entry"
    assert sl == [translations[label] for label in english]
    assert "Išči" in (built_site / "sl" / "index.html").read_text(encoding="utf-8")  # Material's own interface


def test_page_titles_name_the_page_and_the_handbook_once(built_site):
    for home, name in ((built_site / "index.html", "Myeloma Handbook"),
                       (built_site / "sl" / "index.html", "Priročnik o diseminiranem plazmocitomu")):
        assert re.search(r"<title>(.*?)</title>", home.read_text(encoding="utf-8")).group(1) == name
    chapter = (built_site / "sl" / "myeloma" / "diagnosis" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>(.*?)</title>", chapter).group(1).endswith(" - Priročnik o diseminiranem plazmocitomu")
