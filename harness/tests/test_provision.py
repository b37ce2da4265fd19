"""Offline tests of the shared provisioning layer and the L1 image recipe."""
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.provision import debian, l1kvm  # noqa: E402


@pytest.fixture
def cache(tmp_path, monkeypatch):
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    return xdg / "vmx-diff"


def test_depends_of_takes_first_alternative_without_versions():
    (par,) = debian.parse_deb822(
        "Package: q\nPre-Depends: libc6 (>= 2.38)\n"
        "Depends: libaio1t64 (>= 0.3), foo | bar, zlib1g:amd64 (>= 1:1.2)\n")
    assert debian.depends_of(par) == ["libc6", "libaio1t64", "foo", "zlib1g"]


def test_l1_recipe_follows_only_libraries():
    assert l1kvm._follow("libglib2.0-0t64") and l1kvm._follow("zlib1g")
    assert not l1kvm._follow("systemd") and not l1kvm._follow("adduser")


def _parse_newc(data: bytes) -> dict:
    out, off = {}, 0
    while True:
        h = data[off:off + 110]
        assert h[:6] == b"070701"
        f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        body = data[off:off + size]
        off += size
        off += -off % 4
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, body)


def test_newc_archive_roundtrip():
    data = l1kvm.newc_bytes({"run/cmdline": b"scenarios=vmcall_loop", "run/l2.elf32": b"\x7fELF" * 3},
                            mode=0o100755)
    files = _parse_newc(data)
    assert files["run/cmdline"][1] == b"scenarios=vmcall_loop"
    assert files["run/l2.elf32"][1] == b"\x7fELF" * 3
    assert files["run/l2.elf32"][0] & 0o777 == 0o755
    assert files["run"][0] & 0o040000


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed")
def test_extract_deb_selects_members_and_refuses_nothing_else(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text(
        "Package: t\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: t\n")
    (pkg / "boot").mkdir()
    (pkg / "boot" / "vmlinuz-1").write_bytes(b"kernel")
    (pkg / "usr/share/doc/t").mkdir(parents=True)
    (pkg / "usr/share/doc/t/README").write_text("doc")
    os.symlink("/usr/share/doc/t/README", pkg / "boot" / "abs-link")
    deb = tmp_path / "t_1_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(pkg), str(deb)], check=True,
                   capture_output=True)
    got = debian.extract_deb(deb, tmp_path / "x", members=lambda r: r.startswith("boot/vmlinuz"))
    assert "boot/vmlinuz-1" in got and (tmp_path / "x/boot/vmlinuz-1").read_bytes() == b"kernel"
    assert not (tmp_path / "x/usr/share/doc/t/README").exists()
    everything = debian.extract_deb(deb, tmp_path / "y")
    assert "usr/share/doc/t/README" in everything and os.path.islink(tmp_path / "y/boot/abs-link")
    with pytest.raises(debian.ProvisionError):
        debian.extract_deb(tmp_path / "missing.deb", tmp_path / "z")


def _fake_image(root: pathlib.Path, name="l1kvm-trixie-6.12.1-qemu10-000000000000", **over):
    d = root / name
    d.mkdir(parents=True)
    (d / "vmlinuz").write_bytes(b"K" * 1000)
    (d / "base.cpio.zst").write_bytes(b"I" * 2000)
    man = {"recipe": l1kvm.RECIPE_VERSION, "inputs": l1kvm.inputs_hash(), "suite": "trixie",
           "kernel": "6.12.1", "qemu": "1:10.0", "date": "2025-01-01T00:00:00+00:00",
           "files": {"vmlinuz": {"name": "vmlinuz", "sha256": debian._sha256(d / "vmlinuz")},
                     "initrd": {"name": "base.cpio.zst", "sha256": debian._sha256(d / "base.cpio.zst")}}}
    man.update(over)
    (d / l1kvm.MANIFEST).write_text(json.dumps(man))
    return d


