"""Each source gate against small fixture doc trees: the good tree passes,
and each kind of bad input fails with a message naming file and line."""
from __future__ import annotations

import pytest

from conftest import make_fixture
from myeloma_handbook.checks import Project, check_sources


def problems_of(case: str, tmp_path) -> list[str]:
    project = Project.at(make_fixture(case, tmp_path / case))
    return [str(p) for p in check_sources(project).problems]


def test_good_fixture_passes(tmp_path):
    assert problems_of("base", tmp_path) == []


@pytest.mark.parametrize("case, expected", [
    ("missing_twin", ["docs/en/chapter/page.md:1: page has no sl twin -> create docs/sl/chapter/page.md"]),
    ("bad_front_matter", [
        "docs/sl/index.md:1: front matter lacks required key 'description'",
        "docs/sl/index.md:3: unknown front-matter key 'reviwed'",
        "docs/sl/index.md:4: 'reviewed: 2026-13-40' is not a real date",
    ]),
    ("broken_yaml", ["docs/en/chapter/page.md:3: front matter is not valid YAML"]),
    ("unknown_key", [
        "docs/en/chapter/page.md:13: unknown citation key 'smith2020trail'",
        # the mistyped key also leaves the twins citing different sources
        "docs/sl/chapter/page.md:13: cites 'smith2020trial' but its twin docs/en/chapter/page.md does not",
    ]),
    ("malformed_bib", ["bibliography.bib:8: BibTeX syntax error"]),
    ("incomplete_bib", [
        "bibliography.bib:1: entry 'smith2020trial' has an invalid DOI 'https://doi.org/10.1000/fixture.1'",
        "bibliography.bib:9: entry 'registry2024' has no author",
        "bibliography.bib:9: entry 'registry2024' names no journal, book, publisher or site",
        "bibliography.bib:9: entry 'registry2024' has no four-digit year",
        "bibliography.bib:9: entry 'registry2024' has no DOI, PMID or URL",
        "bibliography.bib:23: duplicate key 'smith2020trial' (first defined at line 1)",
    ]),
    ("veterinary_outside", ["docs/en/chapter/page.md:15: 'dog2017' is veterinary evidence cited outside a veterinary admonition"]),
    ("number_drift", [
        "docs/en/chapter/page.md:13: number 40 does not appear in its twin docs/sl/chapter/page.md",
        "docs/sl/chapter/page.md:13: number 20 does not appear in its twin docs/en/chapter/page.md",
    ]),
    ("citation_drift", [
        "docs/en/chapter/page.md:13: cites 'smith2020trial' but its twin docs/sl/chapter/page.md does not",
        "docs/sl/chapter/page.md:13: cites 'registry2024' but its twin docs/en/chapter/page.md does not",
    ]),
    ("decimal_point", [
        "docs/sl/chapter/page.md:17: decimal point in '73.7' -> Slovenian uses the decimal comma: 73,7",
        # read as Slovenian, 73.7 is the two numbers 73 and 7, so the twins differ too
        "docs/sl/chapter/page.md:17: number 73 does not appear in its twin",
        "docs/sl/chapter/page.md:17: number 7 does not appear in its twin",
        "docs/en/chapter/page.md:17: number 73.7 does not appear in its twin",
    ]),
    ("unsafe_content", [
        "docs/en/chapter/page.md:15: raw <script> in content",
        "docs/en/chapter/page.md:17: inline event handler",
        "docs/en/chapter/page.md:19: image 'figure.svg' has no alt text",
        "docs/en/chapter/page.md:21: unknown evidence level 'anecdote'",
    ]),
])
def test_bad_input_is_named_by_file_and_line(case, expected, tmp_path):
    found = problems_of(case, tmp_path)
    for message in expected:
        assert any(p.startswith(message) for p in found), f"expected {message!r} in:\n" + "\n".join(found)
    # and nothing unrelated: every problem is one of the expected kinds
    assert len(found) == len(expected), "\n".join(found)


def test_every_problem_says_what_to_do(tmp_path):
    for case in ("missing_twin", "unknown_key", "incomplete_bib", "number_drift", "unsafe_content"):
        for problem in problems_of(case, tmp_path):
            assert " -> " in problem, problem


def test_declared_difference_is_accepted(tmp_path):
    assert problems_of("declared_difference", tmp_path) == []
