"""Corrections to the HTML that Material for MkDocs writes, applied to every
page (and each language's 404 page) by scripts/mkdocs_hooks.py.

- `label_navigation_sections`: with `navigation.indexes`, a section that has
  its own page (Multiple myeloma, Treatment, Skin disorders) is labelled by
  the button that opens it, which holds only an icon: several navigation
  landmarks then share the same empty name (axe-core: landmark-unique).
  Each section's navigation is labelled by its visible title instead.
- `wrap_tables`: Material's script puts every table of the content without a
  class into its scrolling wrapper once the page has loaded (the
  DOMContentLoaded event). Moving the tables makes the browser restyle the
  whole article: on the drug reference (8 tables, about 1,100 elements) the
  longest task of the page's start, about 150 ms on this machine and four
  times that on Lighthouse's phone. The wrapper is written here instead, and
  the table carries the class `handbook-table` so that Material's script
  leaves it alone; overrides/assets/stylesheets/handbook.css gives that class
  Material's styles of a table without a class (README, "Speed on a phone").
"""
from __future__ import annotations

import re

SECTION_NAV = re.compile(r'(<nav class="md-nav" data-md-level="\d+" aria-labelledby=")(?P<id>__nav\w*)_label'
                         r'("[^>]*>\s*<label class="md-nav__title" for="(?P=id)")>')


def label_navigation_sections(page_html: str) -> str:
    return SECTION_NAV.sub(lambda m: f'{m[1]}{m["id"]}_title{m[3]} id="{m["id"]}_title">', page_html)


TABLE_CLASS = "handbook-table"
# Material's wrapper (its function that wraps `table:not([class])`), written at build time.
TABLE_WRAPPED = (f'<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table class="{TABLE_CLASS}">',
                 "</table></div></div>")
ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">)(.*)(</article>)', re.S)
BARE_TABLE = re.compile(r"<table>(.*?)</table>", re.S)  # as Markdown writes a table: no attributes, never nested


def wrap_tables(page_html: str) -> str:
    """Every table of the page's content without attributes, in Material's
    scrolling wrapper and with the class that keeps Material's script from
    moving it again."""
    def in_article(match: re.Match) -> str:
        body = BARE_TABLE.sub(lambda m: TABLE_WRAPPED[0] + m[1] + TABLE_WRAPPED[1], match[2])
        return match[1] + body + match[3]
    return ARTICLE.sub(in_article, page_html, count=1)
