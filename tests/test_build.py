"""The MkDocs build: what the hook adds to pages, and that bad input fails
`mkdocs build --strict` with file and line and leaves no site behind."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import build_fixture, build_warnings, expected_problems, make_fixture, mkdocs_build

EXPECTED = expected_problems()


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


REVIEW_LINE = {
    "en": ('<span class="page-review__dates">Last checked by its authors on 15 January 2026, next check due 15 January '
           '2027.{overdue}</span> <span class="page-review__authors">Authors: Test Author.</span> '
           '<span class="page-review__sign-offs page-review__sign-offs--not-signed">Not yet reviewed by an independent '
           'clinician.</span>'),
    "sl": ('<span class="page-review__dates">Avtorji so stran nazadnje preverili 15. 1. 2026, naslednje preverjanje do '
           '15. 1. 2027.{overdue}</span> <span class="page-review__authors">Avtorji: Testni avtor.</span> '
           '<span class="page-review__sign-offs page-review__sign-offs--not-signed">Strani še ni strokovno pregledal '
           'noben neodvisen zdravnik.</span>'),
}
OVERDUE = {"en": " The next check is overdue.", "sl": " Rok za naslednje preverjanje je potekel."}


def test_review_dates_disclaimer_and_evidence_in_each_language(fixture_site):
    """Built on FIXTURE_TODAY (2026-11-22), before the review is due: the
    whole review line, without the overdue notice."""
    en, sl = page(fixture_site, "index.html"), page(fixture_site, "sl/index.html")
    assert REVIEW_LINE["en"].format(overdue="") in en
    assert REVIEW_LINE["sl"].format(overdue="") in sl
    assert re.search(r'<aside class="page-disclaimer" aria-label="Medical disclaimer"><strong>Medical disclaimer.'
                     r'</strong> This handbook supports, and does not replace, the judgement', en)
    assert re.search(r'<aside class="page-disclaimer" aria-label="Opozorilo"><strong>Opozorilo.</strong> '
                     r'Priročnik je v pomoč usposobljenemu zdravniku', sl)
    assert "Randomised trial</span>" in en and "Randomizirana raziskava</span>" in sl


def test_a_build_after_the_due_date_says_the_page_is_overdue(tmp_path):
    site = build_fixture("base", tmp_path, today=dt.date(2027, 1, 16))
    for language, path in (("en", "index.html"), ("sl", "sl/index.html")):
        assert REVIEW_LINE[language].format(overdue=OVERDUE[language]) in page(site, path)


def test_abbreviations_become_tooltips_in_each_language(fixture_site):
    assert '<abbr title="hypercalcaemia, renal failure, anaemia, bone lesions">CRAB</abbr>' in page(fixture_site, "index.html")
    assert '<abbr title="hiperkalciemija, ledvična odpoved, anemija, lezije kosti">CRAB</abbr>' in page(fixture_site, "sl/index.html")


def test_tables_come_in_materials_wrapper_that_its_script_leaves_alone(fixture_site):
    """Speed on a phone: the wrapper is in the HTML, and the table's class keeps
    Material's script (table:not([class])) from moving it once the page has loaded."""
    for path in ("abbreviations/index.html", "sl/abbreviations/index.html"):
        html = page(fixture_site, path)
        article = re.search(r"<article .*?</article>", html, re.S)[0]
        tables = re.findall(r"<table[^>]*>", article)
        assert tables and set(tables) == {'<table class="handbook-table">'}, (path, tables)
        wrapped = re.findall(r'<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
                             r'<table class="handbook-table">.*?</table></div></div>', article, re.S)
        assert len(wrapped) == len(tables), path


def test_languages_and_no_third_party_requests(fixture_site):
    assert '<html lang="sl"' in page(fixture_site, "sl/chapter/page/index.html")
    assert '<html lang="en"' in page(fixture_site, "chapter/page/index.html")
    for html_file in fixture_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, html_file


@pytest.mark.parametrize("case", EXPECTED)
def test_strict_build_reports_exactly_the_expected_problems_and_leaves_no_site(case, tmp_path):
    """The same table as tests/test_source_gates.py: `mkdocs build --strict`
    warns with exactly the listed messages (the source gates' problems stop
    the build before the link check runs), fails, and removes the site
    directory; a fixture without problems builds."""
    project = make_fixture(case, tmp_path / "project")
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("an old build")
    result = mkdocs_build(project, site)
    expected = EXPECTED[case]["source"] or EXPECTED[case]["site"]
    assert sorted(build_warnings(result.stderr)) == sorted(expected), result.stderr[-3000:]
    if expected:
        assert result.returncode != 0
        assert not site.exists(), "a failed build must not leave a site behind"
    else:
        assert result.returncode == 0, result.stderr[-3000:]
        assert (site / "index.html").is_file() and not (site / "stale.html").exists()


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
