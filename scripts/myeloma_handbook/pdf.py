"""The handbook as one book-quality PDF per language.

Opt-in, so that `mkdocs serve` stays fast: set HANDBOOK_PDF=1 (which
`scripts/handbook.py pdf` does). The MkDocs hook then records each
language's navigation while static-i18n builds that language, and once every
language is built it calls `publish`: each language's pages, in navigation
order, become a book (cover, contents with page numbers, one chapter per page
with its references after it) rendered by WeasyPrint with the print
stylesheet `overrides/pdf/handbook-print.css`. WeasyPrint uses one core, so
the chapters are rendered in parts, one per core, and joined with pikepdf
(see "splitting the book" below).

Guarantees, each enforced here rather than hoped for:
- no network: WeasyPrint may only fetch file: and data: URLs;
- fonts do not depend on the machine: the only fonts are the DejaVu files of
  the Debian packages in BUILD_PACKAGES (machine.py), named by absolute
  path in @font-face rules; `check_pdf` fails on any other embedded font;
- ids are prefixed per chapter and links between pages become links inside
  the PDF; a link WeasyPrint cannot resolve is reported, as is a table or
  picture wider than the text column.
"""
from __future__ import annotations

import datetime as dt
import html
import logging
import multiprocessing
import os
import re
import site
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from . import sign_offs
from .figures import for_print
from .front_matter import build_date  # noqa: F401  (the hook asks pdf.build_date() for the edition's date)
from .i18n import catalogue
from .render import FIRST_H1, format_date

ENABLE_VARIABLE = "HANDBOOK_PDF"
# PDF/UA-1 (ISO 14289-1): tagged, with the language, title and alternative
# texts a screen reader needs; WeasyPrint writes each part so, `_merge` joins
# their structure trees.
VARIANT = "pdf/ua-1"
BUDGET_SECONDS = 15.0  # per language, full handbook, 2 cores (issue 7)
THEME_FOLDER = "pdf"  # overrides/pdf/: for WeasyPrint only, kept out of the site by the hook
STYLESHEET = Path(__file__).resolve().parents[2] / "overrides" / THEME_FOLDER / "handbook-print.css"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (family, weight, style, file): from Debian fonts-dejavu-core and
# fonts-dejavu-extra. Condensed faces keep lines and table columns short.
FONTS = [
    ("Handbook Serif", "normal", "normal", "DejaVuSerifCondensed.ttf"),
    ("Handbook Serif", "bold", "normal", "DejaVuSerifCondensed-Bold.ttf"),
    ("Handbook Serif", "normal", "italic", "DejaVuSerifCondensed-Italic.ttf"),
    ("Handbook Serif", "bold", "italic", "DejaVuSerifCondensed-BoldItalic.ttf"),
    ("Handbook Sans", "normal", "normal", "DejaVuSansCondensed.ttf"),
    ("Handbook Sans", "bold", "normal", "DejaVuSansCondensed-Bold.ttf"),
    ("Handbook Sans", "normal", "italic", "DejaVuSansCondensed-Oblique.ttf"),
    ("Handbook Sans", "bold", "italic", "DejaVuSansCondensed-BoldOblique.ttf"),
    ("Handbook Mono", "normal", "normal", "DejaVuSansMono.ttf"),
    ("Handbook Mono", "bold", "normal", "DejaVuSansMono-Bold.ttf"),
]
FONT_PACKAGES = "fonts-dejavu-core fonts-dejavu-extra"
# WeasyPrint names an embedded @font-face font after its family; any other
# name is a fallback font the machine happened to have.
EMBEDDED_FONT_PREFIX = "Handbook-"

log = logging.getLogger("mkdocs.hooks.handbook.pdf")


def enabled() -> bool:
    return os.environ.get(ENABLE_VARIABLE, "") not in ("", "0")


def site_path(language: str, default_language: str) -> str:
    """Where a language's PDF goes, relative to the site root: beside that
    language's home page."""
    name = f"handbook-{language}.pdf"
    return name if language == default_language else f"{language}/{name}"


@dataclass
class Chapter:
    url: str                # the page's URL from the site root, e.g. "sl/myeloma/diagnosis/"
    title: str              # the page title, used when the page has no <h1>
    html: str               # the page content as the hook left it
    parts: tuple[str, ...]  # titles of the navigation sections above the page
    reviews: frozenset[str] = frozenset()  # current sign-offs (clinical, language): sign_offs.py


@dataclass
class Book:
    language: str
    title: str
    description: str
    author: str
    licence: str
    edition: str
    date: dt.date
    chapters: list[Chapter] = field(default_factory=list)


