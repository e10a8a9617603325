"""Setup on a fresh machine (scripts/myeloma_handbook/machine.py): which system
packages each supported system still needs, the one install line, the Python
floor, and a half-made .venv. Nothing is installed here: the decisions are
checked on what a fresh Debian 12, Debian 13 and Ubuntu 24.04 report (as
measured with `scripts/handbook.py fresh-machine`)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from myeloma_handbook import machine
from myeloma_handbook.machine import BUILD_PACKAGES, Machine


def fresh(system: str, python: tuple[int, int, int], **changes) -> Machine:
    """A root with only python3 and git: Debian's python3 without ensurepip."""
    values = dict(system=system, like={"debian"} if system == "ubuntu" else set(), python=python,
                  python_is_debian=True, has_ensurepip=False, installed={"python3", "git"}, commands=set())
    values.update(changes)
    return Machine(**values)


DEBIAN_12 = fresh("debian", (3, 11, 2))
DEBIAN_13 = fresh("debian", (3, 13, 5))
UBUNTU_24 = fresh("ubuntu", (3, 12, 3))


@pytest.mark.parametrize("found, venv_package", [(DEBIAN_12, "python3.11-venv"), (DEBIAN_13, "python3.13-venv"),
                                                 (UBUNTU_24, "python3.12-venv")])
def test_a_fresh_system_gets_venv_and_everything_in_one_line(found, venv_package):
    missing = machine.missing_packages(found, test=True)
    assert missing[0] == venv_package  # before .venv is made: without it, venv makes no pip
    assert set(BUILD_PACKAGES) <= set(missing)
    assert {"nodejs", "npm", "hunspell-sl", "poppler-utils"} <= set(missing)  # Debian 13's nodejs has no npm
    assert ("chromium" in missing) == (found.system == "debian")
    assert machine.missing_packages(found, test=False) == [venv_package, *BUILD_PACKAGES]


def test_ubuntu_uses_playwrights_chromium_debian_its_own():
    assert machine.needs_playwright_chromium(UBUNTU_24, test=True)
    assert not machine.needs_playwright_chromium(UBUNTU_24, test=False)
    assert not machine.needs_playwright_chromium(DEBIAN_12, test=True)


def test_nothing_is_installed_twice():
    everything = set(machine.BUILD_PACKAGES + machine.TEST_PACKAGES)
    done = fresh("debian", (3, 11, 2), has_ensurepip=True, installed=everything)
    assert machine.missing_packages(done, test=True) == []
    # NodeSource's nodejs brings npm; Debian's npm would conflict with it.
    nodesource = fresh("debian", (3, 13, 5), commands={"node", "npm"})
    assert not {"nodejs", "npm"} & set(machine.missing_packages(nodesource, test=True))
    # Not Debian or Ubuntu: nothing to install with apt-get.
    assert machine.missing_packages(fresh("fedora", (3, 13, 5)), test=True) == []


def test_installed_names_count_what_a_package_provides():
    dpkg = ("ii |libpango-1.0-0t64|libpango-1.0-0 (= 1.52.1+ds-1build1)\n"
            "ii |python3.12-venv|\n"
            "rc |chromium|\n"  # removed, configuration left: not installed
            "ii |npm|node-npm, nodejs-npm (= 9.2.0)\n")
    assert machine.installed_names(dpkg) == {"libpango-1.0-0t64", "libpango-1.0-0", "python3.12-venv",
                                             "npm", "node-npm", "nodejs-npm"}


def test_install_line_is_one_line_to_copy():
    line = machine.install_line(["python3.11-venv", "npm"], sudo=True)
    assert line == ("sudo apt-get update && sudo apt-get install -y --no-install-recommends "
                    "python3.11-venv npm")
    assert "\n" not in line


def test_python_floor_and_a_python_without_ensurepip():
    old = fresh("debian", (3, 11, 1))
    assert machine.python_problem(old) == ("Python 3.11.2 or newer is needed, and this is 3.11.1: "
                                           "run the command with a newer python3.")
    assert machine.python_problem(DEBIAN_12) is None  # Debian's: setup installs python3.11-venv
    built = fresh("debian", (3, 12, 0), python_is_debian=False)
    assert machine.python_problem(built).startswith(f"This Python ({sys.executable}) cannot make a virtual "
                                                    "environment with pip (no ensurepip): run the command with")


def test_readme_states_the_real_python_floor():
    floor = ".".join(map(str, machine.PYTHON_FLOOR))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {floor} or newer" in readme
    assert "Python 3.11 or newer" not in readme


