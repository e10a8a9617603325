"""The clinical calculators in the built handbook, in headless Chromium, in
both languages: typed by keyboard, read back with the inputs that produced the
result, refused with a clear message on bad input, and silent on the network.

The scoring logic itself is tested case by case in tests/test_calculators.py;
here the question is whether a reader on a ward gets the right thing on screen.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PREFIX = {"en": "", "sl": "sl/"}

# Every calculator and the page it lives on.
PLACES = {
    "iss": "myeloma/staging-and-risk/", "riss": "myeloma/staging-and-risk/",
    "r2iss": "myeloma/staging-and-risk/", "frailty": "myeloma/staging-and-risk/",
    "mde": "myeloma/diagnosis/", "cockcroft-gault": "supportive-care/renal/",
    "ckd-epi-2021": "supportive-care/renal/", "corrected-calcium": "supportive-care/renal/",
}


@pytest.fixture(scope="module")
def site_url(served_site):
    """The built handbook on a free local port (tests/conftest.py), with a trailing slash."""
    return served_site + "/"


class Visit:
    """One page in a fresh context, with every request and script error recorded."""

    def __init__(self, browser, url: str, quiet: bool):
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # quiet: wait until the page has stopped loading anything, search
        # included (its index, worker and lunr files load once the reader turns
        # to search), so that later requests can only come from the calculators.
        self.page.goto(url, wait_until="networkidle" if quiet else "load")
        if quiet:
            meta = self.page.locator(".md-search-result__meta")
            initializing = meta.inner_text()
            self.page.locator("[data-md-component=search-query]").focus()
            self.page.wait_for_function("text => document.querySelector('.md-search-result__meta').innerText "
                                        "!== text", arg=initializing)  # the worker has read the index
            self.page.keyboard.press("Escape")
            self.page.wait_for_load_state("networkidle")
        self.page.wait_for_selector(".calculator__form")

    def calculator(self, kind: str):
        return self.page.locator(f'.calculator[data-calculator="{kind}"]')

    def type_into(self, calculator, name: str, text: str):
        """Focus the field, then type like a person: keys, not fill()."""
        field = calculator.locator(f'input[name="{name}"]')
        field.focus()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def choose(self, calculator, field: str, value: str):
        """Select a radio button with the keyboard: focus the group, Space."""
        radio = calculator.locator(f'fieldset[data-field="{field}"] input[value="{value}"]')
        radio.focus()
        self.page.keyboard.press("Space")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    opened = []

    def open_page(language: str, path: str, quiet: bool = False) -> Visit:
        page = Visit(browser, site_url + PREFIX[language] + path, quiet)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        assert not page.errors, f"script errors: {page.errors}"
        page.close()


def result_text(calculator) -> str:
    return calculator.locator(".calculator__result").inner_text()


@pytest.mark.parametrize("language,b2m,albumin,verdict,shown", [
    ("en", "4.2", "30", "ISS stage II", "4.2 mg/L"),
    ("sl", "4,2", "30", "Stadij ISS II", "4,2 mg/l"),
    ("en", "5.5", "45", "ISS stage III", "5.5 mg/L"),
    ("sl", "3,4", "35", "Stadij ISS I", "3,4 mg/l"),
])
def test_iss_by_keyboard(visit, language, b2m, albumin, verdict, shown):
    page = visit(language, PLACES["iss"])
    calculator = page.calculator("iss")
    page.type_into(calculator, "b2m", b2m)
    page.page.keyboard.press("Tab")  # the next field in tab order is albumin
    assert page.page.evaluate("document.activeElement.name") == "albumin"
    page.page.keyboard.type(albumin)
    page.page.keyboard.press("Enter")  # submits the form
    text = result_text(calculator)
    assert text.splitlines()[0] == verdict
    assert shown in text and f"{albumin} g/" in text  # the inputs that produced the result


@pytest.mark.parametrize("language", ["en", "sl"])
def test_missing_answers_give_messages_not_a_stage(visit, language):
    page = visit(language, PLACES["riss"])
    calculator = page.calculator("riss")
    page.type_into(calculator, "b2m", "6")
    page.type_into(calculator, "albumin", "30")
    page.page.keyboard.press("Enter")
    text = result_text(calculator)
    assert text.startswith({"en": "Cannot calculate", "sl": "Izračun ni mogoč"}[language])
    assert not re.search(r"R-ISS (stage|stadij) I", text) and "Stadij R-ISS" not in text
    assert calculator.locator('fieldset[data-field="ldhHigh"] input[aria-invalid="true"]').count() == 2
    # then answered by keyboard, the same form gives the stage
    for field, value in (("del17p", "no"), ("t414", "yes"), ("t1416", "no"), ("ldhHigh", "no")):
        page.choose(calculator, field, value)
    page.page.keyboard.press("Enter")
    assert result_text(calculator).splitlines()[0] == {"en": "R-ISS stage III", "sl": "Stadij R-ISS III"}[language]


@pytest.mark.parametrize("language,unit,other", [("en", "µmol/L", "mg/dL"), ("sl", "µmol/l", "mg/dl")])
def test_creatinine_in_the_wrong_unit_is_refused(visit, language, unit, other):
    page = visit(language, PLACES["ckd-epi-2021"])
    calculator = page.calculator("ckd-epi-2021")
    page.type_into(calculator, "age", "70")
    page.choose(calculator, "sex", "male")
    page.type_into(calculator, "creatinine", "1,2" if language == "sl" else "1.2")
    page.page.keyboard.press("Enter")
    text = result_text(calculator)
    assert "eGFR" not in text.splitlines()[0] and "oGF" not in text.splitlines()[0]
    assert unit in text and other in text, text
    creatinine = calculator.locator('input[name="creatinine"]')
    assert creatinine.get_attribute("aria-invalid") == "true"
    assert page.page.evaluate("document.activeElement.name") == "creatinine"  # focus goes to the field to fix
    # switching the unit with the keyboard makes the same number valid
    page.choose(calculator, "units", "conventional")
    assert calculator.locator('[id$="-creatinine-unit"]').inner_text() == other
    calculator.locator("button[type=submit]").focus()
    page.page.keyboard.press("Enter")
    expected = 142 * (1.2 / 0.9) ** -1.2 * 0.9938 ** 70
    first = result_text(calculator).splitlines()[0]
    shown = f"{expected:.1f}".replace(".", "," if language == "sl" else ".")
    assert shown in first, (first, shown)


@pytest.mark.parametrize("language", ["en", "sl"])
def test_myeloma_defining_events_with_the_unit_switch(visit, language):
    page = visit(language, PLACES["mde"])
    calculator = page.calculator("mde")
    page.choose(calculator, "units", "conventional")
    assert calculator.locator('[id$="-calcium-unit"]').inner_text() == {"en": "mg/dL", "sl": "mg/dl"}[language]
    page.type_into(calculator, "bmpc", "25")
    page.type_into(calculator, "calcium", "11,5" if language == "sl" else "11.5")
    page.type_into(calculator, "hb", "10")  # exactly 10 g/dL: not below the threshold
    page.page.keyboard.press("Enter")
    text = result_text(calculator)
    first = text.splitlines()[0]
    assert first.startswith({"en": "IMWG 2014 definition of multiple myeloma met",
                             "sl": "Opredelitev DP po IMWG 2014 je izpolnjena"}[language]), first
    assert {"en": "C – calcium", "sl": "C – kalcij"}[language] in text
    assert {"en": "A – anaemia", "sl": "A – anemija"}[language] not in text  # nowhere among the reasons
    assert ("11.5 mg/dL" if language == "en" else "11,5 mg/dl") in text  # inputs shown with their units


@pytest.mark.parametrize("language", ["en", "sl"])
def test_plasmacytoma_with_one_lesion_and_low_marrow_is_not_myeloma(visit, language):
    """IMWG 2014: with clonal marrow plasma cells < 10 %, more than one bone lesion is
    required; a biopsy-proven plasmacytoma, 5 % and one lytic lesion is a solitary
    plasmacytoma with minimal marrow involvement, and a second lesion makes it myeloma."""
    page = visit(language, PLACES["mde"])
    calculator = page.calculator("mde")
    checkbox = calculator.locator('input[name="plasmacytoma"]')
    checkbox.focus()
    page.page.keyboard.press("Space")
    page.type_into(calculator, "bmpc", "5")
    page.type_into(calculator, "lyticLesions", "1")
    page.page.keyboard.press("Enter")
    text = result_text(calculator)
    first = text.splitlines()[0]
    assert first.startswith({"en": "Not multiple myeloma by IMWG 2014",
                             "sl": "Po merilih IMWG 2014 s temi vrednostmi ne gre za DP"}[language]), first
    assert {"en": "solitary plasmacytoma with minimal marrow involvement",
            "sl": "solitarni plazmocitom z minimalno prizadetostjo kostnega mozga"}[language] in first
    assert {"en": "requires more than one bone lesion", "sl": "zahtevajo več kot eno kostno lezijo"}[language] in text
    # the summary names the ticked box in the page's language
    assert {"en": "plasmacytoma: present", "sl": "plazmocitom: da"}[language] in text, text
    page.type_into(calculator, "lyticLesions", "2")
    page.page.keyboard.press("Enter")
    first = result_text(calculator).splitlines()[0]
    assert first.startswith({"en": "IMWG 2014 definition of multiple myeloma met",
                             "sl": "Opredelitev DP po IMWG 2014 je izpolnjena"}[language]), first


@pytest.mark.parametrize("language", ["en", "sl"])
def test_frailty_and_corrected_calcium(visit, language):
    page = visit(language, PLACES["frailty"])
    calculator = page.calculator("frailty")
    for name, value in (("age", "81"), ("charlson", "1"), ("adl", "6"), ("iadl", "8")):
        page.type_into(calculator, name, value)
    page.page.keyboard.press("Enter")
    assert result_text(calculator).splitlines()[0].endswith({"en": "2: frail", "sl": "2: krhek"}[language])

    page = visit(language, PLACES["corrected-calcium"])
    calculator = page.calculator("corrected-calcium")
    page.type_into(calculator, "calcium", "2,20" if language == "sl" else "2.20")
    page.type_into(calculator, "albumin", "3,0" if language == "sl" else "3.0")  # g/dL typed in g/L mode
    page.page.keyboard.press("Enter")
    refused = result_text(calculator)
    assert refused.startswith({"en": "Cannot calculate", "sl": "Izračun ni mogoč"}[language]), refused
    assert calculator.locator('input[name="albumin"]').get_attribute("aria-invalid") == "true"
    assert {"en": "g/dL", "sl": "g/dl"}[language] in refused
    page.type_into(calculator, "albumin", "30")
    page.page.keyboard.press("Enter")
    assert ("2,45" if language == "sl" else "2.45") in result_text(calculator).splitlines()[0]


# Each field the script declares (CALCULATORS in calculators.js), its label in
# the page language's catalogue (HandbookCatalogue, from i18n/<language>.yml),
# and how the form shows it: its label (for a text field), its legend and one label per
# radio button (for a choice); every control labelled on its own.
FORM_CONTROLS = """(form, [kind, lang]) => {
  const api = window.HandbookCalculators
  const calc = api.CALCULATORS[kind]
  const text = node => node ? node.textContent.replace(/\\s+/g, ' ').trim() : ''
  const fields = calc.fields.map(def => def.name).concat(calc.unitSwitch ? ['units'] : [])
  return {
    declared: fields,
    labels: Object.fromEntries(calc.fields.map(def => [def.name, window.HandbookCatalogue[lang].calculators.labels[def.name] || ''])),
    shown: fields.map(name => {
      const set = form.querySelector(`fieldset[data-field="${name}"]`)
      const inputs = [...(set || form).querySelectorAll(set ? 'input' : `input[name="${name}"]`)]
      return {name, legend: set ? text(set.querySelector('legend')) : null, count: inputs.length,
              own: inputs.map(i => [...(i.labels || [])].map(text).join(' '))}
    }),
    unlabelled: [...form.querySelectorAll('input, select, textarea')]
      .filter(i => ![...(i.labels || [])].some(l => text(l))).map(i => i.name || i.outerHTML),
    names: [...new Set([...form.querySelectorAll('input')].map(i => i.closest('fieldset[data-field]')?.dataset.field || i.name))],
  }
}"""

NO_STORAGE = "JSON.stringify([Object.assign({}, localStorage), Object.assign({}, sessionStorage), document.cookie])"


@pytest.mark.parametrize("language", ["en", "sl"])
def test_forms_are_labelled_and_nothing_leaves_the_browser(visit, site_url, language):
    """On every calculator page: each calculator block becomes a form in the
    page's language with every field the script declares, each control
    labelled on its own (a choice also by its legend), a live result region,
    the scoring table staying in place above it. Loading the page fetches
    only this site's files; using every calculator sends no request at all
    and writes nothing to storage or cookies."""
    for path in sorted(set(PLACES.values())):
        page = visit(language, path, quiet=True)
        foreign = [u for u in page.requests if not u.startswith(site_url)]
        assert not foreign, f"requests to other hosts: {foreign}"
        before = len(page.requests)
        stored_before = page.page.evaluate(NO_STORAGE)
        for kind in [k for k, p in PLACES.items() if p == path]:
            calculator = page.calculator(kind)
            assert calculator.count() == 1, f"{kind} missing on {language} {path}"
            assert calculator.locator("table").count() >= 1, f"{kind}: scoring table missing"
            form = calculator.locator("form")
            assert form.count() == 1, f"{kind}: the script did not build a form"
            controls = form.evaluate(FORM_CONTROLS, [kind, language])
            assert controls["declared"], f"{kind}: no fields declared"
            assert sorted(controls["names"]) == sorted(controls["declared"]), kind
            assert controls["unlabelled"] == [], f"{kind}: controls without a label of their own"
            for field in controls["shown"]:
                label = controls["labels"].get(field["name"])
                assert field["count"] >= 1, f"{kind}: no control for {field['name']}"
                if label is not None:
                    assert label and label != field["name"], f"{kind}: no {language} label for {field['name']}"
                if field["legend"] is not None:  # a choice: the question, then one label per answer
                    assert field["count"] >= 2 and all(field["own"]), (kind, field)
                    if label is not None:
                        assert field["legend"] == label, (kind, field)
                else:  # a text field or a checkbox: its label says what it is
                    assert field["count"] == 1 and field["own"][0].startswith(label), (kind, field, label)
            region = calculator.locator(".calculator__result")
            assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
            assert form.locator("button[type=submit]").inner_text() == {"en": "Calculate", "sl": "Izračunaj"}[language]
            for field in calculator.locator('input[type="text"]').all():
                field.fill("50")  # typing by keyboard is tested above; here only the traffic matters
            for group in calculator.locator("fieldset[data-field]").all():
                group.locator('input[type="radio"]').first.check()
            calculator.locator("button[type=submit]").click()
            assert calculator.locator(".calculator__verdict").count() == 1
        # A request of our own, made last: the browser reports requests in
        # order, so once it is seen, any request the calculators made is too.
        sentinel = site_url + "?after-the-calculators"
        with page.page.expect_request(sentinel):
            page.page.evaluate("url => { new Image().src = url }", sentinel)
        assert page.requests[before:] == [sentinel], f"calculators sent requests: {page.requests[before:-1]}"
        assert page.page.evaluate(NO_STORAGE) == stored_before, "the calculators wrote to storage or cookies"


def test_pages_hold_the_scoring_tables_without_script(built_site):
    """What the PDF and a reader without JavaScript get: each calculator block
    in the built HTML is its scoring table (the form exists only in the browser)."""
    for language, prefix in PREFIX.items():
        for kind, path in PLACES.items():
            html = (built_site / prefix / path / "index.html").read_text(encoding="utf-8")
            match = re.search(rf'<div class="calculator" data-calculator="{kind}">(.*?)</div>\s*(?:<|$)', html, re.S)
            assert match, f"{language} {path}: no {kind} block"
            block = match.group(1)
            assert "<table" in block and "<td" in block and "<form" not in block, f"{language} {kind}: {block[:200]}"
            assert "calculators.js" in html


def test_only_pages_with_a_calculator_load_its_code(built_site):
    """Speed on a phone: the calculators' script and styles come only with a
    page that holds a calculator, and no script holds up the first paint
    (every script file is deferred)."""
    pages = sorted(built_site.rglob("*.html"))
    with_calculator = set()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        holds = 'data-calculator="' in html
        with_calculator |= {page.relative_to(built_site).as_posix()} if holds else set()
        for asset in ("assets/javascripts/calculators.js", "assets/stylesheets/calculators.css"):
            assert (asset in html) == holds, f"{page.relative_to(built_site)}: {asset} {'missing' if holds else 'loaded'}"
        blocking = [tag for tag in re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html) if " defer" not in tag]
        assert blocking == [], f"{page.relative_to(built_site)}: scripts that hold up the first paint: {blocking}"
    assert with_calculator == {f"{PREFIX[language]}{path}index.html" for language in PREFIX for path in PLACES.values()}
