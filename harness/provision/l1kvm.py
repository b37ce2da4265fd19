"""Recipe: the L1 image of the KVM-on-Bochs platform.

A Debian kernel (trixie's linux-image-amd64, 6.12: a zstd kernel that boots
fast in Bochs), busybox-static and Debian's qemu-system-x86 with the shared
libraries and firmware it needs, in one initramfs whose /init
(harness/l1/init) loads kvm_intel nested=1 and runs the image as L2.

Everything comes from the archive through harness.provision.debian (signed
index, sha256 of every .deb).  The result is cached in
``<cache root>/l1kvm-<kernel>-qemu<version>-<key>/`` (vmlinuz, base.cpio.zst
or .gz, MANIFEST.json with the sha256 of each file and every package
version); <key> hashes the package versions, this recipe's version and the
files under harness/l1/.  A hit is a stat() of the two files plus one
in-process sha256 check (measured: well under a second).

    /usr/bin/python3 -m harness.provision.l1kvm [--check] [--suite trixie]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import gzip
import hashlib
import json
import lzma
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

from harness.provision.debian import (AptWorker, ProvisionError, _atomic_write, _field, _sha256,
                                      build_lock, cache_root, derive_archive_uri, extract_deb,
                                      URI_ENV)

RECIPE_VERSION = 2  # 2: the kvm modules without their appended signatures
L1_DIR = pathlib.Path(__file__).resolve().parents[1] / "l1"
MANIFEST = "MANIFEST.json"
KERNEL_META = {"trixie": "linux-image-amd64", "bookworm": "linux-image-amd64"}
# Roots of the package set; libraries are followed through Depends.
ROOTS = ("busybox-static", "qemu-system-x86", "qemu-system-data", "seabios")
QEMU_BIN = "usr/bin/qemu-system-x86_64"
FIRMWARE = ("usr/share/seabios/bios-256k.bin", "usr/share/qemu/linuxboot_dma.bin",
            "usr/share/qemu/multiboot_dma.bin", "usr/share/qemu/kvmvapic.bin")
MODULES = {"irqbypass": "virt/lib/irqbypass.ko", "kvm": "arch/x86/kvm/kvm.ko",
           "kvm-intel": "arch/x86/kvm/kvm-intel.ko"}
# The CD-ROM driver stack, loaded only by a boot that creates the KVM snapshot
# (harness/l1/snapshot): after a restore, the run's input comes from the CD-ROM.
MODULES.update({"scsi_common": "drivers/scsi/scsi_common.ko", "scsi_mod": "drivers/scsi/scsi_mod.ko",
                "libata": "drivers/ata/libata.ko", "ata_piix": "drivers/ata/ata_piix.ko",
                "cdrom": "drivers/cdrom/cdrom.ko", "sr_mod": "drivers/scsi/sr_mod.ko"})
LIB_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib64", "lib64")
TAG = "l1kvm"


def _follow(name: str) -> bool:
    """Dependencies worth fetching: shared libraries, not daemons or tools."""
    return name.startswith("lib") or name in ("zlib1g", "gcc-14-base", "gcc-12-base")


def inputs_hash() -> str:
    """Hash of everything of ours that goes into the image (init, l1io.c)."""
    h = hashlib.sha256(f"recipe {RECIPE_VERSION}\n".encode())
    for p in sorted(L1_DIR.iterdir()):
        if p.is_file() and not p.name.endswith((".pyc", "~")):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def image_key(versions: dict[str, str]) -> str:
    blob = json.dumps([sorted(versions.items()), inputs_hash()], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------
# Cache lookup (no network)

_VERIFIED: dict[tuple, str] = {}
_LOCK = threading.Lock()


def verify(d: pathlib.Path) -> tuple[dict | None, str]:
    """(manifest, "") if d is a complete image for this recipe, else (None, why)."""
    try:
        man = json.loads((d / MANIFEST).read_text())
    except FileNotFoundError:
        return None, f"no {MANIFEST}"
    except (OSError, ValueError) as e:
        return None, f"unreadable {MANIFEST} ({e})"
    if not isinstance(man, dict) or man.get("recipe") != RECIPE_VERSION:
        return None, "built by another recipe version"
    if man.get("inputs") != inputs_hash():
        return None, "harness/l1 changed since it was built"
    files = man.get("files")
    if not isinstance(files, dict) or not {"vmlinuz", "initrd"} <= set(files):
        return None, f"{MANIFEST} lists no vmlinuz/initrd"
    try:
        key = tuple((n, os.stat(d / files[n]["name"]).st_size, os.stat(d / files[n]["name"]).st_mtime_ns)
                    for n in ("vmlinuz", "initrd"))
    except (OSError, KeyError, TypeError) as e:
        return None, f"missing file ({e})"
    with _LOCK:
        known = _VERIFIED.get((str(d),) + key)
    if known is None:
        known = ""
        for n in ("vmlinuz", "initrd"):
            f = files[n]
            if _sha256(d / f["name"]) != f.get("sha256"):
                known = f"{f['name']} does not match the sha256 recorded at build time"
                break
        with _LOCK:
            _VERIFIED[(str(d),) + key] = known
    return (man, "") if not known else (None, known)


def cached_image(suite: str = "trixie") -> tuple[pathlib.Path, dict] | None:
    """(directory, manifest) of the newest valid cached image for suite."""
    best = None
    try:
        dirs = [p for p in cache_root().iterdir() if p.name.startswith(f"l1kvm-{suite}-")]
    except OSError:
        return None
    for d in dirs:
        man, _why = verify(d)
        if man and (best is None or man.get("date", "") > best[1].get("date", "")):
            best = (d, man)
    return best


# --------------------------------------------------------------------------
# Build

def _needed(path: pathlib.Path) -> list[str]:
    out = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True,
                         timeout=60, check=False).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _newc(root: pathlib.Path, out) -> None:
    """Write root as a cpio "newc" archive (what the kernel's initramfs takes)."""
    ino = 1

    def header(name: str, mode: int, size: int, nlink: int) -> bytes:
        nonlocal ino
        fields = (ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name) + 1, 0)
        ino += 1
        b = b"070701" + "".join(f"{v:08x}" for v in fields).encode() + name.encode() + b"\0"
        return b + b"\0" * (-len(b) % 4)

    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in sorted(dirnames + filenames):
            p = pathlib.Path(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(p).encode()
            elif stat.S_ISREG(st.st_mode):
                data = p.read_bytes()
            else:
                data = b""
            out.write(header(str(p.relative_to(root)), st.st_mode, len(data),
                             2 if stat.S_ISDIR(st.st_mode) else 1))
            out.write(data + b"\0" * (-len(data) % 4))
    out.write(header("TRAILER!!!", 0, 0, 1))


def newc_bytes(files: dict[str, bytes], mode: int = 0o100644) -> bytes:
    """A small cpio archive from {path: data} (the per-run initrd)."""
    import io
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            p = pathlib.Path(tmp, name)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            os.chmod(p, mode & 0o777)
        buf = io.BytesIO()
        _newc(pathlib.Path(tmp), buf)
        return buf.getvalue()


MODULE_SIG_MAGIC = b"~Module signature appended~\n"


def strip_module_signature(data: bytes) -> bytes:
    """The module without its appended signature (kernel module_signature layout: the
    PKCS#7 blob, 12 bytes of struct module_signature ending in its big-endian length,
    then MODULE_SIG_MAGIC).

    Checking kvm.ko's signature (a SHA-256 over 2.9 MB) cost ~4.5 s of Bochs CPU per boot,
    more than the rest of insmod; the kernel loads an unsigned module when signatures are
    not enforced (Debian: only under Secure Boot lockdown) and says "module verification
    failed ... tainting kernel" once.  A module with no signature is returned as it is.
    """
    if not data.endswith(MODULE_SIG_MAGIC):
        return data
    end = len(data) - len(MODULE_SIG_MAGIC)
    sig_len = int.from_bytes(data[end - 4:end], "big")
    if sig_len + 12 > end:
        raise ProvisionError("malformed module signature")
    return data[:end - 12 - sig_len]


def build_l1io(out: pathlib.Path, defines: tuple[str, ...] = ()) -> None:
    """Compile harness/l1/l1io.c; the unit tests add L1IO_STDOUT (port output to stdout)."""
    cmd = ["gcc", "-static", "-nostdlib", "-Os", "-fno-builtin", "-fno-stack-protector",
           "-fno-pie", "-no-pie", "-Wall", "-Werror", *(f"-D{d}" for d in defines),
           "-o", str(out), str(L1_DIR / "l1io.c")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if r.returncode != 0:
        raise ProvisionError(f"cannot compile harness/l1/l1io.c: {(r.stderr.strip().splitlines() or ['?'])[-1]}")


class Builder(AptWorker):
    def __init__(self, uri: str, log, blog, suite: str):
        key = hashlib.sha256(f"{uri.rstrip('/')} deb {suite}".encode()).hexdigest()[:10]
        super().__init__(uri, log, blog, suite=suite, types="deb", tag=TAG, apt_key=key,
                         log_path=cache_root() / "l1kvm-build.log")

    def build(self) -> pathlib.Path:
        start = time.monotonic()
        self.prepare_apt()
        self.apt_update()
        meta = self.show(KERNEL_META[self.suite])
        kpkg = next((d for d in _deps(meta) if d.startswith("linux-image-")), None)
        if not kpkg:
            raise ProvisionError(f"{KERNEL_META[self.suite]} names no linux-image package")
        pars = self.closure([kpkg, *ROOTS], follow=_follow)
        versions = {_field(p, "Package"): _field(p, "Version") for p in pars}
        kver = kpkg[len("linux-image-"):]
        qver = re.sub(r"^\d+:", "", versions.get("qemu-system-x86", "?")).split("+")[0]
        name = f"l1kvm-{self.suite}-{kver}-qemu{qver}-{image_key(versions)}"
        final = self.root / name
        if verify(final)[0]:
            return final
        self.say(f"{len(pars)} packages ({kpkg}, qemu-system-x86 {versions.get('qemu-system-x86')}) -> {final}")
        debs = self.download_debs(pars, self.root / "downloads" / "debs")
        self.say(f"verified sha256 of {len(debs)} .debs against the signed {self.suite} index")
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="tmp-l1kvm-", dir=self.root))
        try:
            x = tmp / "x"
            for deb in debs:
                if deb.name.startswith("linux-image-"):
                    extract_deb(deb, x, members=lambda r: r.startswith("boot/vmlinuz-") or any(
                        r.endswith(m + ".xz") or r.endswith(m) for m in MODULES.values()))
                else:
                    extract_deb(deb, x)
            out = tmp / "out"
            out.mkdir()
            vmlinuz = next((x / "boot").glob("vmlinuz-*"), None)
            if vmlinuz is None:
                raise ProvisionError(f"{kpkg} has no /boot/vmlinuz-*")
            shutil.copyfile(vmlinuz, out / "vmlinuz")
            root = tmp / "root"
            self.assemble(x, root)
            initrd = self.pack(root, out)
            files = {"vmlinuz": out / "vmlinuz", "initrd": initrd}
            man = {
                "recipe": RECIPE_VERSION, "inputs": inputs_hash(), "suite": self.suite,
                "archive_uri": self.uri, "kernel_package": kpkg, "kernel": kver,
                "qemu": versions.get("qemu-system-x86"), "packages": versions,
                "files": {k: {"name": p.name, "sha256": _sha256(p), "size": p.stat().st_size}
                          for k, p in files.items()},
                "build_seconds": round(time.monotonic() - start, 1),
                "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
            _atomic_write(out / MANIFEST, json.dumps(man, indent=1) + "\n")
            if final.exists():
                shutil.rmtree(final)
            os.rename(out, final)
            self.say(f"L1 image built in {man['build_seconds']}s")
            return final
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def assemble(self, x: pathlib.Path, root: pathlib.Path) -> None:
        def copy(src: pathlib.Path, rel: str) -> pathlib.Path:
            dst = root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(os.path.realpath(src), dst)
            os.chmod(dst, 0o755 if os.access(src, os.X_OK) else 0o644)
            return dst

        def find_lib(so: str) -> pathlib.Path:
            for d in LIB_DIRS:
                if (x / d / so).exists():
                    return x / d / so
            raise ProvisionError(f"{so} (needed by QEMU) is in none of the fetched packages")

        qemu = x / QEMU_BIN
        if not qemu.exists():
            raise ProvisionError(f"qemu-system-x86 has no /{QEMU_BIN}")
        copy(qemu, QEMU_BIN)
        todo, seen = [qemu], set()
        while todo:
            for so in _needed(todo.pop()):
                if so not in seen:
                    seen.add(so)
                    f = find_lib(so)
                    copy(f, f"usr/lib/x86_64-linux-gnu/{so}")
                    todo.append(f)
        copy(find_lib("ld-linux-x86-64.so.2"), "lib64/ld-linux-x86-64.so.2")
        for fw in FIRMWARE:
            if not (x / fw).exists():
                raise ProvisionError(f"firmware /{fw} is in none of the fetched packages")
            copy(x / fw, fw)
        copy(x / "usr/bin/busybox", "bin/busybox")
        kmods = next((x / "usr/lib/modules").iterdir(), None) if (x / "usr/lib/modules").is_dir() else None
        if kmods is None:
            raise ProvisionError("the kernel package has no /usr/lib/modules")
        (root / "modules").mkdir()
        for name, rel in MODULES.items():
            p = kmods / "kernel" / rel
            data = lzma.decompress((p.with_name(p.name + ".xz")).read_bytes()) if not p.exists() else p.read_bytes()
            (root / "modules" / f"{name}.ko").write_bytes(strip_module_signature(data))
        build_l1io(root / "l1io")
        copy(L1_DIR / "init", "init")
        os.chmod(root / "init", 0o755)
        copy(L1_DIR / "snapshot", "snapshot")
        for d in ("proc", "sys", "dev", "tmp", "run"):
            (root / d).mkdir(exist_ok=True)

    def pack(self, root: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
        raw = out / "base.cpio"
        with open(raw, "wb") as f:
            _newc(root, f)
        if shutil.which("zstd"):
            r = subprocess.run(["zstd", "-q", "-f", "-3", "-T0", "--rm", str(raw)],
                               capture_output=True, text=True, timeout=600, check=False)
            if r.returncode == 0:
                return out / "base.cpio.zst"
        with open(raw, "rb") as f, gzip.open(out / "base.cpio.gz", "wb", compresslevel=1) as g:
            shutil.copyfileobj(f, g, 1 << 20)
        raw.unlink()
        return out / "base.cpio.gz"


def _deps(par) -> list[str]:
    from harness.provision.debian import depends_of
    return depends_of(par)


def ensure_image(suite: str = "trixie", uri: str | None = None, log=None) -> tuple[pathlib.Path, dict]:
    """(directory, manifest) of the L1 image, building it first if needed."""
    if log is None:
        log = sys.stderr
    hit = cached_image(suite)
    if hit:
        return hit
    root = cache_root()
    try:
        with build_lock(root, log, name="l1kvm.lock", tag=TAG):
            hit = cached_image(suite)
            if hit:
                return hit
            archive = uri or os.environ.get(URI_ENV) or derive_archive_uri()
            with open(root / "l1kvm-build.log", "w", encoding="utf-8", errors="replace") as blog:
                try:
                    d = Builder(archive, log, blog, suite).build()
                except ProvisionError as e:
                    blog.write(f"\nERROR: {e}\n")
                    raise
            man, why = verify(d)
            if man is None:
                raise ProvisionError(f"the fresh L1 image in {d} does not verify: {why}")
            return d, man
    except ProvisionError:
        raise
    except OSError as e:
        raise ProvisionError(f"{e.strerror or e} {getattr(e, 'filename', '') or ''} "
                             f"(log: {root / 'l1kvm-build.log'})".replace("  ", " "))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="l1kvm", description="Build (or find) the L1 image of the "
                                 "KVM-on-Bochs platform and print its directory.")
    ap.add_argument("--suite", default="trixie", choices=sorted(KERNEL_META))
    ap.add_argument("--uri")
    ap.add_argument("--check", action="store_true", help="only report whether it is cached")
    args = ap.parse_args(argv)
    if args.check:
        t = time.perf_counter()
        hit = cached_image(args.suite)
        if not hit:
            print("not built")
            return 1
        print(f"{hit[0]} ({time.perf_counter() - t:.3f} s)")
        return 0
    try:
        d, _ = ensure_image(args.suite, args.uri)
    except ProvisionError as e:
        print(f"l1kvm: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("l1kvm: error: interrupted", file=sys.stderr)
        return 2
    print(d)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