def test_cached_image_hit_is_cheap_and_verified(cache):
    d = _fake_image(cache)
    import time
    t = time.perf_counter()
    hit = l1kvm.cached_image("trixie")
    assert hit and hit[0] == d
    for _ in range(50):
        assert l1kvm.cached_image("trixie")
    assert (time.perf_counter() - t) / 51 < 0.05
    assert l1kvm.cached_image("bookworm") is None


def test_cached_image_rejects_broken_or_stale(cache):
    d = _fake_image(cache)
    (d / "base.cpio.zst").write_bytes(b"I" * 10)  # truncated
    assert l1kvm.cached_image() is None
    assert "sha256" in l1kvm.verify(d)[1]
    shutil.rmtree(d)
    d = _fake_image(cache, inputs="0" * 12)
    assert l1kvm.cached_image() is None and "harness/l1" in l1kvm.verify(d)[1]
    shutil.rmtree(d)
    d = _fake_image(cache, recipe=l1kvm.RECIPE_VERSION + 1)
    assert l1kvm.cached_image() is None
    (d / l1kvm.MANIFEST).unlink()
    assert l1kvm.verify(d) == (None, f"no {l1kvm.MANIFEST}")


def test_inputs_hash_covers_init_and_l1io():
    names = {p.name for p in l1kvm.L1_DIR.iterdir()}
    assert {"init", "l1io.c"} <= names
    assert len(l1kvm.inputs_hash()) == 12


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
def test_l1io_compiles(tmp_path):
    l1kvm.build_l1io(tmp_path / "l1io")
    assert (tmp_path / "l1io").stat().st_size < 64 * 1024


class _NoApt(debian.AptWorker):
    def run(self, cmd, what, timeout, cwd=None, env=None, check=True):
        raise AssertionError("must not call apt when every .deb is cached and verified")


def test_download_debs_reuses_verified_and_rejects_bad(cache, tmp_path):
    dest = tmp_path / "debs"
    dest.mkdir()
    (dest / "a_1_amd64.deb").write_bytes(b"deb-a")
    par = {"Package": "a", "Version": "1", "Filename": "pool/main/a/a_1_amd64.deb",
           "Size": "5", "SHA256": debian.hashlib.sha256(b"deb-a").hexdigest()}
    w = _NoApt("http://127.0.0.1:9/debian", io.StringIO(), io.StringIO(), suite="trixie", types="deb")
    assert w.download_debs([par], dest) == [dest / "a_1_amd64.deb"]
    bad = dict(par, SHA256="0" * 64)
    with pytest.raises(AssertionError):  # a mismatch means: fetch again (here: no apt allowed)
        w.download_debs([bad], dest)
    with pytest.raises(debian.ProvisionError):
        w.download_debs([dict(par, SHA256="")], dest)


def test_binary_apt_options_are_private(cache):
    w = debian.AptWorker("http://x/debian", io.StringIO(), io.StringIO(), suite="trixie", types="deb",
                         apt_key="k")
    opts = " ".join(w.apt_options())
    assert "Dir::State::status=" + str(cache / "apt" / "k" / "status") in opts
    assert "Dir::Etc::sourceparts=-" in opts and "/etc/apt" not in opts


def test_no_mirror_host_in_provision_sources():
    for p in (REPO / "harness" / "provision").glob("*.py"):
        assert "deb." + "debian.org" not in p.read_text()


def test_module_signature_is_stripped_exactly():
    body = b"\x7fELF" + bytes(range(256)) * 4
    blob = b"PKCS7" * 61
    sig = blob + bytes([0, 0, 2, 0, 0, 0, 0, 0]) + len(blob).to_bytes(4, "big") + l1kvm.MODULE_SIG_MAGIC
    assert l1kvm.strip_module_signature(body + sig) == body
    assert l1kvm.strip_module_signature(body) == body  # unsigned: unchanged
    with pytest.raises(l1kvm.ProvisionError):
        l1kvm.strip_module_signature(b"x" * 8 + (1 << 20).to_bytes(4, "big") + l1kvm.MODULE_SIG_MAGIC)
