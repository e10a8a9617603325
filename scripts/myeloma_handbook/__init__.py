"""The Myeloma Handbook's build engine: quality gates, citation formatting and
page decorations. Each gate is written once here and used by the MkDocs hook
(scripts/mkdocs_hooks.py), the command line (scripts/handbook.py) and the
tests (tests/)."""
