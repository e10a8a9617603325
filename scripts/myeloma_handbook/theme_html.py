"""Corrections to the HTML that Material for MkDocs writes, applied to every
page (and each language's 404 page) by scripts/mkdocs_hooks.py.

- `label_navigation_sections`: with `navigation.indexes`, a section that has
  its own page (Multiple myeloma, Treatment, Skin disorders) is labelled by
  the button that opens it, which holds only an icon: several navigation
  landmarks then share the same empty name (axe-core: landmark-unique).
  Each section's navigation is labelled by its visible title instead.
"""
from __future__ import annotations

import re

SECTION_NAV = re.compile(r'(<nav class="md-nav" data-md-level="\d+" aria-labelledby=")(?P<id>__nav\w*)_label'
                         r'("[^>]*>\s*<label class="md-nav__title" for="(?P=id)")>')


def label_navigation_sections(page_html: str) -> str:
    return SECTION_NAV.sub(lambda m: f'{m[1]}{m["id"]}_title{m[3]} id="{m["id"]}_title">', page_html)
