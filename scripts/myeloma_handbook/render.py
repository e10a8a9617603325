"""What the hook adds to every page, in the page's language: evidence labels,
the review line and disclaimer, the reference-list heading, separators
between adjacent citation numbers, abbreviation tooltips and the full
bibliography page."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from . import bibliography as bib
from . import sign_offs as signing
from .front_matter import build_date, review_due
from .i18n import catalogue
from .markdown_source import EVIDENCE_LABEL, mask_code

FULL_BIBLIOGRAPHY = "<!-- full-bibliography -->"


def format_date(date: dt.date, language: str) -> str:
    """A date in running text, as the language's locale writes it."""
    return catalogue(language).date(date, "text")


def evidence_labels(markdown: str, language: str) -> str:
    """[evidence: rct] -> a small labelled badge (unknown levels are left as
    typed; the citation gate reports them)."""
    words = catalogue(language)
    names = words.get("page.evidence")
    title = words.text("page.evidence_title")

    def badge(match: re.Match) -> str:
        level = match.group(1).strip().lower()
        if level not in names:
            return match.group(0)
        return (f'<span class="evidence evidence--{level}" title="{title}">'
                f'<span class="evidence__label">{title}: </span>{names[level]}</span>')

    # Only outside code, so the syntax itself can be shown as an example.
    code = mask_code(markdown)
    return EVIDENCE_LABEL.sub(lambda m: badge(m) if code[m.start():m.end()] == m.group(0) else m.group(0),
                              markdown)


ABBREVIATION_ROW = re.compile(r"^\|\s*([^|*\s][^|]*?)\s*\|\s*([^|]+?)\s*\|\s*$")


def abbreviations(page_path: Path) -> dict[str, str]:
    """The abbreviation table of a language's abbreviations.md."""
    if not page_path.is_file():
        return {}
    found = {}
    lines = page_path.read_text(encoding="utf-8").split("\n")

    def separator(line: str) -> bool:
        return "-" in line and set(line.strip()) <= set("|-: ")

    for line, following in zip(lines, lines[1:] + [""]):
        row = ABBREVIATION_ROW.match(line)
        if row and not separator(line) and not separator(following):  # not the header row, whatever its words
            found[row.group(1).strip("`")] = re.sub(r"[*_`]", "", row.group(2))
    return found


def full_bibliography(bibliography: bib.Bibliography, language: str, formatted=None) -> str:
    """All entries, alphabetically. formatted(key, language) gives a reference's
    text (the registry's cached formatter, with its registry-check marker);
    without it, plain Vancouver."""
    formatted = formatted or (lambda key, lang: bib.format_entry(bibliography.entries.entries[key], lang))
    entries = sorted(bibliography.entries.entries.items(), key=lambda item: bib.sort_key(item[1]))
    return "\n".join(f'{number}. <span id="ref-{key}"></span>{formatted(key, language)}'
                     for number, (key, _) in enumerate(entries, 1))


ADJACENT_CITATIONS = re.compile(r'(</sup>)(\s*)(<sup id="fnref\d*:)')
FOOTNOTES = re.compile(r'<div class="footnote">\s*<hr\s*/?>')
# A source cited ten times would end with ten "↩" links: keep the first.
REPEATED_BACKLINK = re.compile(r'<a class="footnote-backref" href="#fnref\d+:[^"]*"[^>]*>[^<]*</a>')
BACKLINK_TITLE = re.compile(r'title="Jump back to footnote (\d+) in the text"')
FIRST_H1 = re.compile(r"(<h1\b[^>]*>.*?</h1>)", re.S)


REFERENCE_LIST_TO_END = re.compile(r'<h2 id="references" data-search-exclude="true">.*\Z', re.S)


CITATION_MARK = re.compile(r'<sup (?:id="fnref[^"]*"><a class="footnote-ref"[^>]*>[^<]*</a>|class="cite-sep">,)</sup>')


def without_references(content: str) -> str:
    """The page as search should see it: without its reference list and what
    follows it (the disclaimer), which search leaves out of the index anyway,
    and without the citation numbers, which would only index "1", "2"..."""
    return CITATION_MARK.sub("", REFERENCE_LIST_TO_END.sub("", content, count=1))


