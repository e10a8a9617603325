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
    citation, a repeated citation gets the next fnref id, one list at the end.
    The whole page is compared with what the footnotes extension makes of the
    same citations as footnotes, after the one change the build makes to both
    (a reference keeps only its first back-link)."""
    from mkdocs_bibtex.citation import CitationBlock

    from myeloma_handbook.render import REPEATED_BACKLINK

    bibliography = bib.load(ROOT / "bibliography.bib")
    first, second, third = list(bibliography.entries.entries)[:3]
    registry = bib.make_registry(bibliography, "{key}")
    text = "A [@%s; @%s]. B [@%s]. C [@%s]. D [@nosuchkey2020]." % (first, second, second, third)
    for block in CitationBlock.from_markdown(text):
        text = text.replace(str(block), registry.inline_text(block))
    assert "[@nosuchkey2020]" in text  # left visible for the citation gate to report
    html = registry.fill_references(markdown.markdown(text), "en")
    marks = re.findall(r'<sup id="(fnref\d*):([\w-]+)"><a class="footnote-ref" href="#fn:\2">(\d+)</a></sup>', html)
    assert marks == [("fnref", first, "1"), ("fnref", second, "2"), ("fnref2", second, "2"), ("fnref", third, "3")]
    assert "⟦" not in html

    footnotes = (f"A [^{first}][^{second}]. B [^{second}]. C [^{third}]. D [@nosuchkey2020].\n\n"
                 + "".join(f"[^{key}]: {bib.format_entry(bibliography.entries.entries[key], 'en')}\n"
                           for key in (first, second, third)))
    expected = markdown.markdown(footnotes, extensions=["footnotes"])
    assert REPEATED_BACKLINK.search(expected), "the footnotes extension writes a back-link per citation"
    assert REPEATED_BACKLINK.sub("", html) == REPEATED_BACKLINK.sub("", expected)


def test_the_real_copy_host_list_names_development_servers_and_keeps_only_real_copies():
    """bibliography-copy-hosts.yml (the data behind the `url of ... points at a
    copy` gate; its message is in tests/fixtures/problems.yml, copy_host_url):
    development deployments are listed, and each entry kept on a copy with a
    reason still exists and still points at a listed host, so the exception
    list cannot outlive its reason unnoticed."""
    import yaml

    listed = yaml.safe_load((ROOT / bib.COPY_HOSTS_FILE).read_text(encoding="utf-8"))
    assert "*.vercel.app" in listed["hosts"] and listed["ip_addresses"] is True
    entries = bib.load(ROOT / "bibliography.bib").entries.entries
    hosts = [name.removeprefix("*.") for name in listed["hosts"]]
    for key, reason in (listed.get("kept") or {}).items():
        assert key in entries and reason, key
        host = re.sub(r"^https?://([^/:]+).*", r"\1", entries[key].fields["url"]).lower()
        assert any(host == name or host.endswith("." + name) for name in hosts), (key, host)
