"""The terminology gate (scripts/myeloma_handbook/terminology.py): how a
form to avoid is matched, what is never checked, the catalogue strings, and
the handbook's own lists. The whole-page messages are in
tests/fixtures/problems.yml (cases terminology and bad_terminology)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from myeloma_handbook import terminology
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.i18n import read_languages


def terms_for(tmp_path: Path, text: str, language: str = "sl") -> terminology.Terminology:
    (tmp_path / "i18n" / "terms").mkdir(parents=True, exist_ok=True)
    (tmp_path / "i18n" / "terms" / f"{language}.yml").write_text(text, encoding="utf-8")
    return terminology.load(tmp_path, language)


LIST = """
sources: {slovar: a dictionary}
terms:
  - {preferred: monoklonska gamopatija, avoid: [gamapatij*], source: slovar}
  - {preferred: celice CAR-T, avoid: [CAR-T celic*], source: slovar}
  - {preferred: povzetek glavnih značilnosti zdravila, avoid: [SmPC], source: slovar}
  - {preferred: myeloma, avoid: [multiple myeloma], scope: headings, source: slovar}
style:
  - {name: date, pattern: '\\d{4}-\\d{2}-\\d{2}', write: 7. 4. 2025, source: slovar}
"""


def used(tmp_path, page: str) -> list[str]:
    terms = terms_for(tmp_path, LIST)
    assert terms.problems == []
    return [p.message for p in terminology.check_page(page, "docs/sl/x.md", terms)]


@pytest.mark.parametrize("text, found", [
    ("Gamapatija, gamapatije in gamapatijo.", ['uses "Gamapatija"', 'uses "gamapatije"', 'uses "gamapatijo"']),
    ("Monoklonska gamopatija je pravilna.", []),
    ("Hipergamapatijah ni beseda s seznama.", []),  # whole words only
    ("CAR-T celice in CAR‑T celicami.", ['uses "CAR-T celice"', 'uses "CAR‑T celicami"']),  # any hyphen
    ("CAR T celice.", []),  # a space is not a hyphen
    ("Celice CAR-T.", []),
    ("SmPC, smpc in Smpc.", ['uses "SmPC"']),  # two capitals: the case counts
    ("Datum 2025-04-07 v besedilu.", ['uses "2025-04-07"']),
])
def test_forms_are_matched_as_whole_words_with_their_endings_and_case(tmp_path, text, found):
    assert used(tmp_path, f"# Naslov\n\n{text}\n") == found


def test_a_form_over_a_line_break_names_the_line_it_starts_on(tmp_path):
    terms = terms_for(tmp_path, LIST)
    page = "# Naslov\n\nPovzetek je CAR-T\ncelicam namenjen.\n"
    assert [str(p) for p in terminology.check_page(page, "docs/sl/x.md", terms)] == [
        'docs/sl/x.md:3: uses "CAR-T celicam" -> write "celice CAR-T" (a dictionary)']


def test_code_links_citations_comments_and_allowed_examples_are_not_checked(tmp_path):
    page = "\n".join([
        "# Naslov", "",
        "Koda `SmPC` in [povezava](https://example.org/SmPC/2025-04-07) ter <https://example.org/gamapatija>.",
        "Sklic [@smpc2025] in komentar <!-- gamapatija -->.",
        "```", "SmPC 2025-04-07", "```",
        "Primer »gamapatija« je napačen. <!-- terminology: allow \"gamapatija\" -->",
        "Tukaj pa SmPC ni dovoljen. <!-- terminology: allow \"gamapatija\" -->",
    ])
    assert used(tmp_path, page) == ['uses "SmPC"']


def test_a_headings_term_is_checked_in_headings_below_the_title_only(tmp_path):
    page = "# Multiple myeloma\n\nMultiple myeloma is common.\n\n## Multiple myeloma in the elderly\n"
    terms = terms_for(tmp_path, LIST)
    assert [(p.line, p.message) for p in terminology.check_page(page, "docs/en/x.md", terms)] == [
        (5, 'uses "Multiple myeloma"')]


def test_front_matter_title_and_description_are_text_the_rest_is_not(tmp_path):
    page = "---\ntitle: Gamapatija\ndescription: O gamapatiji.\nreviewed: 2025-04-07\n---\n\n# Naslov\n"
    assert used(tmp_path, page) == ['uses "Gamapatija"', 'uses "gamapatiji"']


def test_catalogue_strings_are_checked_but_not_their_keys_comments_or_quoting(tmp_path):
    terms = terms_for(tmp_path, LIST)
    catalogue = tmp_path / "i18n" / "sl.yml"
    catalogue.write_text('# SmPC in a comment\nlocale: sl\nSmPC: ključ\npage:\n  note: "Preberite SmPC."\n'
                         '  body: |\n    `SmPC` v kodi\n    in gamapatija\n', encoding="utf-8")
    assert [str(p) for p in terminology.check_catalogue(catalogue, "i18n/sl.yml", terms)] == [
        'i18n/sl.yml:5: uses "SmPC" -> write "povzetek glavnih značilnosti zdravila" (a dictionary)',
        'i18n/sl.yml:6: uses "gamapatija" -> write "monoklonska gamopatija" (a dictionary)']


def test_a_language_without_a_list_is_not_checked(tmp_path):
    terms = terminology.load(tmp_path, "de")
    assert terms.rules == [] and terms.problems == []
    assert terminology.check_page("# Gamapatija SmPC\n", "docs/de/x.md", terms) == []


def test_the_handbooks_lists_load_and_hold_their_own_pages():
    """Every language of mkdocs.yml may have a list; the lists have no
    problems, every form to avoid is text the search data can read as well
    (or an explicit pattern), and the real pages and catalogues pass."""
    languages = read_languages(ROOT)
    lists, problems = terminology.check(ROOT, languages.all)
    assert [str(p) for p in problems] == []
    for language in ("en", "sl"):
        assert lists[language].rules, f"i18n/terms/{language}.yml has no rules"
        data = yaml.safe_load((ROOT / "i18n" / "terms" / f"{language}.yml").read_text(encoding="utf-8"))
        for entry in data["terms"]:
            assert entry["preferred"].strip() and entry["source"] in data["sources"]
            for form in entry["avoid"]:
                assert isinstance(form, str) or set(form) == {"pattern"}
    report = check_sources(Project.at(ROOT))
    assert [str(p) for p in report.problems if ' uses "' in p.message] == []
