"""The guideline map's gate (scripts/myeloma_handbook/guideline_map.py)
beyond the fixture table (tests/fixtures/problems.yml: bad_guideline_map,
broken_guideline_map; guideline_map is a sound one): a map without its list, the
ids it finds on a page, and the real map of the handbook."""
from __future__ import annotations

from conftest import ROOT, make_fixture
from myeloma_handbook import bibliography as bib
from myeloma_handbook import guideline_map
from myeloma_handbook.checks import Project


def test_a_map_without_its_list_of_recommendations(tmp_path):
    root = make_fixture("base", tmp_path / "p")
    (root / "guidelines").mkdir()
    (root / "guidelines" / "map.yml").write_text("recommendation:\n  - guideline: smith2020trial\n", encoding="utf-8")
    assert [str(p) for p in guideline_map.check(root, root / "docs", {"smith2020trial"}, ("en", "sl"))] == [
        "guidelines/map.yml:1: the guideline map has no list 'recommendations' -> write recommendations: followed "
        "by one record per recommendation (CONTRIBUTING.md)"]


def test_no_map_is_no_problem(tmp_path):
    root = make_fixture("base", tmp_path / "p")
    assert guideline_map.check(root, root / "docs", set(), ("en", "sl")) == []


def test_ids_are_those_the_build_gives(tmp_path):
    """Explicit {#id}s, the toc extension's ids of the other headings (which
    differ by language), and no id of a heading inside code."""
    root = make_fixture("base", tmp_path / "p")
    page = root / "docs/en/chapter/page.md"
    extra = "\n## Renal dosing, in detail\n\n```\n## Not a heading {#no}\n```\n"
    page.write_text(page.read_text(encoding="utf-8") + extra, encoding="utf-8")
    anchors = guideline_map.Anchors(root, root / "docs")
    assert {"chapter", "dose", "renal-dosing-in-detail"} <= anchors.of("en", "chapter/page.md")
    assert "no" not in anchors.of("en", "chapter/page.md")
    assert {"poglavje", "dose"} <= anchors.of("sl", "chapter/page.md")
    assert anchors.of("sl", "chapter/nothing.md") is None


def test_the_handbook_map_is_sound_and_maps_each_guideline():
    """The real map passes its gate (the whole source check runs it in the
    build too) and has records for every guideline issue 18 names."""
    project = Project.from_config(ROOT)
    keys = set(bib.load(project.bib_path).entries.entries)
    assert [str(p) for p in guideline_map.check(ROOT, project.docs, keys, project.languages.all)] == []
    records, _ = guideline_map.load(ROOT / guideline_map.MAP_FILE, "guidelines/map.yml")
    mapped = {record["guideline"] for record in records}
    assert {"dimopoulos2025ehaemn", "terpos2021bone", "dimopoulos2016renal", "raje2022infection"} <= mapped
