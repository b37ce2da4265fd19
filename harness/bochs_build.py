"""Build Bochs 3.x from Debian's trixie source package into a user cache.

Usage (from the repository root)::

    /usr/bin/python3 -m harness.bochs_build [--uri URI] [--check]

The host is Debian 12 (bookworm), whose own bochs is 2.7.  Bochs 3.0 is
taken from the *trixie* source package through the archive mirror the
system already uses for bookworm.  Nothing under /etc/apt is modified:
apt is pointed at a private deb-src sources file and private list/cache
directories inside the cache root.

Layout of the cache root (``${XDG_CACHE_HOME:-~/.cache}/vmx-diff``)::

    build.lock                  fcntl lock held while building
    build.log                   output of the last build attempt
    apt/<uri-hash>/             private apt state (sources file, lists, cache)
    downloads/                  verified source tarballs (reused on rebuild)
    tmp-build-*/                scratch directory of a running build
    bochs-<version>-<key>/      finished install: bin/bochs, share/, BUILD_OK

``<key>`` is a short sha256 over the Debian version, the configure options
and BUILD_RECIPE_VERSION, so changing any of them yields a fresh build
directory.  BUILD_OK (JSON) is written last; a directory without a valid
stamp is never used.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Bump when the build procedure changes in a way that affects the result.
BUILD_RECIPE_VERSION = 1

SOURCE_PACKAGE = "bochs"
SOURCE_SUITE = "trixie"
SOURCE_COMPONENT = "main"
REQUIRED_UPSTREAM_MAJOR = "3"

URI_ENV = "VMXDIFF_BOCHS3_URI"
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# Options given to Bochs' configure (besides --prefix).  With --with-nogui
# named explicitly, configure enables no other display library.  The
# debugger GUI (GTK) and the docbook manual would otherwise be switched on
# automatically when their libraries/tools happen to be installed, which
# would make the result depend on the machine; they are disabled.  Sound
# support is off by default in 3.0 (there is no --enable-sound switch).
CONFIGURE_OPTIONS: tuple[str, ...] = (
    "--with-nogui",
    "--enable-x86-64",
    "--enable-cpu-level=6",
    "--enable-vmx=2",
    "--enable-avx",
    "--enable-evex",
    "--enable-smp",
    "--enable-debugger",
    "--enable-all-optimizations",
    "--enable-pci",
    "--enable-cdrom",
    "--disable-plugins",
    "--disable-debugger-gui",
    "--disable-docbook",
)

# Debian packages a headless build needs, and the programs that stand for them.
BUILD_PACKAGES = ("build-essential", "dpkg-dev", "libreadline-dev")
REQUIRED_PROGRAMS = ("gcc", "g++", "make", "dpkg-source", "apt-get", "apt-cache")

# Timeouts (seconds).
APT_HTTP_TIMEOUT = 20
URL_TIMEOUT = 30
URL_TOTAL_TIMEOUT = 600
APT_UPDATE_TIMEOUT = 600
APT_SOURCE_TIMEOUT = 600
EXTRACT_TIMEOUT = 300
CONFIGURE_TIMEOUT = 900
MAKE_TIMEOUT = 3600
INSTALL_TIMEOUT = 600
VERSION_TIMEOUT = 10

STAMP_NAME = "BUILD_OK"
BINARY_RELPATH = "bin/bochs"

# Fields of a Sources paragraph that a .dsc does not carry.
_SOURCES_ONLY_FIELDS = {"directory", "priority", "section"}
# Conventional .dsc field order; fields not listed keep their order after them.
_DSC_FIELD_ORDER = (
    "Format", "Source", "Binary", "Architecture", "Version", "Maintainer",
    "Uploaders", "Homepage", "Description", "Standards-Version",
    "Vcs-Browser", "Vcs-Git", "Testsuite", "Testsuite-Triggers",
    "Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep",
    "Build-Conflicts", "Build-Conflicts-Arch", "Build-Conflicts-Indep",
    "Package-List",
)
_DSC_CHECKSUM_FIELDS = ("Checksums-Sha1", "Checksums-Sha256", "Checksums-Sha512", "Files")


class BuildError(Exception):
    """A build step failed; the message is a single human-readable line."""

    def __init__(self, message: str):
        one_line = "; ".join(
            part.strip() for part in str(message).splitlines() if part.strip()
        )
        super().__init__(one_line or "unknown error")


# --------------------------------------------------------------------------
# Cache location and keys

def cache_root() -> pathlib.Path:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = pathlib.Path(xdg) if xdg and os.path.isabs(xdg) else pathlib.Path.home() / ".cache"
    return base / "vmx-diff"


def build_log_path() -> pathlib.Path:
    return cache_root() / "build.log"


def cache_key(version: str, options=CONFIGURE_OPTIONS,
              recipe: int = BUILD_RECIPE_VERSION) -> str:
    blob = json.dumps([version, list(options), recipe], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _safe_version(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+~-]", "_", version)


def build_dir_for(version: str, options=CONFIGURE_OPTIONS,
                  recipe: int = BUILD_RECIPE_VERSION) -> pathlib.Path:
    return cache_root() / f"bochs-{_safe_version(version)}-{cache_key(version, options, recipe)}"


def _upstream_version(debian_version: str) -> str:
    v = debian_version.split(":", 1)[-1]
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    return re.split(r"[+~]", v, 1)[0]


def _read_stamp(build_dir: pathlib.Path) -> dict | None:
    """Return the stamp of build_dir if it is valid for the current recipe."""
    try:
        with open(build_dir / STAMP_NAME, encoding="utf-8") as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict):
        return None
    version = stamp.get("version")
    if not isinstance(version, str) or not version:
        return None
    if stamp.get("recipe") != BUILD_RECIPE_VERSION:
        return None
    if stamp.get("options") != list(CONFIGURE_OPTIONS):
        return None
    if _upstream_version(version).split(".")[0] != REQUIRED_UPSTREAM_MAJOR:
        return None
    if build_dir.name != build_dir_for(version).name:
        return None
    binary = build_dir / BINARY_RELPATH
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return None
    return stamp


def cached_binary() -> pathlib.Path | None:
    """Path of bin/bochs of a valid cached build, else None.  No network."""
    root = cache_root()
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith("bochs-") and p.is_dir()]
    except OSError:
        return None
    best: tuple[str, pathlib.Path] | None = None
    for d in candidates:
        stamp = _read_stamp(d)
        if stamp is None:
            continue
        date = str(stamp.get("date", ""))
        if best is None or date > best[0]:
            best = (date, d / BINARY_RELPATH)
    return best[1] if best else None


def version_of(binary) -> str:
    """Upstream version ("3.0") from the banner Bochs prints for --help."""
    try:
        proc = subprocess.run(
            [str(binary), "--help"], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=VERSION_TIMEOUT, env=dict(os.environ, LC_ALL="C"),
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{binary} --help did not finish within {VERSION_TIMEOUT}s")
    except OSError as e:
        raise BuildError(f"cannot run {binary}: {e.strerror or e}")
    text = proc.stdout.decode("utf-8", "replace")
    m = re.search(r"Bochs x86 Emulator\s+(\d+(?:\.\d+)+)", text)
    if not m:
        raise BuildError(f"no 'Bochs x86 Emulator <version>' banner in the output of {binary} --help")
    return m.group(1)


# --------------------------------------------------------------------------
# deb822 helpers

def parse_deb822(text: str) -> list[dict[str, str]]:
    """Parse deb822 paragraphs.  Values keep continuation lines verbatim:
    "first-line-value\\n continuation\\n ...".  Keys keep their spelling;
    look them up with _field()."""
    paragraphs: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                paragraphs.append(cur)
            cur, last = {}, None
            continue
        if line.startswith("#"):  # comment (sources files)
            continue
        if line[0] in " \t":
            if last is None:
                raise ValueError(f"continuation line without a field: {line!r}")
            cur[last] += "\n" + line
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"not a field line: {line!r}")
        last = name.strip()
        cur[last] = value.strip()
    if cur:
        paragraphs.append(cur)
    return paragraphs


def _field(par: dict[str, str], name: str, default: str | None = None) -> str | None:
    lname = name.lower()
    for k, v in par.items():
        if k.lower() == lname:
            return v
    return default


def _checksum_entries(value: str) -> list[tuple[str, int, str]]:
    """(hash, size, name) from a Files/Checksums-* field value."""
    out = []
    for line in value.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out.append((parts[0].lower(), int(parts[1]), parts[2]))
    return out


def source_files(par: dict[str, str]) -> list[tuple[str, int, str]]:
    """(sha256, size, name) of every file listed in a Sources paragraph."""
    value = _field(par, "Checksums-Sha256")
    if not value:
        raise BuildError("the Sources entry has no Checksums-Sha256 field")
    entries = _checksum_entries(value)
    if not entries:
        raise BuildError("the Sources entry lists no files")
    for digest, _size, name in entries:
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or "/" in name or name.startswith("."):
            raise BuildError(f"malformed Checksums-Sha256 line for {name!r} in the Sources entry")
    return entries


def dsc_name(par: dict[str, str]) -> str:
    for _d, _s, name in source_files(par):
        if name.endswith(".dsc"):
            return name
    pkg = _field(par, "Package") or _field(par, "Source")
    version = (_field(par, "Version") or "").split(":", 1)[-1]
    return f"{pkg}_{version}.dsc"


def dsc_from_sources(par: dict[str, str]) -> str:
    """Rebuild an (unsigned) .dsc from a Sources index paragraph.

    The Sources entry is covered by the archive's signed InRelease file and
    carries every field of the .dsc (with Source renamed to Package) plus
    archive bookkeeping (Directory, Priority, Section) and a line for the
    .dsc itself in each checksum list; those are removed.
    """
    fields: dict[str, str] = {}
    for k, v in par.items():
        lk = k.lower()
        if lk in _SOURCES_ONLY_FIELDS:
            continue
        if lk == "package":
            k = "Source"
        fields[k] = v
    for req in ("Format", "Source", "Version", "Files"):
        if _field(fields, req) is None:
            raise BuildError(f"the Sources entry lacks the {req} field needed for a .dsc")

    def strip_dsc(value: str) -> str:
        kept = [" " + ln.strip() for ln in value.splitlines()
                if ln.strip() and not (len(ln.split()) == 3 and ln.split()[2].endswith(".dsc"))]
        return "\n".join([""] + kept)

    def render(name: str, value: str) -> str:
        if not value:
            return f"{name}:"
        return f"{name}:{value}" if value.startswith("\n") else f"{name}: {value}"

    order = {name.lower(): i for i, name in enumerate(_DSC_FIELD_ORDER)}
    checks = {name.lower() for name in _DSC_CHECKSUM_FIELDS}
    head = sorted((k for k in fields if k.lower() in order), key=lambda k: order[k.lower()])
    middle = [k for k in fields if k.lower() not in order and k.lower() not in checks]
    tail = [name for name in _DSC_CHECKSUM_FIELDS if _field(fields, name) is not None]

    lines = []
    for k in head + middle:
        lines.append(render(k, fields[k]))
    for name in tail:
        lines.append(render(name, strip_dsc(_field(fields, name))))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Environment discovery

def _os_codename() -> str:
    try:
        text = pathlib.Path("/etc/os-release").read_text()
    except OSError as e:
        raise BuildError(f"cannot read /etc/os-release: {e.strerror}")
    m = re.search(r'^VERSION_CODENAME="?([^"\n]*)"?', text, re.M)
    if not m or not m.group(1):
        raise BuildError("no VERSION_CODENAME in /etc/os-release; pass --uri or set " + URI_ENV)
    return m.group(1)


def derive_archive_uri() -> str:
    """The archive URI apt uses for this system's release (not security)."""
    codename = _os_codename()
    try:
        proc = subprocess.run(
            ["apt-get", "indextargets", "--format", "$(REPO_URI)",
             f"Codename: {codename}", "Identifier: Packages"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BuildError(f"apt-get indextargets failed: {e}")
    uris = []
    for line in proc.stdout.splitlines():
        u = line.strip()
        if u and "security" not in u and u not in uris:
            uris.append(u)
    if not uris:
        raise BuildError(
            f"could not find the archive URI for {codename} with apt-get indextargets "
            f"(run apt-get update, or pass --uri / set {URI_ENV})")
    return uris[0]


def _norm_uri(u: str) -> str:
    return u.strip().rstrip("/")


def find_signed_by(uri: str | None = None) -> str | None:
    """Keyring file used by the system's sources (preferring the entry for uri)."""
    matches: list[str] = []
    others: list[str] = []
    parts = pathlib.Path("/etc/apt/sources.list.d")
    files = sorted(parts.glob("*.sources")) if parts.is_dir() else []
    for f in files:
        try:
            pars = parse_deb822(f.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        for par in pars:
            if (_field(par, "Enabled", "yes") or "yes").lower() == "no":
                continue
            sb = (_field(par, "Signed-By") or "").strip()
            if not sb or "\n" in sb:  # absent, or an inline key block
                continue
            keyfile = sb.split()[0]
            if not os.path.isfile(keyfile):
                continue
            uris = [_norm_uri(x) for x in (_field(par, "URIs") or "").split()]
            (matches if uri and _norm_uri(uri) in uris else others).append(keyfile)
    one_line = [pathlib.Path("/etc/apt/sources.list")]
    if parts.is_dir():
        one_line += sorted(parts.glob("*.list"))
    for f in one_line:
        try:
            text = f.read_text()
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            m = re.match(r"\s*deb(?:-src)?\s+\[([^\]]*)\]\s+(\S+)", line)
            if not m:
                continue
            opt = re.search(r"signed-by=(\S+)", m.group(1))
            if opt and os.path.isfile(opt.group(1)):
                (matches if uri and _norm_uri(uri) == _norm_uri(m.group(2)) else others).append(opt.group(1))
    for keyfile in matches + others:
        return keyfile
    if os.path.isfile(DEFAULT_KEYRING):
        return DEFAULT_KEYRING
    return None


def check_build_dependencies() -> None:
    missing = []
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *BUILD_PACKAGES],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        installed = {ln.split()[0] for ln in proc.stdout.splitlines()
                     if ln.split()[1:] == ["installed"]}
        missing = [p for p in BUILD_PACKAGES if p not in installed]
    except (OSError, subprocess.TimeoutExpired):
        missing = list(BUILD_PACKAGES)
    missing_progs = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if missing or missing_progs:
        what = ", ".join(missing or BUILD_PACKAGES)
        extra = f" (missing programs: {', '.join(missing_progs)})" if missing_progs else ""
        raise BuildError(
            f"building Bochs needs the Debian packages {', '.join(BUILD_PACKAGES)}; "
            f"not installed: {what}{extra}; install them with "
            f"'apt-get install {' '.join(BUILD_PACKAGES)}' (or 'make' in the repository root)")


# --------------------------------------------------------------------------
# Build machinery

class _Builder:
    def __init__(self, uri: str, log, blog):
        self.uri = uri
        self.log = log
        self.blog = blog
        self.root = cache_root()
        self.log_path = build_log_path()
        key = hashlib.sha256(_norm_uri(uri).encode()).hexdigest()[:10]
        self.apt_dir = self.root / "apt" / key
        self.downloads = self.root / "downloads"

    # -- logging -----------------------------------------------------------
    def say(self, msg: str) -> None:
        line = f"bochs_build: {msg}"
        try:
            print(line, file=self.log, flush=True)
        except (OSError, ValueError):
            pass
        self.blog.write(f"\n=== {msg}\n")
        self.blog.flush()

    def _log_tail(self, offset: int, n: int = 25) -> list[str]:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except OSError:
            return []
        lines = [ln.rstrip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
        return lines[-n:]

    def run(self, cmd: list[str], what: str, timeout: float, cwd=None, env=None,
            check: bool = True) -> tuple[int, int]:
        """Run cmd with output appended to build.log.  Returns (rc, log offset)."""
        self.blog.write("$ " + " ".join(cmd) + "\n")
        self.blog.flush()
        offset = os.fstat(self.blog.fileno()).st_size
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=self.blog, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as e:
            raise BuildError(f"{what}: cannot run {cmd[0]}: {e.strerror or e}")
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            raise BuildError(f"{what} timed out after {int(timeout)}s (log: {self.log_path})")
        except BaseException:
            self._kill(proc)
            raise
        if rc != 0 and check:
            tail = self._log_tail(offset)
            self._echo_tail(tail)
            last = tail[-1] if tail else "no output"
            raise BuildError(f"{what} failed (exit {rc}): {last} (log: {self.log_path})")
        return rc, offset

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)

    def _echo_tail(self, tail: list[str]) -> None:
        try:
            for ln in tail:
                print(f"  | {ln}", file=self.log)
            self.log.flush()
        except (OSError, ValueError):
            pass

    # -- apt ---------------------------------------------------------------
    def apt_options(self) -> list[str]:
        d = self.apt_dir
        opts = [
            "-o", f"Dir::Etc::sourcelist={d / 'sources.sources'}",
            "-o", "Dir::Etc::sourceparts=-",
            "-o", f"Dir::State::Lists={d / 'lists'}",
            "-o", f"Dir::Cache={d / 'apt-cache'}",
            "-o", f"Acquire::http::Timeout={APT_HTTP_TIMEOUT}",
            "-o", f"Acquire::https::Timeout={APT_HTTP_TIMEOUT}",
            "-o", "Acquire::Retries=0",
            "-o", "Acquire::Languages=none",
            "-o", "APT::Update::Error-Mode=any",
        ]
        if os.geteuid() == 0:
            # The private directories live in root's home, which the _apt
            # sandbox user cannot enter; download as root without warnings.
            opts += ["-o", "APT::Sandbox::User=root"]
        return opts

    def apt_env(self) -> dict[str, str]:
        return dict(os.environ, LC_ALL="C", DEBIAN_FRONTEND="noninteractive")

    def prepare_apt(self) -> None:
        keyring = find_signed_by(self.uri)
        if keyring is None:
            raise BuildError(
                "no archive keyring found (no Signed-By in /etc/apt/sources.list.d and no "
                f"{DEFAULT_KEYRING}); install debian-archive-keyring")
        for sub in ("lists/partial", "apt-cache/archives/partial"):
            (self.apt_dir / sub).mkdir(parents=True, exist_ok=True)
        text = (f"Types: deb-src\nURIs: {self.uri}\nSuites: {SOURCE_SUITE}\n"
                f"Components: {SOURCE_COMPONENT}\nSigned-By: {keyring}\n")
        _atomic_write(self.apt_dir / "sources.sources", text)

    def apt_update(self) -> None:
        self.say(f"apt-get update: {SOURCE_SUITE}/{SOURCE_COMPONENT} Sources from {self.uri}")
        rc, offset = self.run(["apt-get", *self.apt_options(), "update"],
                              "apt-get update", APT_UPDATE_TIMEOUT, env=self.apt_env(),
                              check=False)
        if rc != 0:
            tail = self._log_tail(offset, 200)
            errs = [ln for ln in tail if ln.startswith("E: ")]
            self._echo_tail(tail[-10:])
            detail = errs[0][3:] if errs else (tail[-1] if tail else f"exit {rc}")
            raise BuildError(
                f"cannot fetch the {SOURCE_SUITE} source index from {self.uri}: {detail} "
                f"(log: {self.log_path})")

    def showsrc(self) -> dict[str, str]:
        cmd = ["apt-cache", *self.apt_options(), "showsrc", "--only-source", SOURCE_PACKAGE]
        self.blog.write("$ " + " ".join(cmd) + "\n")
        self.blog.flush()
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=120, env=self.apt_env())
        except subprocess.TimeoutExpired:
            raise BuildError(f"apt-cache showsrc timed out (log: {self.log_path})")
        self.blog.write(proc.stdout + proc.stderr)
        self.blog.flush()
        try:
            pars = parse_deb822(proc.stdout)
        except ValueError as e:
            raise BuildError(f"cannot parse apt-cache showsrc output: {e}")
        pars = [p for p in pars if (_field(p, "Package") or _field(p, "Source")) == SOURCE_PACKAGE]
        if not pars:
            raise BuildError(
                f"source package {SOURCE_PACKAGE} not found in {SOURCE_SUITE}/{SOURCE_COMPONENT} "
                f"at {self.uri} (log: {self.log_path})")
        best = pars[0]
        for p in pars[1:]:
            if _version_gt(_field(p, "Version") or "", _field(best, "Version") or ""):
                best = p
        return best

    # -- downloads ---------------------------------------------------------
    def download(self, par: dict[str, str]) -> pathlib.Path:
        """Fetch and verify the source files; return the .dsc to extract."""
        version = _field(par, "Version")
        directory = (_field(par, "Directory") or "").strip()
        files = source_files(par)
        self.downloads.mkdir(parents=True, exist_ok=True)
        tarballs = [f for f in files if not f[2].endswith(".dsc")]
        dscs = [f for f in files if f[2].endswith(".dsc")]

        def ok(entry) -> bool:
            digest, size, name = entry
            p = self.downloads / name
            return p.is_file() and p.stat().st_size == size and _sha256(p) == digest

        def url_of(name: str) -> str:
            if not directory:
                raise BuildError("the Sources entry has no Directory field; cannot fetch " + name)
            return f"{self.uri.rstrip('/')}/{directory.strip('/')}/{urllib.parse.quote(name)}"

        if not all(ok(f) for f in tarballs):
            self.say(f"apt-get source --download-only {SOURCE_PACKAGE}={version}")
            rc, _ = self.run(["apt-get", *self.apt_options(), "source", "--download-only",
                              "--only-source", f"{SOURCE_PACKAGE}={version}"],
                             "apt-get source", APT_SOURCE_TIMEOUT, cwd=self.downloads,
                             env=self.apt_env(), check=False)
            if rc != 0:
                self.say(f"apt-get source exited {rc} (see build.log); fetching what is missing directly")
        for entry in tarballs:
            digest, size, name = entry
            if ok(entry):
                continue
            url = url_of(name)
            self.say(f"fetching {url}")
            _fetch(url, self.downloads / name, expected_size=size)
            if not ok(entry):
                got = _sha256(self.downloads / name)
                with contextlib.suppress(OSError):
                    (self.downloads / name).unlink()
                raise BuildError(f"sha256 mismatch for {name}: Sources says {digest}, got {got}")
        for digest, size, name in tarballs:
            self.say(f"verified sha256 {digest[:16]}... {name} ({size} bytes)")
        if dscs:
            dsc_entry = dscs[0]
            dsc_path = self.downloads / dsc_entry[2]
            if not ok(dsc_entry):
                try:
                    _fetch(url_of(dsc_entry[2]), dsc_path, expected_size=dsc_entry[1])
                except BuildError as e:
                    self.blog.write(f"{e}\n")
            if ok(dsc_entry):
                self.say(f"using the archive's {dsc_entry[2]} (sha256 verified)")
                return dsc_path
            with contextlib.suppress(OSError):
                dsc_path.unlink()
        # The archive's .dsc is unavailable: rebuild it from the Sources entry.
        name = dsc_name(par)
        stem = name[:-4] if name.endswith(".dsc") else name
        rebuilt = self.downloads / (stem + ".from-sources.dsc")
        _atomic_write(rebuilt, dsc_from_sources(par))
        self.say(f"archive .dsc unavailable; rebuilt {rebuilt.name} from the signed Sources index")
        return rebuilt

    # -- the build ---------------------------------------------------------
    def build(self) -> pathlib.Path:
        start = time.monotonic()
        self.prepare_apt()
        self.apt_update()
        par = self.showsrc()
        version = _field(par, "Version") or ""
        upstream = _upstream_version(version)
        if upstream.split(".")[0] != REQUIRED_UPSTREAM_MAJOR:
            raise BuildError(
                f"{SOURCE_SUITE} has {SOURCE_PACKAGE} {version}, not a {REQUIRED_UPSTREAM_MAJOR}.x release")
        final = build_dir_for(version)
        if re.search(r"\s", str(final)):
            raise BuildError(f"cache path {final} contains whitespace; set XDG_CACHE_HOME elsewhere")
        self.say(f"{SOURCE_PACKAGE} {version} -> {final}")
        dsc = self.download(par)

        _clean_stale_tmp(self.root)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="tmp-build-", dir=self.root))
        try:
            srcdir = tmp / "src"
            self.say("dpkg-source -x (verifies checksums, applies Debian patches)")
            self.run(["dpkg-source", "-x", str(dsc), str(srcdir)], "dpkg-source -x",
                     EXTRACT_TIMEOUT, cwd=tmp, env=self.build_env())
            if not (srcdir / "configure").is_file():
                raise BuildError(f"extracted source has no configure script (log: {self.log_path})")
            os.chmod(srcdir / "configure", 0o755)
            self.say("configure " + " ".join(CONFIGURE_OPTIONS))
            self.run(["./configure", f"--prefix={final}", *CONFIGURE_OPTIONS],
                     "configure", CONFIGURE_TIMEOUT, cwd=srcdir, env=self.build_env())
            jobs = max(2, min(os.cpu_count() or 2, 8))
            self.say(f"make -j{jobs}")
            self.run(["make", f"-j{jobs}"], "make", MAKE_TIMEOUT, cwd=srcdir, env=self.build_env())
            stage = tmp / "stage"
            self.say("make install")
            self.run(["make", "install", f"DESTDIR={stage}"], "make install", INSTALL_TIMEOUT,
                     cwd=srcdir, env=self.build_env())
            staged = stage / str(final).lstrip("/")
            binary = staged / BINARY_RELPATH
            if not binary.is_file():
                raise BuildError(f"make install did not produce {BINARY_RELPATH} (log: {self.log_path})")
            got = version_of(binary)
            if got.split(".")[0] != REQUIRED_UPSTREAM_MAJOR:
                raise BuildError(f"built binary reports version {got}, expected {REQUIRED_UPSTREAM_MAJOR}.x")
            if final.exists():  # leftover without a valid stamp
                shutil.rmtree(final)
            os.rename(staged, final)
            seconds = round(time.monotonic() - start, 1)
            stamp = {
                "version": version,
                "upstream_version": got,
                "options": list(CONFIGURE_OPTIONS),
                "recipe": BUILD_RECIPE_VERSION,
                "key": cache_key(version),
                "build_seconds": seconds,
                "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "archive_uri": self.uri,
                "suite": SOURCE_SUITE,
                "sha256": {name: digest for digest, _s, name in source_files(par)
                           if not name.endswith(".dsc")},
                "binary": BINARY_RELPATH,
            }
            _atomic_write(final / STAMP_NAME, json.dumps(stamp, indent=2) + "\n")
            self.say(f"built Bochs {got} in {seconds}s")
            return final / BINARY_RELPATH
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def build_env() -> dict[str, str]:
        env = dict(os.environ, LC_ALL="C")
        # Keep the result independent of the caller's compiler settings.
        for var in ("CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS", "MFLAGS",
                    "CC", "CXX", "DESTDIR", "QUILT_PATCHES"):
            env.pop(var, None)
        return env