@dataclass
class Result:
    path: Path
    pages: int
    seconds: float      # wall clock
    cpu_seconds: float  # of the rendering process alone
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.path.name}: {self.pages} pages in {self.seconds:.1f} s ({self.cpu_seconds:.1f} s CPU)"


def chapters(nav) -> list[Chapter]:
    """Every built page of a MkDocs navigation, in navigation order."""
    found: list[Chapter] = []

    def walk(items, parts: tuple[str, ...]) -> None:
        for item in items:
            if item.is_section:
                walk(item.children, parts + (item.title,))
            elif item.is_page and item.content is not None:
                text = Path(item.file.abs_src_path).read_text(encoding="utf-8") if item.file.abs_src_path else ""
                found.append(Chapter(item.url, item.title or "", item.content, parts,
                                     frozenset(sign_offs.current_reviews(item.meta, text))))

    walk(nav.items, ())
    return found


# --- assembling one HTML document -------------------------------------------------

ATTRIBUTE = re.compile(r'(\s)(id|href|src)="([^"]*)"')
HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
BACKLINK = re.compile(r'(?:&#160;)?<a class="footnote-backref"[^>]*>.*?</a>', re.S)
EXTERNAL_LINK = re.compile(r'<a href="(https?://[^"]+)"([^>]*)>(.*?)</a>', re.S)
# Paper has no tooltips: an abbreviation is its text (the list of
# abbreviations is a chapter), and an evidence label one flat badge. Fewer
# elements also make WeasyPrint faster.
ABBREVIATION = re.compile(r'<abbr\b[^>]*>(.*?)</abbr>', re.S)
EVIDENCE_LABEL = re.compile(r'(<span class="evidence [^"]*") title="[^"]*"><span class="evidence__label">(.*?)</span>')
TAGS = re.compile(r"<[^>]+>")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
SITE = "https://site.invalid/"  # a base URL only for resolving relative links


def anchor(url: str) -> str:
    return "ch-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(TAGS.sub("", fragment)).split())


def chapter_title(chapter: Chapter) -> str:
    match = FIRST_H1.search(HEADERLINK.sub("", chapter.html))
    return text_of(match.group(1)) if match else chapter.title


def _print_url(match: re.Match) -> str:
    """Mark an external link whose text does not already show where it goes
    ("doi:10.1/x" and "PMID: 123" do), so the print CSS adds the address."""
    url, attributes, label = match.groups()
    text = text_of(label)
    shown = text and (text in url or re.split(r"[:\s]+", text)[-1] in url)
    if shown or "class=" in attributes:
        return match.group(0)
    return f'<a href="{url}" class="print-url"{attributes}>{label}</a>'


TABLE = re.compile(r"<table>(.*?)</table>", re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S)
LINE_CHARACTERS = 120  # characters of 7.5 pt table text across the text column


def column_widths(table: str) -> list[float] | None:
    """Column widths in per cent, estimated the way CSS's automatic table
    layout works but counting characters: every column gets its longest word
    (up to 20 characters; longer ones may break) and shares the remaining
    width in proportion to its longest cell. With the widths given,
    WeasyPrint can use its fixed table layout, which is much faster."""
    rows = [[text_of(cell) for cell in CELL.findall(row)] for row in ROW.findall(table)]
    if not rows or len({len(row) for row in rows}) != 1:
        return None  # merged cells: leave it to WeasyPrint
    padding = 2
    minimum = [padding + max(min(20, max((len(w) for w in text.split()), default=1)) for text in column)
               for column in zip(*rows)]
    maximum = [max(low, padding + max(len(text) for text in column)) for low, column in zip(minimum, zip(*rows))]
    spare = LINE_CHARACTERS - sum(minimum)
    if sum(maximum) <= LINE_CHARACTERS or spare <= 0:
        widths = maximum if spare > 0 else minimum
    else:
        stretch = sum(maximum) - sum(minimum)
        widths = [low + (high - low) * spare / stretch for low, high in zip(minimum, maximum)]
    return [100 * width / sum(widths) for width in widths]


def _fixed_table(match: re.Match) -> str:
    widths = column_widths(match.group(1))
    if widths is None:
        return match.group(0)
    columns = "".join(f'<col style="width: {width:.1f}%">' for width in widths)
    return f'<table class="fixed"><colgroup>{columns}</colgroup>{match.group(1)}</table>'


