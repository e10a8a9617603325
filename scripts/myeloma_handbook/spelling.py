"""`scripts/handbook.py spellcheck`: spelling of the prose, not of the markup.

Each page is masked first (markdown_source.mask_non_prose: front matter,
code, URLs, link targets, citation keys, evidence labels and admonition heads
become spaces, so every word keeps its line). Then:

- each language's catalogue (i18n/<language>.yml, `spelling:`) names its
  checker and word list. English pages go through codespell, which knows
  common misspellings and leaves unknown medical words alone;
  scripts/wordlist-en.txt is its ignore list for the few medical words it
  mistakes for typos.
- Slovenian pages go through hunspell with Debian's sl_SI dictionary
  (hunspell-sl); scripts/wordlist-sl.txt adds medical terms and drug names.
  A list entry ending in `*` accepts every inflected form of its stem
  (`bortezomib*` accepts bortezomiba, bortezomibom ...).
- a language whose catalogue names no checker is not spell-checked (the
  command says so).

The labels of figures (figures/<name>.<language>.yml) are checked with the
pages of their language: only the text of the labels, not the YAML keys,
comments or {placeholders}.

Words with digits or with more than one capital (CD38, KarMMa, ISS) are
names and abbreviations, not spelling, and are skipped.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .i18n import Catalogues
from .markdown_source import mask_non_prose

# A word, or a hyphenated compound (ide-cel, 5-letno, GLOBOCAN-ovih).
COMPOUND = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Code written as HTML (<code>&#91;evidence: rct&#93;</code>) is not prose either.
HTML_CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.S)
# Emphasis inside a word (hiper**k**alciemija) would split it in two.
INNER_EMPHASIS = re.compile(r"(?<=\w)[*_]+(?=\w)")
# A figure's labels: figures/<name>.<language>.yml, and what in them is not prose.
FIGURE_LABELS = re.compile(r"^[a-z0-9][a-z0-9-]*\.(?P<language>[A-Za-z_-]+)\.yml$")
YAML_NOT_PROSE = re.compile(r"^[ \t]*(?:- )?(?:\"[^\"\n]*\"|'[^'\n]*'|[\w-]+)[ \t]*:(?:[ \t]*[|>][-+]?)?|#.*$|\{\w+\}",
                            re.M)
CODESPELL_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<word>.+?) ==> (?P<fix>.+)$")


@dataclass(frozen=True, order=True)
class Misspelling:
    path: str
    line: int
    word: str
    suggestion: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.word}"
        return f"{text} ==> {self.suggestion}" if self.suggestion else text


class SpellcheckError(Exception):
    """A tool the check needs is missing; the message says how to install it."""


def read_word_list(path: Path) -> tuple[set[str], tuple[str, ...]]:
    """Exact words and `stem*` prefixes from a word list (# starts a comment)."""
    words, stems = set(), []
    if path.is_file():
        for raw in path.read_text(encoding="utf-8").split("\n"):
            entry = raw.split("#", 1)[0].strip()
            if entry.endswith("*"):
                stems.append(entry[:-1].lower())
            elif entry:
                words.add(entry.lower())
    return words, tuple(stems)


def mask_prose(text: str) -> str:
    """mask_non_prose, and HTML code elements; offsets and lines are kept."""
    return mask_non_prose(HTML_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text))


def figure_label_prose(text: str) -> str:
    """The words of a figure's labels file; keys, comments and placeholders blanked."""
    return YAML_NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def is_name_or_abbreviation(word: str) -> bool:
    return len(word) < 2 or sum(ch.isupper() for ch in word) > 1


def check_english(files: dict[str, str], ignore_list: Path) -> list[Misspelling]:
    """codespell over masked copies of the files ({shown path: text})."""
    codespell = shutil.which("codespell") or _venv_tool("codespell")
    if not codespell:
        raise SpellcheckError("codespell is not installed: run `python3 scripts/handbook.py setup`")
    found = []
    with tempfile.TemporaryDirectory(prefix="spell-en-") as tmp:
        shown = {}
        for index, (path, text) in enumerate(sorted(files.items())):
            copy = Path(tmp) / f"{index}.md"
            copy.write_text(mask_prose(text), encoding="utf-8")
            shown[str(copy)] = path
        command = [codespell]
        if ignore_list.is_file():
            command += ["--ignore-words", str(ignore_list)]
        result = subprocess.run(command + sorted(shown), capture_output=True, text=True)
        if result.returncode not in (0, 65):  # 65: misspellings found
            raise SpellcheckError(f"codespell failed: {result.stderr.strip()}")
        for line in result.stdout.splitlines():
            match = CODESPELL_LINE.match(line.strip())
            if match and match.group("path") in shown:
                found.append(Misspelling(shown[match.group("path")], int(match.group("line")),
                                         match.group("word"), match.group("fix")))
    return sorted(found)


