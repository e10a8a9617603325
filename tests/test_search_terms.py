"""What the search index knows beyond the page text: spelling variants,
synonyms, brand names, abbreviations and best bets (i18n/search/<language>.yml,
scripts/myeloma_handbook/search_terms.py), and how the search worker ranks
(overrides/assets/javascripts/workers/search-stemming.js, run in node through
tests/js/lunr_en_probe.js and tests/js/lunr_sl_probe.js).

The relevance test set (tests/data/search_relevance.yml) runs in Chromium:
tests/test_browser.py. Bad search data and its messages: the fixture
tests/fixtures/bad_search_data/ (tests/fixtures/problems.yml)."""
from __future__ import annotations

import html
import json
import re

import pytest
import yaml

from conftest import ROOT
from myeloma_handbook import render, search_terms
from myeloma_handbook.i18n import read_languages
from test_stemmer import ENGLISH_PROBE, PROBE, probe

LANGUAGES = read_languages(ROOT).all
PROBES = {"en": ENGLISH_PROBE, "sl": PROBE}  # the lunr language of each language's index
DATA = {language: yaml.safe_load(search_terms.data_path(ROOT, language).read_text(encoding="utf-8"))
        for language in LANGUAGES if search_terms.data_path(ROOT, language).is_file()}
DRUG_SECTIONS = ("pi", "imid", "antibodies", "bispecifics", "car-t", "other")  # the drug tables' heading ids


def spelling_config(language: str) -> dict:
    return {"spelling": [list(rule["rule"]) for rule in DATA[language].get("spelling") or []]}


def test_every_language_has_search_data_with_a_probe():
    assert set(DATA) == set(LANGUAGES)
    assert set(PROBES) == set(LANGUAGES), "add a probe for the new language's lunr language"


def test_the_search_data_is_sound():
    assert search_terms.check(ROOT, LANGUAGES) == []


# --- spelling variants, through the worker's pipeline (node) --------------------