def chapter_html(chapter: Chapter, anchors: dict[str, str], site_dir: Path, here: set[str]) -> str:
    """One page's content made safe to sit beside the others: ids prefixed,
    links to other pages turned into links inside the book, pictures read
    from the built site. `here` holds the URLs of the chapters rendered in the
    same part; a link to any other chapter is marked FOREIGN for `_merge`."""
    prefix = anchors[chapter.url]
    content = BACKLINK.sub("", HEADERLINK.sub("", chapter.html))
    content = for_print(EVIDENCE_LABEL.sub(r"\1>\2", ABBREVIATION.sub(r"\1", content)))
    if not FIRST_H1.search(content):
        content = f"<h1>{html.escape(chapter.title)}</h1>\n{content}"

    def rewrite(match: re.Match) -> str:
        space, name, value = match.groups()
        raw = html.unescape(value)
        if name == "id":
            return f'{space}id="{prefix}--{value}"'
        if SCHEME.match(raw) or raw.startswith("//"):
            return match.group(0)
        if name == "src":
            path = urlsplit(urljoin(SITE + chapter.url, raw)).path
            return f'{space}src="{html.escape((site_dir / unquote(path).lstrip("/")).as_uri())}"'
        path, fragment = urldefrag(urljoin(SITE + chapter.url, raw))
        target = path.removeprefix(SITE).removesuffix("index.html")
        if raw.startswith("#"):
            target = chapter.url
        if target not in anchors:
            return f'{space}data-site-href="{value}"'  # a site file, not a page of the book: no link on paper
        new = anchors[target] + (f"--{fragment}" if fragment else "")
        return f'{space}href="{"#" if target in here else FOREIGN}{html.escape(new)}"'

    content = ATTRIBUTE.sub(rewrite, content)
    return TABLE.sub(_fixed_table, EXTERNAL_LINK.sub(_print_url, content))


# --- splitting the book into parts rendered in parallel ---------------------------
#
# WeasyPrint lays out on one core, about 0.13 s a page, so the book is cut at
# chapter boundaries into parts that render in separate processes; `_merge`
# joins their pages with pypdf. Everything that needs the whole book is
# done at the merge: the contents' page numbers (the front matter is rendered
# last, with the numbers written in), "n / N" at the foot of every page
# (stamped from a sheet of page numbers), bookmarks, named destinations and
# links between parts (rendered as FOREIGN URIs, turned into PDF links).

FOREIGN = "handbook-anchor:"  # a link to a chapter in another part


def split(chapters: list[Chapter], parts: int) -> list[list[Chapter]]:
    """Consecutive runs of chapters with about the same amount of text."""
    sizes = [len(chapter.html) for chapter in chapters]
    total, parts = sum(sizes), max(1, min(parts, len(chapters)))
    runs: list[list[Chapter]] = [[]]
    done = 0
    for chapter, size in zip(chapters, sizes):
        # start a new run when this chapter's middle lies past the next cut
        if runs[-1] and len(runs) < parts and done + size / 2 > total * len(runs) / parts:
            runs.append([])
        runs[-1].append(chapter)
        done += size
    return runs


def _head(book: Book) -> str:
    e = html.escape
    return (f'<!DOCTYPE html>\n<html lang="{book.language}"><head><meta charset="utf-8">'
            f"<title>{e(book.title)}</title></head><body>")


def front_matter_html(book: Book, first_pages: dict[str, int] | None) -> str:
    """Cover and contents. Without page numbers (the first pass, which only
    counts the front matter's pages) every entry shows a placeholder as wide
    as the widest number."""
    words = catalogue(book.language)
    s, page = words.get("pdf"), words.get("page")
    e = html.escape
    out = [
        _head(book),
        '<section class="cover">',
        f'<p class="cover__title">{e(book.title)}</p>',
        f'<p class="cover__subtitle">{e(book.description)}</p>',
        f'<p class="cover__edition">{e(s["edition"].format(edition=book.edition))}</p>' if book.edition else "",
        f'<p class="cover__date">{e(s["date"].format(date=format_date(book.date, book.language)))}</p>',
        f'<p class="cover__author">{e(book.author)}</p>',
        review_state_html(book),
        '<div class="cover__bottom">',
        f'<p class="cover__licence">{e(book.licence)}</p>',
        f'<p class="cover__disclaimer"><strong>{e(page["disclaimer_title"])}.</strong> {e(page["disclaimer"])}</p>',
        "</div></section>",
        f'<nav class="contents"><h1 id="contents">{e(s["contents"])}</h1><ul>',
    ]
    previous: tuple[str, ...] = ()
    for chapter in book.chapters:
        for level, part in enumerate(chapter.parts):
            if chapter.parts[:level + 1] != previous[:level + 1]:
                out.append(f'<li class="contents__part contents__chapter--depth-{level}">{e(part)}</li>')
        previous = chapter.parts
        name = anchor(chapter.url)
        number = first_pages[name] if first_pages else "000"
        out.append(f'<li class="contents__chapter contents__chapter--depth-{len(chapter.parts)}">'
                   f'<a href="{FOREIGN}{name}" data-page="{number}">{e(chapter_title(chapter))}</a></li>')
    out.append("</ul></nav></body></html>")
    return "\n".join(out)


