"""The shared provisioning layer: fetch Debian packages and verify them.

Every platform that needs software the host does not have (the Bochs 3.0
build, the L1 image of the KVM-on-Bochs platform) gets it from the Debian
archive this machine already uses, through this module:

* the archive URI comes from this system's own apt configuration, the
  keyring from its Signed-By (nothing under /etc/apt changes);
* apt runs with a private sources file, lists, cache and (for binary
  packages) an empty dpkg status, all inside the vmx-diff cache;
* apt verifies the InRelease signature and every index and package it
  fetches against it; a file fetched directly (fallback) is checked against
  the sha256 in the signed index before use.

Recipes (harness.bochs_build, harness.provision.l1kvm) say what to fetch
and build; runners say how to boot.  Only the standard library is used.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pathlib
import re
import signal
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

URI_ENV = "VMXDIFF_BOCHS3_URI"  # overrides the archive URI for every recipe
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# Timeouts (seconds).
APT_HTTP_TIMEOUT = 20
URL_TIMEOUT = 30
URL_TOTAL_TIMEOUT = 600
APT_UPDATE_TIMEOUT = 600
APT_DOWNLOAD_TIMEOUT = 900

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


class ProvisionError(Exception):
    """A provisioning step failed; the message is a single human-readable line."""

    def __init__(self, message: str):
        one_line = "; ".join(
            part.strip() for part in str(message).splitlines() if part.strip()
        )
        super().__init__(one_line or "unknown error")




BuildError = ProvisionError  # the name the Bochs 3.0 recipe has always used


# --------------------------------------------------------------------------
# Cache location

def cache_root() -> pathlib.Path:
    """${XDG_CACHE_HOME:-~/.cache}/vmx-diff (a relative XDG_CACHE_HOME is ignored)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = pathlib.Path(xdg) if xdg and os.path.isabs(xdg) else pathlib.Path.home() / ".cache"
    return base / "vmx-diff"


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
        raise ProvisionError("the Sources entry has no Checksums-Sha256 field")
    entries = _checksum_entries(value)
    if not entries:
        raise ProvisionError("the Sources entry lists no files")
    for digest, _size, name in entries:
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or "/" in name or name.startswith("."):
            raise ProvisionError(f"malformed Checksums-Sha256 line for {name!r} in the Sources entry")
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
            raise ProvisionError(f"the Sources entry lacks the {req} field needed for a .dsc")

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
        raise ProvisionError(f"cannot read /etc/os-release: {e.strerror}")
    m = re.search(r'^VERSION_CODENAME="?([^"\n]*)"?', text, re.M)
    if not m or not m.group(1):
        raise ProvisionError("no VERSION_CODENAME in /etc/os-release; pass --uri or set " + URI_ENV)
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
        raise ProvisionError(f"apt-get indextargets failed: {e}")
    uris = []
    for line in proc.stdout.splitlines():
        u = line.strip()
        if u and "security" not in u and u not in uris:
            uris.append(u)
    if not uris:
        raise ProvisionError(
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




# --------------------------------------------------------------------------
# apt with private state

class AptWorker:
    """apt-get/apt-cache on one suite/component of one archive, with private
    state under <cache root>/apt/<key>/; subprocess output goes to blog."""

    index_name = "Sources"

    def __init__(self, uri: str, log, blog, *, suite: str, component: str = "main",
                 types: str = "deb-src", arch: str = "amd64", tag: str = "bochs_build",
                 apt_key: str | None = None, log_path: pathlib.Path | None = None):
        self.uri = uri
        self.log = log
        self.blog = blog
        self.suite = suite
        self.component = component
        self.types = types
        self.arch = arch
        self.tag = tag
        self.index_name = "Sources" if types == "deb-src" else f"{arch} Packages"
        self.root = cache_root()
        self.log_path = log_path or pathlib.Path(getattr(blog, "name", self.root / "build.log"))
        key = apt_key or hashlib.sha256(_norm_uri(uri).encode()).hexdigest()[:10]
        self.apt_dir = self.root / "apt" / key

    # -- logging -----------------------------------------------------------
    def say(self, msg: str) -> None:
        line = f"{self.tag}: {msg}"
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
            raise ProvisionError(f"{what}: cannot run {cmd[0]}: {e.strerror or e}")
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            raise ProvisionError(f"{what} timed out after {int(timeout)}s (log: {self.log_path})")
        except BaseException:
            self._kill(proc)
            raise
        if rc != 0 and check:
            tail = self._log_tail(offset)
            self._echo_tail(tail)
            last = tail[-1] if tail else "no output"
            raise ProvisionError(f"{what} failed (exit {rc}): {last} (log: {self.log_path})")
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
        if self.types == "deb":
            # Binary packages: nothing of this system's dpkg state or pinning applies.
            opts += ["-o", f"Dir::State::status={d / 'status'}",
                     "-o", f"Dir::Etc::preferences={d / 'etc' / 'preferences'}",
                     "-o", f"Dir::Etc::preferencesparts={d / 'etc' / 'preferences.d'}",
                     "-o", f"APT::Architecture={self.arch}", "-o", f"APT::Architectures::={self.arch}"]
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
            raise ProvisionError(
                "no archive keyring found (no Signed-By in /etc/apt/sources.list.d and no "
                f"{DEFAULT_KEYRING}); install debian-archive-keyring")
        for sub in ("lists/partial", "apt-cache/archives/partial", "etc/preferences.d"):
            (self.apt_dir / sub).mkdir(parents=True, exist_ok=True)
        arch = f"Architectures: {self.arch}\n" if self.types == "deb" else ""
        text = (f"Types: {self.types}\nURIs: {self.uri}\nSuites: {self.suite}\n"
                f"Components: {self.component}\n{arch}Signed-By: {keyring}\n")
        _atomic_write(self.apt_dir / "sources.sources", text)
        if not (self.apt_dir / "status").exists():
            _atomic_write(self.apt_dir / "status", "")

    def apt_update(self) -> None:
        self.say(f"apt-get update: {self.suite}/{self.component} {self.index_name} from {self.uri}")
        rc, offset = self.run(["apt-get", *self.apt_options(), "update"],
                              "apt-get update", APT_UPDATE_TIMEOUT, env=self.apt_env(),
                              check=False)
        if rc != 0:
            tail = self._log_tail(offset, 200)
            errs = [ln for ln in tail if ln.startswith("E: ")]
            self._echo_tail(tail[-10:])
            detail = errs[0][3:] if errs else (tail[-1] if tail else f"exit {rc}")
            raise ProvisionError(
                f"cannot fetch the {self.suite} {self.index_name} index from {self.uri}: {detail} "
                f"(log: {self.log_path})")

    def apt_cache(self, *args: str) -> tuple[int, list[dict[str, str]]]:
        """Run apt-cache with the private apt state; (exit status, parsed paragraphs)."""
        cmd = ["apt-cache", *self.apt_options(), *args]
        what = "apt-cache " + " ".join(args)
        self.blog.write("$ " + " ".join(cmd) + "\n")
        self.blog.flush()
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=120, env=self.apt_env())
        except subprocess.TimeoutExpired:
            raise ProvisionError(f"{what} timed out (log: {self.log_path})")
        self.blog.write(proc.stdout + proc.stderr)
        self.blog.flush()
        try:
            return proc.returncode, parse_deb822(proc.stdout)
        except ValueError as e:
            raise ProvisionError(f"cannot parse the output of {what}: {e}")

    # -- binary packages -----------------------------------------------------
    def show(self, package: str) -> dict[str, str]:
        """The Packages paragraph apt would install for package (highest version)."""
        rc, pars = self.apt_cache("show", "--no-all-versions", package)
        if rc != 0 or not pars:
            raise ProvisionError(f"package {package} not found in {self.suite}/{self.component} "
                                 f"at {self.uri} (log: {self.log_path})")
        return pars[0]

    def download_debs(self, pars: list[dict[str, str]], dest: pathlib.Path) -> list[pathlib.Path]:
        """Fetch the .debs of these Packages paragraphs into dest, verified
        against the SHA256 of the signed index; reuse verified files."""
        dest.mkdir(parents=True, exist_ok=True)
        want = []
        for par in pars:
            name = pathlib.PurePosixPath(_field(par, "Filename") or "").name
            digest = (_field(par, "SHA256") or "").lower()
            size = int(_field(par, "Size") or -1)
            if not name.endswith(".deb") or not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ProvisionError(f"index entry of {_field(par, 'Package')} has no Filename/SHA256")
            want.append((par, dest / name, digest, size))

        def ok(path, digest, size) -> bool:
            return path.is_file() and path.stat().st_size == size and _sha256(path) == digest

        missing = [w for w in want if not ok(*w[1:])]
        if missing:
            specs = [f"{_field(p, 'Package')}={_field(p, 'Version')}" for p, *_ in missing]
            self.say(f"apt-get download {len(specs)} packages from {self.suite}")
            with tempfile.TemporaryDirectory(prefix="dl-", dir=dest) as tmp:
                self.run(["apt-get", *self.apt_options(), "download", *specs], "apt-get download",
                         APT_DOWNLOAD_TIMEOUT, cwd=tmp, env=self.apt_env())
                for par, path, digest, size in missing:
                    got = pathlib.Path(tmp) / path.name
                    if not got.exists():  # apt names the file with an encoded epoch
                        cands = list(pathlib.Path(tmp).glob(f"{_field(par, 'Package')}_*.deb"))
                        got = cands[0] if len(cands) == 1 else got
                    if not got.exists():
                        raise ProvisionError(f"apt-get download produced no {path.name} (log: {self.log_path})")
                    os.replace(got, path)
        for par, path, digest, size in want:
            if not ok(path, digest, size):
                with contextlib.suppress(OSError):
                    path.unlink()
                raise ProvisionError(f"sha256 mismatch for {path.name}: the signed index says {digest}")
        return [w[1] for w in want]

    def closure(self, roots: list[str], follow=lambda name: True) -> list[dict[str, str]]:
        """Packages paragraphs of roots plus their Depends/Pre-Depends closure,
        following only dependencies for which follow(name) is true (the
        first alternative of each)."""
        out: dict[str, dict[str, str]] = {}
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name in out:
                continue
            par = self.show(name)
            out[name] = par
            for dep in depends_of(par):
                if dep not in out and follow(dep):
                    todo.append(dep)
        return [out[n] for n in sorted(out)]


