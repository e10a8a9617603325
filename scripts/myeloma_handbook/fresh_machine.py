"""The README's two commands on a fresh machine, as a new contributor meets them.

    python3 scripts/handbook.py fresh-machine bookworm    (or trixie; as root)
    python3 scripts/handbook.py fresh-machine here [--only serve|test]

`bookworm` / `trixie`: debootstrap a minimal Debian 12 / 13 root with only
python3 and git, clone the current branch into it (committed work only), and
run `fresh-machine here` inside it as root, in private mount and process
namespaces (`unshare`): /proc, /sys, /dev, /dev/pts and a private /dev/shm
(Chromium needs them) are mounted there and vanish with the namespaces, so
nothing stays mounted even when a step fails. The root is deleted afterwards (`--keep` keeps
it). The only things taken from this machine are its DNS settings and, when it
has local certificate authorities (a TLS-inspecting proxy), its CA bundle for
pip and npm.

`here`: in this checkout, `python3 scripts/handbook.py serve` (started, each
language's home page fetched with urllib, stopped), then
`python3 scripts/handbook.py test`; a table of times. The CI workflow
.github/workflows/fresh-machine.yml runs the same in clean containers.

Standard library only: it runs before .venv exists."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}
WORK = Path("/var/tmp/handbook-fresh-machine")  # roots live here, never in the repository
MIRROR = "http://deb.debian.org/debian"
SERVE_URL = "http://127.0.0.1:8000/"
LOCALE_ENTRY = re.compile(r"^[ \t]*- locale:[ \t]*([\w-]+)[ \t]*$", re.M)
SERVE_TIMEOUT = 1800  # seconds: a fresh machine first installs everything `serve` needs
TEST_TIMEOUT = 3600
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
HOST_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class FreshMachineError(Exception):
    """One sentence: what went wrong and what to do."""


def log(message: str) -> None:
    print(f"[fresh-machine] {message}", flush=True)


# ------------------------------------------------------------------ here

def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def serve_pages(project: Path) -> dict[str, str]:
    """Each language's home page (path below SERVE_URL) -> what it must hold,
    from the languages of mkdocs.yml (read as text: no YAML library yet)."""
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    entries = list(LOCALE_ENTRY.finditer(text))
    pages = {}
    for entry, following in zip(entries, entries[1:] + [None]):
        block = text[entry.end():following.start() if following else len(text)]
        default = re.search(r"^[ \t]*default:[ \t]*true[ \t]*$", block, re.M)
        pages["" if default else f"{entry.group(1)}/"] = f'lang="{entry.group(1)}"'
    return pages


def serve_check(project: Path, timeout: float = SERVE_TIMEOUT) -> float:
    """Start `handbook.py serve`, fetch each language's home page, stop it.
    Returns the seconds until the pages answered."""
    serve = serve_pages(project)
    started = time.monotonic()
    command = [sys.executable, str(project / "scripts" / "handbook.py"), "serve"]
    log("+ " + " ".join(command))
    server = subprocess.Popen(command, cwd=project, start_new_session=True)
    try:
        while True:
            if server.poll() is not None:
                raise FreshMachineError(f"`serve` stopped with exit code {server.returncode} before it answered "
                                        f"(see above; is port 8000 taken?).")
            if time.monotonic() - started > timeout:
                raise FreshMachineError(f"`serve` did not answer at {SERVE_URL} within {timeout:.0f} s.")
            try:
                pages = {path: fetch(SERVE_URL + path) for path in serve}
                break
            except OSError:
                time.sleep(2)
        answered = time.monotonic() - started
        if server.poll() is not None:  # another server answered on the port, not ours
            raise FreshMachineError("Something else answers on port 8000: stop it and run this again.")
        for path, expected in serve.items():
            if expected not in pages[path]:
                raise FreshMachineError(f"{SERVE_URL}{path} answered without {expected}: the served site is wrong.")
        log(f"serve answered {', '.join(SERVE_URL + p for p in serve)} after {answered:.0f} s")
        return answered
    finally:
        stop(server)


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C to the whole process group (handbook.py and mkdocs), as a person would."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_here(project: Path, only: str | None = None) -> int:
    rows = []
    if only in (None, "serve"):
        try:
            rows.append(("python3 scripts/handbook.py serve (start, fetch, stop)", serve_check(project), "ok"))
        except FreshMachineError as error:
            log(str(error))
            rows.append(("python3 scripts/handbook.py serve (start, fetch, stop)", None, "FAILED"))
    if only in (None, "test"):
        started = time.monotonic()
        command = [sys.executable, str(project / "scripts" / "handbook.py"), "test"]
        log("+ " + " ".join(command))
        try:
            code = subprocess.run(command, cwd=project, timeout=TEST_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        rows.append(("python3 scripts/handbook.py test", time.monotonic() - started,
                     "ok" if code == 0 else f"FAILED ({code})"))
    print(table(rows), flush=True)
    return 0 if all(result == "ok" for *_, result in rows) else 1


def table(rows) -> str:
    lines = ["| step | seconds | result |", "| --- | --- | --- |"]
    lines += [f"| {step} | {'-' if seconds is None else f'{seconds:.0f}'} | {result} |" for step, seconds, result in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- chroot

def sources_list(suite: str, mirror: str) -> str:
    """What a freshly installed Debian has: the release, its updates and security."""
    return (f"deb {mirror} {suite} main\n"
            f"deb {mirror} {suite}-updates main\n"
            f"deb {mirror}-security {suite}-security main\n")


def mounted_below(root: Path) -> list[str]:
    """Mount points at or below root, in this mount namespace."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == str(root) or point.startswith(f"{root}/"):
            points.append(point)
    return points