def review_state_html(book: Book) -> str:
    """The edition's review state: how many chapters an independent
    clinician, and a language reviewer, signed off as they read now."""
    words = catalogue(book.language)
    count = len(book.chapters)
    lines = [words.plural(f"pdf.{kind}_sign_offs", count, signed=words.number(sum(kind in c.reviews for c in
                                                                                 book.chapters)))
             for kind in sign_offs.KINDS]
    return (f'<p class="cover__reviews">{"<br>".join(html.escape(line) for line in lines)}<br>'
            f'{html.escape(words.text("pdf.sign_offs_note"))}</p>')


def part_html(book: Book, part: list[Chapter], site_dir: Path) -> str:
    """Some consecutive chapters, each headed by the titles of the navigation
    sections it opens."""
    anchors = {chapter.url: anchor(chapter.url) for chapter in book.chapters}
    here = {chapter.url for chapter in part}
    out = [_head(book)]
    previous: tuple[str, ...] = ()
    for chapter in book.chapters:
        headings = [f'<p class="part-title part-title--{level}">{html.escape(title)}</p>'
                    for level, title in enumerate(chapter.parts)
                    if chapter.parts[:level + 1] != previous[:level + 1]]
        previous = chapter.parts
        if chapter.url in here:
            out.append(f'<section class="chapter chapter--depth-{len(chapter.parts)}" id="{anchors[chapter.url]}">'
                       f"{''.join(headings)}\n{chapter_html(chapter, anchors, site_dir, here)}\n</section>")
    out.append("</body></html>")
    return "\n".join(out)


def page_numbers_html(book: Book, pages: int) -> str:
    """A sheet of empty pages whose footers carry "n / N"; `_merge` lays
    page n of it over page n of the book (not over the cover)."""
    return _head(book) + '<div class="page-numbers">' + "<div></div>" * pages + "</div></body></html>"


# --- rendering -----------------------------------------------------------------------

def font_faces() -> str:
    """@font-face rules naming the Debian font files by absolute path."""
    missing = [name for *_, name in FONTS if not (FONT_DIR / name).is_file()]
    if missing:
        raise FileNotFoundError(f"fonts for the PDF are missing ({', '.join(missing)} in {FONT_DIR}): "
                                f"install the Debian packages {FONT_PACKAGES} (scripts/handbook.py setup does)")
    return "\n".join(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
                     f'src: url("{(FONT_DIR / name).as_uri()}"); }}' for family, weight, style, name in FONTS)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings (a missing anchor, an unreadable picture)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def layout_problems(document) -> list[tuple[int, str]]:
    """Tables and pictures wider than the text column, pictures taller than
    the page, and internal links with no target, as (page index, message
    naming the chapter)."""
    from weasyprint.formatting_structure import boxes

    problems = []
    anchors = set().union(*(page.anchors for page in document.pages))
    chapter = ""
    for index, page in enumerate(document.pages):
        page_box = page._page_box  # WeasyPrint has no public box tree
        right = page_box.content_box_x() + page_box.width
        bottom = page_box.content_box_y() + page_box.height
        for box in page_box.descendants():
            if getattr(box, "element_tag", None) == "h1" and isinstance(box, boxes.BlockBox):
                chapter = " ".join(text.text for text in box.descendants() if isinstance(text, boxes.TextBox))
            if isinstance(box, (boxes.TableBox, boxes.ReplacedBox)):
                overflow = box.position_x + box.margin_width() - right
                if overflow > 1:
                    what = "a table" if isinstance(box, boxes.TableBox) else "a picture"
                    problems.append((index, f"({chapter}): {what} is {overflow:.0f} px wider than the "
                                            "text column -> shorten its cells or split it"))
            if isinstance(box, boxes.ReplacedBox):  # a picture cannot break across pages
                below = box.position_y + box.margin_height() - bottom
                if below > 1:
                    problems.append((index, f"({chapter}): a picture runs {below:.0f} px past the foot of the "
                                            "page -> make it shorter (a figure: fewer or shorter boxes)"))
        for kind, target, *_ in page.links:
            if kind == "internal" and target not in anchors:
                problems.append((index, f"({chapter}): link to #{target}, which is not in the book"))
    return problems


