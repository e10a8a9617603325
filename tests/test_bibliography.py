"""The Vancouver formatter and its fast HTML rendering."""
from __future__ import annotations

import re

import markdown
import pytest

from conftest import ROOT
from myeloma_handbook import bibliography as bib


@pytest.mark.parametrize("language", ["en", "sl"])
def test_fast_html_matches_python_markdown_for_every_real_reference(language):
    """References are rendered to HTML without Python-Markdown (for speed);
    the result must be what Python-Markdown would make of the same text."""
    converter = markdown.Markdown()
    for key, entry in bib.load(ROOT / "bibliography.bib").entries.entries.items():
        text = bib.format_entry(entry, language)
        converter.reset()
        expected = re.sub(r"^<p>|</p>$", "", converter.convert(text).strip())
        assert bib.markdown_to_html(text) == expected, key


def test_fast_html_handles_escapes_parentheses_and_autolinks():
    html = bib.markdown_to_html(r"A \*b\* \[x] [doi:1](https://doi.org/10.1/a(1)b) <https://e.org/?a=1&b=2> & c")
    assert html == ('A *b* [x] <a href="https://doi.org/10.1/a(1)b">doi:1</a> '
                    '<a href="https://e.org/?a=1&amp;b=2">https://e.org/?a=1&amp;b=2</a> &amp; c')


@pytest.mark.parametrize("pages, expected", [("335--351", "335-51"), ("e538--e548", "e538-48"),
                                             ("2389", "2389"), ("1199--1210", "1199-210")])
def test_vancouver_page_ranges_drop_repeated_digits(pages, expected):
    assert bib._pages(pages) == expected


def test_citations_render_as_python_markdown_footnotes_would():
    """The registry turns mkdocs-bibtex's citation blocks into tokens and then
    into the footnote HTML Python-Markdown writes: numbers in order of first
    citation, a repeated citation gets the next fnref id, one list at the end."""
    from mkdocs_bibtex.citation import CitationBlock

    bibliography = bib.load(ROOT / "bibliography.bib")
    first, second = list(bibliography.entries.entries)[:2]
    registry = bib.make_registry(bibliography, "{key}")
    text = "A [@%s; @%s]. B [@%s]. C [@nosuchkey2020]." % (first, second, second)
    for block in CitationBlock.from_markdown(text):
        text = text.replace(str(block), registry.inline_text(block))
    assert "[@nosuchkey2020]" in text  # left visible for the citation gate to report
    html = registry.fill_references(markdown.markdown(text), "en")
    marks = re.findall(r'<sup id="(fnref\d*):([\w-]+)"><a class="footnote-ref" href="#fn:\2">(\d+)</a></sup>', html)
    assert marks == [("fnref", first, "1"), ("fnref", second, "2"), ("fnref2", second, "2")]
    assert re.findall(r'<li id="fn:([\w-]+)">', html) == [first, second]
    assert "⟦" not in html and 'href="#fnref:%s"' % second in html
    expected = markdown.markdown(f"x[^{first}]\n\n[^{first}]: y", extensions=["footnotes"])  # what the build expects
    assert '<div class="footnote">\n<hr />\n<ol>\n<li id="fn:' in expected and '<div class="footnote">\n<hr />\n<ol>\n<li id="fn:' in html
