"""A third language without touching code: the fixture handbook in English,
Slovenian and German (tests/fixtures/three_languages: the German pages and
catalogue; language-de.yml: its entry for mkdocs.yml, added here as a
contributor would add it). It builds strictly, passes every gate across the
three languages, reads German numbers with German separators, and gets its
own search index, 404 page and PDF."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, make_fixture, mkdocs_build
from myeloma_handbook import offline, pdf
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.i18n import check_catalogues, read_languages

CASE = "three_languages"


def three_languages(destination: Path) -> Path:
    """The fixture with German added to mkdocs.yml after the last language."""
    project = make_fixture(CASE, destination)
    config = project / "mkdocs.yml"
    entry = (FIXTURES / CASE / "language-de.yml").read_text(encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    assert "\nvalidation:" in text  # the i18n plugin's languages end just before it
    config.write_text(text.replace("\nvalidation:", "\n" + entry + "\nvalidation:", 1), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The three-language handbook, built once, strictly, with its PDFs."""
    project = three_languages(tmp_path_factory.mktemp("three") / "project")
    site = project / "site"
    result = mkdocs_build(project, site, pdf=True)
    assert result.returncode == 0, result.stderr[-4000:]
    return project, site


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_the_list_in_mkdocs_yml_is_all_it_takes(tmp_path):
    project = three_languages(tmp_path / "p")
    assert read_languages(project).all == ("en", "sl", "de")
    assert check_catalogues(project) == []
    assert [str(p) for p in check_sources(Project.at(project)).problems] == []


def test_gates_compare_every_language_with_the_source(tmp_path):
    project = three_languages(tmp_path / "p")
    german = project / "docs/de/chapter/page.md"
    german.write_text(german.read_text(encoding="utf-8").replace("40 mg", "45 mg").replace("73,7 %", "73.7 %"),
                      encoding="utf-8")
    (project / "docs/de/abbreviations.md").unlink()
    problems = [str(p) for p in check_sources(Project.at(project)).problems]

    def number(page: str, line: int, value: str, twin: str) -> str:
        return (f"docs/{page}:{line}: number {value} does not appear in its twin docs/{twin} -> twins carry the same "
                "clinical numbers (2,75 = 2.75); fix the translation or declare twin_differences: "
                "{numbers: [...], reason: ...}")

    def no_twin(language: str) -> str:
        return (f"docs/{language}/abbreviations.md:1: page has no de twin -> create docs/de/abbreviations.md (a "
                f"translation, never a copy of the {language} text) or scaffold it with scripts/handbook.py new "
                "abbreviations --title-de TITLE")

    assert problems == [
        number("de/chapter/page.md", 14, "45", "en/chapter/page.md"),
        "docs/de/chapter/page.md:18: decimal point in '73.7' -> German uses the decimal comma: 73,7",
        no_twin("en"),
        number("en/chapter/page.md", 13, "40", "de/chapter/page.md"),
        no_twin("sl"),
    ]


def test_pages_speak_german_with_german_numbers_and_references(built):
    _, site = built
    home = read(site, "de/index.html")
    assert '<html lang="de"' in home
    assert "Gezählt wurden etwa 1.250 Personen" in home  # 1.250 = 1,250: a German thousands point
    assert "Zuletzt von den Autorinnen und Autoren geprüft am 15. Januar 2026, nächste Prüfung bis 15. Januar 2027." in home
    assert "Noch nicht von einer unabhängigen Ärztin oder einem unabhängigen Arzt geprüft." in home
    assert "Randomisierte Studie</span>" in home and "Medizinischer Hinweis" in home
    assert '<h2 id="references">Literatur</h2>' in home
    assert "[Internet]. Fixture Institute; 2024 [zitiert 15.1.2026]. Verfügbar unter:" in home
    assert '<abbr title="Hyperkalzämie, Niereninsuffizienz, Anämie, Knochenläsionen">CRAB</abbr>' in home
    switcher = re.findall(r'<a href="[^"]*" hreflang="(\w+)" class="md-select__link"', home)
    assert switcher == ["en", "sl", "de"]
    assert 'src="../assets/javascripts/catalogue/de.js"' in home
    assert '"language":"de","locale":"de","decimal":",","group":"."' in read(site, "assets/javascripts/catalogue/de.js")
    assert "Erstellt mit" in home  # the footer's "Made with"


def test_a_search_index_and_a_404_page_per_language(built):
    _, site = built
    indexes = {lang: json.loads(read(site, f"{prefix}search/search_index.json"))
               for lang, prefix in (("en", ""), ("sl", "sl/"), ("de", "de/"))}
    assert {lang: index["config"]["lang"] for lang, index in indexes.items()} == {
        "en": ["en"], "sl": ["sl"], "de": ["de"]}
    german = {entry["location"] for entry in indexes["de"]["docs"]}
    assert "chapter/page/#dose" in german and not any(loc.startswith(("de/", "sl/")) for loc in german)
    assert not any(entry["location"].startswith("de/") for entry in indexes["en"]["docs"])
    assert any(entry["title"] == "Dosis" for entry in indexes["de"]["docs"])
    not_found = read(site, "de/404.html")
    assert '<html lang="de"' in not_found and "<h1>Seite nicht gefunden</h1>" in not_found
    assert 'var languages = ["sl", "de"];' in read(site, "404.html")  # GitHub Pages: on to <language>/404.html


def test_each_language_has_its_offline_worker_and_button(built):
    _, site = built
    manifests = {lang: offline.read(site, prefix) for lang, prefix in (("en", ""), ("sl", "sl/"), ("de", "de/"))}
    assert not [url for url in manifests["en"]["urls"] if url.startswith(("sl/", "de/"))]
    assert "chapter/page/" in manifests["de"]["urls"] and "../assets/javascripts/catalogue/de.js" in manifests["de"]["urls"]
    page = read(site, "de/chapter/page/index.html")
    assert 'data-worker="../../offline-worker.js" data-language="de"' in page
    assert ">Dieses Handbuch für die Offline-Nutzung speichern</button>" in page


def test_each_language_has_its_pdf(built):
    _, site = built
    path = site / "de" / "handbook-de.pdf"
    assert path.is_file()
    assert pdf.check_pdf(path, "de", ["Startseite", "Kapitel", "Abkürzungen"]) == []
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Inhalt" in text and "Medizinischer Hinweis" in text
    cover = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert "Unabhängige ärztliche Freigabe: 0 von 3 Kapiteln." in cover  # the catalogue's plural, from the front matter
    assert (site / "handbook-en.pdf").is_file() and (site / "sl" / "handbook-sl.pdf").is_file()
    link = re.search(r'href="([^"]+)" type="application/pdf" download>Das ganze Handbuch als PDF<',
                     read(site, "de/chapter/page/index.html")).group(1)
    assert (site / "de/chapter/page" / link).resolve() == path.resolve()  # the footer links to it