def remove_root(root: Path) -> None:
    if not root.exists():
        return
    if mounted_below(root):  # never delete through a mount (it could be this machine's /dev)
        raise FreshMachineError(f"{root} still has mounts ({', '.join(mounted_below(root))}): "
                                f"unmount them (umount -R {root}), then delete {root}.")
    subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=True)


def in_private_namespaces(root: Path, inner: list[str]) -> list[str]:
    """A command that mounts what a chroot needs in fresh mount and PID
    namespaces and then runs `inner` inside the chroot; every mount and
    process ends with it."""
    mounts = " && ".join([
        f"mount -t sysfs sysfs {root}/sys",
        f"mount --bind /dev {root}/dev",
        f"mount -t devpts -o newinstance,ptmxmode=0666 devpts {root}/dev/pts",  # apt-get logs through a pty
        f"mount -t tmpfs -o size=1g,mode=1777 tmpfs {root}/dev/shm",
    ])
    return ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
            f"--mount-proc={root}/proc", "sh", "-ec", f'{mounts} && exec chroot "$0" "$@"', str(root), *inner]


def ca_environment(root: Path) -> dict[str, str]:
    """This machine's local certificate authorities (e.g. a TLS-inspecting
    proxy's) for pip and npm inside the root; nothing when it has none."""
    if not (LOCAL_CAS.is_dir() and any(LOCAL_CAS.glob("*.crt")) and HOST_BUNDLE.exists()):
        return {}
    bundle = "/root/host-ca-bundle.pem"
    (root / bundle.lstrip("/")).write_bytes(HOST_BUNDLE.read_bytes())
    log(f"this machine has local certificate authorities: pip and npm inside use {bundle}")
    return {"PIP_CERT": bundle, "NODE_EXTRA_CA_CERTS": bundle, "npm_config_cafile": bundle}


def run_in_chroot(suite: str, project: Path, keep: bool = False, mirror: str = MIRROR) -> int:
    if os.geteuid() != 0:
        raise FreshMachineError("debootstrap, chroot and mounts need root: run this as root.")
    for tool in ("debootstrap", "unshare", "chroot"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            raise FreshMachineError(f"{tool} is missing: apt-get install debootstrap util-linux coreutils.")
    branch = subprocess.run(["git", "-C", str(project), "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    if subprocess.run(["git", "-C", str(project), "status", "--porcelain", "--untracked-files=no"],
                      capture_output=True, text=True).stdout.strip():
        log("the working tree has uncommitted changes: the fresh clone holds only what is committed")
    root = WORK / suite
    remove_root(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    rows = []

    started = time.monotonic()
    log(f"debootstrap {suite} ({SUITES[suite]}) into {root} from {mirror}")
    code = subprocess.run(["unshare", "--mount", "--propagation", "private", "debootstrap", "--variant=minbase",
                           "--include=python3,git", suite, str(root), mirror]).returncode
    rows.append((f"debootstrap --variant=minbase --include=python3,git {suite}", time.monotonic() - started,
                 "ok" if code == 0 else f"FAILED ({code})"))
    if code != 0:
        print(table(rows))
        raise FreshMachineError(f"debootstrap failed (see above): check that {mirror} answers, or pass --mirror.")
    try:
        (root / "etc/apt/sources.list").write_text(sources_list(suite, mirror))
        (root / "etc/resolv.conf").write_bytes(Path("/etc/resolv.conf").read_bytes())
        checkout = root / "root" / "handbook"
        subprocess.run(["git", "clone", "--quiet", "--branch", branch, str(project), str(checkout)], check=True)
        environment = {"PATH": CLEAN_PATH, "HOME": "/root", "LANG": "C.UTF-8", **ca_environment(root)}
        inner = ["env", "-i", *[f"{k}={v}" for k, v in environment.items()],
                 "sh", "-c", "cd /root/handbook && exec python3 scripts/handbook.py fresh-machine here"]
        started = time.monotonic()
        log(f"inside {SUITES[suite]} ({root}), as root: serve, then test")
        code = subprocess.run(in_private_namespaces(root, inner)).returncode
        rows.append((f"{SUITES[suite]}: serve + test (the table above)", time.monotonic() - started,
                     "ok" if code == 0 else f"FAILED ({code})"))
    finally:
        print(table(rows), flush=True)
        if keep:
            log(f"kept {root} (delete it with: rm -rf --one-file-system {root})")
        else:
            remove_root(root)
    return 0 if all(result == "ok" for *_, result in rows) else 1


def main(target: str, project: Path, only: str | None = None, keep: bool = False, mirror: str = MIRROR) -> int:
    try:
        if target == "here":
            return run_here(project, only)
        return run_in_chroot(target, project, keep, mirror)
    except FreshMachineError as error:
        print(f"fresh-machine: {error}", file=sys.stderr)
        return 1