@dataclass
class Rendered:
    """One part of a book as a PDF file, with what the merge needs to know."""
    path: Path
    pages: int
    anchors: dict[str, tuple[int, float, float]]              # name -> (page index, x, y) in PDF points
    bookmarks: list[tuple[int, int, str, float, float]]       # (page index, level, label, x, y)
    problems: list[tuple[int | None, str]]                    # (page index or None, message)
    cpu_seconds: float


def render(html_text: str, language: str, title: str, site_dir: Path, target: Path,
           tagged: bool = True) -> Rendered:
    """Lay out one HTML document with the print stylesheet and write it as PDF,
    tagged as PDF/UA-1 (VARIANT) unless `tagged` is false (the sheet of page
    numbers, which `_merge` stamps on as an artifact). Runs in a worker
    process: returns only plain data."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    start_cpu = time.process_time()
    offline = URLFetcher(allowed_protocols={"file", "data"})  # no network, whatever the pages say
    fonts = FontConfiguration()
    running_title = f"@page {{ @top-left {{ content: {_css_string(title)}; }} }}"
    stylesheets = [CSS(string=font_faces(), font_config=fonts, url_fetcher=offline),
                   CSS(filename=STYLESHEET, font_config=fonts, url_fetcher=offline),
                   CSS(string=running_title, font_config=fonts, url_fetcher=offline)]
    collect = _Collect()
    weasy_log = logging.getLogger("weasyprint")
    weasy_log.addHandler(collect)
    try:
        document = HTML(string=html_text, base_url=site_dir.as_uri() + "/",
                        url_fetcher=offline).render(stylesheets=stylesheets, font_config=fonts)
        problems: list[tuple[int | None, str]] = list(layout_problems(document))
        document.metadata.lang = language
        document.write_pdf(target, pdf_variant=VARIANT if tagged else None)
    finally:
        weasy_log.removeHandler(collect)
    problems += [(None, f"WeasyPrint: {message}") for message in collect.messages]
    anchors, bookmarks = {}, []
    for index, page in enumerate(document.pages):
        height = page.height * 0.75  # CSS px from the top -> PDF points from the bottom, as WeasyPrint does
        for name, (x, y, *_) in page.anchors.items():
            anchors.setdefault(name, (index, x * 0.75, height - y * 0.75))
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((index, level, label, x * 0.75, height - y * 0.75))
    return Rendered(target, len(document.pages), anchors, bookmarks, problems,
                    time.process_time() - start_cpu)


def _render_job(job: tuple) -> Rendered:
    return render(*job)


def _stamp(page, form) -> None:
    """Lay a form (a page of the sheet of page numbers) over a page, marked as
    a pagination artifact: outside the structure tree, so a screen reader
    skips it."""
    from pikepdf import Name, Rectangle

    name = page.add_resource(form, Name.XObject)
    placement = page.calc_form_xobject_placement(form, name, Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n" + placement + b"\nEMC\n")
    page.contents_coalesce()


def _join_structure(book_pdf, sources, offsets: list[int]) -> None:
    """One structure tree for the book from the trees of its separately
    rendered parts (WeasyPrint: a Document element whose kids are the
    content's elements, and a parent tree keyed by each page's and link's
    StructParent(s), counted from 0 in every part). The parts' pages are
    already in book_pdf; pikepdf copies each part's elements with the same
    copier, so their /Pg and /Obj point at the book's pages and links. The
    keys are renumbered to run through the whole book."""
    from pikepdf import Array, Dictionary, Name

    document = book_pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    nums = Array()
    root = book_pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document]),
                                             ParentTree=book_pdf.make_indirect(Dictionary(Nums=nums))))
    document.P = root
    key = 0
    for source, offset in zip(sources, offsets):
        tree = source.Root.get("/StructTreeRoot")
        if tree is None:
            raise RuntimeError(f"{source.filename}: WeasyPrint wrote no structure tree")
        part_document = tree.K[0]
        del part_document["/P"]  # copy the elements, not the part's root
        for kid in book_pdf.copy_foreign(part_document).K:
            kid.P = document
            document.K.append(kid)
        old = tree.ParentTree.Nums
        renumbered = {}
        for index in range(0, len(old), 2):
            renumbered[int(old[index])] = key
            value = old[index + 1]
            nums.append(key)
            nums.append(Array([book_pdf.copy_foreign(v) for v in value]) if isinstance(value, Array)
                        else book_pdf.copy_foreign(value))
            key += 1
        for page in book_pdf.pages[offset:offset + len(source.pages)]:
            page.obj.StructParents = renumbered[int(page.obj.StructParents)]
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = renumbered[int(annotation.StructParent)]
    root.ParentTreeNextKey = key
    book_pdf.Root.StructTreeRoot = root
    book_pdf.Root.MarkInfo = Dictionary(Marked=True)
    book_pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def _merge(book: Book, front: Rendered, parts: list[Rendered], numbers: Path, target: Path) -> list[str]:
    """Join the rendered front matter and parts into the book's PDF with
    pikepdf (qpdf): page numbers stamped on, one outline, one set of named
    destinations, links between parts resolved. Returns what could not be
    resolved."""
    import pikepdf
    import weasyprint
    from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, String

    book_pdf = pikepdf.new()
    sources = [pikepdf.open(rendered.path) for rendered in [front, *parts]]
    offsets, anchors, problems = [], {}, []
    for rendered, source in zip([front, *parts], sources):
        offsets.append(len(book_pdf.pages))
        with warnings.catch_warnings():  # it warns that named destinations stay behind: they are made below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            book_pdf.pages.extend(source.pages)
        for name, (index, x, y) in rendered.anchors.items():
            anchors.setdefault(name, (offsets[-1] + index, x, y))

    with pikepdf.open(numbers) as sheet:
        for page, stamp in list(zip(book_pdf.pages, sheet.pages))[1:]:  # the cover has no number
            _stamp(page, book_pdf.copy_foreign(stamp.as_form_xobject()))

    for number, page in enumerate(book_pdf.pages, 1):
        for annotation in page.obj.get("/Annots", []):
            uri = str(annotation.get("/A", {}).get("/URI", ""))
            if uri.startswith(FOREIGN):
                name = uri.removeprefix(FOREIGN)
                del annotation.A
                annotation.Dest = String(name)
                if name not in anchors:
                    problems.append(f"page {number}: link to #{name}, which is not in the book")
    _join_structure(book_pdf, sources, offsets)

    destinations = NameTree.new(book_pdf)
    for name, (index, x, y) in anchors.items():
        destinations[name] = Array([book_pdf.pages[index].obj, Name.XYZ, x, y, 0])
    book_pdf.Root.Names = Dictionary(Dests=destinations.obj)

    # Bookmarks nest as WeasyPrint nests them: under the last one of a lower level.
    with book_pdf.open_outline() as outline:
        parents: list[tuple[int, list]] = [(0, outline.root)]
        for offset, rendered in zip(offsets, [front, *parts]):
            for index, level, label, x, y in rendered.bookmarks:
                while parents[-1][0] >= level:
                    parents.pop()
                item = OutlineItem(label, offset + index, "XYZ", left=x, top=y)
                parents[-1][1].append(item)
                parents.append((level, item.children))

    book_pdf.docinfo.update({"/Title": book.title, "/Author": book.author, "/Subject": book.description,
                             "/Producer": f"WeasyPrint {weasyprint.__version__}, pikepdf {pikepdf.__version__}",
                             "/CreationDate": f"D:{book.date:%Y%m%d}"})
    book_pdf.Root.Lang = String(book.language)
    with book_pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp.load_from_docinfo(book_pdf.docinfo)
        xmp["dc:language"] = [book.language]
        xmp["pdfuaid:part"] = VARIANT.rsplit("-", 1)[1]  # the PDF/UA part the book claims
    book_pdf.Root.PageMode = Name.UseOutlines  # open with the bookmarks shown
    target.parent.mkdir(parents=True, exist_ok=True)
    book_pdf.save(target, object_stream_mode=pikepdf.ObjectStreamMode.generate, min_version="1.7")  # PDF/UA-1
    for source in sources:
        source.close()
    return problems


def _page_problems(rendered: Rendered, offset: int) -> list[str]:
    return [f"page {offset + index + 1} {message}" if index is not None else message
            for index, message in rendered.problems]


def worker_context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server, never from forking this process: when
    a worker starts, this process runs threads (the pool's own manager thread
    at least), and fork() of a multi-threaded process can deadlock (Python
    3.12+ warns; 3.14 no longer forks by default). The
    server is a fresh single-threaded Python that imports WeasyPrint once;
    each worker is forked from it, ready to render."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint"])
    return context


# MkDocs takes scripts/ off sys.path again once the hooks are loaded, so a
# worker adds it itself before it imports this module to run _render_job.
WORKER_PATH = str(Path(__file__).resolve().parents[1])


def write_books(jobs: list[tuple[Book, Path, Path]], workers: int | None = None) -> list[Result]:
    """Render each (book, site_dir, target), one book after another, each
    using every core."""
    if not jobs:
        return []
    workers = workers or os.cpu_count() or 1
    import weasyprint  # noqa: F401  (the front matter is rendered in this process)
    with tempfile.TemporaryDirectory(prefix="handbook-pdf-") as tmp, \
            ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(),
                                initializer=site.addsitedir, initargs=(WORKER_PATH,)) as pool:
        return [_write(book, site_dir, target, Path(tmp) / str(number), pool, workers)
                for number, (book, site_dir, target) in enumerate(jobs)]


def _write(book: Book, site_dir: Path, target: Path, work: Path, pool: ProcessPoolExecutor, workers: int) -> Result:
    """One book: its parts in the pool; meanwhile, here, the front matter
    without page numbers (to learn its length); then the front matter with
    them and, in the pool, the sheet of page numbers; then the merge."""
    started, start_cpu = time.time(), time.process_time()
    work.mkdir()

    def job(html_text: str, name: str, tagged: bool = True) -> tuple:
        return html_text, book.language, book.title, site_dir, work / name, tagged

    futures = [pool.submit(_render_job, job(part_html(book, part, site_dir), f"part-{i}.pdf"))
               for i, part in enumerate(split(book.chapters, workers))]
    front = render(*job(front_matter_html(book, None), "front.pdf", tagged=False))  # only counts its pages
    parts = [future.result() for future in futures]
    offsets = [front.pages]
    for part in parts:
        offsets.append(offsets[-1] + part.pages)
    total = offsets.pop()
    numbers = pool.submit(_render_job, job(page_numbers_html(book, total), "numbers.pdf", tagged=False))
    first_pages = {name: offset + index + 1 for part, offset in zip(parts, offsets)
                   for name, (index, *_) in part.anchors.items() if name.startswith("ch-") and "--" not in name}
    pages_before = front.pages
    front = render(*job(front_matter_html(book, first_pages), "front.pdf"))
    if front.pages != pages_before:  # page numbers cannot lengthen the contents; check rather than trust
        raise RuntimeError(f"{target.name}: the contents took {front.pages} pages with page numbers "
                           f"and {pages_before} without")
    numbers_sheet = numbers.result()
    problems = [problem for rendered, offset in zip([front, *parts], [0, *offsets])
                for problem in _page_problems(rendered, offset)]
    problems += _merge(book, front, parts, numbers_sheet.path, target)
    cpu = sum(r.cpu_seconds for r in [*parts, numbers_sheet]) + time.process_time() - start_cpu
    log.debug(f"PDF {target.name}: parts " + ", ".join(f"{p.pages} pages in {p.cpu_seconds:.1f} s" for p in parts))
    return Result(target, total, time.time() - started, cpu, problems)


def write_book(book: Book, site_dir: Path, target: Path) -> Result:
    """Render one book to target (a path inside site_dir); return what happened."""
    return write_books([(book, site_dir, target)])[0]


def publish(books: list[tuple[object, Book]], site_dir: Path, default_language: str) -> list[Result]:
    """Write each language's PDF into the built site and check it; the hook
    calls this with (nav, book) pairs once every language is built."""
    jobs = []
    for nav, book in books:
        book.chapters = chapters(nav)
        jobs.append((book, site_dir, site_dir / site_path(book.language, default_language)))
    published[:] = write_books(jobs)
    for (book, *_), result in zip(jobs, published):
        result.problems += check_pdf(result.path, book.language, [chapter_title(c) for c in book.chapters])
    return list(published)


published: list[Result] = []  # the results of the last publish(), read by benchmark()


def benchmark(root: Path) -> list[Result]:
    """Build the handbook at root with PDFs into a temporary directory (not
    strict: content still being written must not stop a measurement) and
    return each language's result. `scripts/handbook.py pdf --bench`."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    previous = os.environ.get(ENABLE_VARIABLE)
    os.environ[ENABLE_VARIABLE] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="handbook-pdf-bench-") as tmp:
            config = load_config(str(root / "mkdocs.yml"), site_dir=tmp)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
    finally:
        if previous is None:
            os.environ.pop(ENABLE_VARIABLE)
        else:
            os.environ[ENABLE_VARIABLE] = previous
    return list(published)


