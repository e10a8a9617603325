"""Sign-offs (scripts/myeloma_handbook/sign_offs.py): the review line says
who reviewed a page independently, and plainly when no independent
clinician has, in each language; a sign-off of an earlier committed version
is named as such; `scripts/handbook.py sign-off` records the version the
reviewer read; the PDF cover counts the chapters signed off, with the
language's plural forms. The gate's messages for bad sign-offs are rows of
tests/fixtures/problems.yml (signed_off, sign_off_fields, sign_off_version)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import yaml

from conftest import FIXTURE_TODAY, ROOT, make_fixture, mkdocs_build, run
from myeloma_handbook import pdf, sign_offs
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.front_matter import read_front_matter
from myeloma_handbook.render import decorate_html, sign_off_status
from myeloma_handbook.translation_records import fingerprint

PAGE = "docs/en/chapter/page.md"


def sign_off(review="clinical", current=True, day=dt.date(2026, 11, 20), name="Dr Fixture Reviewer",
             role="Consultant haematologist") -> sign_offs.SignOff:
    return sign_offs.SignOff(review, name, role, day, "None declared", "876146d68e93", current)


STATUS = {
    ("en", "none"): "Not yet reviewed by an independent clinician.",
    ("sl", "none"): "Strani še ni strokovno pregledal noben neodvisen zdravnik.",
    ("en", "signed"): ("Clinical review: Dr Fixture Reviewer, Consultant haematologist, 20 November 2026; declared "
                       "interests: None declared. Language review: Fixture Editor, Medical editor, 21 November 2026; "
                       "declared interests: None declared."),
    ("sl", "signed"): ("Strokovni pregled: Dr Fixture Reviewer, Consultant haematologist, 20. 11. 2026; izjava o "
                       "interesih: None declared. Jezikovni pregled: Fixture Editor, Medical editor, 21. 11. 2026; "
                       "izjava o interesih: None declared."),
    ("en", "earlier"): ("Clinical review of an earlier version of this page: Dr Fixture Reviewer, Consultant "
                        "haematologist, 20 November 2026; declared interests: None declared. This version has not yet "
                        "been reviewed by an independent clinician."),
    ("sl", "earlier"): ("Strokovni pregled prejšnje različice strani: Dr Fixture Reviewer, Consultant haematologist, "
                        "20. 11. 2026; izjava o interesih: None declared. Te različice strani še ni strokovno "
                        "pregledal noben neodvisen zdravnik."),
}
CASES = {
    "none": [],
    "signed": [sign_off("language", day=dt.date(2026, 11, 21), name="Fixture Editor", role="Medical editor"),
               sign_off()],
    # a language sign-off alone is not an independent clinician's
    "earlier": [sign_off(current=False)],
}


@pytest.mark.parametrize("language", ["en", "sl"])
@pytest.mark.parametrize("case", CASES)
def test_the_status_line_in_each_language(language, case):
    state = "signed" if case == "signed" else "not-signed"
    assert sign_off_status(CASES[case], language) == (
        f'<span class="page-review__sign-offs page-review__sign-offs--{state}">{STATUS[language, case]}</span>')


def test_a_language_sign_off_alone_says_no_clinician_has_reviewed_the_page():
    line = sign_off_status([sign_off("language", name="Fixture Editor", role="Medical editor")], "en")
    assert line.endswith("declared interests: None declared. Not yet reviewed by an independent clinician.</span>")


def test_the_status_is_part_of_the_review_line_under_the_title():
    html = decorate_html("<h1>Title</h1>\n<p>Text</p>", {"reviewed": "2026-01-15", "authors": ["A. Author"]}, "en",
                         today=FIXTURE_TODAY, sign_offs=CASES["signed"])
    review = html.split("\n")[1]
    assert review.startswith('<p class="page-review">') and review.endswith(
        f'<span class="page-review__sign-offs page-review__sign-offs--signed">{STATUS["en", "signed"]}</span></p>')
    assert '<span class="page-review__sign-offs' not in html.replace(review, "")  # once, in that line


def test_names_are_escaped():
    line = sign_off_status([sign_off(name="Dr A <b>&</b> B")], "en")
    assert "Dr A &lt;b&gt;&amp;&lt;/b&gt; B" in line and "<b>" not in line


# ---------------------------------------------------------- versions and git

def git(project, *args):
    result = run(["git", "-C", project, *args])
    assert result.returncode == 0, result.stderr
    return result.stdout


def edited_fixture(tmp_path, commit_before_edit: bool):
    """The signed-off fixture in a git repository, its English chapter
    edited after (or before) its one commit."""
    project = make_fixture("signed_off", tmp_path / "project")
    page = project / PAGE

    def commit():
        git(project, "add", "-A")
        git(project, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "fixture")

    git(project, "init", "-q")
    if commit_before_edit:
        commit()
    page.write_text(page.read_text(encoding="utf-8").replace("Give 40 mg", "Give the dose of 40 mg"),
                    encoding="utf-8")
    if not commit_before_edit:
        commit()
    return project, page.read_text(encoding="utf-8")


def test_a_sign_off_of_a_committed_earlier_version_passes_and_says_so(tmp_path):
    project, text = edited_fixture(tmp_path, commit_before_edit=True)
    assert check_sources(Project.at(project), today=FIXTURE_TODAY).problems == []
    found = sign_offs.read(read_front_matter(text), text)
    assert [(s.review, s.current) for s in found] == [("clinical", False), ("language", False)]
    assert sign_offs.current_reviews(read_front_matter(text), text) == set()
    assert sign_off_status(found, "en").endswith("This version has not yet been reviewed by an independent "
                                                 "clinician.</span>")


def test_a_sign_off_of_a_version_never_committed_fails(tmp_path):
    project, text = edited_fixture(tmp_path, commit_before_edit=False)
    messages = [str(p) for p in check_sources(Project.at(project), today=FIXTURE_TODAY).problems]
    assert messages == [
        f"{PAGE}:{line}: sign-off {n} is of version '876146d68e93', which is neither this page as it is now "
        f"({fingerprint(text)}) nor a committed version of it -> record the version the reviewer read "
        "(scripts/handbook.py sign-off); in a shallow clone, fetch the history first (git fetch --unshallow)"
        for n, line in ((1, 13), (2, 19))]


def test_front_matter_does_not_change_the_version():
    """A sign-off added to the front matter does not make itself stale."""
    base = (ROOT / "tests/fixtures/base" / PAGE).read_text(encoding="utf-8")
    signed = (ROOT / "tests/fixtures/signed_off" / PAGE).read_text(encoding="utf-8")
    assert base != signed and fingerprint(base) == fingerprint(signed) == "876146d68e93"


# ------------------------------------------------------------ the command

def handbook(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return run([sys.executable, ROOT / "scripts" / "handbook.py", *args], cwd=cwd)


def test_the_sign_off_command_records_the_version_read(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    page = project / "docs/sl/chapter/page.md"
    before = page.read_text(encoding="utf-8")
    result = handbook("sign-off", page, "--project", project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"docs/sl/chapter/page.md: version {fingerprint(before)} (title, description and text " \
                            "as they are now)\n"
    result = handbook("sign-off", page, "--review", "language", "--name", "Ime Priimek", "--role",
                      "zdravnica, lektorica: »medicinska« besedila", "--interests", "Ni navedenih", "--date",
                      "2026-11-21", "--project", project)
    assert result.returncode == 0, result.stderr
    result = handbook("sign-off", page, "--review", "clinical", "--name", "Dr: Second", "--role", "Hematolog",
                      "--interests", "Honorarji za predavanja (podjetje X, 2025)", "--date", "2026-11-22",
                      "--project", project)
    assert result.returncode == 0, result.stderr
    after = page.read_text(encoding="utf-8")
    assert after.startswith(before.split("---\n")[1].join(["---\n", ""]))  # the rest of the front matter untouched
    assert after.split("---\n", 2)[2] == before.split("---\n", 2)[2]  # and the page itself
    assert read_front_matter(after)["sign_offs"] == [
        {"review": "language", "name": "Ime Priimek", "role": "zdravnica, lektorica: »medicinska« besedila",
         "date": "2026-11-21", "interests": "Ni navedenih", "version": fingerprint(before)},
        {"review": "clinical", "name": "Dr: Second", "role": "Hematolog",
         "interests": "Honorarji za predavanja (podjetje X, 2025)", "date": "2026-11-22",
         "version": fingerprint(before)}]
    assert "  language sign-off by Ime Priimek" in result.stdout and "of this version" in result.stdout
    assert check_sources(Project.at(project), today=FIXTURE_TODAY).problems == []


def test_the_sign_off_command_needs_who_and_refuses_other_files(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    result = handbook("sign-off", project / PAGE, "--review", "clinical", "--name", "Dr X", "--project", project)
    assert result.returncode == 2 and "give --role, --interests" in result.stderr
    result = handbook("sign-off", project / "mkdocs.yml", "--project", project)
    assert result.returncode == 2 and "is not a page of docs/" in result.stderr


def test_a_sign_off_is_appended_to_a_list_written_without_indentation(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\ntitle: T\nsign_offs:\n- review: language\n  name: A B\n  role: Editor\n  date: 2026-01-02\n"
                    "  interests: None declared\n  version: \"0123456789ab\"\nauthors: [X]\n---\n\n# T\n",
                    encoding="utf-8")
    version = sign_offs.add(page, "clinical", "C D", "Haematologist", dt.date(2026, 1, 3), "None declared")
    data = yaml.safe_load(page.read_text(encoding="utf-8").split("---\n")[1])
    assert [s["name"] for s in data["sign_offs"]] == ["A B", "C D"] and data["authors"] == ["X"]
    assert data["sign_offs"][1]["version"] == version


# ----------------------------------------------------------------- the cover

def book(language: str, chapters: int, clinical: int, language_reviews: int) -> pdf.Book:
    """A book whose first chapters are signed off."""
    return pdf.Book(language, "Book", "", "Author", "Licence", "1", dt.date(2026, 1, 1), [
        pdf.Chapter(f"c{n}/", f"C{n}", "<h1>C</h1>", (),
                    frozenset({"clinical"} if n < clinical else set()) | frozenset({"language"} if n < language_reviews
                                                                                   else set()))
        for n in range(chapters)])


@pytest.mark.parametrize("language, chapters, clinical, reviewed_language, expected", [
    ("en", 1, 0, 1, "Independent clinical sign-off: 0 of 1 chapter.<br>Language sign-off: 1 of 1 chapter."),
    ("en", 38, 2, 0, "Independent clinical sign-off: 2 of 38 chapters.<br>Language sign-off: 0 of 38 chapters."),
    ("sl", 1, 1, 0, "Neodvisna strokovna potrditev: 1 od 1 poglavja.<br>Jezikovna potrditev: 0 od 1 poglavja."),
    ("sl", 2, 0, 2, "Neodvisna strokovna potrditev: 0 od 2 poglavij.<br>Jezikovna potrditev: 2 od 2 poglavij."),
    ("sl", 3, 1, 0, "Neodvisna strokovna potrditev: 1 od 3 poglavij.<br>Jezikovna potrditev: 0 od 3 poglavij."),
    ("sl", 38, 0, 0, "Neodvisna strokovna potrditev: 0 od 38 poglavij.<br>Jezikovna potrditev: 0 od 38 poglavij."),
    ("sl", 101, 5, 0, "Neodvisna strokovna potrditev: 5 od 101 poglavja.<br>Jezikovna potrditev: 0 od 101 poglavja."),
])
def test_the_cover_counts_the_chapters_signed_off_with_plural_forms(language, chapters, clinical, reviewed_language,
                                                                    expected):
    note = {"en": "Each chapter states its review under its title.",
            "sl": "Stanje pregledov je navedeno pod naslovom vsakega poglavja."}[language]
    assert pdf.review_state_html(book(language, chapters, clinical, reviewed_language)) == (
        f'<p class="cover__reviews">{expected}<br>{note}</p>')
    assert expected.split("<br>")[0] in pdf.front_matter_html(book(language, chapters, clinical, 0), None)
