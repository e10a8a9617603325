"""The gates' check functions on the fixture doc trees: the good tree passes,
and each kind of bad input gives exactly the problems that
tests/fixtures/problems.yml lists for it (the table tests/test_build.py
holds the strict build to as well). Date rules are tested on both sides of
their date."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import (FIXTURE_TODAY, FIXTURES, epoch, expected_problems, handbook_cli, make_fixture, mkdocs_build,
                      page_sources)
from myeloma_handbook import bibliography as bib
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.front_matter import check_front_matter, review_due
from myeloma_handbook.links import check_site
from myeloma_handbook.render import decorate_html

EXPECTED = expected_problems()
SITE_CASES = [case for case, row in EXPECTED.items() if row["site"]]


def problems_of(case: str, tmp_path, today: dt.date = FIXTURE_TODAY) -> list[str]:
    project = Project.at(make_fixture(case, tmp_path / case))
    return [str(p) for p in check_sources(project, today=today).problems]


def test_good_fixture_passes(tmp_path):
    assert problems_of("base", tmp_path) == []


def test_every_fixture_is_in_the_table():
    cases = {p.name for p in FIXTURES.iterdir() if p.is_dir()} - {"base", "reference_checks", "three_languages"}
    assert cases == set(EXPECTED), "tests/fixtures/problems.yml and tests/fixtures/ differ"


@pytest.mark.parametrize("case", EXPECTED)
def test_source_gates_report_exactly_the_expected_problems(case, tmp_path):
    assert sorted(problems_of(case, tmp_path)) == sorted(EXPECTED[case]["source"])


@pytest.mark.parametrize("case", SITE_CASES)
def test_link_check_reports_exactly_the_expected_problems(case, tmp_path):
    """The link check runs on built HTML: build without --strict, then call it
    as the hook does, with each page's Markdown source."""
    project = make_fixture(case, tmp_path / case)
    result = mkdocs_build(project, tmp_path / "site", strict=False)
    assert result.returncode == 0, result.stderr[-3000:]
    found = [str(p) for p in check_site(tmp_path / "site", page_sources(project), project)]
    assert sorted(found) == sorted(EXPECTED[case]["site"])


@pytest.mark.parametrize("case", EXPECTED)
def test_every_problem_names_file_line_and_what_to_do(case):
    for problem in EXPECTED[case]["source"] + EXPECTED[case]["site"]:
        assert re.fullmatch(r"(docs/[\w/.-]+\.md|bibliography\.bib|figures/[\w.-]+\.yml|i18n/[\w/.-]+\.yml"
                            r"|guidelines/map\.yml|mkdocs\.yml)"
                            r":[1-9]\d*: \S.* -> \S.*", problem), problem


# ------------------------------------------------------------------ dates

def test_review_date_in_the_future_on_both_sides_of_the_day(tmp_path):
    page = make_fixture("base", tmp_path / "p") / "docs/en/index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("reviewed: 2026-01-15", "reviewed: 2026-11-23"),
                    encoding="utf-8")
    assert check_front_matter(page, "docs/en/index.md", today=dt.date(2026, 11, 23)) == []
    assert [str(p) for p in check_front_matter(page, "docs/en/index.md", today=dt.date(2026, 11, 22))] == [
        "docs/en/index.md:4: 'reviewed: 2026-11-23' lies in the future -> set the date the page was actually reviewed"]


def test_the_build_date_comes_from_source_date_epoch(monkeypatch):
    from myeloma_handbook.front_matter import build_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795348800")  # 2026-11-22 12:00 UTC
    assert build_date() == dt.date(2026, 11, 22)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = dt.date.today()
    assert build_date() in {before, dt.date.today()}  # the clock, even at midnight


@pytest.mark.parametrize("reviewed, due", [(dt.date(2026, 1, 15), dt.date(2027, 1, 15)),
                                           (dt.date(2028, 2, 29), dt.date(2029, 2, 28))])
def test_review_is_due_a_year_later(reviewed, due):
    assert review_due(reviewed) == due


REVIEW = {
    "en": ('<p class="page-review"><span class="page-review__dates">Last checked by its authors on 15 January 2026, '
           'next check due 15 January 2027.{overdue}</span> <span class="page-review__authors">Authors: A. Author.'
           '</span> <span class="page-review__sign-offs page-review__sign-offs--not-signed">Not yet reviewed by an '
           'independent clinician.</span></p>'),
    "sl": ('<p class="page-review"><span class="page-review__dates">Avtorji so stran nazadnje preverili 15. 1. 2026, '
           'naslednje preverjanje do 15. 1. 2027.{overdue}</span> <span class="page-review__authors">Avtorji: A. Author.'
           '</span> <span class="page-review__sign-offs page-review__sign-offs--not-signed">Strani še ni strokovno '
           'pregledal noben neodvisen zdravnik.</span></p>'),
}
OVERDUE = {"en": " The next check is overdue.", "sl": " Rok za naslednje preverjanje je potekel."}


@pytest.mark.parametrize("language", ["en", "sl"])
@pytest.mark.parametrize("today, overdue", [(dt.date(2027, 1, 15), False), (dt.date(2027, 1, 16), True)])
def test_overdue_notice_on_both_sides_of_the_due_date(language, today, overdue):
    html = decorate_html("<h1>Title</h1>\n<p>Text</p>", {"reviewed": "2026-01-15", "authors": ["A. Author"]},
                         language, today=today)
    review = REVIEW[language].format(overdue=OVERDUE[language] if overdue else "")
    assert html.startswith("<h1>Title</h1>\n" + review + "\n<p>Text</p>"), html