def _version_gt(a: str, b: str) -> bool:
    try:
        return subprocess.run(["dpkg", "--compare-versions", a, "gt", b],
                              stdin=subprocess.DEVNULL, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return a > b


def _sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fetch(url: str, dest: pathlib.Path, expected_size: int | None = None) -> None:
    part = dest.with_name(dest.name + ".part")
    deadline = time.monotonic() + URL_TOTAL_TIMEOUT
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "vmx-diff-bochs-build"})
        with urllib.request.urlopen(req, timeout=URL_TIMEOUT) as resp, open(part, "wb") as out:
            total = 0
            while True:
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                total += len(chunk)
                if expected_size is not None and total > expected_size:
                    raise BuildError(f"{url}: more data than the {expected_size} bytes expected")
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise BuildError(f"{url}: download took longer than {URL_TOTAL_TIMEOUT}s")
        os.replace(part, dest)
    except urllib.error.HTTPError as e:
        raise BuildError(f"cannot fetch {url}: HTTP {e.code} {e.reason}")
    except urllib.error.URLError as e:
        raise BuildError(f"cannot fetch {url}: {e.reason}")
    except (OSError, ValueError) as e:  # timeouts, resets, bad URLs
        raise BuildError(f"cannot fetch {url}: {e}")
    finally:
        with contextlib.suppress(OSError):
            part.unlink()


