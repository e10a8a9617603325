"""Figures (scripts/myeloma_handbook/figures.py): drawn in every language from
one structure, cached, shown on the site and in both PDFs, found by screen
readers, readable on a phone and in the dark scheme; the `new --figure`
scaffold. The gate's messages are in tests/fixtures/problems.yml (cases
figure_*), tested with every other gate by test_source_gates.py and
test_build.py."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE_TODAY, ROOT, build_warnings, epoch, make_fixture, mkdocs_build, run
from myeloma_handbook import figures
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.i18n import Catalogues

LANGUAGES = ("en", "sl")
PAGES = {"en": "chapter/page/index.html", "sl": "sl/chapter/page/index.html"}
# What the fixture figure (tests/fixtures/figure/figures/dose-pathway.*) shows in each language.
SHOWN = {
    "en": {"title": "Weekly dose pathway", "label": "Figure 1.", "words": "Figure 1 in words",
           "texts": ["Give 40 mg", "Share of cells ≥ 10%?", "Ratio below 0.26", "Randomised trial", "yes", "no",
                     "Treatment"]},
    "sl": {"title": "Pot do tedenskega odmerka", "label": "Slika 1.", "words": "Slika 1 z besedami",
           "texts": ["Dajemo 40 mg", "Delež celic ≥ 10\u00a0%?", "Razmerje pod 0,26", "Randomizirana raziskava",
                     "da", "ne", "Zdravljenje"]},
}


def norm(text: str) -> str:
    """White space as a reader sees it (a no-break space is a space)."""
    return " ".join(text.split())


def svg_texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)]


def figure_of(page: str, name: str = "dose-pathway") -> str:
    match = re.search(rf'<figure class="handbook-figure" id="figure-{name}">.*?</figure>', page, re.S)
    assert match, f"no figure {name} on the page"
    return match.group(0)


@pytest.fixture(scope="module")
def figure_project(tmp_path_factory):
    """The fixture with a figure, built once with its PDFs; the drawings cache
    (.cache/figures/ of the project) is then warm."""
    project = make_fixture("figure", tmp_path_factory.mktemp("figure") / "project")
    result = mkdocs_build(project, project / "site", pdf=True)
    assert result.returncode == 0, result.stderr[-4000:]
    return project


# --- drawn in every language ---------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_figure_is_drawn_in_the_language_of_its_page(figure_project, language):
    figure = figure_of((figure_project / "site" / PAGES[language]).read_text(encoding="utf-8"))
    svg = re.search(r"<svg\b.*?</svg>", figure, re.S).group(0)
    texts = norm(" ".join(svg_texts(svg)))
    for text in SHOWN[language]["texts"]:
        assert norm(text) in texts, (text, texts)
    other = next(lang for lang in LANGUAGES if lang != language)
    assert SHOWN[other]["texts"][0] not in texts
    # Fit to sit in a page: no XML preamble, no ids or tooltips of node names, one generic font.
    assert "<?xml" not in figure and "<title>" not in svg and " id=" not in svg
    assert re.findall(r'font-family="([^"]*)"', svg) == ["sans-serif"]
    # Every kind of node carries its class, so the stylesheet can recolour it.
    for kind in figures.KINDS:
        assert f'class="node kind&#45;{kind}"' in svg or f'class="node kind-{kind}"' in svg


@pytest.mark.parametrize("language", LANGUAGES)
def test_caption_cites_through_the_page_references_and_the_words_describe_the_drawing(figure_project, language):
    page = (figure_project / "site" / PAGES[language]).read_text(encoding="utf-8")
    figure = figure_of(page)
    shown = SHOWN[language]
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S).group(1)
    assert caption.startswith(f"<strong>{shown['label']}</strong> {shown['title']}.")
    # The page cites smith2020trial first: the caption's mark is its number 1 in the page's list.
    assert re.search(r'<sup id="fnref\d*:smith2020trial"><a class="footnote-ref" href="#fn:smith2020trial">1</a>',
                     caption)
    assert '<li id="fn:smith2020trial">' in page
    # The drawing's accessible name and description: the figure in words, generated from the same labels.
    svg_tag = re.search(r"<svg\b[^>]*>", figure).group(0)
    assert 'role="img"' in svg_tag and f'aria-label="{shown["title"]}"' in svg_tag
    assert 'aria-describedby="figure-dose-pathway-words"' in svg_tag
    words = re.search(r'<div id="figure-dose-pathway-words">(.*?)</div>', figure, re.S).group(1)
    assert f"<summary>{shown['words']}</summary>" in figure
    plain = norm(html.unescape(re.sub(r"<[^>]+>", " ", words)))
    yes, no = ("yes", "no") if language == "en" else ("da", "ne")
    give, stop = ("Give 40 mg", "Stop at once") if language == "en" else ("Dajemo 40 mg", "Takoj prekinemo")
    assert f"{yes} → {give}" in plain and f"{no} → {stop}" in plain
    for text in shown["texts"][:4]:
        assert norm(text) in plain, (text, plain)


def test_both_pdfs_show_the_drawing_as_text_in_their_language(figure_project):
    site = figure_project / "site"
    for language, path in {"en": "handbook-en.pdf", "sl": "sl/handbook-sl.pdf"}.items():
        result = run(["pdftotext", "-enc", "UTF-8", site / path, "-"])
        assert result.returncode == 0, result.stderr
        text = norm(result.stdout)
        for label in SHOWN[language]["texts"][:3]:
            assert norm(label) in text, (language, label)
        assert "in words" not in text and "z besedami" not in text  # the words are for the screen


def test_values_are_written_the_way_each_locale_writes_numbers():
    catalogues = Catalogues(ROOT)
    en, sl = catalogues("en"), catalogues("sl")
    assert [figures.format_value(v, en) for v in ("30", "0.26", {"percent": "10"}, {"percent": "0.5"})] == [
        "30", "0.26", "10%", "0.5%"]
    assert [figures.format_value(v, sl) for v in ("30", "0.26", {"percent": "10"}, {"percent": "0.5"})] == [
        "30", "0,26", "10\u00a0%", "0,5\u00a0%"]
    with pytest.raises(ValueError):
        figures.format_value("about 30", en)


def test_a_threshold_is_never_split_from_its_number_or_unit():
    label = figures._html_label("More than one focal lesion on MRI, each ≥ 5 mm and < 10 %", wrap=12)
    assert "≥\u00a05\u00a0mm" in label and "&lt;\u00a010\u00a0%" in label


# --- the cache ---------------------------------------------------------------------

def test_an_unchanged_figure_is_not_drawn_again(tmp_path):
    drawer = figures.Drawer(tmp_path)
    source = 'digraph figure { "a" [label="A"]; "a" -> "b"; }\n'
    first = drawer.svg(source)
    assert drawer.calls == 1 and len(list((tmp_path / figures.CACHE_DIR).glob("*.svg"))) == 1
    assert drawer.svg(source) == first and drawer.calls == 1
    drawer.svg(source.replace('"A"', '"B"'))
    assert drawer.calls == 2


def test_a_second_build_draws_nothing_and_a_changed_label_is_drawn_again(figure_project, tmp_path):
    """The module's build left the drawings in .cache/figures/: a build without
    Graphviz still succeeds, with the same drawings; once a label changes, it
    needs Graphviz again (and fails, naming the figure, without it)."""
    cached = sorted((figure_project / figures.CACHE_DIR).glob("*.svg"))
    assert len(cached) == 2  # one drawing per language
    env = {figures.DOT_VARIABLE: str(tmp_path / "no-graphviz-here")}
    site = tmp_path / "again"
    result = _build(figure_project, site, env)
    assert result.returncode == 0, result.stderr[-3000:]
    for language in LANGUAGES:
        before = figure_of((figure_project / "site" / PAGES[language]).read_text(encoding="utf-8"))
        after = figure_of((site / PAGES[language]).read_text(encoding="utf-8"))
        assert re.search(r"<svg\b.*?</svg>", before, re.S).group(0) == re.search(r"<svg\b.*?</svg>", after, re.S).group(0)
    labels = figure_project / "figures" / "dose-pathway.sl.yml"
    original = labels.read_text(encoding="utf-8")
    try:
        labels.write_text(original.replace("Takoj prekinemo", "Takoj ustavimo"), encoding="utf-8")
        result = _build(figure_project, tmp_path / "changed", env)
    finally:
        labels.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert (f"figures/dose-pathway.yml:1: Graphviz '{env[figures.DOT_VARIABLE]}' is not installed -> run "
            "`python3 scripts/handbook.py setup` (it installs the Debian package graphviz)") in build_warnings(result.stderr)


def _build(project: Path, site: Path, env: dict) -> subprocess.CompletedProcess:
    """A strict build with extra environment variables (mkdocs_build's own, plus env)."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", project / "mkdocs.yml", "-d", site]
    return run(command, env=dict(os.environ, SOURCE_DATE_EPOCH=epoch(FIXTURE_TODAY), **env), cwd=project)


# --- the scaffold ------------------------------------------------------------------

def test_new_figure_scaffold_passes_the_gate_and_builds(tmp_path):
    project = make_fixture("base", tmp_path / "project")
    result = run([sys.executable, ROOT / "scripts" / "handbook.py", "new", "chapter/page", "--figure", "first-steps",
                  "--title-en", "First steps", "--title-sl", "Prvi koraki", "--project", project])
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (project / "figures").iterdir()} == {"first-steps.yml", "first-steps.en.yml",
                                                                  "first-steps.sl.yml"}
    for language in LANGUAGES:
        assert (project / "docs" / language / "chapter/page.md").read_text(encoding="utf-8").endswith(
            '\n\n{{ figure "first-steps" }}\n')
    assert check_sources(Project.at(project), today=FIXTURE_TODAY).problems == []
    built = mkdocs_build(project, tmp_path / "site")
    assert built.returncode == 0, built.stderr[-3000:]
    page = (tmp_path / "site" / "sl/chapter/page/index.html").read_text(encoding="utf-8")
    assert "Prvi korak" in " ".join(svg_texts(figure_of(page, "first-steps"))) and "10\u00a0%" in page


