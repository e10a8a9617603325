"""The offline PDF of the handbook, one per language (issue 7): built from the
fixture handbook and from the real one, then read back with pypdf and
pdftotext. Timing is not tested here: `scripts/handbook.py pdf --bench`."""
from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path

import pyphen
import pytest
from pypdf import PdfReader

from conftest import FIXTURES, make_fixture, mkdocs_build, run
from myeloma_handbook import figures, pdf

PDFS = {"en": "handbook-en.pdf", "sl": "sl/handbook-sl.pdf"}
SLOVENIAN_LETTERS = "čšžČŠŽ"


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    # The good fixture handbook, with its English chapter signed off (clinical
    # and language review) and its Slovenian twin not: both cases in one build.
    project = make_fixture("signed_off", tmp_path_factory.mktemp("pdf") / "project")
    site = project / "site"
    result = mkdocs_build(project, site, pdf=True)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def chapter_titles(site: Path, language: str) -> list[str]:
    """The <h1> of every page of a language, read from the built HTML."""
    root = site / "sl" if language == "sl" else site
    titles = []
    for page in sorted(root.rglob("index.html")):
        if language == "en" and page.relative_to(site).parts[0] == "sl":
            continue
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S)
        assert h1, f"{page} has no <h1>"
        text = re.sub(r"<[^>]+>", "", re.sub(r'<a class="headerlink".*?</a>', "", h1.group(1)))
        titles.append(" ".join(text.replace("&ndash;", "–").replace("&amp;", "&").split()))
    return titles


def pdftotext(*args) -> str:
    result = run(["pdftotext", *args, "-"])
    assert result.returncode == 0, result.stderr
    return result.stdout


def pdf_text(path: Path) -> str:
    """Text as a reader copies it: hyphenation at line ends undone, white space collapsed."""
    text = pdftotext("-enc", "UTF-8", path)
    return " ".join(text.replace("\u2010\n", "").split())


def outline_tree(items) -> list:
    """pypdf's outline as [(title, [children...]), ...]."""
    tree = []
    for item in items:
        if isinstance(item, list):
            tree[-1][1].extend(outline_tree(item))
        else:
            tree.append((" ".join(item.title.split()), []))
    return tree


