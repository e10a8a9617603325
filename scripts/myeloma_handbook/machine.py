"""What a machine needs before the handbook builds or tests: the system
packages (Debian and Ubuntu), .venv from requirements.lock, and what the tests
need. Standard library only: scripts/handbook.py runs this with the system's
python3 before .venv exists.

The decisions are plain functions of what was found on the machine, so the
tests can check them for Debian 12, Debian 13 and Ubuntu 24.04 without
installing anything."""
from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Debian 12's python3 is 3.11.2: the oldest Python on the systems we support.
# `handbook.py lock` resolves requirements.lock for it (and every newer one).
PYTHON_FLOOR = (3, 11, 2)

# WeasyPrint (PDF) needs Pango and HarfBuzz, and fonts that do not depend on
# what a machine happens to have; figures are drawn by Graphviz (dot).
BUILD_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core",
                  "fonts-dejavu-extra", "graphviz"]
# The tests: Chromium (browser tests), libatomic1 (the node inside Playwright's
# wheel needs it), node and npm (JavaScript tests, npm ci), poppler-utils
# (pdftotext reads the PDFs back), hunspell (Slovenian spelling).
TEST_PACKAGES = ["chromium", "libatomic1", "nodejs", "npm", "poppler-utils", "hunspell", "hunspell-sl",
                 "hunspell-en-gb"]
# Ubuntu ships Chromium only as a snap, which does not run in containers: there
# the tests use Playwright's own Chromium (installed with its libraries by
# `playwright install --with-deps chromium`).
SNAP_ONLY = {"ubuntu": {"chromium"}}
# Where requirements.lock must install: the system Python of Debian 12 (3.11.2),
# Ubuntu 24.04 (3.12), Debian 13 (3.13) and the next one (3.14), on PCs and ARM.
LOCK_TARGETS = [(python, arch) for arch in ("x86_64", "aarch64") for python in ("3.11.2", "3.12", "3.13", "3.14")]
OLDEST_GLIBC = 36  # Debian 12's glibc 2.36 (Ubuntu 24.04: 2.39, Debian 13: 2.41)


@dataclass
class Machine:
    """What setup found: the system, the Python running it, and what is installed."""
    system: str                      # ID from /etc/os-release: debian, ubuntu, ...
    like: set[str]                   # ID_LIKE from /etc/os-release
    python: tuple[int, int, int]     # the Python running scripts/handbook.py
    python_is_debian: bool           # /usr/bin/python3.X from a Debian package
    has_ensurepip: bool              # without it `python3 -m venv` makes a .venv without pip
    installed: set[str] = field(default_factory=set)  # installed packages and what they provide
    commands: set[str] = field(default_factory=set)   # node, npm: found on PATH (e.g. NodeSource's)

    @property
    def debian_like(self) -> bool:
        return self.system == "debian" or "debian" in self.like

    @property
    def venv_package(self) -> str:
        return f"python3.{self.python[1]}-venv"


def os_release(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    return values


def installed_names(dpkg_lines: str) -> set[str]:
    """Package names from `dpkg-query -W -f '${db:Status-Abbrev}|${Package}|${Provides}\\n'`,
    with what each provides (libfoo0t64 provides libfoo0, so either name counts)."""
    names = set()
    for line in dpkg_lines.splitlines():
        status, _, rest = line.partition("|")
        if not status.startswith("ii"):
            continue
        package, _, provides = rest.partition("|")
        names.add(package.strip())
        names.update(p.split("(")[0].strip() for p in provides.split(",") if p.strip())
    return names


def probe() -> Machine:
    """Look at this machine (reads files and asks dpkg; changes nothing)."""
    release = Path("/etc/os-release")
    values = os_release(release.read_text(encoding="utf-8")) if release.exists() else {}
    installed = set()
    if shutil.which("dpkg-query"):
        result = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}|${Package}|${Provides}\n"],
                                capture_output=True, text=True)
        installed = installed_names(result.stdout)
    executable = Path(sys.executable).resolve()
    return Machine(
        system=values.get("ID", ""), like=set(values.get("ID_LIKE", "").split()),
        python=tuple(sys.version_info[:3]),
        python_is_debian=str(executable).startswith("/usr/bin/python3"),
        has_ensurepip=importlib.util.find_spec("ensurepip") is not None,
        installed=installed, commands={c for c in ("node", "npm") if shutil.which(c)})