def translation_notice(language: str, source_language: str, changed_on: dt.date, source_url: str) -> str:
    """The notice on a translation that is behind its source, in the
    translation's language: when the source changed, and a link to it."""
    words = catalogue(language)
    name = words.locale.languages.get(catalogue(source_language).locale.language, source_language)
    title = html.escape(words.text("translation.behind_title"))
    text = html.escape(words.text("translation.behind", language=name, date=words.date(changed_on, "text")))
    return (f'<aside class="translation-behind" role="note" aria-label="{title}" data-search-exclude="true">'
            f'<p><strong>{title}.</strong> {text} <a href="{html.escape(source_url)}" hreflang="{source_language}">'
            f'{html.escape(words.text("translation.read_source"))}</a></p></aside>')


def sign_off_status(sign_offs: list[signing.SignOff], language: str) -> str:
    """Who reviewed the page independently, in its language, and, where no
    independent clinician has signed off the page as it reads now, a plain
    statement that none has."""
    words = catalogue(language)
    parts = []
    for s in sorted(sign_offs, key=lambda s: (signing.KINDS.index(s.review), not s.current, -s.date.toordinal())):
        parts.append(words.text(f"page.sign_off.{s.review}" + ("" if s.current else "_earlier"), name=s.name,
                                role=s.role, date=format_date(s.date, language), interests=s.interests))
    clinical = [s for s in sign_offs if s.review == "clinical"]
    signed = any(s.current for s in clinical)
    if not signed:
        parts.append(words.text("page.sign_off.since" if clinical else "page.sign_off.none"))
    state = "signed" if signed else "not-signed"
    return f'<span class="page-review__sign-offs page-review__sign-offs--{state}">{html.escape(" ".join(parts))}</span>'


def decorate_html(content: str, meta: dict, language: str, today: dt.date | None = None, notice: str = "",
                  sign_offs: list[signing.SignOff] | None = None) -> str:
    """notice: the translation notice, shown below the review line;
    sign_offs: the page's sign-offs (sign_offs.read), shown in the review line."""
    s = catalogue(language).get("page")
    # 2,3 not 23: a visible separator between adjacent citation numbers.
    content = ADJACENT_CITATIONS.sub(r'\1<sup class="cite-sep">,</sup>\3', content)
    # data-search-exclude: the reference list stays out of the search index
    # (Material's search plugin honours it, then strips the attribute).
    content = FOOTNOTES.sub(f'<h2 id="references" data-search-exclude="true">{s["references"]}</h2>\n'
                            '<div class="footnote" data-search-exclude="true">', content)
    content = REPEATED_BACKLINK.sub("", content)
    content = BACKLINK_TITLE.sub(lambda m: f'title="{s["backlink"].format(number=m.group(1))}"', content)
    reviewed = meta.get("reviewed")
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            reviewed = None
    if isinstance(reviewed, dt.date):
        due = review_due(reviewed)
        line = s["reviewed"].format(reviewed=format_date(reviewed, language), due=format_date(due, language))
        if due < (today or build_date()):
            line += " " + s["overdue"]
        authors = ", ".join(html.escape(str(a)) for a in meta.get("authors") or [])
        block = (f'<p class="page-review"><span class="page-review__dates">{html.escape(line)}</span>'
                 + (f' <span class="page-review__authors">{s["authors"]}: {authors}.</span>' if authors else "")
                 + " " + sign_off_status(sign_offs or [], language) + "</p>")
    else:
        block = ""
    block += ("\n" + notice) if block and notice else notice
    if block:
        if FIRST_H1.search(content):
            content = FIRST_H1.sub(lambda m: m.group(1) + "\n" + block, content, count=1)
        else:
            content = block + content
    content += (f'\n<aside class="page-disclaimer" aria-label="{s["disclaimer_title"]}">'
                f'<strong>{s["disclaimer_title"]}.</strong> {s["disclaimer"]}</aside>')
    return content
