"""Translations that know what they were translated from: each records its
source's fingerprint (`translated_from`, written by the tooling); an edit of
the source makes it "behind", with the date and the diff from git; a
wording-only edit can be marked as needing no translation; readers of a
translation that is behind see it in their language, on the site and in
the PDF."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, make_fixture, mkdocs_build, with_nav
from myeloma_handbook import translation_records as records
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.i18n import Catalogues
from myeloma_handbook.scaffold import create
from myeloma_handbook.translation import as_markdown, page_statuses

PAGE = "docs/en/chapter/page.md"
TRANSLATION = "docs/sl/chapter/page.md"


def handbook(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "handbook.py"), *args], capture_output=True,
                          text=True, env=dict(os.environ, HANDBOOK_NO_INSTALL="1"), timeout=300)


def git(project, *args, date="2026-01-01T10:00:00"):
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME="T",
               GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True).stdout


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def repo(tmp_path):
    """The fixture handbook in git: every translation follows its source."""
    project = make_fixture("base", tmp_path / "repo")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "in sync")
    return project


def status(project, name="chapter/page.md"):
    return next(s for s in page_statuses(Project.at(project)) if s.name == name)


def test_the_fingerprint_ignores_line_wrapping_but_not_words():
    text = (ROOT / "tests/fixtures/base" / PAGE).read_text(encoding="utf-8")
    rewrapped = text.replace("Give 40 mg once a week", "Give 40 mg\nonce   a week")
    assert records.fingerprint(rewrapped) == records.fingerprint(text)
    assert records.fingerprint(text.replace("once a week", "weekly")) != records.fingerprint(text)
    assert records.fingerprint(text.replace("title: Chapter", "title: A chapter")) != records.fingerprint(text)


def test_every_page_of_the_handbook_records_its_source():
    statuses = page_statuses(Project.at(ROOT), use_git=False)
    assert [(s.name, s.unrecorded) for s in statuses if s.unrecorded] == []


def test_an_edit_of_the_source_puts_its_translation_behind_with_date_and_diff(repo):
    assert handbook("translation-status", "--project", str(repo)).returncode == 0
    first = git(repo, "rev-parse", "HEAD").strip()
    replace(repo / PAGE, "once a week", "once weekly")
    git(repo, "commit", "-q", "-am", "English wording", date="2026-01-11T10:00:00")
    late = status(repo).behind
    assert [b.language for b in late] == ["sl"] and status(repo).state == "behind"
    assert late[0].changed_on.isoformat() == "2026-01-11" and late[0].since.commit == first
    assert "-Give 40 mg once a week [@smith2020trial].\n+Give 40 mg once weekly [@smith2020trial].\n" in late[0].diff
    result = handbook("translation-status", "--project", str(repo))
    assert result.returncode == 0, result.stdout  # behind is a reminder, not a failure
    assert (f"chapter/page.md: behind: {TRANSLATION} follows {PAGE} as of commit {first[:10]} (2026-01-01); "
            "the source changed on 2026-01-11") in result.stdout
    assert "    +Give 40 mg once weekly [@smith2020trial]." in result.stdout
    assert "1 with a translation behind its source" in result.stdout
    # CI on a pull request: which translations fell behind since the target branch
    report = handbook("translation-status", "--markdown", "--base", first, "--project", str(repo)).stdout
    assert "| `chapter/page.md` | behind |" in report and "(fell behind in this pull request)" in report
    assert "```diff\n--- docs/en/chapter/page.md (commit" in report
    # The translator brings it up to date and marks it.
    replace(repo / TRANSLATION, "enkrat na teden", "enkrat tedensko")
    marked = handbook("translation-status", "--mark", str(repo / TRANSLATION), "--project", str(repo))
    assert marked.stdout.startswith(f"{TRANSLATION}: follows {PAGE} as it is now")
    assert status(repo).state == "ok"


def test_a_wording_only_edit_can_be_marked_and_an_earlier_change_stays_behind(repo):
    replace(repo / PAGE, "once a week", "once weekly")
    result = handbook("translation-status", "--wording-only", str(repo / PAGE), "--project", str(repo))
    assert result.stdout.strip().endswith("its last change was wording only")
    assert status(repo).state == "ok"
    git(repo, "commit", "-q", "-am", "wording only")

    replace(repo / PAGE, "## Dose {#dose}", "## Dosing {#dose}")  # to be translated
    git(repo, "commit", "-q", "-am", "a heading to translate", date="2026-02-01T10:00:00")
    replace(repo / PAGE, "once weekly", "every week")  # then a wording change on top
    result = handbook("translation-status", "--wording-only", str(repo / PAGE), "--project", str(repo))
    assert "left behind: it did not follow the source's previous version" in result.stdout
    late = status(repo).behind[0]
    assert late.changed_on.isoformat() == "2026-02-01"  # the first change it has not followed
    assert "-## Dose {#dose}\n+## Dosing {#dose}\n" in late.diff


def test_a_translation_without_a_record_fails_the_status(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    page = project / TRANSLATION
    page.write_text(re.sub(r'translated_from: "\w+"\n', "", page.read_text(encoding="utf-8")), encoding="utf-8")
    result = handbook("translation-status", "--project", str(project))
    assert result.returncode == 1
    assert (f"chapter/page.md: no record: {TRANSLATION} does not say which source version it follows; once it is up "
            f"to date, run scripts/handbook.py translation-status --mark {TRANSLATION}") in result.stdout


def test_new_pages_record_their_source_and_source_pages_may_not(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(with_nav(config.read_text(encoding="utf-8"), {
        "nav": ["index.md", {"Chapters": ["chapter/page.md"]}, "abbreviations.md"],
        "nav_translations": {"sl": {"Chapters": "Poglavja"}}}), encoding="utf-8")
    create(project, "chapter/other", {"en": "Another chapter", "sl": "Drugo poglavje"})
    english = (project / "docs/en/chapter/other.md").read_text(encoding="utf-8")
    slovenian = (project / "docs/sl/chapter/other.md").read_text(encoding="utf-8")
    assert records.record_of(slovenian) == records.fingerprint(english) and records.record_of(english) is None
    (project / "docs/en/chapter/other.md").write_text(records.with_record(english, "0123456789ab"), encoding="utf-8")
    problems = [str(p) for p in check_sources(Project.at(project)).problems
                if ": placeholder text of the new-page scaffold: " not in str(p)]  # the scaffold's, not this test's
    assert problems == ["docs/en/chapter/other.md:1: a page of the source language has 'translated_from' -> only "
                        "translations record the source they follow; remove it"]


# ------------------------------------------------------------------ readers

@pytest.fixture(scope="module")
def behind_site(tmp_path_factory):
    """The fixture in git, the English chapter edited on 2026-03-05 after the
    Slovenian translation; built strictly with PDFs."""
    project = make_fixture("base", tmp_path_factory.mktemp("behind") / "repo")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "in sync")
    replace(project / PAGE, "once a week", "once weekly")
    git(project, "commit", "-q", "-am", "English wording", date="2026-03-05T10:00:00")
    result = mkdocs_build(project, project / "site", pdf=True)
    assert result.returncode == 0, result.stderr[-4000:]
    return project / "site"


def test_readers_of_a_translation_behind_see_it_in_their_language(behind_site):
    slovenian = (behind_site / "sl/chapter/page/index.html").read_text(encoding="utf-8")
    notice = re.search(r'<aside class="translation-behind".*?</aside>', slovenian, re.S).group(0)
    words = Catalogues(ROOT)("sl")  # the wording is the language reviewers'; the facts are checked here
    title, read_source = words.text("translation.behind_title"), words.text("translation.read_source")
    assert notice == (
        f'<aside class="translation-behind" role="note" aria-label="{title}">'
        f"<p><strong>{title}.</strong> "
        + words.text("translation.behind", language="angleščina", date="5. 3. 2026")
        + f' <a href="../../../chapter/page/" hreflang="en">{read_source}</a></p></aside>')
    assert slovenian.index('class="page-review"') < slovenian.index(notice)  # under the review line
    assert "translation-behind" not in (behind_site / "chapter/page/index.html").read_text(encoding="utf-8")
    assert "translation-behind" not in (behind_site / "sl/index.html").read_text(encoding="utf-8")  # in sync
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(behind_site / "sl/handbook-sl.pdf").pages)
    assert f"{title}." in text and "5. 3. 2026" in text


def test_the_notice_in_a_third_language(tmp_path):
    from test_third_language import three_languages

    project = three_languages(tmp_path / "p")
    replace(project / PAGE, "once a week", "once weekly")
    os.utime(project / PAGE, (1767960000, 1767960000))  # 2026-01-09: no git here, so the file's date
    result = mkdocs_build(project, project / "site")
    assert result.returncode == 0, result.stderr[-3000:]
    german = (project / "site/de/chapter/page/index.html").read_text(encoding="utf-8")
    assert ("<strong>Diese Übersetzung ist nicht auf dem Stand ihrer Quelle.</strong> Die Quelle dieser Seite "
            "(Englisch) wurde am 9. Januar 2026 geändert; diese Übersetzung enthält die Änderung noch nicht. "
            '<a href="../../../chapter/page/" hreflang="en">Zur Quellseite</a>') in german
    assert "Izvirnik te strani (angleščina)" in (project / "site/sl/chapter/page/index.html").read_text(encoding="utf-8")
    assert as_markdown(page_statuses(Project.at(project), use_git=False), Project.at(project)).count("| behind |") == 1