def depends_of(par: dict[str, str]) -> list[str]:
    """Package names of Depends and Pre-Depends (first alternative, no version)."""
    names = []
    for fname in ("Pre-Depends", "Depends"):
        value = _field(par, fname) or ""
        for alt in value.split(","):
            first = alt.split("|")[0].strip()
            if first:
                names.append(first.split()[0].split(":")[0])
    return names


def extract_deb(deb: pathlib.Path, dest: pathlib.Path, members=None, timeout: float = 300) -> list[str]:
    """Unpack the data of a .deb into dest (only paths for which members(path)
    is true, if given).  Returns the extracted paths (relative, './'-less)."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    got = []
    deadline = time.monotonic() + timeout
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tf:
            for m in tf:
                if time.monotonic() > deadline:
                    raise ProvisionError(f"extracting {deb.name} took longer than {timeout}s")
                rel = m.name[2:] if m.name.startswith("./") else m.name
                if not rel or rel.startswith("/") or ".." in pathlib.PurePosixPath(rel).parts:
                    continue
                if members is not None and not members(rel) and not m.isdir():
                    continue
                if not (m.isfile() or m.issym() or m.isdir()):
                    continue
                m.name = rel
                tf.extract(m, dest, set_attrs=m.isfile(), **_TAR_FILTER)
                got.append(rel)
    except tarfile.TarError as e:
        raise ProvisionError(f"cannot unpack {deb.name}: {e}")
    finally:
        err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
        proc.stdout.close()
        rc = proc.wait()
    if rc != 0:
        raise ProvisionError(f"dpkg-deb --fsys-tarfile {deb.name} failed: {err or rc}")
    return got


# tarfile's extraction filter (3.12+) refuses absolute symlinks, which Debian packages contain.
_TAR_FILTER = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


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
                    raise ProvisionError(f"{url}: more data than the {expected_size} bytes expected")
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise ProvisionError(f"{url}: download took longer than {URL_TOTAL_TIMEOUT}s")
        os.replace(part, dest)
    except urllib.error.HTTPError as e:
        raise ProvisionError(f"cannot fetch {url}: HTTP {e.code} {e.reason}")
    except urllib.error.URLError as e:
        raise ProvisionError(f"cannot fetch {url}: {e.reason}")
    except (OSError, ValueError) as e:  # timeouts, resets, bad URLs
        raise ProvisionError(f"cannot fetch {url}: {e}")
    finally:
        with contextlib.suppress(OSError):
            part.unlink()



@contextlib.contextmanager
def build_lock(root: pathlib.Path, log, name: str = "build.lock", tag: str = "bochs_build"):
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(OSError, ValueError):
                print(f"{tag}: waiting for another build to finish (lock {path})",
                      file=log, flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