def test_new_figure_refuses_a_missing_page_a_bad_name_and_a_page_without_sources(tmp_path):
    project = make_fixture("base", tmp_path / "project")

    def new(*args):
        return run([sys.executable, ROOT / "scripts" / "handbook.py", "new", *args,
                    "--title-en", "T", "--title-sl", "T", "--project", project])

    assert "docs/en/chapter/none.md does not exist" in new("chapter/none", "--figure", "x").stderr
    assert "is not a figure name" in new("chapter/page", "--figure", "Bad_Name").stderr
    abbreviations = new("abbreviations", "--figure", "x")
    assert abbreviations.returncode == 1 and "cites no source yet" in abbreviations.stderr
    assert not (project / "figures").exists()


# --- the real handbook -------------------------------------------------------------

def real_figures() -> dict[str, tuple[str, int]]:
    """Each figure of the handbook -> (its page in the source language, its marker line)."""
    project = Project.at(ROOT)
    placed = {}
    for name, path in project.pages(project.languages.source).items():
        for figure, line in figures.markers(path.read_text(encoding="utf-8")):
            placed[figure] = (name, line)
    return placed


def built_page(site: Path, language: str, page: str) -> str:
    stem = page[:-3]
    built = "index.html" if stem == "index" else (stem[:-5] + "index.html" if stem.endswith("/index")
                                                  else f"{stem}/index.html")
    return (site / ("" if language == "en" else f"{language}/") / built).read_text(encoding="utf-8")


