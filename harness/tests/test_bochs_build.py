"""Offline tests for harness.bochs_build (no network access needed).

Run: /usr/bin/python3 -m pytest harness/tests/test_bochs_build.py
"""

import functools
import hashlib
import http.server
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import threading
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness import bochs_build as bb  # noqa: E402

REFUSED_URI = "http://127.0.0.1:9/debian"  # port 9 (discard) refuses here

# The trixie Sources entry of bochs 3.0+dfsg-1, as `apt-cache showsrc` prints it.
BOCHS_SOURCES = """\
Package: bochs
Binary: bochs, bochs-doc, bochsbios, bochs-wx, bochs-sdl, bochs-term, bochs-x, bximage, sb16ctrl-bochs
Version: 3.0+dfsg-1
Maintainer: Stephen Kitt <skitt@debian.org>
Build-Depends: bison, debhelper-compat (= 13), flex, libaa1-dev, libasound2-dev [linux-any], libgtk-3-dev, libice-dev, libltdl-dev, libncurses-dev, libpulse-dev, libreadline-dev, libsdl2-dev, libsm-dev, libtool, libwxgtk3.2-dev, libx11-dev, libxpm-dev, libz-dev
Build-Depends-Indep: acpica-tools, bcc, bin86, docbook-dsssl, gcc-i686-linux-gnu
Architecture: any all
Standards-Version: 4.7.2
Format: 3.0 (quilt)
Files:
 a98982c18a1a52d2e3f04960e069d519 2554 bochs_3.0+dfsg-1.dsc
 fbdcfe265449f5014d164dcafe1151ef 3896488 bochs_3.0+dfsg.orig.tar.xz
 71bae1eb9e91bc52903624554ed7bc40 30720 bochs_3.0+dfsg-1.debian.tar.xz
Vcs-Browser: https://salsa.debian.org/debian/bochs
Vcs-Git: https://salsa.debian.org/debian/bochs.git
Checksums-Sha256:
 6a4edf052e133b241cf22d96cd6816587e9d5d11df20cb92accb2234d8f036d4 2554 bochs_3.0+dfsg-1.dsc
 78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b 3896488 bochs_3.0+dfsg.orig.tar.xz
 c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df 30720 bochs_3.0+dfsg-1.debian.tar.xz
Homepage: https://bochs.sourceforge.io/
Package-List: 
 bochs deb otherosfs optional arch=any
 bochs-doc deb doc optional arch=all
 bochsbios deb otherosfs optional arch=all
 sb16ctrl-bochs deb otherosfs optional arch=any-i386
Directory: pool/main/b/bochs
Priority: source
Section: otherosfs
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty XDG cache so the real cache is never touched."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.delenv(bb.URI_ENV, raising=False)
    return xdg / "vmx-diff"


def _cli(*args, env_extra=None, timeout=60):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "harness.bochs_build", *args],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


# ---------------------------------------------------------------- cache keys

def test_cache_key_depends_on_version_options_and_recipe():
    base = bb.cache_key("3.0+dfsg-1")
    assert base == bb.cache_key("3.0+dfsg-1", bb.CONFIGURE_OPTIONS, bb.BUILD_RECIPE_VERSION)
    assert len(base) == 12 and all(c in "0123456789abcdef" for c in base)
    assert bb.cache_key("3.0+dfsg-2") != base
    assert bb.cache_key("3.0+dfsg-1", bb.CONFIGURE_OPTIONS + ("--enable-svm",)) != base
    assert bb.cache_key("3.0+dfsg-1", bb.CONFIGURE_OPTIONS[:-1]) != base
    assert bb.cache_key("3.0+dfsg-1", recipe=bb.BUILD_RECIPE_VERSION + 1) != base


def test_build_dir_name_and_location(cache):
    d = bb.build_dir_for("3.0+dfsg-1")
    assert d.parent == cache
    assert d.name == f"bochs-3.0+dfsg-1-{bb.cache_key('3.0+dfsg-1')}"
    assert bb.build_dir_for("3.0+dfsg-1", bb.CONFIGURE_OPTIONS + ("--x",)) != d


def test_cache_root_ignores_relative_xdg(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert bb.cache_root() == pathlib.Path.home() / ".cache" / "vmx-diff"


def test_required_options_present():
    for opt in ("--with-nogui", "--enable-x86-64", "--enable-cpu-level=6", "--enable-vmx=2",
                "--enable-avx", "--enable-evex", "--enable-smp", "--enable-debugger",
                "--enable-all-optimizations", "--enable-pci", "--enable-cdrom",
                "--disable-plugins"):
        assert opt in bb.CONFIGURE_OPTIONS


def test_upstream_version():
    assert bb._upstream_version("3.0+dfsg-1") == "3.0"
    assert bb._upstream_version("1:3.0.1-2") == "3.0.1"
    assert bb._upstream_version("2.7+dfsg-2") == "2.7"
    assert bb._upstream_version("3.1~rc1") == "3.1"


# ------------------------------------------------------------ cached_binary

FAKE_BOCHS = """#!/bin/sh
echo "========================================================================"
echo "                        Bochs x86 Emulator 3.0"
echo "========================================================================"
echo "Usage: bochs [flags] [bochsrc options]"
exit 0
"""


def _fake_install(version="3.0+dfsg-1", options=None, stamp=True, script=FAKE_BOCHS, **overrides):
    options = bb.CONFIGURE_OPTIONS if options is None else options
    d = bb.build_dir_for(version, options)
    (d / "bin").mkdir(parents=True)
    b = d / "bin" / "bochs"
    b.write_text(script)
    b.chmod(0o755)
    if stamp:
        data = {"version": version, "options": list(options),
                "recipe": bb.BUILD_RECIPE_VERSION, "date": "2025-01-01T00:00:00+00:00",
                "build_seconds": 1.0, "patches": bb.patches_digest(),
                bb.BINARY_HASH_FIELD: hashlib.sha256(script.encode()).hexdigest()}
        data.update(overrides)
        (d / bb.STAMP_NAME).write_text(json.dumps(data))
    return d


def test_cached_binary_empty_cache(cache):
    assert bb.cached_binary() is None
    assert not cache.exists()  # looking must not create anything


def test_cached_binary_valid_stamp(cache):
    d = _fake_install()
    assert bb.cached_binary() == d / "bin" / "bochs"


def test_cached_binary_rejects_missing_or_stale_stamps(cache):
    _fake_install(stamp=False)
    assert bb.cached_binary() is None
    shutil.rmtree(cache)
    _fake_install(options=bb.CONFIGURE_OPTIONS + ("--enable-svm",))
    assert bb.cached_binary() is None  # built with other options
    shutil.rmtree(cache)
    _fake_install(recipe=bb.BUILD_RECIPE_VERSION + 1)
    assert bb.cached_binary() is None
    shutil.rmtree(cache)
    _fake_install(version="2.7+dfsg-2")
    assert bb.cached_binary() is None  # not a 3.x build
    shutil.rmtree(cache)
    d = _fake_install()
    (d / bb.STAMP_NAME).write_text("{not json")
    assert bb.cached_binary() is None
    (d / bb.STAMP_NAME).unlink()
    d2 = _fake_install(version="3.0+dfsg-9")
    (d2 / "bin" / "bochs").unlink()
    assert bb.cached_binary() is None  # stamp but no binary


# ------------------------------------------- verification of the cached build

def _stamp(d):
    return json.loads((d / bb.STAMP_NAME).read_text())


def test_stamp_fields_written_by_build_are_verified(cache):
    d = _fake_install()
    stamp, why = bb.verify_build(d)
    assert why == "" and stamp[bb.BINARY_HASH_FIELD] == bb._sha256(d / "bin" / "bochs")


def test_truncated_binary_is_rejected(cache):
    d = _fake_install()
    b = d / "bin" / "bochs"
    b.write_bytes(b.read_bytes()[:40])  # a torn copy: still executable, still a script
    assert bb.cached_binary() is None
    (why,) = bb.last_rejections.values()
    assert "sha256" in why and "truncated" in why and "\n" not in why
    assert bb.broken_builds() == {d.name: why}


def test_missing_hash_field_is_rejected(cache):
    d = _fake_install()
    data = _stamp(d)
    del data[bb.BINARY_HASH_FIELD]
    (d / bb.STAMP_NAME).write_text(json.dumps(data))
    assert bb.cached_binary() is None
    assert bb.BINARY_HASH_FIELD in bb.broken_builds()[d.name]
    data[bb.BINARY_HASH_FIELD] = "not-a-hash"
    (d / bb.STAMP_NAME).write_text(json.dumps(data))
    assert bb.cached_binary() is None


def test_binary_that_does_not_run_or_is_not_3x_is_rejected(cache):
    no_banner = "#!/bin/sh\necho Segmentation fault\nexit 139\n"
    d = _fake_install(script=no_banner)
    assert bb.cached_binary() is None
    assert "--help failed" in bb.broken_builds()[d.name]
    shutil.rmtree(cache)
    d = _fake_install(script=FAKE_BOCHS.replace("Emulator 3.0", "Emulator 2.7"))
    assert bb.cached_binary() is None
    assert "reports version 2.7" in bb.broken_builds()[d.name]


def test_other_recipes_are_ignored_not_broken(cache):
    _fake_install(recipe=bb.BUILD_RECIPE_VERSION + 1)
    assert bb.cached_binary() is None
    assert bb.broken_builds() == {}


def test_a_build_without_our_patches_is_not_used(cache):
    d = _fake_install(patches="0" * 64)
    assert bb.cached_binary() is None
    assert bb.verify_build(d)[1] == "built with other patches (harness/bochs-patches)"
    assert bb.broken_builds() == {}  # another build's, not a broken one


def test_verification_is_remembered_until_the_binary_changes(cache, monkeypatch):
    d = _fake_install()
    calls = []
    real = bb.version_of
    monkeypatch.setattr(bb, "version_of", lambda b: calls.append(b) or real(b))
    assert bb.cached_binary() == d / "bin" / "bochs"
    assert bb.cached_binary() == d / "bin" / "bochs"
    assert len(calls) == 1  # --help ran once; the second lookup only stat()s
    t = time.perf_counter()
    for _ in range(100):
        assert bb.cached_binary() is not None
    per_hit = (time.perf_counter() - t) / 100
    assert per_hit < 0.01, per_hit  # a remembered hit is cheap (measured ~0.1 ms)
    b = d / "bin" / "bochs"
    b.write_text(FAKE_BOCHS + "# changed\n")  # same path, new size/mtime: verified again
    assert bb.cached_binary() is None
    assert len(calls) == 1  # the hash mismatch is decided before running it


def test_ensure_rebuilds_a_broken_cache_and_says_why(cache, monkeypatch, capsys):
    d = _fake_install()
    (d / "bin" / "bochs").write_bytes(b"#!/bin/sh\n")  # truncated
    built = []

    class FakeBuilder:
        def __init__(self, uri, log, blog):
            pass

        def build(self):
            assert not d.exists()  # the broken build was removed first
            built.append(1)
            return _fake_install() / "bin" / "bochs"

    monkeypatch.setattr(bb, "_Builder", FakeBuilder)
    monkeypatch.setattr(bb, "check_build_dependencies", lambda: None)
    log = io.StringIO()
    assert bb.ensure_bochs3(uri=REFUSED_URI, log=log) == d / "bin" / "bochs"
    assert built == [1]
    lines = [ln for ln in log.getvalue().splitlines() if "broken" in ln]
    assert len(lines) == 1 and "sha256" in lines[0] and "rebuilding" in lines[0]
    assert "broken" in capsys.readouterr().err  # printed even when log is elsewhere
    assert bb.cached_binary() == d / "bin" / "bochs"


def test_cli_check_reports_a_broken_cache(cache):
    d = _fake_install()
    (d / "bin" / "bochs").write_bytes(b"#!/bin/sh\n")
    r = _cli("--check")
    assert r.returncode == 1
    assert "broken" in r.stdout and "sha256" in r.stdout and "Traceback" not in r.stderr


def test_cached_binary_rejects_renamed_dir(cache):
    d = _fake_install()
    d.rename(d.with_name("bochs-3.0+dfsg-1-000000000000"))
    assert bb.cached_binary() is None


def test_ensure_returns_cache_without_network(cache, monkeypatch):
    d = _fake_install()

    def boom(*a, **k):
        raise AssertionError("must not build or touch the network")

    monkeypatch.setattr(bb, "_Builder", boom)
    monkeypatch.setattr(bb, "derive_archive_uri", boom)
    t = time.monotonic()
    assert bb.ensure_bochs3(uri=REFUSED_URI, log=io.StringIO()) == d / "bin" / "bochs"
    assert time.monotonic() - t < 1.0


def test_cli_check(cache):
    r = _cli("--check")
    assert r.returncode == 1 and r.stdout.strip() == "not built"
    d = _fake_install()
    r = _cli("--check")
    assert r.returncode == 0 and r.stdout.strip() == str(d / "bin" / "bochs")
    t = time.monotonic()
    r = _cli()
    assert r.returncode == 0 and r.stdout.strip() == str(d / "bin" / "bochs")
    assert time.monotonic() - t < 5


# ---------------------------------------------------------------- version_of

def test_version_of(tmp_path):
    b = tmp_path / "bochs"
    b.write_text(FAKE_BOCHS)
    b.chmod(0o755)
    assert bb.version_of(b) == "3.0"


def test_version_of_errors(tmp_path, monkeypatch):
    b = tmp_path / "bochs"
    b.write_text("#!/bin/sh\necho hello\n")
    b.chmod(0o755)
    with pytest.raises(bb.BuildError):
        bb.version_of(b)
    with pytest.raises(bb.BuildError):
        bb.version_of(tmp_path / "missing")
    b.write_text("#!/bin/sh\nexec sleep 30\n")
    monkeypatch.setattr(bb, "VERSION_TIMEOUT", 1)
    t = time.monotonic()
    with pytest.raises(bb.BuildError, match="did not finish"):
        bb.version_of(b)
    assert time.monotonic() - t < 10


# ------------------------------------------------------- Sources -> .dsc

def test_parse_deb822_keeps_continuations():
    (par,) = bb.parse_deb822(BOCHS_SOURCES)
    assert par["Package"] == "bochs"
    assert par["Version"] == "3.0+dfsg-1"
    assert par["Package-List"].startswith("\n bochs deb")
    assert bb._field(par, "checksums-sha256").count("\n") == 3
    two = bb.parse_deb822(BOCHS_SOURCES + "\n" + BOCHS_SOURCES.replace("3.0+dfsg-1", "3.0+dfsg-2"))
    assert [p["Version"] for p in two] == ["3.0+dfsg-1", "3.0+dfsg-2"]


def test_source_files_and_dsc_name():
    (par,) = bb.parse_deb822(BOCHS_SOURCES)
    files = bb.source_files(par)
    assert [n for _h, _s, n in files] == [
        "bochs_3.0+dfsg-1.dsc", "bochs_3.0+dfsg.orig.tar.xz", "bochs_3.0+dfsg-1.debian.tar.xz"]
    assert files[1] == ("78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b",
                        3896488, "bochs_3.0+dfsg.orig.tar.xz")
    assert bb.dsc_name(par) == "bochs_3.0+dfsg-1.dsc"


def test_source_files_rejects_path_names():
    bad = BOCHS_SOURCES.replace("3896488 bochs_3.0+dfsg.orig.tar.xz\n c68", "3896488 ../evil.tar.xz\n c68")
    (par,) = bb.parse_deb822(bad)
    with pytest.raises(bb.BuildError):
        bb.source_files(par)


def test_dsc_from_sources():
    (par,) = bb.parse_deb822(BOCHS_SOURCES)
    text = bb.dsc_from_sources(par)
    (dsc,) = bb.parse_deb822(text)
    assert list(dsc)[:5] == ["Format", "Source", "Binary", "Architecture", "Version"]
    assert dsc["Source"] == "bochs"
    assert dsc["Format"] == "3.0 (quilt)"
    assert dsc["Version"] == "3.0+dfsg-1"
    for gone in ("Package", "Directory", "Priority", "Section"):
        assert gone not in dsc
    assert ".dsc" not in dsc["Files"] and ".dsc" not in dsc["Checksums-Sha256"]
    assert bb._checksum_entries(dsc["Checksums-Sha256"]) == [
        ("78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b", 3896488,
         "bochs_3.0+dfsg.orig.tar.xz"),
        ("c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df", 30720,
         "bochs_3.0+dfsg-1.debian.tar.xz")]
    assert len(bb._checksum_entries(dsc["Files"])) == 2
    assert list(dsc)[-2:] == ["Checksums-Sha256", "Files"]
    assert "Package-List:\n bochs deb otherosfs optional arch=any\n" in text
    assert dsc["Build-Depends"].startswith("bison, debhelper-compat (= 13)")
    assert "Package-List: \n" not in text and text.endswith("\n")


def test_dsc_from_sources_requires_fields():
    (par,) = bb.parse_deb822(BOCHS_SOURCES)
    del par["Format"]
    with pytest.raises(bb.BuildError, match="Format"):
        bb.dsc_from_sources(par)


# A tiny "3.0 (quilt)" source package, to check that a rebuilt .dsc is
# accepted by dpkg-source, which verifies checksums and applies patches.

def _tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tf.addfile(info, io.BytesIO(data))


PATCH = b"""\
--- a/hello.txt
+++ b/hello.txt
@@ -1 +1 @@
-hello
+hello, patched
"""


def _fake_package(where: pathlib.Path, real_dsc: bytes | None = None):
    """Tarballs under where plus their Sources paragraph.  With real_dsc,
    also an archive .dsc whose checksum the paragraph lists."""
    where.mkdir(parents=True, exist_ok=True)
    orig = where / "foo_1.0.orig.tar.gz"
    deb = where / "foo_1.0-1.debian.tar.gz"
    _tar(orig, {"foo-1.0/hello.txt": b"hello\n"})
    _tar(deb, {
        "debian/source/format": b"3.0 (quilt)\n",
        "debian/patches/series": b"fix.patch\n",
        "debian/patches/fix.patch": PATCH,
        "debian/changelog": b"foo (1.0-1) unstable; urgency=medium\n\n  * t\n\n"
                            b" -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n",
    })
    sha, md5 = [], []
    for p in (orig, deb):
        data = p.read_bytes()
        sha.append(f" {hashlib.sha256(data).hexdigest()} {len(data)} {p.name}")
        md5.append(f" {hashlib.md5(data).hexdigest()} {len(data)} {p.name}")
    fake_dsc = " 0123456789abcdef0123456789abcdef 99 foo_1.0-1.dsc"
    fake_dsc_sha = " " + "ab" * 32 + " 99 foo_1.0-1.dsc"
    if real_dsc is not None:
        (where / "foo_1.0-1.dsc").write_bytes(real_dsc)
        n = len(real_dsc)
        fake_dsc = f" {hashlib.md5(real_dsc).hexdigest()} {n} foo_1.0-1.dsc"
        fake_dsc_sha = f" {hashlib.sha256(real_dsc).hexdigest()} {n} foo_1.0-1.dsc"
    paragraph = "\n".join([
        "Package: foo", "Binary: foo", "Version: 1.0-1", "Maintainer: T <t@example.org>",
        "Build-Depends: debhelper-compat (= 13)", "Architecture: any",
        "Standards-Version: 4.7.0", "Format: 3.0 (quilt)",
        "Files:", fake_dsc, *md5,
        "Checksums-Sha256:", fake_dsc_sha, *sha,
        "Package-List: ", " foo deb misc optional arch=any",
        "Directory: pool/main/f/foo", "Priority: source", "Section: misc", ""])
    (par,) = bb.parse_deb822(paragraph)
    return par, orig, deb


needs_dpkg_source = pytest.mark.skipif(shutil.which("dpkg-source") is None,
                                       reason="dpkg-source not installed")


@needs_dpkg_source
def test_rebuilt_dsc_extracts_with_dpkg_source(tmp_path):
    par, orig, deb = _fake_package(tmp_path / "pool")
    dsc = tmp_path / "pool" / "foo_1.0-1.from-sources.dsc"
    dsc.write_text(bb.dsc_from_sources(par))
    out = tmp_path / "src"
    r = subprocess.run(["dpkg-source", "-x", str(dsc), str(out)], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60, env=dict(os.environ, LC_ALL="C"))
    assert r.returncode == 0, r.stderr + r.stdout
    assert (out / "hello.txt").read_text() == "hello, patched\n"


@needs_dpkg_source
def test_dpkg_source_rejects_tampered_tarball(tmp_path):
    par, orig, deb = _fake_package(tmp_path / "pool")
    dsc = tmp_path / "pool" / "foo_1.0-1.from-sources.dsc"
    dsc.write_text(bb.dsc_from_sources(par))
    _tar(orig, {"foo-1.0/hello.txt": b"evil\n"})
    r = subprocess.run(["dpkg-source", "-x", str(dsc), str(tmp_path / "src")],
                       capture_output=True, text=True, cwd=tmp_path, timeout=60,
                       env=dict(os.environ, LC_ALL="C"))
    assert r.returncode != 0


# ------------------------------------------- download fallback (local HTTP)

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield root, f"http://127.0.0.1:{srv.server_address[1]}/debian/"
    finally:
        srv.shutdown()
        srv.server_close()


def _builder(uri, monkeypatch):
    def no_apt(self, cmd, what, timeout, cwd=None, env=None, check=True):
        assert cmd[0] == "apt-get"  # only `apt-get source` may be attempted
        return 100, 0

    monkeypatch.setattr(bb._Builder, "run", no_apt)
    blog = open(bb.build_log_path(), "w")
    return bb._Builder(uri, io.StringIO(), blog), blog


def test_download_fallback_fetches_verifies_and_rebuilds_dsc(cache, http_root, monkeypatch):
    www, uri = http_root
    par, orig, deb = _fake_package(www / "debian" / "pool" / "main" / "f" / "foo")
    cache.mkdir(parents=True)
    builder, blog = _builder(uri, monkeypatch)
    with blog:
        dsc = builder.download(par)  # the .dsc itself is absent (404) on this server
    assert dsc.name == "foo_1.0-1.from-sources.dsc"
    assert (cache / "downloads" / orig.name).read_bytes() == orig.read_bytes()
    assert (cache / "downloads" / deb.name).read_bytes() == deb.read_bytes()
    assert bb.parse_deb822(dsc.read_text())[0]["Source"] == "foo"
    # second call: everything verified from the download cache, no fetch needed
    shutil.rmtree(www / "debian")
    builder2, blog2 = _builder(uri, monkeypatch)
    with blog2:
        assert builder2.download(par) == dsc


def test_download_prefers_archive_dsc_when_it_verifies(cache, http_root, monkeypatch):
    www, uri = http_root
    pool = www / "debian" / "pool" / "main" / "f" / "foo"
    par, orig, deb = _fake_package(pool, real_dsc=b"Format: 3.0 (quilt)\nSource: foo\n")
    cache.mkdir(parents=True)
    builder, blog = _builder(uri, monkeypatch)
    with blog:
        dsc = builder.download(par)
    assert dsc == cache / "downloads" / "foo_1.0-1.dsc"
    assert dsc.read_bytes() == (pool / "foo_1.0-1.dsc").read_bytes()
    # a .dsc that does not match the Sources checksum is not used
    dsc.unlink()
    (pool / "foo_1.0-1.dsc").write_bytes(b"Format: 3.0 (quilt)\nSource: bar\n")
    builder, blog = _builder(uri, monkeypatch)
    with blog:
        dsc = builder.download(par)
    assert dsc.name == "foo_1.0-1.from-sources.dsc"
    assert not (cache / "downloads" / "foo_1.0-1.dsc").exists()


def test_download_rejects_checksum_mismatch(cache, http_root, monkeypatch):
    www, uri = http_root
    pool = www / "debian" / "pool" / "main" / "f" / "foo"
    par, orig, deb = _fake_package(pool)
    data = orig.read_bytes()
    orig.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # same size, other content
    cache.mkdir(parents=True)
    builder, blog = _builder(uri, monkeypatch)
    with blog, pytest.raises(bb.BuildError, match="sha256 mismatch"):
        builder.download(par)
    assert not (cache / "downloads" / orig.name).exists()


def test_download_reports_http_errors(cache, http_root, monkeypatch):
    www, uri = http_root
    par, orig, deb = _fake_package(www / "elsewhere")
    cache.mkdir(parents=True)
    builder, blog = _builder(uri, monkeypatch)
    with blog, pytest.raises(bb.BuildError, match="HTTP 404"):
        builder.download(par)


# ------------------------------------------------- unreachable archive

needs_apt = pytest.mark.skipif(shutil.which("apt-get") is None, reason="apt-get not installed")


@needs_apt
def test_unreachable_uri_fails_fast(cache, monkeypatch):
    monkeypatch.setattr(bb, "check_build_dependencies", lambda: None)
    log = io.StringIO()
    t = time.monotonic()
    with pytest.raises(bb.BuildError) as ei:
        bb.ensure_bochs3(uri=REFUSED_URI, log=log)
    assert time.monotonic() - t < 30
    msg = str(ei.value)
    assert "\n" not in msg
    assert "127.0.0.1:9" in msg and str(cache / "build.log") in msg
    assert bb.cached_binary() is None
    assert not list(cache.glob("bochs-*")) and not list(cache.glob("tmp-build-*"))
    assert "apt-get update" in log.getvalue()


@needs_apt
def test_cli_unreachable_env_uri(cache):
    t = time.monotonic()
    r = _cli(env_extra={bb.URI_ENV: REFUSED_URI}, timeout=60)
    assert time.monotonic() - t < 30
    if "needs the Debian packages" in r.stderr:
        pytest.skip("build dependencies not installed here")
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("bochs_build: error: ") and "127.0.0.1:9" in last
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


@needs_apt
def test_cli_unreachable_flag_uri(cache):
    r = _cli("--uri", REFUSED_URI, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("bochs_build: error: ")
    assert "Traceback" not in r.stderr


def test_build_error_is_one_line():
    e = bb.BuildError("first\n\n  second  \nthird")
    assert str(e) == "first; second; third"
    assert str(bb.BuildError("")) == "unknown error"


def test_no_mirror_host_in_sources():
    for p in (REPO / "harness" / "bochs_build.py", pathlib.Path(__file__)):
        text = p.read_text()
        assert "deb." + "debian.org" not in text