# --- checking a written PDF (used by the build and the tests) ----------------------

def outline_titles(reader) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(" ".join(item.title.split()))

    walk(reader.outline)
    return titles


def _fonts(resources, seen: set) -> list:
    """Every font dictionary reachable from a page's resources."""
    found = []
    if resources is None or id(resources) in seen:
        return found
    seen.add(id(resources))
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        found += _fonts(xobject.get("/Resources"), seen)
    return found


@dataclass
class Structure:
    """What a PDF's tags say, read back from the file."""
    marked: bool = False                                # /MarkInfo /Marked true
    variant: str = ""                                   # "pdf/ua-1" when the XMP metadata claims PDF/UA-1
    tags: dict[str, int] = field(default_factory=dict)  # structure type -> how many elements
    figures: list[tuple[int, str]] = field(default_factory=list)  # (page, alternative text or "")


def structure(path: Path) -> Structure:
    """Walk a PDF's structure tree (pikepdf) and count its elements by type."""
    import pikepdf

    found = Structure()
    with pikepdf.open(path) as document:
        root = document.Root
        found.marked = bool(root.get("/MarkInfo", {}).get("/Marked", False))
        with document.open_metadata() as xmp:
            part = xmp.get("pdfuaid:part")
        found.variant = f"pdf/ua-{part}" if part else ""
        tree = root.get("/StructTreeRoot")
        if tree is None:
            return found
        pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        tags: dict[str, int] = {}
        seen: set = set()
        stack = [tree.K]  # depth first, in reading order
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Array):
                stack.extend(reversed(list(item)))
                continue
            if not isinstance(item, pikepdf.Dictionary) or item.get("/Type", "/StructElem") != "/StructElem" \
                    or "/S" not in item or item.objgen in seen:
                continue  # a marked-content number, an object reference, a visited element
            seen.add(item.objgen)
            kind = str(item.S).lstrip("/")
            tags[kind] = tags.get(kind, 0) + 1
            if kind == "Figure":
                page = item.get("/Pg")
                found.figures.append((pages.get(page.objgen, 0) if page is not None else 0,
                                      str(item.get("/Alt", ""))))
            if "/K" in item:
                stack.append(item.K)
        found.tags = dict(sorted(tags.items()))
    return found


