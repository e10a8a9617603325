"""The reader's experience, in headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright), on the real handbook (`built_site`) served on
127.0.0.1: per-language search with English and Slovenian stemming, privacy, console,
404 pages, accessibility (axe-core from node_modules), phone layout, print
and tooltips.

The test server follows the hosting contract of
scripts/myeloma_handbook/per_language.py: a missing path below /sl/ gets
sl/404.html, any other missing path 404.html."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import ROOT, HostingContractHandler, serve

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ["en", "sl"]
# Every kind of page, as a path below the language root.
PAGE_TYPES = {
    "home": "",
    "chapter with tables": "treatment/drugs/",
    "references": "references/",
    "abbreviations": "abbreviations/",
    "404": "no/such/page/",
    # pages whose calculator forms are built by JavaScript
    "calculators: staging": "myeloma/staging-and-risk/",
    "calculators: diagnosis": "myeloma/diagnosis/",
    "calculators: kidney": "supportive-care/renal/",
}


@pytest.fixture(scope="module")
def site_url(served_site):
    """The real handbook on a local port, served by the hosting contract (tests/conftest.py)."""
    return served_site


class Visit:
    """One browser context that records every request to another host (and
    blocks it) and every console error and uncaught exception."""

    def __init__(self, browser, **context_options):
        self.context = browser.new_context(**context_options)
        self.foreign_requests: list[str] = []
        self.requests: list[str] = []  # every request, this site's too
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"{m.text} ({m.location.get('url')})"))
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _route(self, route):
        self.requests.append(route.request.url)
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign_requests.append(route.request.url)
            route.abort()

    def open(self, url: str, wait_until: str = "load"):
        return self.page.goto(url, wait_until=wait_until)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    visits = []

    def start(**context_options) -> Visit:
        visits.append(Visit(browser, **context_options))
        return visits[-1]

    yield start
    for opened in visits:
        opened.close()


def language_root(site_url: str, language: str) -> str:
    return f"{site_url}/" if language == "en" else f"{site_url}/{language}/"


def axe_violations(page) -> list[str]:
    """Every axe-core violation, of any impact (minor and moderate too)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in violations]


# --- every page type, both languages, both colour schemes --------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_is_private_clean_and_accessible(site_url, visit, page_type, language):
    assert AXE.is_file(), "node_modules/axe-core is missing: run `npm ci`"
    url = language_root(site_url, language) + PAGE_TYPES[page_type]
    opened = visit(color_scheme="light")
    response = opened.open(url, wait_until="networkidle")
    page = opened.page
    assert response.status == (404 if page_type == "404" else 200)
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.body.dataset.mdColorScheme") == "default"
    if page_type.startswith("calculators"):  # axe must see the forms the script builds
        page.wait_for_selector(".calculator__form")
    assert axe_violations(page) == [], f"axe on {url} (light)"

    # The reader's own switch to the dark scheme (slate).
    page.locator("[data-md-component=palette] label:not([hidden])").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    page.mouse.move(0, 0)  # let the toggle's own tooltip go, and the colours finish their transition
    page.evaluate("document.activeElement.blur()")
    page.wait_for_function("document.getAnimations().length === 0")
    assert axe_violations(page) == [], f"axe on {url} (dark)"

    # The search index (and the language's lunr files) only once the reader turns to search.
    index = re.compile(r"/search/search_index\.json$")
    assert not [u for u in opened.requests if index.search(u)], f"{url} loaded the search index before search"
    meta = page.locator(".md-search-result__meta")
    initializing = meta.inner_text()
    with page.expect_response(index):
        page.locator("[data-md-component=search-query]").focus()
    page.wait_for_function("text => document.querySelector('.md-search-result__meta').innerText !== text",
                           arg=initializing)  # the worker has read the index

    # A 404 page logs its own status as an error; nothing else may.
    own_status = [e for e in opened.errors if page_type == "404" and f"({url})" in e and " 404 " in e]
    assert [e for e in opened.errors if e not in own_status] == [], f"console errors on {url}"
    assert opened.foreign_requests == [], f"{url} asked other hosts"


# --- search ---------------------------------------------------------------------