def outline_pages(reader: PdfReader) -> dict[str, set[int]]:
    """Every bookmark title and the (1-based) pages its bookmarks open."""
    pages: dict[str, set[int]] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.setdefault(" ".join(item.title.split()), set()).add(reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return pages


def assert_page_numbers(path: Path) -> None:
    """The contents print the page each chapter starts on, and every page but
    the cover carries "n / N" (both are put together after the parts of the
    book are rendered separately, so check them against the real pages)."""
    reader = PdfReader(path)
    total = len(reader.pages)
    layout = pdftotext("-layout", "-enc", "UTF-8", path).split("\f")
    contents = [page for page in layout if re.search(r"\.{5,}\s*\d+\s*$", page, re.M)]
    printed = re.findall(r"^\s*(\S.*?)\s*\.{5,}\s*(\d+)\s*$", "\n".join(contents), re.M)
    assert len(printed) >= 2, f"{path.name}: no contents with page numbers"
    bookmarks = outline_pages(reader)
    for title, number in printed:
        assert int(number) in bookmarks.get(title, ()), f"{path.name}: contents say {title!r} is on page {number}"
        # and the page itself, read from the PDF, shows that title
        on_page = " ".join(layout[int(number) - 1].replace("\u2010\n", "").split())
        assert " ".join(title.split()) in on_page, f"{path.name}: {title!r} is not on page {number}"
    for number, text in enumerate(layout[:total], 1):
        footer = "".join(text.strip().splitlines()[-1].split())  # pdftotext may drop the spaces
        expected = "" if number == 1 else f"{number}/{total}"
        assert (footer == expected) if expected else not re.fullmatch(r"\d+/\d+", footer), \
            f"{path.name} page {number}: footer {footer!r}"


def assert_book(site: Path, language: str) -> str:
    """The checks shared by the fixture and the real handbook; returns the text."""
    path = site / PDFS[language]
    titles = chapter_titles(site, language)
    assert titles, "no pages found"
    assert pdf.check_pdf(path, language, titles) == []
    text = pdf_text(path)
    for title in titles:
        assert title in text, f"{path.name}: chapter title {title!r} not in the text"
    pages = len(PdfReader(path).pages)
    assert len(titles) + 2 <= pages <= 2 + 8 * len(titles), f"{path.name}: {pages} pages for {len(titles)} chapters"
    assert_page_numbers(path)
    return text


@pytest.mark.parametrize("language", ["en", "sl"])
def test_fixture_book_has_every_chapter_titled_bookmarked_and_checked(fixture_site, language):
    assert_book(fixture_site, language)
    found = assert_tagged(fixture_site / PDFS[language], language)
    # one H1 per chapter and the contents' heading; every H2 of the pages (Dose, the References)
    source = book_html(fixture_site, language)
    assert found.tags["H1"] == 4 and found.tags["H2"] == source.count("<h2") == 3, found.tags
    assert found.tags["L"] >= 1 and found.tags["LI"] >= 3 and found.tags["Link"] >= 3, found.tags


def test_fixture_bookmarks_mirror_the_navigation(fixture_site):
    tree = outline_tree(PdfReader(fixture_site / PDFS["sl"]).outline)
    top = [title for title, _ in tree]
    assert top == ["Vsebina", "Domača stran", "Kratice", "Chapter"]
    chapter = dict(tree)["Chapter"]
    assert [title for title, _ in chapter] == ["Poglavje"]
    assert [title for title, _ in chapter[0][1]] == ["Odmerek", "Literatura"]


def test_fixture_cover_metadata_and_slovenian_text(fixture_site):
    reader = PdfReader(fixture_site / PDFS["sl"])
    assert reader.metadata.title == "Priročnik o diseminiranem plazmocitomu"
    assert reader.metadata.author == "Uredniški odbor Priročnika o diseminiranem plazmocitomu"  # sl site_author
    assert reader.trailer["/Root"]["/Lang"] == "sl"
    text = pdf_text(fixture_site / PDFS["sl"])
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "Izdaja 2026" in cover and "Besedilo CC BY-SA 4.0" in cover and "Opozorilo." in cover
    # the whole review line (built on FIXTURE_TODAY, before the check is due: no overdue notice), which says
    # that no independent clinician has reviewed the page; the cover counts the chapters signed off (none)
    assert ("Avtorji so stran nazadnje preverili 15. 1. 2026, naslednje preverjanje do 15. 1. 2027. Avtorji: Testni "
            "avtor. Strani še ni strokovno pregledal noben neodvisen zdravnik.") in text
    assert ("Neodvisna strokovna potrditev: 0 od 3 poglavij. Jezikovna potrditev: 0 od 3 poglavij. Stanje pregledov "
            "je navedeno pod naslovom vsakega poglavja.") in cover
    assert "73,7 %" in text and "73.7" not in text  # decimal commas untouched
    body = "\n".join(p.read_text(encoding="utf-8").split("---", 2)[-1]  # without front matter
                     for p in (FIXTURES / "base" / "docs" / "sl").rglob("*.md"))
    words = set(re.findall(rf"\w*[{SLOVENIAN_LETTERS}]\w*", body))
    assert words, "the fixture has no Slovenian letters to check"
    for word in words:
        assert word in text, f"{word!r} does not extract from the PDF"


def test_fixture_review_state_on_the_english_cover_and_pages(fixture_site):
    """The English chapter is signed off as it reads now; the home page and
    the abbreviations are not."""
    reader = PdfReader(fixture_site / PDFS["en"])
    cover = " ".join(reader.pages[0].extract_text().split())
    assert ("Independent clinical sign-off: 1 of 3 chapters. Language sign-off: 1 of 3 chapters. Each chapter "
            "states its review under its title.") in cover
    text = pdf_text(fixture_site / PDFS["en"])
    assert ("Last checked by its authors on 15 January 2026, next check due 15 January 2027. Authors: Test Author. "
            "Clinical review: Dr Fixture Reviewer, Consultant haematologist, Fixture Hospital, 20 November 2026; "
            "declared interests: None declared. Language review: Fixture Editor, Medical editor, 21 November 2026; "
            "declared interests: None declared.") in text
    assert text.count("Not yet reviewed by an independent clinician.") == 2  # the home page and the abbreviations


def test_fixture_references_follow_their_chapter_and_links_stay_inside(fixture_site):
    reader = PdfReader(fixture_site / PDFS["en"])
    by_page = [" ".join(page.extract_text().split()) for page in reader.pages]
    page = next(i for i, t in enumerate(by_page) if "Chapter" in t and "Dose" in t)
    assert "References" in by_page[page] and "randomised trial of something" in by_page[page]
    destinations = {a.get_object().get("/Dest") for p in reader.pages for a in p.get("/Annots") or []}
    assert {"ch-chapter-page",                # the contents
            "ch-chapter-page--dose",          # a cross-reference to another page's heading
            "ch-home--fn:smith2020trial",     # a citation to its reference
            } <= destinations
    assert set(reader.named_destinations) >= destinations - {None}


def test_the_site_links_each_language_to_its_pdf(fixture_site):
    assert (fixture_site / "handbook-en.pdf").is_file() and (fixture_site / "sl" / "handbook-sl.pdf").is_file()
    en = (fixture_site / "chapter" / "page" / "index.html").read_text(encoding="utf-8")
    sl = (fixture_site / "sl" / "chapter" / "page" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../handbook-en.pdf"' in en and "The whole handbook as PDF" in en
    assert 'href="../../handbook-sl.pdf"' in sl and "Celoten priročnik (PDF)" in sl
    assert not (fixture_site / "pdf").exists(), "the print stylesheet must not be published with the site"


def test_without_the_switch_there_is_no_pdf_and_no_link(tmp_path):
    project = make_fixture("base", tmp_path / "project")
    result = mkdocs_build(project, project / "site")
    assert result.returncode == 0, result.stderr[-4000:]
    assert not list((project / "site").rglob("*.pdf"))
    assert "handbook-pdf-link" not in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_rendering_is_offline_and_reports_what_does_not_fit(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    chapter = pdf.Chapter("chapter/", "Chapter", (
        "<h1>Chapter</h1>"
        '<p><img alt="remote" src="https://example.org/tracker.png"></p>'
        '<table style="width: 400mm"><tr><td>far too wide</td></tr></table>'
        '<p><svg width="100" height="1400" viewBox="0 0 100 1400" xmlns="http://www.w3.org/2000/svg">'
        '<rect width="100" height="1400"/></svg></p>'
        '<p><a href="#nowhere">a link to nowhere</a></p>'), ())
    book = pdf.Book("en", "Book", "", "Author", "Licence", "1", dt.date(2026, 1, 1), [chapter])
    result = pdf.write_book(book, site, site / "book.pdf")
    problems = "\n".join(result.problems)
    assert "disallowed protocol" in problems and "https://example.org/tracker.png" in problems
    assert "page 3 (Chapter): a table is" in problems
    assert "link to #ch-chapter--nowhere, which is not in the book" in problems
    assert "a picture runs" in problems and "past the foot of the page" in problems  # a figure too tall for paper



def test_workers_never_fork_the_build_process(tmp_path, monkeypatch):
    """fork() of a multi-threaded process can deadlock (issue 25): the workers
    come from a fork server, so the process that renders never forks."""
    def no_fork():
        raise AssertionError("the PDF renderer forked the build process")

    monkeypatch.setattr(os, "fork", no_fork)
    site = tmp_path / "site"
    site.mkdir()
    chapters = [pdf.Chapter(f"{name}/", name, f"<h1>{name}</h1><p>Text.</p>", ()) for name in ("A", "B")]
    book = pdf.Book("en", "Book", "", "Author", "Licence", "1", dt.date(2026, 1, 1), chapters)
    result = pdf.write_books([(book, site, site / "book.pdf")], workers=2)[0]
    assert result.pages == 4, result  # cover, contents, A, B

def test_check_pdf_names_missing_bookmarks_metadata_and_foreign_fonts(tmp_path):
    from weasyprint import HTML

    path = tmp_path / "bad.pdf"
    HTML(string='<p style="font-family: \'DejaVu Sans\'">Not a book</p>').write_pdf(path)
    problems = pdf.check_pdf(path, "sl", ["Poglavje"])
    assert "chapter 'Poglavje' has no bookmark" in problems
    assert "no Title in the PDF metadata" in problems
    assert "the PDF language is None, not 'sl'" in problems
    assert any("came from the machine" in p for p in problems), problems
    assert "the PDF is not tagged (no /MarkInfo /Marked true)" in problems
    assert "the PDF claims no PDF/UA part in its metadata, not pdf/ua-1" in problems


def test_check_pdf_names_a_figure_without_alternative_text(tmp_path):
    from weasyprint import HTML

    path = tmp_path / "figure.pdf"
    HTML(string='<html lang="en"><title>T</title><h1>Chapter</h1><p>Text.</p>'
                '<svg width="50" height="50" xmlns="http://www.w3.org/2000/svg"><rect width="50" height="50"/></svg>'
                ).write_pdf(path, pdf_variant=pdf.VARIANT)
    assert pdf.structure_problems(path) == ["page 1: a figure has no alternative text -> give the <svg> an "
                                            "aria-label or the <img> an alt"]


def test_figures_carry_their_accessible_name_and_words_into_print():
    svg = ('<svg class="handbook-figure__svg" width="1" height="1" role="img" aria-label="Staging &amp; risk" '
           'aria-describedby="x" font-family="sans-serif"><g></g></svg>')
    assert figures.for_print(svg) == (
        '<svg class="handbook-figure__svg" width="1" height="1" role="img" aria-label="Staging &amp; risk" '
        f'aria-describedby="x" font-family="{figures.PRINT_FONT}"><title>Staging &amp; risk</title><g></g></svg>')
    words = ('<details class="handbook-figure__words">\n<summary>Figure 1 in words</summary>\n<div id="x">\n<ul>\n'
             '<li><strong>ISS</strong>: β2M &lt; 3.5 mg/L<sup id="fnref:a"><a href="#fn:a">1</a></sup>'
             '<sup class="cite-sep">,</sup><sup id="fnref:b"><a href="#fn:b">2</a></sup><ul>\n'
             '<li>yes → I</li>\n<li>no → II, m<sup>2</sup></li>\n</ul>\n</li>\n<li><strong>I</strong></li>\n'
             '</ul>\n</div>\n</details>')
    title = re.search("<title>(.*?)</title>", figures.for_print(svg + words)).group(1)
    assert title == "Staging &amp; risk. ISS: β2M &lt; 3.5 mg/L (yes → I; no → II, m2); I"


def assert_tagged(path: Path, language: str) -> pdf.Structure:
    """The structure a screen reader follows, read back from the file: tagged,
    PDF/UA-1 claimed, the language, a title shown instead of the file name,
    bookmarks, and every figure with its alternative text."""
    found = pdf.structure(path)
    assert found.marked and found.variant == "pdf/ua-1", found
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == language
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title and reader.outline
    assert found.tags["Document"] == 1
    assert all(alt.strip() for _, alt in found.figures), found.figures
    return found


ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
NOT_PRINTED = re.compile(r'<details class="handbook-figure__words">.*?</details>', re.S)  # paper shows the drawing


def book_html(site: Path, language: str) -> str:
    """The content of every page of a language that the book prints, as built."""
    root = site / "sl" if language == "sl" else site
    return "\n".join(NOT_PRINTED.sub("", ARTICLE.search(page.read_text(encoding="utf-8")).group(1))
                     for page in sorted(root.rglob("index.html"))
                     if language == "sl" or page.relative_to(site).parts[0] != "sl")


def test_table_widths_give_every_column_its_longest_word():
    table = ("<thead><tr><th>Drug</th><th>Notes</th></tr></thead><tbody>"
             "<tr><td>Carfilzomib</td><td>" + "long text " * 40 + "</td></tr></tbody>")
    narrow, wide = pdf.column_widths(table)
    assert round(narrow + wide) == 100
    assert narrow >= 100 * 13 / pdf.LINE_CHARACTERS  # "Carfilzomib" and its padding
    assert wide > 70
    assert pdf.column_widths("<tr><td>a</td></tr><tr><td>a</td><td>b</td></tr>") is None


def test_real_handbook_pdfs(built_site_with_pdf):
    """Both languages of the real handbook, in one test so that one worker builds it."""
    texts = {language: assert_book(built_site_with_pdf, language) for language in PDFS}
    for language in PDFS:
        # WeasyPrint tags per page: an element that breaks across pages is
        # two elements, so the counts are at least those of the HTML.
        found = assert_tagged(built_site_with_pdf / PDFS[language], language)
        source = book_html(built_site_with_pdf, language)
        labels = re.findall(r'<svg class="handbook-figure__svg"[^>]*\saria-label="([^"]*)"', source)
        # each figure's alternative text: its accessible name, then the figure in words (not printed)
        alts = [alt for _, alt in found.figures]
        assert labels and len(alts) == len(labels), (alts, labels)
        for label in map(html.unescape, labels):
            assert [alt for alt in alts if alt.startswith(label + ". ") and len(alt) > len(label) + 50], label
        assert found.tags["H1"] == len(chapter_titles(built_site_with_pdf, language)) + 1  # and the contents
        for tag, element in [("H2", "h2"), ("H3", "h3"), ("Table", "table"), ("TH", "th"), ("TD", "td"),
                             ("L", "ul"), ("LI", "li")]:
            count = len(re.findall(rf"<{element}[\s>]", source))
            assert count and found.tags.get(tag, 0) >= count, (language, tag, count, found.tags)
        assert found.tags["TR"] > found.tags["Table"] and found.tags["Link"] > 100, found.tags
    sl = texts["sl"]
    for letter in SLOVENIAN_LETTERS:
        assert letter in sl, f"{letter} missing from the Slovenian PDF text"
    # Slovenian hyphenation: breaks exist and fall where Slovenian patterns allow.
    raw = pdftotext(built_site_with_pdf / PDFS["sl"])
    breaks = re.findall(r"(\w+)\u2010\n(\w+)", raw)
    assert len(breaks) > 50, "the Slovenian PDF is hardly hyphenated"
    patterns = pyphen.Pyphen(lang="sl")
    wrong = [f"{a}-{b}" for a, b in breaks if len(a) not in patterns.positions((a + b).lower())]
    assert len(wrong) <= len(breaks) // 100, f"breaks Slovenian patterns do not allow: {wrong[:10]}"


def test_split_keeps_chapters_in_order_and_balances_their_text():
    chapters = [pdf.Chapter(f"c{i}/", f"C{i}", "x" * size, ()) for i, size in enumerate([5, 5, 5, 10, 20, 5])]
    runs = pdf.split(chapters, 2)
    assert [c for run in runs for c in run] == chapters
    assert [len("".join(c.html for c in run)) for run in runs] == [25, 25]
    assert len(pdf.split(chapters[:1], 4)) == 1 and len(pdf.split(chapters, 1)) == 1


def test_links_between_separately_rendered_parts_resolve(tmp_path):
    """Three chapters in three parts: a link into another part becomes a PDF
    link to the right page; a link to a heading that does not exist there is
    reported with its page."""
    site = tmp_path / "site"
    site.mkdir()
    filler = "<p>" + "Text of a long chapter. " * 400 + "</p>"
    chapters = [
        pdf.Chapter("a/", "A", '<h1>Alpha</h1><p><a href="../c/#target">to gamma</a> '
                               '<a href="../b/#missing">to nowhere</a></p>' + filler, ()),
        pdf.Chapter("b/", "B", "<h1>Beta</h1>" + filler, ()),
        pdf.Chapter("c/", "C", '<h1>Gamma</h1>' + filler + '<h2 id="target">Target</h2><p>here</p>', ()),
    ]
    book = pdf.Book("en", "Book", "", "Author", "Licence", "1", dt.date(2026, 1, 1), chapters)
    result = pdf.write_books([(book, site, site / "book.pdf")], workers=3)[0]
    assert any(p.startswith("page 3: link to #ch-b--missing, which is not in the book") for p in result.problems), \
        result.problems
    reader = PdfReader(result.path)
    links = {a.get_object()["/Dest"] for a in reader.pages[2].get("/Annots") or [] if "/Dest" in a.get_object()}
    assert "ch-c--target" in links
    target_page = reader.get_destination_page_number(reader.named_destinations["ch-c--target"]) + 1
    assert "Target" in reader.pages[target_page - 1].extract_text()
    assert target_page > 4  # past the cover, contents, Alpha and Beta
    assert_page_numbers(result.path)
