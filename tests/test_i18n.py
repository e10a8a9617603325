"""The multilingual engine: the languages come from mkdocs.yml, every word
the handbook writes from one catalogue per language (i18n/<language>.yml),
and numbers, dates and plural forms from the language's CLDR locale."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, catalogue_scripts, make_fixture, mkdocs_build
from myeloma_handbook.checks import Project, check_sources
from myeloma_handbook.i18n import Catalogues, check_catalogues, read_languages

PROBE = ROOT / "tests" / "js" / "calculators_probe.js"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


# ------------------------------------------------------------------ catalogues

def test_the_languages_are_those_of_mkdocs_yml_with_the_default_as_source():
    languages = read_languages(ROOT)
    assert languages.source == "en" and languages.translations == ("sl",)


def test_the_real_catalogues_are_complete():
    assert check_catalogues(ROOT) == []


def test_a_missing_string_names_the_key_and_the_file(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    slovenian, english = project / "i18n/sl.yml", project / "i18n/en.yml"
    edit(slovenian, "  references: Literatura\n", "")
    edit(english, "  retracted: retracted\n", "")  # a string the source lacks is extra in every other language
    problems = [str(p) for p in check_catalogues(project)]
    assert problems == [
        f"i18n/sl.yml:{line_of(slovenian, 'page:')}: missing string 'page.references' -> add it, translated "
        f"from i18n/en.yml:{line_of(english, 'references: References')}",
        f"i18n/sl.yml:{line_of(slovenian, 'retracted: umaknjeno')}: string 'registry.retracted' is not in "
        "i18n/en.yml -> remove it, or add it to i18n/en.yml and every catalogue",
    ]
    # The same problems stop the build.
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "i18n/sl.yml" in result.stderr and "missing string 'page.references'" in result.stderr


def test_placeholders_plural_forms_and_missing_catalogues_are_reported(tmp_path):
    project = make_fixture("base", tmp_path / "p")
    slovenian = project / "i18n/sl.yml"
    edit(slovenian, "preverili {reviewed}, naslednje preverjanje do {due}.", "preverili {reviewed}.")
    edit(slovenian, "points: {one: točka, two: točki, few: točke, other: točk}", "points: {one: točka, other: točk}")
    edit(slovenian, "dates:\n  text: yMd", "dates:\n  text: '{bad'")
    messages = [p.message for p in check_catalogues(project)]
    assert "'page.reviewed' has the placeholders {reviewed}, the source has {due}, {reviewed}" in messages
    assert "'javascript.calculators.units.points' lacks the plural form 'two' of locale sl" in messages
    assert "'javascript.calculators.units.points' lacks the plural form 'few' of locale sl" in messages
    assert any(m.startswith("date style 'text' cannot be used") for m in messages), messages
    slovenian.unlink()
    problems = [str(p) for p in check_catalogues(project)]
    assert problems == ["i18n/sl.yml: the catalogue of language 'sl' (mkdocs.yml) is missing -> copy the source "
                        "language's catalogue to i18n/sl.yml and translate every string"]
    assert not check_sources(Project.at(project)).catalogues_readable


# ------------------------------------------------------------------ locale rules

def test_dates_numbers_and_plurals_come_from_the_locale():
    catalogues = Catalogues(ROOT)
    en, sl = catalogues("en"), catalogues("sl")
    day = dt.date(2026, 9, 5)
    assert en.date(day) == "5 September 2026" and sl.date(day) == "5. 9. 2026"
    assert en.date(day, "cited") == "2026 Sep 5" and en.date(day, "compact") == "2026-09-05"
    assert (en.decimal_symbol, sl.decimal_symbol) == (".", ",")
    assert en.number(2.75) == "2.75" and sl.number(2.75) == "2,75" and sl.number(10000) == "10000"
    points = "javascript.calculators.units.points"
    assert [sl.plural(points, n) for n in (1, 2, 3, 4, 5, 101, 1.5)] == [
        "točka", "točki", "točke", "točke", "točk", "točka", "točke"]
    assert [en.plural(points, n) for n in (1, 2, 1.5)] == ["point", "points", "points"]


def test_calculator_words_follow_the_locale_in_the_browser_script(tmp_path):
    """Slovenian plural forms (1 točka, 2 točki, 3 in 4 točke, 5 točk) from
    CLDR through Intl.PluralRules, the locale's decimal comma and percent
    pattern, and answers that agree in gender with what they answer."""
    node = shutil.which("node")
    assert node, "node is missing: run `python3 scripts/handbook.py setup --test`"
    calls = [{"fn": "withUnit", "args": [n, "points", "sl"]} for n in (1, 2, 3, 4, 5, 1.5, 0)]
    calls += [{"fn": "withUnit", "args": [n, "points", "en"]} for n in (1, 2)]
    calls += [{"fn": "withUnit", "args": [n, "years", "sl"]} for n in (101, 102, 103, 75)]
    calls += [{"fn": "withUnit", "args": [60, "percent", lang]} for lang in ("en", "sl")]
    calls += [{"fn": "errorMessage", "args": [{"field": "adl", "code": "range", "value": 7, "unit": "points",
                                               "min": 0, "max": 6}, "sl", False, "7"]}]
    run = subprocess.run([node, str(PROBE), *catalogue_scripts(tmp_path)], input=json.dumps(calls),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        "1 točka", "2 točki", "3 točke", "4 točke", "5 točk", "1,5 točke", "0 točk",
        "1 point", "2 points",
        "101 leto", "102 leti", "103 leta", "75 let",
        "60%", "60\u00a0%",
        "Katzeva lestvica osnovnih dnevnih opravil (0–6): 7 točk ni mogoča vrednost (pričakovano 0–6 točk). "
        "Vrednost in enoto je treba preveriti.",
    ]
    answers = Catalogues(ROOT)("sl").get("javascript.calculators.answers")
    assert answers["del17p"] == {"yes": "prisotna", "no": "odsotna"}  # delecija: feminine
    assert answers["plasmacytoma"]["yes"] not in ("prisotna", "odsotna")  # plazmocitom is masculine


# ------------------------------------------------------------------ the interface

def test_slovenian_landmarks_and_footer_are_slovenian(built_site):
    """Material 9.8's Slovenian strings swap the header ("Noga") and footer
    ("Glava") landmarks and leave "Made with" in English; the catalogue's
    `material:` and `templates:` keys put them right."""
    slovenian = (built_site / "sl/myeloma/diagnosis/index.html").read_text(encoding="utf-8")
    assert re.search(r'<nav class="md-header__inner md-grid" aria-label="Glava">', slovenian)
    assert re.search(r'<nav class="md-footer__inner md-grid" aria-label="Noga"', slovenian)
    assert "Izdelano z" in slovenian and "Made with" not in slovenian
    english = (built_site / "myeloma/diagnosis/index.html").read_text(encoding="utf-8")
    assert 'class="md-header__inner md-grid" aria-label="Header"' in english
    assert 'aria-label="Footer"' in english and "Made with" in english
    for language, page in (("en", english), ("sl", slovenian)):
        assert f'src="../../{"../" if language == "sl" else ""}assets/javascripts/catalogue/{language}.js"' in page
        assert (built_site / f"assets/javascripts/catalogue/{language}.js").is_file()


def test_no_module_names_a_language():
    """Languages are named only in mkdocs.yml and the catalogues: no quoted
    language code in the Python under scripts/ or the scripts and templates
    under overrides/."""
    codes = "|".join(read_languages(ROOT).all)
    pattern = re.compile(rf"""["']({codes})["']""")
    found = []
    for path in [*(ROOT / "scripts").rglob("*.py"), *(ROOT / "overrides").rglob("*.js"),
                 *(ROOT / "overrides").rglob("*.html")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