def check_hunspell(files: dict[str, str], dictionary: str, word_list: Path) -> list[Misspelling]:
    """hunspell over every distinct word of the masked files."""
    if not shutil.which("hunspell"):
        raise SpellcheckError("hunspell is not installed: run `python3 scripts/handbook.py setup --test` "
                              f"(Debian packages hunspell and hunspell-{dictionary.split('_')[0].lower()})")
    accepted, stems = read_word_list(word_list)

    def known(word: str) -> bool:
        lower = word.lower()
        return lower in accepted or lower.startswith(stems or ("\0",))

    occurrences: dict[str, list[tuple[str, int]]] = {}
    for path, text in files.items():
        for number, line in enumerate(mask_prose(text).split("\n"), 1):
            for compound in COMPOUND.finditer(INNER_EMPHASIS.sub("", line)):
                parts = compound.group(0).replace("’", "'").split("-")
                # A number or an abbreviation with a Slovenian ending (2020-ih, GLOBOCAN-ovih) is a name.
                if any(not PART.fullmatch(part) or is_name_or_abbreviation(part) for part in parts):
                    continue
                if len(parts) > 1 and known(compound.group(0)):
                    continue
                for word in parts:
                    if not known(word):
                        occurrences.setdefault(word, []).append((path, number))
    if not occurrences:
        return []
    result = subprocess.run(["hunspell", "-d", dictionary, "-i", "UTF-8", "-l"],
                            input="\n".join(occurrences), capture_output=True, text=True, encoding="utf-8")
    if result.returncode != 0 or "Can't open affix or dictionary" in result.stderr:
        raise SpellcheckError(f"hunspell could not check {dictionary}: {result.stderr.strip()} "
                              f"(is the Debian package hunspell-{dictionary.split('_')[0].lower()} installed?)")
    unknown = set(result.stdout.split())
    return sorted(Misspelling(path, line, word) for word in unknown for path, line in occurrences.get(word, []))


def _venv_tool(name: str) -> str | None:
    candidate = Path(__file__).resolve().parents[2] / ".venv" / "bin" / name
    return str(candidate) if candidate.exists() else None


def check_files(paths: list[Path], root: Path) -> list[Misspelling]:
    """Spell-check chapter files and figure labels; the language comes from
    docs/<language>/ (or the labels' file name), the checker from that
    language's catalogue."""
    catalogues = Catalogues(root)
    by_language: dict[str, dict[str, str]] = {language: {} for language in catalogues.languages.all}
    for path in paths:
        parts = path.resolve().relative_to(root.resolve()).parts
        if len(parts) > 2 and parts[0] == "docs" and parts[1] in by_language and path.suffix == ".md":
            by_language[parts[1]]["/".join(parts)] = path.read_text(encoding="utf-8")
        labels = FIGURE_LABELS.match(parts[-1]) if len(parts) == 2 and parts[0] == "figures" else None
        if labels and labels.group("language") in by_language:
            by_language[labels.group("language")]["/".join(parts)] = figure_label_prose(path.read_text(encoding="utf-8"))
    found = []
    for language, files in by_language.items():
        settings = catalogues(language).data.get("spelling") or {}
        if not files or not settings:
            continue
        word_list = root / settings.get("word_list", f"scripts/wordlist-{language}.txt")
        if settings.get("checker") == "codespell":
            found += check_english(files, word_list)
        elif settings.get("checker") == "hunspell":
            found += check_hunspell(files, settings["dictionary"], word_list)
        else:
            raise SpellcheckError(f"i18n/{language}.yml: unknown spelling checker '{settings.get('checker')}' "
                                  "(codespell or hunspell)")
    return sorted(found)


def unchecked_languages(root: Path) -> list[str]:
    """Languages whose catalogue names no spell checker."""
    catalogues = Catalogues(root)
    return [language for language in catalogues.languages.all if not catalogues(language).data.get("spelling")]
