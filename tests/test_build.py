"""The MkDocs build: what the hook adds to pages, and that bad input fails
`mkdocs build --strict` with file and line and leaves no site behind."""
from __future__ import annotations

import re

import pytest

from conftest import build_fixture, make_fixture, mkdocs_build


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    return build_fixture("base", tmp_path_factory.mktemp("base"))


def page(site, path):
    return (site / path).read_text(encoding="utf-8")


def test_citations_are_numbered_and_adjacent_ones_separated(fixture_site):
    html = page(fixture_site, "index.html")
    numbers = re.findall(r'class="footnote-ref" href="#fn:[\w-]+">(\d+)</a></sup>(<sup class="cite-sep">,</sup>)?', html)
    assert numbers[:2] == [("1", '<sup class="cite-sep">,</sup>'), ("2", "")]


def test_references_are_vancouver_with_doi_and_pubmed_links(fixture_site):
    html = page(fixture_site, "index.html")
    assert '<h2 id="references">References</h2>' in html
    assert ("Smith AB, Novak J, et al. A randomised trial of something. J Fixt. 2020;12(3):335-51." in html)
    assert 'href="https://doi.org/10.1000/fixture.1"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/12345678/"' in html
    assert "Fixture Registry. Cancer incidence tables [Internet]. Fixture Institute; 2024 [cited 2026 Jan 15]." in html


def test_slovenian_references_have_no_english_connectors(fixture_site):
    html = page(fixture_site, "sl/index.html")
    references = html[html.index('<h2 id="references">Literatura</h2>'):]
    references = references[:references.index("</ol>")]
    assert "[internet]. Fixture Institute; 2024 [citirano 15. 1. 2026]. Dostopno na:" in references
    text = re.sub(r"<[^>]+>", " ", references)
    text = re.sub(r"https?://\S+", " ", text)
    for english in ("Available from", "cited", " and ", "others", "In:", "editors", "Jump back"):
        assert english not in text and english not in references.replace("https://", ""), english


def test_review_dates_disclaimer_and_evidence_in_each_language(fixture_site):
    en, sl = page(fixture_site, "index.html"), page(fixture_site, "sl/index.html")
    assert "Last reviewed 15 January 2026, next review due 15 January 2027." in en
    assert "Zadnji pregled 15. 1. 2026, naslednji pregled do 15. 1. 2027." in sl
    assert "Medical disclaimer" in en and "Opozorilo" in sl
    assert "Randomised trial</span>" in en and "Randomizirana raziskava</span>" in sl


def test_abbreviations_become_tooltips_in_each_language(fixture_site):
    assert '<abbr title="hypercalcaemia, renal failure, anaemia, bone lesions">CRAB</abbr>' in page(fixture_site, "index.html")
    assert '<abbr title="hiperkalciemija, ledvična odpoved, anemija, lezije kosti">CRAB</abbr>' in page(fixture_site, "sl/index.html")


def test_languages_and_no_third_party_requests(fixture_site):
    assert '<html lang="sl"' in page(fixture_site, "sl/chapter/page/index.html")
    assert '<html lang="en"' in page(fixture_site, "chapter/page/index.html")
    for html_file in fixture_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, html_file


@pytest.mark.parametrize("case, messages", [
    ("broken_link", [
        "docs/en/chapter/page.md:15: link to nowhere.md: no such page in this language",
        "docs/en/chapter/page.md:15: link ../../#no-such-heading points to a missing anchor #no-such-heading",
        "docs/en/chapter/page.md:16: external link https://example/x has no valid host name",
    ]),
    ("unknown_key", ["docs/en/chapter/page.md:13: unknown citation key 'smith2020trail'"]),
    ("malformed_bib", ["bibliography.bib:8: BibTeX syntax error"]),
    ("missing_twin", ["docs/en/chapter/page.md:1: page has no sl twin"]),
    ("bad_front_matter", ["docs/sl/index.md:3: unknown front-matter key 'reviwed'"]),
    ("number_drift", ["docs/sl/chapter/page.md:13: number 20 does not appear in its twin"]),
    ("veterinary_outside", ["docs/en/chapter/page.md:15: 'dog2017' is veterinary evidence"]),
    ("unsafe_content", ["docs/en/chapter/page.md:15: raw <script> in content"]),
])
def test_strict_build_fails_naming_file_and_line_and_leaves_no_site(case, messages, tmp_path):
    project = make_fixture(case, tmp_path / "project")
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("an old build")
    result = mkdocs_build(project, site)
    assert result.returncode != 0
    for message in messages:
        assert message in result.stderr, f"{message!r} not in:\n{result.stderr[-3000:]}"
    assert not site.exists(), "a failed build must not leave a site behind"


def test_site_served_below_a_path_builds_with_working_links(tmp_path):
    """GitHub Pages serves a project below /<repository>/ (HANDBOOK_SITE_URL):
    the strict link check passes, page links stay relative, and the 404 page,
    served at any depth, loads its assets from below that path."""
    project = make_fixture("base", tmp_path / "project")
    site = tmp_path / "site"
    result = mkdocs_build(project, site, site_url="https://example.github.io/myeloma-handbook/")
    assert result.returncode == 0, result.stderr[-3000:]
    switcher = re.findall(r'<a href="([^"]*)" hreflang="(\w+)"', page(site, "sl/index.html"))
    assert switcher == [("../", "en"), ("../sl/", "sl")]
    assert 'href="/myeloma-handbook/assets/stylesheets/handbook.css"' in page(site, "404.html")