def test_a_half_made_venv_is_found(tmp_path):
    found = machine.probe()
    assert machine.venv_problem(tmp_path / "none", found) == "missing"
    # What `python3 -m venv` leaves behind on Debian without python3-venv.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "half")], check=True, timeout=120)
    assert machine.venv_problem(tmp_path / "half", found) == "without pip"
    assert machine.venv_problem(ROOT / ".venv", found) is None  # the one running these tests


def test_os_release_is_read_like_the_shell_reads_it():
    text = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n# comment\n\n'
    assert machine.os_release(text) == {"PRETTY_NAME": "Ubuntu 24.04.1 LTS", "ID": "ubuntu", "ID_LIKE": "debian",
                                        "VERSION_ID": "24.04"}


def test_lock_check_asks_for_wheels_of_each_target_only():
    options = machine.pip_download_options("3.11.2", "aarch64")
    assert options[:3] == ["--no-deps", "--require-hashes", "--only-binary=:all:"]
    assert options[options.index("--python-version") + 1] == "3.11.2"  # Requires-Python is checked on it
    assert options[options.index("--abi") + 1] == "cp311"
    platforms = [options[i + 1] for i, option in enumerate(options) if option == "--platform"]
    assert "manylinux_2_17_aarch64" in platforms and "manylinux_2_36_aarch64" in platforms
    assert not [p for p in platforms if "x86_64" in p or p.startswith("manylinux_2_37")]
    assert {python for python, _ in machine.LOCK_TARGETS} == {"3.11.2", "3.12", "3.13", "3.14"}


def test_every_pin_in_the_lock_is_exact_and_hashed():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    requirements = re.split(r"\n(?=[a-z0-9])", re.sub(r"^#.*\n", "", text, flags=re.M).strip())
    assert len(requirements) > 50
    for requirement in requirements:
        name = requirement.split()[0]
        assert re.fullmatch(r"[a-z0-9._-]+==[0-9][0-9a-z.+]*", name), name
        assert "--hash=sha256:" in requirement, name


def test_browser_tests_use_debians_chromium_or_playwrights_on_ubuntu(monkeypatch):
    monkeypatch.setattr(machine.shutil, "which", lambda command: None)  # no chromium on PATH
    assert machine.chromium_for_tests("ubuntu") is None  # Playwright's own
    assert machine.chromium_for_tests("debian") == "/usr/bin/chromium"  # missing: the browser tests say so
    monkeypatch.setattr(machine.shutil, "which", lambda command: f"/usr/bin/{command}")
    assert machine.chromium_for_tests("ubuntu") == "/usr/bin/chromium"


def test_fresh_machine_workflow_runs_the_two_commands_on_each_clean_system():
    import importlib.util
    import shlex

    import yaml

    data = yaml.safe_load((ROOT / ".github" / "workflows" / "fresh-machine.yml").read_text(encoding="utf-8"))
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as true
    assert {"pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    job = data["jobs"]["two-commands"]
    assert job["strategy"]["matrix"]["image"] == ["debian:12", "debian:13", "ubuntu:24.04"]
    assert job["container"]["image"] == "${{ matrix.image }}"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[0].split() == ["apt-get", "update", "apt-get", "install", "-y", "python3", "git"]
    spec = importlib.util.spec_from_file_location("handbook_cli", ROOT / "scripts" / "handbook.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    calls = [shlex.split(run)[2:] for run in runs if run.startswith("python3 scripts/handbook.py")]
    assert calls == [["fresh-machine", "here", "--only", "serve"], ["test"]]
    for args in calls:
        cli.make_parser().parse_args(args)  # exits (fails the test) on an unknown command


def test_fresh_machine_root_is_mounted_privately_and_never_deleted_through_a_mount(tmp_path):
    from myeloma_handbook import fresh_machine

    command = fresh_machine.in_private_namespaces(tmp_path, ["true"])
    assert command[:7] == ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child"]
    assert f"--mount-proc={tmp_path}/proc" in command
    assert f"mount -t tmpfs -o size=1g,mode=1777 tmpfs {tmp_path}/dev/shm" in command[command.index("-ec") + 1]
    assert fresh_machine.mounted_below(Path("/proc")) and fresh_machine.mounted_below(tmp_path) == []
    assert fresh_machine.sources_list("trixie", "http://deb.debian.org/debian").splitlines() == [
        "deb http://deb.debian.org/debian trixie main", "deb http://deb.debian.org/debian trixie-updates main",
        "deb http://deb.debian.org/debian-security trixie-security main"]
