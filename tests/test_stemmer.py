"""The Slovenian search language (lunr.sl) and the English prefix stemming
of the search worker, run under node.

The stemmer is written once, in JavaScript, in the file Material's search
worker loads (overrides/assets/javascripts/lunr/min/lunr.sl.min.js);
tests/js/lunr_sl_probe.js runs it with the lunr version Material bundles
(node_modules/lunr, from package-lock.json)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

PROBE = ROOT / "tests" / "js" / "lunr_sl_probe.js"
ENGLISH_PROBE = ROOT / "tests" / "js" / "lunr_en_probe.js"

# Inflected forms of one word: every form must get the same stem.
SAME_STEM = [
    ["zdravljenje", "zdravljenja", "zdravljenju", "zdravljenjem", "zdravljenj"],
    ["plazmocitom", "plazmocitoma", "plazmocitomu", "plazmocitomom", "plazmocitomi", "plazmocitomov",
     "plazmocitomih", "plazmocitome"],
    ["kost", "kosti", "kostjo", "kostmi", "kosteh"],
    ["širjenje", "širjenja", "širjenjem", "sirjenje"],
    ["okužba", "okužbe", "okužbi", "okužbo", "okužb", "okužbami", "okužbah", "okuzbe"],
    ["bolnik", "bolnika", "bolniku", "bolnikom", "bolniki", "bolnikov", "bolnikih"],
    ["terapija", "terapije", "terapiji", "terapijo", "terapijami", "terapijah"],
    ["odmerek", "odmerka", "odmerku", "odmerki", "odmerkov", "odmerkom"],
    ["mesec", "meseca", "mesecu", "meseci", "mesecev", "mesecih"],
    ["kostni", "kostna", "kostno", "kostne", "kostnega", "kostnemu", "kostnem", "kostnim", "kostnih",
     "kostnimi"],
    ["sindrom", "sindroma", "sindromu", "sindromom", "sindromi"],
    ["sistem", "sistema", "sistemu", "sistemom"],
    ["miligram", "miligrama", "miligramov"],
    ["ledvica", "ledvice", "ledvic", "ledvicah", "ledvicami"],
    ["amiloidoza", "amiloidoze", "amiloidozi", "amiloidozo"],
    ["Waldenström", "waldenstrom"],
]

# Different words that a too-greedy stemmer would merge.
DIFFERENT = [
    ("gen", "genom"),
    ("kost", "kostni"),
    ("zdravilo", "zdravljenje"),
    ("zdravilo", "zdrav"),
    ("zdravnik", "zdravljenje"),
    ("plazmocitom", "plazmatka"),
    ("plazmocitom", "plazmocitoza"),
    ("okužba", "okvara"),
    ("režim", "rez"),
    ("bolezen", "bolnik"),
    ("kri", "krvavitev"),
]


def probe(request: dict, script: Path = PROBE) -> dict:
    node = shutil.which("node")
    assert node, "node is not installed: run `python3 scripts/handbook.py setup --test`"
    assert (ROOT / "node_modules" / "lunr").is_dir(), "node_modules/lunr is missing: run `npm ci`"
    result = subprocess.run([node, str(script)], input=json.dumps(request), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stems() -> dict[str, str]:
    words = sorted({w for group in SAME_STEM for w in group} | {w for pair in DIFFERENT for w in pair})
    return probe({"words": words})["stems"]


@pytest.mark.parametrize("forms", SAME_STEM, ids=lambda forms: forms[0])
def test_inflected_forms_share_a_stem(stems, forms):
    found = {form: stems[form] for form in forms}
    assert len(set(found.values())) == 1, f"forms of {forms[0]!r} got different stems: {found}"


@pytest.mark.parametrize("pair", DIFFERENT, ids=lambda pair: "-".join(pair))
def test_unrelated_words_do_not_collide(stems, pair):
    first, second = pair
    assert stems[first] != stems[second], f"{first!r} and {second!r} both stem to {stems[first]!r}"


def test_groups_do_not_collide_with_each_other(stems):
    group_stems = [stems[group[0]] for group in SAME_STEM]
    assert len(group_stems) == len(set(group_stems)), group_stems


def test_stems_are_folded_and_lower_case(stems):
    for word, stem in stems.items():
        assert stem == stem.lower() and not set(stem) & set("čšžćđ"), f"{word!r} -> {stem!r}"


def test_stop_words_are_dropped_and_content_words_kept():
    words = ["in", "je", "ki", "že", "ze", "več", "zaradi", "kost", "zdravljenje", "plazmocitom"]
    assert set(probe({"words": words})["stopWords"]) == {"in", "je", "ki", "že", "ze", "več", "zaradi"}


def test_prefix_queries_are_folded_and_stemmed_like_material_sends_them():
    """A lunr index with the Slovenian pipeline, queried with Material's
    trailing `*`: each document holds only one form of the word."""
    docs = {
        "zdravljenje": "Zdravljenje traja šest mesecev.",
        "plazmocitom": "Solitarni plazmocitom kosti.",
        "kost": "Zlom je nastal v eni kosti.",
        "širjenje": "Širjenje bolezni v kožo.",
        "okužbe": "Pogoste so okužbe dihal.",
        "kostni": "Kostni mozeg.",
    }
    queries = {
        "zdravljenja": {"zdravljenje"},
        "plazmocitoma": {"plazmocitom"},
        "kosti": {"kost", "plazmocitom", "kostni"},  # kosti -> kost*, a prefix of kostni too
        "kostnega": {"kostni"},
        "sirjenje": {"širjenje"},
        "okuzbe": {"okužbe"},
        "okužba": {"okužbe"},
        "PLAZMOCITOMU": {"plazmocitom"},
    }
    results = probe({"docs": docs, "queries": list(queries)})["results"]
    for query, expected in queries.items():
        assert set(results[query]) == expected, f"query {query!r}: {results[query]}"


# --- English (overrides/assets/javascripts/workers/search-stemming.js) --------------

ENGLISH_DOCS = {
    "treatment": "The treatment lasts six months.",
    "infection": "A chest infection needs antibiotics.",
    "relapse": "Relapsed myeloma after a long remission.",
    "relapsing": "Relapsing disease is treated again.",
    "therapy": "Maintenance (therapy) follows the transplant.",
    "beta2": "Serum β2-microglobulin and κ light chains.",
    "lenalidomide": "Lenalidomide is given by mouth.",
    "daratumumab": "Daratumumab is an antibody against CD38.",
}


def test_english_prefix_queries_are_stemmed_like_the_index():
    """A lunr index set up as Material sets up the English one, queried with
    Material's trailing `*`: each document holds only one form of the word."""
    queries = {
        "treatments": {"treatment"},
        "infections": {"infection"},
        "relapsing": {"relapse", "relapsing"},   # relapsing, relapsed -> relaps
        "therapies": {"therapy"},                # therapies -> therapi, which therapy* would miss
        "lenalidomide": {"lenalidomide"},
        "daratumumab": {"daratumumab"},
        "TREATMENTS": {"treatment"},
        # Typed halfway: longer than the stem (infection -> infect), still found.
        "lenalid": {"lenalidomide"},
        "infecti": {"infection"},
        "infectio": {"infection"},
        "relapsin": {"relapsing"},
        "therap": {"therapy"},
        "infections treatments": {"infection", "treatment"},
        "transplantation": {"therapy"},          # -> transplant*, which the therapy text says
        "infusion": set(),
        "β2": {"beta2"},                          # the trimmer keeps non-ASCII letters
        "κ": {"beta2"},                       # a one-letter Greek word is still found (the beta2 text says κ)
    }
    answer = probe({"docs": ENGLISH_DOCS, "queries": list(queries)}, ENGLISH_PROBE)
    for query, expected in queries.items():
        assert set(answer["results"][query]) == expected, f"query {query!r}: {answer['results'][query]}"
    assert {q: refs for q, refs in answer["duplicatePositions"].items() if refs} == {}, \
        "a word matched as itself and as its stem must be highlighted once"


def test_english_stems_are_porter_stems():
    words = ["treatments", "infections", "relapsing", "relapsed", "therapies", "lenalidomide", "lenalid"]
    assert probe({"words": words}, ENGLISH_PROBE)["stems"] == {
        "treatments": "treatment", "infections": "infect", "relapsing": "relaps", "relapsed": "relaps",
        "therapies": "therapi", "lenalidomide": "lenalidomid", "lenalid": "lenalid"}