def test_the_handbook_has_its_figures_each_on_its_page_in_every_language(built_site_with_pdf):
    placed = real_figures()
    assert len(placed) >= 8, sorted(placed)
    assert set(placed) == {p.stem for p in figures.figure_files(ROOT)}
    pdf_text = {}
    for language, path in {"en": "handbook-en.pdf", "sl": "sl/handbook-sl.pdf"}.items():
        result = run(["pdftotext", "-enc", "UTF-8", built_site_with_pdf / path, "-"])
        pdf_text[language] = norm(result.stdout)
    for name, (page, _) in sorted(placed.items()):
        for language in LANGUAGES:
            figure = figure_of(built_page(built_site_with_pdf, language, page), name)
            texts = [norm(t) for t in svg_texts(figure)]
            assert texts, (name, language)
            # The drawing's text is real text in the PDF: every line of the drawing is found there.
            missing = [t for t in texts if t not in pdf_text[language]]
            assert not missing, (name, language, missing)


# --- in the browser: phone, light and dark ------------------------------------------

FIGURE_STATE = """() => [...document.querySelectorAll('figure.handbook-figure')].map(f => {
  const drawing = f.querySelector('.handbook-figure__drawing'), svg = f.querySelector('svg');
  const text = svg.querySelector('.node text'), box = svg.querySelector('.node path, .node polygon');
  const words = document.getElementById(svg.getAttribute('aria-describedby'));
  const hint = f.querySelector('.handbook-figure__hint');
  return {scroll: drawing.scrollWidth, client: drawing.clientWidth, text: getComputedStyle(text).fill,
          hint: hint ? getComputedStyle(hint).display : 'missing', hint_text: hint ? hint.textContent : '',
          box: getComputedStyle(box).fill, background: getComputedStyle(document.body).backgroundColor,
          described: words ? words.textContent.trim().length : 0}
})"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_figures_scroll_inside_themselves_on_a_phone_and_follow_the_dark_scheme(browser, served_site, language):
    url = served_site + ("/" if language == "en" else f"/{language}/") + "myeloma/diagnosis/"
    phone = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme="light")
    try:
        phone.goto(url, wait_until="networkidle")
        figures_on_page = phone.evaluate(FIGURE_STATE)
        assert len(figures_on_page) == 2
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # the page never scrolls sideways
        assert any(f["scroll"] > f["client"] for f in figures_on_page)  # a wide drawing scrolls inside its frame
        assert all(f["described"] > 200 for f in figures_on_page)  # the description a screen reader gets
        # On a phone each figure says, in the page's language, that it scrolls sideways.
        hint = Catalogues(ROOT)(language).get("figures")["scroll_hint"]
        assert all(f["hint"] == "block" and f["hint_text"] == hint for f in figures_on_page), figures_on_page
        light = figures_on_page[0]
    finally:
        phone.close()
    desktop = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        desktop.goto(url, wait_until="networkidle")
        dark = desktop.evaluate(FIGURE_STATE)[0]
        assert dark["scroll"] <= dark["client"] + 1  # shrunk to the column on a wide screen
        assert dark["hint"] == "none"  # nothing to scroll, no hint
    finally:
        desktop.close()
    # The stylesheet recolours the drawing: light text on the dark (slate) background.
    assert light["text"] != dark["text"] and light["background"] != dark["background"]
    # The boxes are translucent, not Graphviz's paper colours: the dark background shows through.
    assert dark["box"].startswith("rgba(") and dark["box"].endswith(", 0.16)"), dark["box"]