SEARCH_IN_WORKER = """async (query) => {
  // Material's own search worker, fed the index this page loads: every result, no paging.
  const config = JSON.parse(document.getElementById("__config").textContent)
  const base = new URL(config.base, location)
  const index = await (await fetch(new URL("search/search_index.json", base))).json()
  const worker = new Worker(new URL(config.search, location))
  const ask = message => new Promise(resolve => {
    worker.onmessage = event => resolve(event.data); worker.postMessage(message) })
  await ask({type: 0, data: {...index, options: {suggest: false}}})
  const result = await ask({type: 2, data: query})
  worker.terminate()
  const items = result.data.items.flat()
  return {base: base.href, lang: index.config.lang,
          locations: items.map(item => new URL(item.location, base).href),
          // a word marked twice (<mark> inside <mark>) means a position was highlighted twice
          doubleMarks: items.filter(item => /<mark>(?:(?!<\\/mark>).)*<mark>/s.test(item.title + item.text)).length}
}"""


def search(visit, url: str, query: str) -> dict:
    opened = visit()
    opened.open(url)
    found = opened.page.evaluate(SEARCH_IN_WORKER, query)
    assert opened.errors == [], opened.errors
    return found


def sections_with(index: dict, word: str, without: str | None) -> set[str]:
    """Index sections whose text has `word` (a regex) but never `without`."""
    has = re.compile(rf"(?<!\w)(?:{word})(?!\w)", re.I)
    lacks = re.compile(rf"(?<!\w){re.escape(without)}(?!\w)", re.I) if without else None
    return {doc["location"] for doc in index["docs"]
            if has.search(doc["title"] + " " + doc["text"])
            and not (lacks and lacks.search(doc["title"] + " " + doc["text"]))}


@pytest.mark.parametrize("language, query", [("en", "myeloma"), ("en", "treatment"), ("sl", "zdravljenje"),
                                             ("sl", "plazmocitom")])
def test_search_returns_pages_of_the_page_language_only(site_url, visit, language, query):
    found = search(visit, language_root(site_url, language) + "myeloma/", query)
    assert found["lang"] == (["sl"] if language == "sl" else ["en"])
    assert found["locations"], f"no results for {query!r}"
    sl_root = f"{site_url}/sl/"
    outside = [loc for loc in found["locations"] if loc.startswith(sl_root) != (language == "sl")]
    assert outside == [], f"results in the other language for {query!r}"



def assert_query_finds_every_section_saying(site_url, built_site, visit, language, query, word, without):
    """Search from a page of the language; every section of that language's
    index that says `word` (and not `without`) must be among the results."""
    root = "" if language == "en" else f"{language}/"
    index = json.loads((built_site / root / "search" / "search_index.json").read_text(encoding="utf-8"))
    expected = sections_with(index, word, without=without)
    assert expected, f"no {language} section says {word!r} without {without!r} any more: pick another word"
    found = search(visit, f"{site_url}/{root}", query)
    found_locations = {loc.removeprefix(f"{site_url}/{root}") for loc in found["locations"]}
    missing = expected - found_locations
    assert not missing, f"{query!r} did not find sections that say {word!r}: {sorted(missing)[:5]}"
    return found


@pytest.mark.parametrize("query, word", [
    ("zdravljenja", "zdravljenje"),     # inflected form finds the other form
    ("plazmocitoma", "plazmocitom"),
    ("kosti", "kost"),
    ("sirjenje", r"širjenje\w*"),       # typed without diacritics
    ("okuzbe", "okužbe"),
])
def test_slovenian_search_understands_slovenian(site_url, built_site, visit, query, word):
    assert_query_finds_every_section_saying(site_url, built_site, visit, "sl", query, word, without=query)


@pytest.mark.parametrize("query, word, without", [
    ("treatments", "treatment", "treatments"),      # the stem finds the other form
    ("infections", "infection", "infections"),
    ("relapsing", "relapsed?", "relapsing"),        # Porter: relaps
    ("therapies", "therapy", "therapies"),          # Porter: therapi, not a prefix of therapy
    ("lenalidomide", "lenalidomide", None),         # a whole drug name still finds itself
    ("lenalid", "lenalidomide", None),              # and so does a word typed halfway
])
def test_english_search_stems_and_keeps_prefixes(site_url, built_site, visit, query, word, without):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["pipeline"] == ["trimmer", "stopWordFilter", "stemmer"]
    found = assert_query_finds_every_section_saying(site_url, built_site, visit, "en", query, word, without=without)
    assert found["doubleMarks"] == 0, f"{query!r}: a word is highlighted twice"


