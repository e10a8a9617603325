"""The files a change touches, for the commands that can check only those
(`spellcheck --changed`, `translation-status --changed`): what the branch
changed since it left the base branch (their merge base), what is staged or
edited and not yet committed, and new files git does not ignore."""
from __future__ import annotations

import subprocess
from pathlib import Path


class ChangesError(Exception):
    """git cannot say; the message says why and what to do."""


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ChangesError("git is not installed: install it, or name the files instead") from None
    if result.returncode != 0:
        raise ChangesError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "git failed")
    return result.stdout


def changed_files(root: Path, base: str = "main") -> list[Path]:
    """The files below root that differ from `base` (a branch, e.g. main, or
    any revision), committed or not, and that still exist; sorted."""
    for candidate in (base, f"origin/{base}"):
        try:
            merge_base = _git(root, "merge-base", candidate, "HEAD").strip()
            break
        except ChangesError:
            continue
    else:
        raise ChangesError(f"git knows no revision '{base}' here (nor origin/{base}): fetch it "
                           f"(git fetch origin {base}), or name another with --changed REV")
    names = _git(root, "diff", "--name-only", "--relative", "--no-renames", merge_base, "--").splitlines()
    names += _git(root, "ls-files", "--others", "--exclude-standard").splitlines()
    return sorted({root / name for name in names if (root / name).is_file()})
