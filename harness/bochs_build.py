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

``<key>`` is a short sha256 over the Debian version, the configure options,
BUILD_RECIPE_VERSION and our patches (``harness/bochs-patches/*.patch``,
applied in name order after Debian's), so changing any of them yields a
fresh build directory.  BUILD_OK (JSON) is written last; a directory without a valid
stamp is never used.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
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
import threading
import time
import urllib.parse

from harness.provision.debian import (  # noqa: F401  (re-exported: the shared layer)
    DEFAULT_KEYRING, AptWorker, BuildError, ProvisionError, _atomic_write, _checksum_entries,
    _fetch, _field, _norm_uri, _os_codename, _sha256, _version_gt, build_lock as _lock,
    cache_root, derive_archive_uri, dsc_from_sources, dsc_name, find_signed_by, parse_deb822,
    source_files)

# Bump when the build procedure changes in a way that affects the result.
BUILD_RECIPE_VERSION = 2

# Our own patches, applied (patch -p1, name order) after Debian's; their
# content is part of the cache key.  0001: the checkpoint port (save state
# headless; harness/runners/kvm_snapshot.py).
PATCH_DIR = pathlib.Path(__file__).resolve().parent / "bochs-patches"


def patch_files() -> list[pathlib.Path]:
    return sorted(PATCH_DIR.glob("*.patch"))


def patches_digest() -> str:
    h = hashlib.sha256()
    for p in patch_files():
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()

SOURCE_PACKAGE = "bochs"
SOURCE_SUITE = "trixie"
SOURCE_COMPONENT = "main"
REQUIRED_UPSTREAM_MAJOR = "3"

URI_ENV = "VMXDIFF_BOCHS3_URI"

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
REQUIRED_PROGRAMS = ("gcc", "g++", "make", "patch", "dpkg-source", "apt-get", "apt-cache")

# Timeouts (seconds).
APT_SOURCE_TIMEOUT = 600
EXTRACT_TIMEOUT = 300
CONFIGURE_TIMEOUT = 900
MAKE_TIMEOUT = 3600
INSTALL_TIMEOUT = 600
VERSION_TIMEOUT = 10

STAMP_NAME = "BUILD_OK"
BINARY_RELPATH = "bin/bochs"
# sha256 of bin/bochs, recorded in the stamp at build time and checked on use.
BINARY_HASH_FIELD = "binary_sha256"

# Fields of a Sources paragraph that a .dsc does not carry.


# --------------------------------------------------------------------------
# Cache location and keys

def build_log_path() -> pathlib.Path:
    return cache_root() / "build.log"


def cache_key(version: str, options=CONFIGURE_OPTIONS,
              recipe: int = BUILD_RECIPE_VERSION, patches: str | None = None) -> str:
    patches = patches_digest() if patches is None else patches
    blob = json.dumps([version, list(options), recipe, patches], separators=(",", ":"))
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
    stamp, _why = _stamp_or_reason(build_dir)
    return stamp


def _stamp_or_reason(build_dir: pathlib.Path) -> tuple[dict | None, str]:
    """(stamp, "") if build_dir's stamp is valid for the current recipe,
    else (None, why).  Cheap: no hashing, no subprocess."""
    try:
        with open(build_dir / STAMP_NAME, encoding="utf-8") as f:
            stamp = json.load(f)
    except FileNotFoundError:
        return None, f"no {STAMP_NAME} stamp"
    except (OSError, ValueError) as e:
        return None, f"unreadable {STAMP_NAME} stamp ({e})"
    if not isinstance(stamp, dict):
        return None, f"{STAMP_NAME} is not a JSON object"
    version = stamp.get("version")
    if not isinstance(version, str) or not version:
        return None, f"{STAMP_NAME} has no version field"
    if stamp.get("recipe") != BUILD_RECIPE_VERSION:
        return None, f"built by recipe {stamp.get('recipe')}, not {BUILD_RECIPE_VERSION}"
    if stamp.get("options") != list(CONFIGURE_OPTIONS):
        return None, "built with other configure options"
    if stamp.get("patches") != patches_digest():
        return None, "built with other patches (harness/bochs-patches)"
    if _upstream_version(version).split(".")[0] != REQUIRED_UPSTREAM_MAJOR:
        return None, f"version {version} is not {REQUIRED_UPSTREAM_MAJOR}.x"
    if build_dir.name != build_dir_for(version).name:
        return None, "directory name does not match the stamp's version and options"
    binary = build_dir / BINARY_RELPATH
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return None, f"{BINARY_RELPATH} is missing or not executable"
    return stamp, ""


# In-process memory of verified binaries: (path, size, mtime, inode, stamp
# mtime/size) -> "" (good) or the reason it is broken.  The sha256 and the
# `--help` run cost ~0.1 s once per process; later lookups only stat().
_VERIFIED: dict[tuple, str] = {}
_VERIFIED_LOCK = threading.Lock()
# Why the last cached_binary() call rejected each build directory.
last_rejections: dict[str, str] = {}


def _verify_key(build_dir: pathlib.Path) -> tuple | None:
    try:
        b = os.stat(build_dir / BINARY_RELPATH)
        s = os.stat(build_dir / STAMP_NAME)
    except OSError:
        return None
    return (str(build_dir), b.st_size, b.st_mtime_ns, b.st_ino, s.st_size, s.st_mtime_ns, s.st_ino)


def verify_build(build_dir: pathlib.Path) -> tuple[dict | None, str]:
    """Full check of one cached build: the stamp, the binary's sha256 as
    recorded at build time, and that `bochs --help` runs and reports 3.x.

    Returns (stamp, "") or (None, one-line reason).  The result is
    remembered in-process, keyed by the binary's and stamp's stat data.
    """
    build_dir = pathlib.Path(build_dir)
    stamp, why = _stamp_or_reason(build_dir)
    if stamp is None:
        return None, why
    key = _verify_key(build_dir)
    if key is not None:
        with _VERIFIED_LOCK:
            known = _VERIFIED.get(key)
        if known is not None:
            return (stamp, "") if known == "" else (None, known)
    why = _verify_binary(build_dir, stamp)
    if key is not None:
        with _VERIFIED_LOCK:
            _VERIFIED[key] = why
    return (stamp, "") if why == "" else (None, why)


def _verify_binary(build_dir: pathlib.Path, stamp: dict) -> str:
    want = stamp.get(BINARY_HASH_FIELD)
    if not isinstance(want, str) or not re.fullmatch(r"[0-9a-f]{64}", want):
        return f"{STAMP_NAME} has no valid {BINARY_HASH_FIELD} field (built by an older harness)"
    binary = build_dir / BINARY_RELPATH
    try:
        got = _sha256(binary)
    except OSError as e:
        return f"cannot read {BINARY_RELPATH}: {e.strerror or e}"
    if got != want:
        size = binary.stat().st_size
        return (f"{BINARY_RELPATH} sha256 {got[:16]}... ({size} bytes) does not match the "
                f"{want[:16]}... recorded at build time (truncated or modified)")
    try:
        ver = version_of(binary)
    except BuildError as e:
        return f"{BINARY_RELPATH} --help failed: {e}"
    if ver.split(".")[0] != REQUIRED_UPSTREAM_MAJOR:
        return f"{BINARY_RELPATH} --help reports version {ver}, not {REQUIRED_UPSTREAM_MAJOR}.x"
    return ""


def _candidates(root: pathlib.Path) -> list[pathlib.Path]:
    try:
        return sorted(p for p in root.iterdir() if p.name.startswith("bochs-") and p.is_dir())
    except OSError:
        return []


def cached_binary() -> pathlib.Path | None:
    """Path of bin/bochs of a valid, verified cached build, else None.

    No network.  A directory built for another recipe/option set is
    ignored; one whose binary fails verification is treated as absent
    (ensure_bochs3() then rebuilds it) and its reason is kept in
    last_rejections.
    """
    best: tuple[str, pathlib.Path] | None = None
    rejected: dict[str, str] = {}
    for d in _candidates(cache_root()):
        stamp, why = verify_build(d)
        if stamp is None:
            rejected[d.name] = why
            continue
        date = str(stamp.get("date", ""))
        if best is None or date > best[0]:
            best = (date, d / BINARY_RELPATH)
    last_rejections.clear()
    last_rejections.update(rejected)
    return best[1] if best else None


def broken_builds() -> dict[str, str]:
    """{dir name: reason} of cached builds for the current recipe and
    options that fail verification (the ones worth a one-line message)."""
    out = {}
    for d in _candidates(cache_root()):
        stamp, why = verify_build(d)
        if stamp is not None:
            continue
        if why.startswith(("built by recipe", "built with other configure options", "built with other patches",
                           "version ")):
            continue  # someone else's build, not a broken one of ours
        out[d.name] = why
    return out


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

class _Builder(AptWorker):
    """The Bochs 3.0 recipe: trixie's bochs source package, built headless."""

    def __init__(self, uri: str, log, blog):
        super().__init__(uri, log, blog, suite=SOURCE_SUITE, component=SOURCE_COMPONENT,
                         types="deb-src", tag="bochs_build", log_path=build_log_path())
        self.downloads = self.root / "downloads"

    def showsrc(self) -> dict[str, str]:
        _rc, pars = self.apt_cache("showsrc", "--only-source", SOURCE_PACKAGE)
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
            for p in patch_files():
                self.say(f"patch {p.name}")
                self.run(["patch", "-p1", "--forward", "--no-backup-if-mismatch", "-i", str(p)],
                         f"patch {p.name}", EXTRACT_TIMEOUT, cwd=srcdir, env=self.build_env())
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
            binary_sha256 = _sha256(binary)
            _discard(final)  # a leftover that failed verification
            os.rename(staged, final)
            seconds = round(time.monotonic() - start, 1)
            stamp = {
                "version": version,
                "upstream_version": got,
                "options": list(CONFIGURE_OPTIONS),
                "recipe": BUILD_RECIPE_VERSION,
                "patches": patches_digest(),
                "patch_files": [p.name for p in patch_files()],
                "key": cache_key(version),
                "build_seconds": seconds,
                "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "archive_uri": self.uri,
                "suite": SOURCE_SUITE,
                "sha256": {name: digest for digest, _s, name in source_files(par)
                           if not name.endswith(".dsc")},
                "binary": BINARY_RELPATH,
                BINARY_HASH_FIELD: binary_sha256,
            }
            _atomic_write(final / STAMP_NAME, json.dumps(stamp, indent=2) + "\n")
            ok, why = verify_build(final)
            if ok is None:
                raise BuildError(f"the fresh build in {final} does not verify: {why}")
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




def _discard(path: pathlib.Path) -> None:
    """Remove a cache directory: renamed away first (atomic), then deleted."""
    if not path.exists():
        return
    trash = path.with_name(f"tmp-build-discard-{path.name}-{os.getpid()}")
    try:
        os.rename(path, trash)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        return
    shutil.rmtree(trash, ignore_errors=True)


def _clean_stale_tmp(root: pathlib.Path) -> None:
    """Remove scratch dirs of interrupted builds (caller holds the lock)."""
    for p in root.glob("tmp-build-*"):
        shutil.rmtree(p, ignore_errors=True)


def _say(log, msg: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"bochs_build: {msg}", file=log, flush=True)


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
        with _lock(root, log):
            found = cached_binary()
            if found is not None:
                return found
            for name, why in broken_builds().items():
                line = f"cached build {root / name} is broken: {why}; rebuilding"
                _say(log, line)
                if log is not sys.stderr:  # the reason is never silenced
                    _say(sys.stderr, line)
                _discard(root / name)
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
            broken = broken_builds()
            for name, why in broken.items():
                print(f"broken: {cache_root() / name}: {why}")
            print("not built" if not broken else "not built (the cached build is broken; make bochs3 rebuilds it)")
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