# ------------------------------------------------------------- bibliography

def test_pybtex_problems_are_all_reported_with_their_line(tmp_path):
    """A name pybtex cannot read is reported with its line, alone or beside
    a duplicate key (it used to vanish then)."""
    bad_name = ("@article{smith2020trial,\n  author = {Smith, Anna, Jr, Extra},\n  title = {T},\n"
                "  journal = {J},\n  year = {2020},\n  pmid = {1},\n}\n")
    path = tmp_path / "bibliography.bib"
    path.write_text(bad_name, encoding="utf-8")
    alone = [str(p) for p in bib.load(path).problems]
    message = ("bibliography.bib:2: BibTeX could not read this: Too many commas in 'Smith, Anna, Jr, Extra' -> fix it "
               "(names are written Family, Given and Family, Given; each field once)")
    assert alone == [message]
    path.write_text(bad_name.replace("Smith, Anna, Jr, Extra", "Smith, Anna") + "\n" + bad_name, encoding="utf-8")
    beside = [str(p) for p in bib.load(path).problems]
    assert sorted(beside) == sorted([
        "bibliography.bib:9: duplicate key 'smith2020trial' (first defined at line 1) -> merge the two entries or "
        "rename one key", message.replace("bib:2:", "bib:10:")])


# ------------------------------------------------------------- the command

@pytest.mark.parametrize("case", ["base", "unknown_key", "bad_bib_fields"])
def test_check_command_prints_the_same_problems(case, tmp_path, monkeypatch, capsys):
    """`scripts/handbook.py check` (its function, on a fixture as the project
    root) prints the table's problems and fails, or passes a good tree."""
    cli = handbook_cli()
    monkeypatch.setattr(cli, "ROOT", make_fixture(case, tmp_path / case))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(FIXTURE_TODAY))
    expected = EXPECTED[case]["source"] if case != "base" else []
    code = cli.check()
    printed = capsys.readouterr().out.splitlines()
    if expected:
        assert (code, printed) == (1, sorted(expected, key=sort_key) + [f"{len(expected)} problem(s)"])
    else:
        assert (code, printed) == (0, ["All source checks passed."])


def sort_key(problem: str):
    """check_sources' order: file, line, message."""
    path, line, message = re.match(r"([^:]+):(\d+): (.*)", problem).groups()
    return path, int(line), message


def test_check_command_reads_the_files_mkdocs_yml_names(tmp_path, monkeypatch, capsys):
    """`check` and the build check the same files: a bibliography renamed in
    mkdocs.yml (plugins: bibtex: bib_file) is the one `check` reads."""
    cli = handbook_cli()
    project = make_fixture("base", tmp_path / "renamed")
    (project / "bibliography.bib").rename(project / "sources.bib")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("bib_file: bibliography.bib", "bib_file: sources.bib"),
                      encoding="utf-8")
    monkeypatch.setattr(cli, "ROOT", project)
    assert (cli.check(), capsys.readouterr().out) == (0, "All source checks passed.\n")
    (project / "sources.bib").write_text("@article{broken,\n  title = {no end}\n", encoding="utf-8")
    assert cli.check() == 1 and capsys.readouterr().out.startswith("sources.bib:")


def test_checks_run_again_in_one_process_see_every_edit(tmp_path):
    """`serve` runs the checks again after each save, in the same process;
    front matter, a page's terminology problems and its ids are kept per text
    (scripts/myeloma_handbook/memo.py). A run after an edit must report what
    a fresh process reports, and the kept answers must be used."""
    from myeloma_handbook import memo

    project = Project.at(make_fixture("guideline_map", tmp_path / "project"))
    terms = project.root / "i18n" / "terms" / "en.yml"
    terms.parent.mkdir(parents=True, exist_ok=True)
    terms.write_text("sources:\n  british: British spelling\nterms:\n"
                     "  - preferred: tumour\n    avoid: [tumor]\n    source: british\n", encoding="utf-8")
    page = project.docs / "en" / "chapter" / "page.md"
    original = page.read_text(encoding="utf-8")

    def run() -> list[str]:
        return [str(p) for p in check_sources(project, today=FIXTURE_TODAY).problems]

    def fresh() -> list[str]:
        memo.forget()
        return run()

    assert run() == [] and run() == []
    kept = memo.stats["kept"]
    edits = [
        original + "\nA tumor.\n",  # a page's terminology
        original.replace("reviewed: 2026-01-15", "reviewed: 2026-02-30"),  # front matter
        original.replace("## Dose {#dose}", "## Dose {#dosing}"),  # an id the guideline map names
    ]
    for edited in edits:
        page.write_text(edited, encoding="utf-8")
        warm = run()
        assert warm and warm == fresh(), edited[:80]
        page.write_text(original, encoding="utf-8")
        assert run() == []
    # the term list is part of the key: a new rule applies to an unchanged page
    terms.write_text(terms.read_text(encoding="utf-8") + "  - preferred: dosage\n    avoid: [dose]\n"
                     "    source: british\n", encoding="utf-8")
    warm = run()
    assert any('uses "Dose"' in p for p in warm) and warm == fresh()
    assert memo.stats["kept"] > kept, "the kept answers were never used"