def test_reference_lists_are_not_indexed(built_site):
    for language_dir in (built_site, built_site / "sl"):
        index = json.loads((language_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
        locations = [doc["location"] for doc in index["docs"]]
        assert not [loc for loc in locations if loc.endswith("#references") or loc.startswith("references/")]
        assert not [doc["location"] for doc in index["docs"] if "doi.org/" in doc["text"]]
        # nor are citation numbers: "<sup>1</sup>" would make every page match "1"
        assert not [doc["location"] for doc in index["docs"] if re.search(r"<sup>[\d,]+</sup>", doc["text"])]


def test_typing_a_query_shows_slovenian_results_with_snippets(site_url, visit):
    opened = visit()
    opened.open(f"{site_url}/sl/myeloma/")
    box = opened.page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("zdravljenja")
    results = opened.page.locator(".md-search-result__item")
    results.first.wait_for()
    links = [a.get_attribute("href") for a in opened.page.query_selector_all(".md-search-result__link")]
    assert links and all(link.startswith(f"{site_url}/sl/") for link in links)
    first = results.first.inner_text()
    assert "zdravljenj" in first.lower() and re.search("[čšž]", opened.page.locator(".md-search-result").inner_text())
    assert opened.errors == []


# --- relevance: what clinicians type (tests/data/search_relevance.yml) --------------

RELEVANCE = yaml.safe_load((ROOT / "tests" / "data" / "search_relevance.yml").read_text(encoding="utf-8"))
RELEVANCE_TARGET = 0.95  # share of a language's queries whose page must be among the first three

SEARCH_MANY_IN_WORKER = """async (queries) => {
  // Material's search worker, as the page runs it, asked every query in turn:
  // for each, the results as Material groups them (one group per page).
  const config = JSON.parse(document.getElementById("__config").textContent)
  const base = new URL(config.base, location)
  const index = await (await fetch(new URL("search/search_index.json", base))).json()
  const worker = new Worker(new URL(config.search, location))
  const ask = message => new Promise(resolve => {
    worker.onmessage = event => resolve(event.data); worker.postMessage(message) })
  const started = performance.now()
  await ask({type: 0, data: {...index, options: {suggest: false}}})
  const ready = performance.now() - started
  const found = {}
  let slowest = 0
  for (const query of queries) {
    const asked = performance.now()
    const result = await ask({type: 2, data: query})
    slowest = Math.max(slowest, performance.now() - asked)
    found[query] = result.data.items.map(group => group.map(item => new URL(item.location, base).href))
  }
  worker.terminate()
  return {found, ready, slowest}
}"""


def search_many(visit, site_url: str, language: str, queries: list[str]) -> dict:
    """Each query's pages (paths below the language root), best first, and each
    page's best item (a section, or the page itself)."""
    opened = visit()
    root = language_root(site_url, language)
    opened.open(root)
    answer = opened.page.evaluate(SEARCH_MANY_IN_WORKER, queries)
    assert opened.errors == [], opened.errors
    answer["pages"] = {query: [group[0].removeprefix(root).split("#")[0] for group in groups]
                       for query, groups in answer["found"].items()}
    answer["first"] = {query: groups[0][0].removeprefix(root) if groups else None
                       for query, groups in answer["found"].items()}
    return answer


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_finds_the_page_clinicians_look_for(site_url, visit, language):
    """At least 95 % of the relevance set's queries have their page among the
    first three pages of results; queries that find nothing are named."""
    cases = RELEVANCE[language]
    assert len(cases) >= 30
    answer = search_many(visit, site_url, language, [case["query"] for case in cases])
    misses = [f"{case['query']!r} ({case['kind']}): {case['page']} not in {answer['pages'][case['query']][:3]}"
              for case in cases if case["page"] not in answer["pages"][case["query"]][:3]]
    nothing = [case["query"] for case in cases if not answer["pages"][case["query"]]]
    share = 1 - len(misses) / len(cases)
    assert share >= RELEVANCE_TARGET and not nothing, (
        f"{language}: {share:.0%} of {len(cases)} queries found their page in the first three (at least "
        f"{RELEVANCE_TARGET:.0%} must); found nothing: {nothing}; missed: {misses}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_car_t_finds_the_section_about_car_t_first(site_url, visit, language):
    """The heading of the relapse chapter's CAR-T section ranks first, above
    headings that only mention CAR-T (cytopenias after CAR-T, second cancers)."""
    answer = search_many(visit, site_url, language, ["CAR-T", "car-t"])
    assert answer["first"]["CAR-T"] == answer["first"]["car-t"] == "treatment/relapsed-refractory/#car-t"


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_stays_quick_on_a_slow_phone(site_url, visit, language):
    """On a CPU slowed four times (Chrome's throttling, a mid-range phone), the
    index is ready within 10 s and no query takes a second. Measured on an
    idle machine: about 1.4 s and 70 ms (README, "Search"); the bounds leave
    room for a test machine busy with other work, and still catch a query
    that expands to most of the index (as `t*` did)."""
    opened = visit()
    session = opened.context.new_cdp_session(opened.page)
    session.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    opened.open(language_root(site_url, language))
    queries = [case["query"] for case in RELEVANCE[language][:10]]
    answer = opened.page.evaluate(SEARCH_MANY_IN_WORKER, queries)
    assert answer["ready"] < 10000 and answer["slowest"] < 1000, answer | {"found": "..."}


def test_hidden_names_find_the_page_but_are_never_shown(site_url, visit):
    """"Darzalex" finds the drug reference through the hidden fields; the
    results show only the pages' own words, none of them Darzalex."""
    opened = visit()
    opened.open(f"{site_url}/treatment/")
    box = opened.page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("Darzalex")
    results = opened.page.locator(".md-search-result__item")
    results.first.wait_for()
    links = [a.get_attribute("href") for a in opened.page.query_selector_all(".md-search-result__link")]
    assert links[0].startswith(f"{site_url}/treatment/drugs/")
    shown = opened.page.locator(".md-search-result").inner_text()
    assert "darzalex" not in shown.lower()
    assert opened.errors == []


# --- 404 pages --------------------------------------------------------------------

@pytest.mark.parametrize("language, path, heading, home", [
    ("en", "/no/such/page", "Page not found", "/"),
    ("en", "/treatment/no-such-chapter/", "Page not found", "/"),
    ("sl", "/sl/ni/take/strani", "Strani ni mogoče najti", "/sl/"),
])
def test_missing_page_answers_in_the_language_of_the_path(site_url, visit, language, path, heading, home):
    opened = visit()
    response = opened.open(site_url + path)
    page = opened.page
    assert response.status == 404
    assert page.evaluate("document.documentElement.lang") == language
    assert page.locator("article h1").inner_text() == heading
    links = [a.get_attribute("href") for a in page.query_selector_all("article .not-found__ways a")]
    assert links == [home, f"{home}?q="]
    switcher = {a.get_attribute("hreflang"): a.get_attribute("href")
                for a in page.query_selector_all("a.md-select__link")}
    assert switcher == {"en": "/", "sl": "/sl/"}
    page.click(f"article a[href='{home}?q=']")  # the search link opens search on that language's home
    page.wait_for_url(lambda url: urlsplit(url).path == home)
    page.wait_for_function("document.activeElement.classList.contains('md-search__input')")
    assert page.evaluate("document.documentElement.lang") == language


# --- keyboard, phone, print, tooltips ----------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_keyboard_reaches_search_and_language_switcher(site_url, visit, language):
    opened = visit()
    opened.open(language_root(site_url, language) + "myeloma/")
    wanted, reached, visited = {"search", "language:en", "language:sl"}, set(), []
    # Tab through the page until both are reached or focus comes round again
    # (however many focus stops the header gains).
    for _ in range(500):
        opened.page.keyboard.press("Tab")
        stop = opened.page.evaluate("""(() => { const e = document.activeElement;
            const where = e.matches('input.md-search__input') ? 'search'
                 : e.matches('a.md-select__link') ? 'language:' + e.getAttribute('hreflang') : e.tagName;
            const path = []; for (let n = e; n && n.parentElement; n = n.parentElement)
              path.unshift([...n.parentElement.children].indexOf(n));
            return [where, path.join('.')] })()""")
        if stop in visited or wanted <= reached:
            break
        visited.append(stop)
        reached.add(stop[0])
    assert wanted <= reached, reached


@pytest.mark.parametrize("language", LANGUAGES)
def test_phone_scrolls_wide_tables_not_the_page(site_url, visit, language):
    opened = visit(viewport={"width": 375, "height": 800})
    opened.open(language_root(site_url, language) + "treatment/drugs/")
    page = opened.page
    page.wait_for_selector("article .md-typeset__scrollwrap")  # Material wraps tables once loaded
    tables = page.evaluate("[...document.querySelectorAll('article table')].map(t => {"
                           " const wrap = t.closest('.md-typeset__scrollwrap');"
                           " return wrap ? [wrap.scrollWidth, wrap.clientWidth] : null })")
    assert tables and None not in tables, "every table sits in Material's scrolling wrapper"
    assert any(scroll > client for scroll, client in tables), "no table wider than the phone: test a wider one"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


TABLE_STYLES = """() => {
  // Material styles a table without a class in its wrapper; the build writes the
  // wrapper and the class handbook-table (theme_html.wrap_tables). A classless
  // copy of each table, in a wrapper of its own beside the original, must get
  // exactly the same computed styles: table, row, header and data cell.
  const props = t => { const s = getComputedStyle(t); return Object.fromEntries([...s].map(k => [k, s.getPropertyValue(k)])) }
  const parts = t => [t, t.querySelector("tbody tr"), t.querySelector("th"), t.querySelector("td")]
  const differences = []
  for (const table of document.querySelectorAll("article table")) {
    const wrap = table.closest(".md-typeset__scrollwrap")
    const copy = wrap.cloneNode(true)
    const plain = copy.querySelector("table")
    plain.removeAttribute("class")
    wrap.after(copy)
    parts(table).forEach((node, i) => {
      const mine = props(node), material = props(parts(plain)[i])
      for (const k in material) if (mine[k] !== material[k]) differences.push([node.tagName, k, mine[k], material[k]])
    })
    copy.remove()
  }
  return differences
}"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tables_look_as_material_draws_them_and_stay_where_the_build_put_them(site_url, visit, language, scheme):
    """Speed on a phone: Material's script would move each table into its
    scrolling wrapper once the page has loaded, restyling the whole article;
    the build writes the wrapper instead. The tables must keep Material's
    look, and its script must leave them as they are."""
    opened = visit(color_scheme=scheme)
    url = language_root(site_url, language) + "treatment/drugs/"
    built = opened.open(url).text()
    page = opened.page
    page.wait_for_function("document.readyState === 'complete'")
    assert page.evaluate("document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    in_html = len(re.findall(r'<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table class="handbook-table">', built))
    shown = page.evaluate("""() => [...document.querySelectorAll('article table')].map(t =>
        t.className === 'handbook-table' && t.parentElement.matches('.md-typeset__table')
        && t.parentElement.parentElement.matches('.md-typeset__scrollwrap')
        && !t.parentElement.parentElement.parentElement.closest('.md-typeset__scrollwrap'))""")
    assert in_html >= 5 and shown == [True] * in_html, "each table once in Material's wrapper, as built"
    assert page.evaluate(TABLE_STYLES) == [], "a table looks different from Material's table without a class"


def test_print_drops_navigation(site_url, visit):
    opened = visit()
    opened.open(f"{site_url}/sl/treatment/drugs/")
    opened.page.emulate_media(media="print")
    shown = opened.page.evaluate("""sel => sel.map(s => [s, getComputedStyle(document.querySelector(s)).display])""",
                                 [".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer",
                                  ".md-content"])
    assert dict(shown) == {".md-header": "none", ".md-sidebar--primary": "none", ".md-sidebar--secondary": "none",
                           ".md-footer": "none", ".md-content": "block"}


VISIBLE_TOOLTIP = """() => [...document.querySelectorAll('.md-tooltip2--active')]
    .map(t => t.innerText.trim()).filter(Boolean)"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_citations_and_abbreviations_show_full_text(site_url, visit, language):
    opened = visit()
    opened.open(language_root(site_url, language) + "treatment/drugs/")
    page = opened.page
    abbr = page.locator("article abbr[title]").first.element_handle()
    meaning = abbr.get_attribute("title")  # read first: Material moves it into the tooltip
    abbr.hover()
    page.wait_for_function(VISIBLE_TOOLTIP + ".length > 0")
    assert page.evaluate(VISIBLE_TOOLTIP) == [meaning]

    citation = page.locator("article a.footnote-ref").first
    reference = page.locator(f"li[id='{citation.get_attribute('href')[1:]}']").inner_text().strip()
    for show in (citation.hover, citation.focus):
        page.mouse.move(0, 0)
        page.keyboard.press("Escape")
        show()
        page.wait_for_function(VISIBLE_TOOLTIP + ".length > 0")
        tips = page.evaluate(VISIBLE_TOOLTIP)
        assert any(reference[:60] in tip for tip in tips), (show.__name__, tips, reference[:60])


class SingleNotFoundPageHandler(HostingContractHandler):
    """A host like GitHub Pages: every missing address gets the root 404.html."""

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            self.path = "/404.html"
            body = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_error(code, message, explain)


def test_single_404_hosts_still_answer_slovenian_paths_in_slovenian(built_site, visit):
    base, server = serve(built_site, SingleNotFoundPageHandler)
    try:
        opened = visit()
        opened.open(f"{base}/sl/ni/take/strani")
        opened.page.wait_for_url("**/sl/404.html")
        assert opened.page.evaluate("document.documentElement.lang") == "sl"
        assert opened.page.locator("article h1").inner_text() == "Strani ni mogoče najti"
        assert opened.foreign_requests == []
    finally:
        server.shutdown()
        server.server_close()