def structure_problems(path: Path) -> list[str]:
    """A book that is not tagged, does not claim PDF/UA, has no chapter
    headings in its structure, or has a figure without alternative text."""
    found = structure(path)
    problems = [] if found.marked else ["the PDF is not tagged (no /MarkInfo /Marked true)"]
    if found.variant != VARIANT:
        problems.append(f"the PDF claims {found.variant or 'no PDF/UA part'} in its metadata, not {VARIANT}")
    if found.marked and not (found.tags.get("Document") and found.tags.get("H1")):
        problems.append("the structure tree has no Document element or no H1 heading")
    problems += [f"page {page}: a figure has no alternative text -> give the <svg> an aria-label or the "
                 "<img> an alt" for page, alt in found.figures if not alt.strip()]
    return problems


def check_pdf(path: Path, language: str, titles: list[str]) -> list[str]:
    """What is wrong with a written handbook PDF: chapter titles missing from
    the bookmarks, missing metadata, links to destinations that do not exist,
    fonts not embedded or not ours, no tags, no PDF/UA claim, a figure
    without alternative text."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    problems = []
    outline = set(outline_titles(reader))
    for title in titles:
        if " ".join(title.split()) not in outline:
            problems.append(f"chapter '{title}' has no bookmark")
    info = reader.metadata or {}
    for key in ("/Title", "/Author"):
        if not info.get(key):
            problems.append(f"no {key[1:]} in the PDF metadata")
    if reader.trailer["/Root"].get("/Lang") != language:
        problems.append(f"the PDF language is {reader.trailer['/Root'].get('/Lang')!r}, not {language!r}")
    destinations = set(reader.named_destinations)
    seen: set = set()
    fonts: dict[str, object] = {}
    for number, page in enumerate(reader.pages, 1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            name = annotation.get("/Dest")
            if action is not None and action.get_object().get("/S") == "/GoTo":
                name = action.get_object().get("/D")
            if isinstance(name, str) and name not in destinations:
                problems.append(f"page {number} links to destination '{name}', which does not exist")
        for font in _fonts(page.get("/Resources"), seen):
            fonts.setdefault(str(font.get("/BaseFont")), font)
    for base_font, font in sorted(fonts.items()):
        name = base_font.lstrip("/").split("+")[-1]
        descriptor_of = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descriptor_of.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if font.get("/Subtype") != "/Type3" and not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"font {name} is not embedded")
        if font.get("/Subtype") != "/Type3" and not name.startswith(EMBEDDED_FONT_PREFIX):
            problems.append(f"font {name} came from the machine, not from the handbook's @font-face rules")
    return problems + structure_problems(path)