class SetupError(Exception):
    """One sentence: what went wrong and what to do."""


def python_problem(machine: Machine) -> str | None:
    if machine.python < PYTHON_FLOOR:
        floor = ".".join(map(str, PYTHON_FLOOR))
        return (f"Python {floor} or newer is needed, and this is {'.'.join(map(str, machine.python))}: "
                f"run the command with a newer python3.")
    if not machine.has_ensurepip and not (machine.debian_like and machine.python_is_debian):
        return (f"This Python ({sys.executable}) cannot make a virtual environment with pip (no ensurepip): "
                f"run the command with the system's /usr/bin/python3 or another Python that has pip.")
    return None


def missing_packages(machine: Machine, test: bool) -> list[str]:
    """The system packages still to install, in one list for one apt-get line."""
    if not machine.debian_like:
        return []
    wanted = list(BUILD_PACKAGES)
    if not machine.has_ensurepip:  # Debian keeps ensurepip in python3.X-venv
        wanted.insert(0, machine.venv_package)
    if test:
        skip = set(SNAP_ONLY.get(machine.system, set()))
        # A node that came from elsewhere (NodeSource, nvm) brings its own npm;
        # Debian's npm would conflict with NodeSource's nodejs.
        if "node" in machine.commands:
            skip.add("nodejs")
        if "npm" in machine.commands:
            skip.add("npm")
        wanted += [p for p in TEST_PACKAGES if p not in skip]
    return not_installed(machine, wanted)


def not_installed(machine: Machine, packages: list[str]) -> list[str]:
    return [p for p in packages if p not in machine.installed] if machine.debian_like else []


def install_line(packages: list[str], sudo: bool) -> str:
    prefix = "sudo " if sudo else ""
    return (f"{prefix}apt-get update && {prefix}apt-get install -y --no-install-recommends "
            + " ".join(packages))


def needs_playwright_chromium(machine: Machine, test: bool) -> bool:
    """Ubuntu: the browser tests use Playwright's Chromium (see SNAP_ONLY)."""
    return test and "chromium" in SNAP_ONLY.get(machine.system, set())


def system_id() -> str:
    release = Path("/etc/os-release")
    return os_release(release.read_text(encoding="utf-8")).get("ID", "") if release.exists() else ""


def chromium_for_tests(system: str | None = None) -> str | None:
    """The Chromium the browser tests drive: the system's (Debian's package);
    None where Chromium is only a snap (Ubuntu): Playwright's own, which
    `setup --test` installs there."""
    found = shutil.which("chromium")
    if found:
        return found
    if "chromium" in SNAP_ONLY.get(system_id() if system is None else system, set()):
        return None
    return "/usr/bin/chromium"


def venv_problem(venv: Path, machine: Machine) -> str | None:
    """Why .venv cannot be used as it is (None: it can). A .venv left behind by
    `python3 -m venv` without ensurepip has a python but no pip."""
    python = venv / "bin" / "python"
    if not python.exists():
        return "missing"
    result = subprocess.run([str(python), "-c", "import sys, pip; print(*sys.version_info[:2])"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return "without pip"
    if tuple(map(int, result.stdout.split())) != machine.python[:2]:
        return f"made with Python {'.'.join(result.stdout.split())}"
    return None


def pip_download_options(python: str, arch: str) -> list[str]:
    """`pip download` options that fetch, for that Python and processor, only
    wheels (no building) whose hash is in the lock, checking Requires-Python."""
    version = python.split(".")
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(17, OLDEST_GLIBC + 1)] + [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        platforms += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    options = ["--no-deps", "--require-hashes", "--only-binary=:all:", "--python-version", python,
               "--implementation", "cp", "--abi", f"cp{version[0]}{version[1]}"]
    for platform in platforms:
        options += ["--platform", platform]
    return options


def is_root() -> bool:
    return os.geteuid() == 0