def meet_pairs(language: str) -> list[tuple[str, str]]:
    return [tuple(pair.split("/")) for rule in DATA[language].get("spelling") or [] for pair in rule["meet"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_spelling_rules_bring_variants_together_in_the_index_and_in_queries(language):
    """Each `meet` pair folds to one key (folded, then stemmed), and a page with
    one spelling is found by a query with the other, both ways."""
    pairs = meet_pairs(language)
    assert pairs
    docs = {f"{i}{side}": f"Prva beseda {word} in konec." if language == "sl" else f"A page on {word} here."
            for i, pair in enumerate(pairs) for side, word in zip("ab", pair)}
    queries = sorted({word for pair in pairs for word in pair})
    answer = probe({"config": spelling_config(language), "words": queries, "docs": docs, "queries": queries},
                   PROBES[language])
    for i, (first, second) in enumerate(pairs):
        assert answer["keys"][first] == answer["keys"][second], f"{first!r} and {second!r} did not meet: {answer['keys']}"
        assert f"{i}a" in answer["results"][second], f"query {second!r} did not find the page saying {first!r}"
        assert f"{i}b" in answer["results"][first], f"query {first!r} did not find the page saying {second!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_spelling_rules_keep_different_words_apart(language):
    pairs = [tuple(pair) for pair in DATA[language].get("keep_apart") or []]
    assert len(pairs) >= 5, "list the words no rule may merge under keep_apart"
    words = sorted({word for pair in pairs for word in pair})
    keys = probe({"config": spelling_config(language), "words": words}, PROBES[language])["keys"]
    merged = [(a, b, keys[a]) for a, b in pairs if keys[a] == keys[b]]
    assert merged == [], f"folding merged words that differ: {merged}"


def test_english_folding_of_the_words_the_issue_names():
    """American and British spellings meet; a word that only looks like a
    British spelling (our, four, hour, does, POEMS, AE) is left as it is."""
    words = ["anaemia", "anemia", "leukaemia", "leukemia", "oedema", "edema", "tumour", "tumor",
             "haematology", "hematology", "smouldering", "smoldering", "hypercalcaemia", "hypercalcemia",
             "haematologist", "hematologist", "our", "four", "hour", "does", "dose", "poems", "ae", "humour"]
    keys = probe({"config": spelling_config("en"), "words": words}, ENGLISH_PROBE)["keys"]
    for british, american in [("anaemia", "anemia"), ("leukaemia", "leukemia"), ("oedema", "edema"),
                              ("tumour", "tumor"), ("haematology", "hematology"), ("smouldering", "smoldering"),
                              ("hypercalcaemia", "hypercalcemia"), ("haematologist", "hematologist")]:
        assert keys[british] == keys[american], (british, american, keys[british], keys[american])
    assert [keys[word] for word in ("our", "four", "hour", "does", "dose", "poems", "ae", "humour")] == [
        "our", "four", "hour", "doe", "dose", "poem", "ae", "humour"]


def test_slovenian_folding_of_variants_readers_type():
    words = ["hiperkalciemija", "hiperkalcemija", "hiperkalciemijo", "plazmacitom", "plazmocitom", "plazmocitoma",
             "gamapatija", "gamopatija", "leukemija", "levkemija", "xantogranulom", "ksantogranulom"]
    keys = probe({"config": spelling_config("sl"), "words": words}, PROBE)["keys"]
    assert keys["hiperkalciemija"] == keys["hiperkalcemija"] == keys["hiperkalciemijo"]
    assert keys["plazmacitom"] == keys["plazmocitom"] == keys["plazmocitoma"]
    assert keys["gamapatija"] == keys["gamopatija"]
    assert keys["leukemija"] == keys["levkemija"]
    assert keys["xantogranulom"] == keys["ksantogranulom"]


# --- ranking, in the worker (node) ------------------------------------------------

def test_car_t_is_one_phrase_not_car_or_any_word_starting_with_t():
    """lunr splits CAR-T at the hyphen; the T is a whole word, not `t*`."""
    docs = {"car-t": "CAR-T cells after lymphodepletion.", "cardiac": "Cardiac amyloidosis and troponin.",
            "tea": "Take the tablets with tea."}
    answer = probe({"docs": docs, "queries": ["CAR-T"]}, ENGLISH_PROBE)
    assert answer["ranked"]["CAR-T"] == ["car-t"]


def test_a_whole_word_ranks_above_longer_words_it_begins():
    docs = {"plazmocitoza": "Kožna plazmocitoza in plazmocitoza sluznic.", "plazmocitom": "Solitarni plazmocitom."}
    answer = probe({"docs": docs, "queries": ["plazmocitom", "plazmocit"]}, PROBE)
    assert answer["ranked"]["plazmocitom"] == ["plazmocitom", "plazmocitoza"]
    assert set(answer["ranked"]["plazmocit"]) == {"plazmocitom", "plazmocitoza"}  # typed halfway: both


@pytest.mark.parametrize("order", ["short first", "long first"])
def test_of_two_matching_headings_the_shorter_ranks_first(order):
    """Material weighs titles 1000 times the text and turns length
    normalisation off; the worker turns it on for titles."""
    docs = {"long": {"title": "Cytopenias after CAR-T cells and their grading", "text": "Blood counts."},
            "short": {"title": "CAR-T cell therapy", "text": "Blood counts."},
            "text only": {"title": "Bridging", "text": "Bridging before CAR-T cells."}}
    if order == "long first":
        docs = dict(reversed(list(docs.items())))
    answer = probe({"docs": docs, "queries": ["CAR-T"]}, ENGLISH_PROBE)
    assert answer["ranked"]["CAR-T"] == ["short", "long", "text only"]


# --- matching terms in the page text (Python) -------------------------------------

@pytest.mark.parametrize("term, text, found", [
    ("Kahlerjev*a bolez*en", "Kahlerjeve bolezni ne omenjamo.", True),
    ("Kahlerjev*a bolez*en", "Kahler je opisal bolezen.", False),
    ("CAR-T", "Celice CAR T in CAR-T.", True),
    ("CAR-T", "CART", False),
    ("MGUS", "pri MGUS-u", True),                  # an abbreviation with a Slovenian ending
    ("MGUS", "mgus", False),                       # two capitals: the term keeps its case
    ("anaemia", "Anaemia of chronic disease", True),
    ("bortezomib*", "z bortezomibom", True),
    ("stem-cell transplant*", "autologous stem cell transplantation", True),
    ("Kahler's disease", "Kahler's disease", True),
    ("daratumumab", "daratumumab-based", True),
    ("daratumumab", "antidaratumumab", False),
])
def test_a_term_matches_whole_words_with_its_endings(term, text, found):
    made = search_terms.make_term(term)
    assert made.search(text, text.lower()) is found
    assert bool(made.pattern.search(text)) is found


def test_the_glossary_gives_each_abbreviation_its_meaning_and_bracketed_abbreviations():
    groups = search_terms.glossary_groups({
        "CI": "interval zaupanja (IZ)", "ADL": "activities of daily living (Katz)",
        "D-VRd": "daratumumab, bortezomib (Velcade), lenalidomide", "NLRP3": "NLRP3 (cryopyrin)"})
    assert groups == [["CI", "interval zaupanja", "IZ"], ["ADL", "activities of daily living"],
                      ["D-VRd", "daratumumab, bortezomib, lenalidomide"]]


def test_groups_that_share_a_term_are_merged():
    merged = search_terms.merged([search_terms._Phrases(["CI", "interval zaupanja"], added={"ci"}),
                                  search_terms._Phrases(["IZ", "interval zaupanja"], added={"iz"}),
                                  search_terms._Phrases(["slabokrvnost*", "anemij*a"])])
    assert [(group.terms, group.added) for group in merged] == [
        (["CI", "interval zaupanja", "IZ"], {"ci", "iz"}), (["slabokrvnost*", "anemij*a"], None)]


def test_a_terminology_list_adds_the_forms_to_avoid_as_synonyms(tmp_path):
    """The terminology list of the gates (i18n/terms/<language>.yml) is read
    as groups: readers still type the forms the handbook avoids."""
    listing = tmp_path / "terms.yml"
    listing.write_text("sources: {slovar: SSKJ}\nterms:\n"
                       "  - preferred: monoklonska gamopatija\n    avoid: [gamapatij*]\n    source: slovar\n"
                       "  - preferred: plazmocitna levkemija\n    abbreviation: PCL\n    avoid: [plazmacelič* levkemij*]\n"
                       "  - preferred: Cockcroft–Gault\n    avoid: [{pattern: 'Cockcroft-Gault'}]\n"
                       "  - preferred: myeloma\n    avoid: [multiple myeloma]\n    scope: headings\n"
                       "  - preferred: plasma-cell (as a modifier)\n    avoid: [plasma cell disorder]\n"
                       "  - preferred: plazmatka\n", encoding="utf-8")
    assert search_terms.terminology_groups(listing) == [
        ["monoklonska gamopatija", "gamapatij*"], ["plazmocitna levkemija", "PCL", "plazmacelič* levkemij*"]]


def test_every_terminology_list_is_read_by_its_language():
    for language in LANGUAGES:
        groups = search_terms.terminology_groups(ROOT / "i18n" / "terms" / f"{language}.yml")
        loaded = {tuple(term.written for term in group.terms) for group in search_terms.load(
            ROOT, ROOT / "docs", language).groups}
        assert groups and all(any(set(g) <= set(l) for l in loaded) for g in
                              [[term.replace("*", "") for term in group] for group in groups])


def small_index():
    return {"config": {"lang": ["en"], "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
            "docs": [{"location": "drugs/", "title": "Drugs", "text": "<p>How to use the tables.</p>"},
                     {"location": "drugs/#antibodies", "title": "Monoclonal antibodies",
                      "text": "<p>Daratumumab is given weekly.</p>"},
                     {"location": "amyloid/#first-line", "title": "First line: daratumumab with VCd",
                      "text": "<p>ANDROMEDA.</p>"},
                     {"location": "renal/", "title": "Kidney", "text": "<p>Peripheral neuropathy. PN again.</p>"},
                     *[{"location": f"other/#{i}", "title": "Other", "text": "<p>Nothing here.</p>"}
                       for i in range(30)]]}


def small_terms(pages=(("drugs.md#antibodies", 7),)) -> search_terms.SearchTerms:
    def group(terms, added=None, bets=(), brands=False):
        made = [search_terms.make_term(term) for term in terms]
        return search_terms.Group(made, list(bets), {m for m in made if added is None or m.written in added}, brands)
    return search_terms.SearchTerms("en", [("aem", "em")], [
        group(["daratumumab", "Darzalex"], bets=pages, brands=True),
        group(["PN", "peripheral neuropathy"], added={"PN"}),
        group(["Kahler's disease", "multiple myeloma"]),
    ], "i18n/search/en.yml")


def test_other_names_go_into_fields_the_reader_never_sees():
    index, problems = small_terms().extend(small_index())
    assert problems == []
    docs = {doc["location"]: doc for doc in index["docs"]}
    # the heading names the drug: its brand goes with the title's weight
    assert docs["amyloid/#first-line"]["title_aliases"] == "Darzalex"
    # the text names it: with the text's weight; the best bet: with twice the title's
    assert docs["drugs/#antibodies"]["aliases"] == "Darzalex"
    assert docs["drugs/#antibodies"]["topic"] == "daratumumab Darzalex"
    # an abbreviation is added where its meaning is spelled out, not the reverse
    assert "aliases" not in docs["renal/"]  # says both already
    assert index["config"]["fields"]["title_aliases"] == {"boost": 1000.0}
    assert index["config"]["fields"]["aliases"] == {"boost": 1.0}
    assert index["config"]["fields"]["topic"] == {"boost": 2000.0}
    assert index["config"]["spelling"] == [["aem", "em"]]
    # what the reader sees is untouched
    assert [(doc["title"], doc["text"]) for doc in index["docs"]] == [
        (doc["title"], doc["text"]) for doc in small_index()["docs"]]
    assert "Kahler" not in str(index["docs"])  # nothing mentions myeloma here


def test_an_abbreviation_is_added_only_where_its_meaning_is_spelled_out():
    index = small_index()
    index["docs"][3]["text"] = "<p>Peripheral neuropathy is common.</p>"
    index["docs"][4]["text"] = "<p>PN is common.</p>"
    docs = {doc["location"]: doc for doc in small_terms().extend(index)[0]["docs"]}
    assert docs["renal/"]["aliases"] == "PN"
    assert "aliases" not in docs["other/#0"]


def test_common_words_are_not_added_to_the_text_or_a_best_bet():
    """A term on more than a tenth of the entries (here daratumumab, on 7 of
    34) is not added to more entries' text, nor to the best bet."""
    index = small_index()
    for doc in index["docs"][4:9]:
        doc["text"] = "<p>Daratumumab was given.</p>"
    index["docs"][9]["text"] = "<p>Darzalex infusion.</p>"
    for doc in index["docs"][10:16]:
        doc["text"] = "<p>Multiple myeloma.</p>"
    docs = {doc["location"]: doc for doc in small_terms().extend(index)[0]["docs"]}
    assert docs["other/#0"]["aliases"] == "Darzalex"  # a drug's brand reaches every page naming it
    assert "aliases" not in docs["other/#5"]  # daratumumab is common: not added
    assert docs["drugs/#antibodies"]["topic"] == "Darzalex"  # nor pinned
    assert "aliases" not in docs["other/#6"]  # a common term (multiple myeloma) adds nothing


def test_a_best_bet_must_be_a_section_of_the_index(tmp_path):
    (tmp_path / "drugs.md").write_text("# Drugs\n", encoding="utf-8")
    terms = small_terms(pages=(("drugs.md#no-such-heading", 7), ("missing.md#x", 9)))
    terms.pages = tmp_path
    problems = [str(p) for p in terms.extend(small_index())[1]]
    assert problems == ["i18n/search/en.yml:7: best bet 'drugs.md#no-such-heading' is not a section of the search "
                        "index -> name a page of docs/<language>/ and the id of one of its headings"]


@pytest.mark.parametrize("text, message", [
    ("spelling: [\n", "i18n/search/sl.yml:2: not valid YAML: expected the node content, but found '<stream end>' -> fix the "
                      "YAML syntax (quote text that holds ': ' or starts with a special character)"),
    ("- [a, b]\n", "i18n/search/sl.yml:1: search data must be a mapping -> use the keys brands, keep_apart, "
                   "spelling, synonyms"),
    ("synonyms: {a: b}\n", "i18n/search/sl.yml:1: 'synonyms' must be a list -> write each entry as - [one name, "
                           "another name]"),
    ("brands: [lenalidomid]\n", "i18n/search/sl.yml:1: a brands entry is not a mapping -> write it as {generic: ..., "
                                "brands: [...], source: ...}"),
    ("synonyms:\n  - ['*', slabokrvnost]\n", "i18n/search/sl.yml:2: an entry of 'synonyms' is not a list of at least "
                                             "two words or phrases -> write it as - [one name, another name]"),
])
def test_unreadable_search_data_names_the_line_and_what_to_do(tmp_path, text, message):
    (tmp_path / "i18n" / "search").mkdir(parents=True)
    (tmp_path / "i18n" / "search" / "sl.yml").write_text(text, encoding="utf-8")
    assert [str(p) for p in search_terms.read_data(tmp_path, "sl")[1]] == [message]


def test_a_language_without_search_data_is_searched_by_its_text(tmp_path):
    terms = search_terms.load(tmp_path, tmp_path / "docs", "de")
    index, problems = terms.extend(small_index())
    assert problems == [] and index["config"]["spelling"] == []
    assert [doc["text"] for doc in index["docs"]] == [doc["text"] for doc in small_index()["docs"]]


# --- the data covers the drug reference and the glossary --------------------------

def drug_table_generics(language: str) -> dict[str, str]:
    """The drugs of the drug reference's tables (first column, without the
    bracketed short name): generic -> the id of the section holding it."""
    page = (ROOT / "docs" / language / "treatment" / "drugs.md").read_text(encoding="utf-8")
    found, section = {}, None
    for line in page.split("\n"):
        heading = re.match(r"^##\s.*\{#([\w-]+)\}", line)
        if heading:
            section = heading.group(1)
            continue
        cell = re.match(r"^\|\s*([^|]+?)\s*\|", line)
        if section in DRUG_SECTIONS and cell and not set(cell.group(1)) <= set("-: "):
            name = re.sub(r"\s*\(.*\)$", "", cell.group(1)).lower()
            if name not in {"drug", "product", "zdravilo", "pripravek"}:  # the header rows
                found[name] = section
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_drug_of_the_drug_reference_has_its_eu_brand_names_and_section(language):
    brands = {entry["generic"].replace("*", "").lower(): entry for entry in DATA[language]["brands"]}
    drugs = drug_table_generics(language)
    assert len(drugs) >= 17, drugs
    missing = sorted(set(drugs) - set(brands))
    assert missing == [], f"no brands entry in i18n/search/{language}.yml for {missing}"
    for drug, section in drugs.items():
        assert brands[drug]["brands"], f"{drug}: no brand names"
        assert brands[drug]["source"], f"{drug}: no source"
        assert brands[drug].get("page") == f"treatment/drugs.md#{section}", f"{drug}: best bet"


@pytest.mark.parametrize("language", LANGUAGES)
def test_brand_names_are_the_same_in_every_language(language):
    """EU brand names do not change with the language of the page."""
    def names(lang):
        return {name for entry in DATA[lang]["brands"] for name in entry["brands"]}
    assert names(language) == names(LANGUAGES[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_glossary_abbreviation_reaches_the_pages_that_spell_it_out(built_site, language):
    """Where a page spells out a glossary meaning, the built index gives that
    entry the abbreviation (on the page or hidden), so a query for the
    abbreviation finds it; except where the abbreviation or its meaning is
    on more than a tenth of the entries already (DP, overall survival)."""
    root = "" if language == LANGUAGES[0] else f"{language}/"
    index = json.loads((built_site / root / "search" / "search_index.json").read_text(encoding="utf-8"))
    entries = [(doc, html.unescape(re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"]))) for doc in index["docs"]]
    missing, checked = [], 0
    for group in search_terms.glossary_groups(render.abbreviations(ROOT / "docs" / language / "abbreviations.md")):
        abbreviation, meaning = (search_terms.make_term(term) for term in group[:2])
        if any(sum(term.search(plain, plain.lower()) for _, plain in entries) > 0.1 * len(entries)
               for term in (abbreviation, meaning)):
            continue  # common: added to titles only (search_terms.py)
        for doc, plain in entries:
            if doc["location"] != "abbreviations/" and meaning.search(plain, plain.lower()):
                checked += 1
                # as lunr sees it: lower case (MM is also the unit mm)
                searchable = " ".join([plain, doc.get("aliases", ""), doc.get("title_aliases", "")]).lower()
                if not search_terms.make_term(group[0].lower()).search(searchable, searchable):
                    missing.append(f"{group[0]} -> {doc['location']}")
    assert checked > 50
    assert missing == [], missing


def test_the_index_stays_within_its_budget(built_site):
    from myeloma_handbook.benchmark import BUDGETS, search_indexes
    sizes = search_indexes(built_site, LANGUAGES[0])
    assert set(sizes) == set(LANGUAGES)
    assert all(kb <= BUDGETS["index_kb"] for kb in sizes.values()), sizes