def _clean_stale_tmp(root: pathlib.Path) -> None:
    """Remove scratch dirs of interrupted builds (caller holds the lock)."""
    for p in root.glob("tmp-build-*"):
        shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(root: pathlib.Path, log):
    root.mkdir(parents=True, exist_ok=True)
    path = root / "build.lock"
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(OSError, ValueError):
                print(f"bochs_build: waiting for another build to finish (lock {path})",
                      file=log, flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_bochs3(uri: str | None = None, log=None) -> pathlib.Path:
    """Return bin/bochs of a Bochs 3.x build, building it first if needed.

    uri overrides the archive URI (else $VMXDIFF_BOCHS3_URI, else the URI
    apt uses for this system's release).  Progress goes to log (default
    sys.stderr); subprocess output goes to <cache root>/build.log.  Raises
    BuildError on any failure.
    """
    if log is None:
        log = sys.stderr
    found = cached_binary()
    if found is not None:
        return found
    root = cache_root()
    try:
        with _build_lock(root, log):
            found = cached_binary()
            if found is not None:
                return found
            check_build_dependencies()
            archive = uri or os.environ.get(URI_ENV) or derive_archive_uri()
            with open(build_log_path(), "w", encoding="utf-8", errors="replace") as blog:
                blog.write(f"bochs_build started {_dt.datetime.now().isoformat(timespec='seconds')}\n")
                try:
                    return _Builder(archive, log, blog).build()
                except BuildError as e:
                    blog.write(f"\nERROR: {e}\n")
                    raise
    except BuildError:
        raise
    except OSError as e:
        where = f" {e.filename}" if getattr(e, "filename", None) else ""
        raise BuildError(f"{e.strerror or e}{where} (log: {build_log_path()})")
    except (ValueError, RuntimeError, subprocess.SubprocessError) as e:
        raise BuildError(f"unexpected {type(e).__name__}: {e} (log: {build_log_path()})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="bochs_build",
        description="Build Bochs 3.x from Debian trixie sources into the vmx-diff cache "
                    "and print the path of the binary.")
    ap.add_argument("--uri", help=f"archive URI to use (default: ${URI_ENV}, else the "
                                  "URI apt uses for this system's release)")
    ap.add_argument("--check", action="store_true",
                    help="only report whether a valid build is cached (exit 0/1)")
    args = ap.parse_args(argv)
    if args.check:
        found = cached_binary()
        if found is None:
            print("not built")
            return 1
        print(found)
        return 0
    def _terminate(signum, _frame):
        # Unwind like Ctrl-C so the build's process group and scratch
        # directory are cleaned up and no stamp is written.
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, _terminate)
    try:
        path = ensure_bochs3(uri=args.uri)
    except BuildError as e:
        print(f"bochs_build: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bochs_build: error: interrupted", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
