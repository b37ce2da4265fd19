"""Snapshot of the KVM-on-Bochs platform taken after kvm_intel is loaded.

Every boot of ``qemu-kvm612-on-bochs30`` used to start Bochs from power-on:
BIOS, GRUB, the L1 Linux boot and loading kvm_intel cost ~36 s of Bochs CPU
before L2 could start.  None of it depends on the run.  So the first boot
stops there and Bochs saves its whole state; later runs restore it
(``bochs -r``) and only L2's part runs.

How the state is taken.  Bochs 3.0 saves state only from its GUI; our build
adds a "Checkpoint" command to its shutdown port 0x8900
(``harness/bochs-patches/0001-checkpoint-port.patch``): at the next
instruction boundary the main loop calls ``SIM->save_state($VMXDIFF_CHECKPOINT_DIR)``
and Bochs ends.  The creating boot's per-run initrd holds only
``run/snapshot`` and ``run/kvm-params``; L1's ``/init`` loads kvm_intel, sets
up tracing, then (``harness/l1/snapshot``) loads the CD-ROM driver stack and
says ``l1io checkpoint``.

How a run gets its input after a restore.  A restore reads ``<dir>/config``
(a bochsrc Bochs wrote at save time) and reopens every path it names.  Per
run, the harness makes ``<run dir>/snapshot-restore/``: symbolic links to the
cached state files and a rewritten ``config`` whose CD-ROM (ata0-master) is
``input.bin`` (``VMXDIFF-RUN <n>`` in block 0, then the same cpio the per-run
initrd would carry), COM1/COM2 the run's console and trace files and ``msrs=``
this checkout's file.  The CD-ROM is not part of the saved state (only hard
disk images are copied back on restore), so nothing else changes.  L1 resumes
after the checkpoint, reads the CD-ROM with O_DIRECT (not the boot ISO's page
cache), unpacks it over ``/run`` and goes on exactly as after a full boot.

Cache: ``<cache root>/kvmsnap-<key>/`` with ``state/`` (Bochs's files; RAM
is a sparse 512 MiB file, ~220 MB used), the creating boot's logs and
``META.json`` (written last): size, mtime and sha256 of every file, and the
creation's stages.  The key covers everything the saved state depends on:
the Bochs binary (sha256 from its BUILD_OK), the L1 kernel and initramfs
(sha256 from the L1 MANIFEST, whose key covers ``harness/l1/``), the
kvm_intel parameters, the kernel command line, the L0 bochsrc and MSR file,
the BIOS and VGA BIOS images and SNAPSHOT_VERSION.  On use every file's size
and mtime must match META (else all are hashed again: a changed file is a
corrupt snapshot).  A missing, stale or corrupt snapshot is (re)created; a
restore that does not bring L1 back (Bochs refuses it, L1 does not resume)
discards it and the run falls back to a full boot, saying why in one line.
``VMXDIFF_KVM_SNAPSHOT=0`` turns all of it off.

Each result says how it booted: ``info.snapshot`` = {used, key, created,
restore_wall_s, restore_cpu_s, fallback, ...}.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ENV = "VMXDIFF_KVM_SNAPSHOT"
SNAPSHOT_VERSION = 1
META = "META.json"
HEADER = b"VMXDIFF-RUN "  # harness/l1/l1io.c read-direct
BLOCK = 2048               # the CD-ROM's block size: the header's block
PAD = 65536                # input.bin is padded to l1io's read size
# A restore reaches L1's "INIT ... snapshot=1" in ~3 s of Bochs CPU; if it has
# not after this long, the snapshot is not working: discard it, boot in full.
RESTORE_BUDGET_S = 180.0
# The creating boot: L0 start to the checkpoint (BOOT_BUDGET_S of kvm_on_bochs, plus the save).
CREATE_BUDGET_S = 420.0
_SMALL = 4 << 20           # files hashed on every use when their stat changed


class SnapshotError(Exception):
    """The snapshot could not be created or used (one line)."""


class L1KernelPanic(SnapshotError):
    """The creation boot's L1 kernel panicked before its /init ran: a property of the kernel and
    its command line, which a full boot would only repeat (the per-run input is read by /init).
    out and paths: that boot's watch() outcome and logs, which become the run's result."""

    def __init__(self, msg: str, out: dict, paths: dict):
        super().__init__(msg)
        self.out, self.paths = out, paths


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip() != "0"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rom_paths(rc_text: str) -> list[str]:
    return re.findall(r"^\s*(?:romimage|vgaromimage):.*?\bfile=\"?([^\s,\"]+)", rc_text, re.M)


def key_inputs(bochs: str, man: dict, kvm_params: str, kernel_cmdline: str, rc: Path, msrs: Path) -> dict:
    """Everything the saved state depends on (the snapshot's key is a hash of this)."""
    from harness import bochs_build
    stamp = bochs_build._read_stamp(Path(bochs).parent.parent) or {}
    rc_text = rc.read_text()
    roms = {}
    for p in _rom_paths(rc_text):
        try:
            roms[p] = _sha256(Path(p))
        except OSError:
            roms[p] = None
    files = man.get("files", {})
    return {"snapshot_version": SNAPSHOT_VERSION,
            "bochs_sha256": stamp.get(bochs_build.BINARY_HASH_FIELD) or _sha256(Path(bochs)),
            "l1_kernel_sha256": files.get("vmlinuz", {}).get("sha256"),
            "l1_initrd_sha256": files.get("initrd", {}).get("sha256"),
            "l1_inputs": man.get("inputs"), "kvm_params": kvm_params, "kernel_cmdline": kernel_cmdline,
            "bochsrc_sha256": hashlib.sha256(rc_text.encode()).hexdigest(),
            "msrs_sha256": _sha256(msrs), "roms": roms}


def snapshot_key(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:12]


def cache_dir(key: str) -> Path:
    from harness.provision.debian import cache_root
    return cache_root() / f"kvmsnap-{key}"


def _file_table(state: Path) -> dict:
    out = {}
    for p in sorted(state.iterdir()):
        st = p.stat()
        out[p.name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": _sha256(p)}
    return out


def verify(d: Path, key: str) -> tuple[dict | None, str]:
    """(META, "") when d holds a usable snapshot for key, else (None, why)."""
    try:
        meta = json.loads((d / META).read_text())
    except FileNotFoundError:
        return None, "none cached"
    except (OSError, ValueError) as e:
        return None, f"unreadable {META} ({e})"
    if not isinstance(meta, dict) or meta.get("key") != key or meta.get("version") != SNAPSHOT_VERSION:
        return None, f"{META} is for another key or version"
    table = meta.get("files")
    state = d / "state"
    if not isinstance(table, dict) or "config" not in table or "memory.ram" not in table:
        return None, f"{META} lists no state files"
    try:
        present = {p.name for p in state.iterdir()}
    except OSError as e:
        return None, f"state folder unreadable ({e.strerror or e})"
    if present != set(table):
        return None, f"state files differ from {META} (missing: {sorted(set(table) - present)[:3]}, " \
                     f"extra: {sorted(present - set(table))[:3]})"
    for name, want in table.items():
        st = (state / name).stat()
        if st.st_size != want.get("size"):
            return None, f"state/{name} has {st.st_size} bytes, {META} says {want.get('size')} (truncated?)"
        if st.st_mtime_ns != want.get("mtime_ns") and _sha256(state / name) != want.get("sha256"):
            return None, f"state/{name} was modified after the snapshot was taken (sha256 differs)"
    return meta, ""


def discard(d: Path, why: str, log=sys.stderr) -> None:
    _say(log, f"kvm snapshot: discarding {d.name}: {why}")
    gone = d.with_name(f"{d.name}.discarded-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(d, gone)
    except OSError:
        gone = d
    shutil.rmtree(gone, ignore_errors=True)


def _say(log, msg: str) -> None:
    if os.environ.get("VMXDIFF_QUIET") or log is None:
        return
    try:
        print(msg, file=log, flush=True)
    except (OSError, ValueError):
        pass


def ensure(plat, bochs: str, imgdir: Path, man: dict, log=sys.stderr) -> tuple[Path, dict, bool]:
    """(snapshot dir, META, created now) for this platform's current inputs; creates
    it when none is cached (or the cached one is stale or corrupt).  SnapshotError
    when it cannot be created."""
    from harness.provision.debian import build_lock, cache_root
    from harness.runners import kvm_on_bochs as kob
    inputs = key_inputs(bochs, man, kob.KVM_PARAMS, plat.kernel_cmdline, kob.RC, kob.MSRS)
    key = snapshot_key(inputs)
    d = cache_dir(key)
    meta, why = verify(d, key)
    if meta is not None:
        return d, meta, False
    if key in _FAILED:  # once per process: the failing boot would only fail again
        raise SnapshotError(_FAILED[key])
    with build_lock(cache_root(), log, name="kvmsnap.lock", tag="kvm snapshot"):
        meta, why = verify(d, key)  # another process may have made it meanwhile
        if meta is not None:
            return d, meta, False
        if d.exists():
            discard(d, why, log)
        _say(log, f"kvm snapshot: {why} for key {key}; creating it (one full L1 boot, about "
                  f"1-3 minutes) in {d}")
        try:
            meta = create(plat, bochs, imgdir, man, inputs, key, d, log)
        except SnapshotError as e:
            _FAILED[key] = str(e)
            raise
        return d, meta, True


_FAILED: dict[str, str] = {}  # key -> why creating its snapshot failed (this process)


def create(plat, bochs: str, imgdir: Path, man: dict, inputs: dict, key: str, d: Path, log) -> dict:
    from harness.provision.l1kvm import newc_bytes
    from harness.runners import kvm_on_bochs as kob
    from harness.provision.debian import cache_root
    for old in sorted(cache_root().glob("tmp-kvmsnap-*"), key=lambda p: p.stat().st_mtime)[:-2]:
        shutil.rmtree(old, ignore_errors=True)  # logs of earlier failed attempts (the last two stay)
    tmp = Path(tempfile.mkdtemp(prefix="tmp-kvmsnap-", dir=cache_root()))
    try:
        state = tmp / "state"
        state.mkdir()
        files = {"run/snapshot": b"1\n", "run/kvm-params": kob.KVM_PARAMS.encode()}
        iso = plat.iso_for(imgdir, man, newc_bytes(files, mode=0o100755), tmp / "create.iso")
        paths = {"serial": tmp / "create-serial.log", "console": tmp / "create-l1-console.log",
                 "bochs": tmp / "create-bochs.log"}
        for p in (paths["serial"], paths["console"]):
            p.write_bytes(b"")
        env = dict(os.environ, LC_ALL="C", VMXDIFF_ISO=str(iso), VMXDIFF_SERIAL=str(paths["serial"]),
                   VMXDIFF_CONSOLE=str(paths["console"]), VMXDIFF_MSRS=str(kob.MSRS),
                   VMXDIFF_CHECKPOINT_DIR=str(state))
        out = kob.watch([bochs, "-q", "-f", str(kob.RC)], env=env, log_path=paths["bochs"],
                        serial_path=paths["serial"], console_path=paths["console"],
                        timeout=CREATE_BUDGET_S, name=f"{plat.name} (creating snapshot)")
        panic = out.get("panic") or ""
        if "Checkpoint port: state saved" not in panic:
            res = kob.classify(plat.name, out, dict(paths, layers=tmp / "create-layers.log"))
            stages = {s["stage"] for s in out["stages"]}
            why = (res.reason if res.reason and res.status.value != "COMPLETE" else
                   "Bochs did not save its state" + (f" ({panic.strip()[:200]})" if panic else
                                                     " (is bin/bochs built with harness/bochs-patches?)"))
            msg = f"creating the snapshot failed: {why}; L1 stages: {sorted(stages)}; logs: {tmp} (kept)"
            if not stages and res.status.value == "PANIC" and res.reason.startswith("L1 kernel panic"):
                raise L1KernelPanic(msg, out, paths)
            raise SnapshotError(msg)
        ckpt = next((s for s in out["stages"] if s["stage"] == "CHECKPOINT"), {})
        meta = {"version": SNAPSHOT_VERSION, "key": key, "inputs": inputs,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "create_wall_s": out["duration_s"], "create_cpu_s": out["cpu_s"],
                "save_wall_s": round(out["duration_s"] - ckpt.get("wall_s", out["duration_s"]), 2),
                "stages": out["stages"], "files": _file_table(state)}
        for name in ("create.iso", "create-layers.log"):
            (tmp / name).unlink(missing_ok=True)
        (tmp / META).write_text(json.dumps(meta, indent=1) + "\n")
        os.rename(tmp, d)
        size = sum(f["size"] for f in meta["files"].values())
        used = sum(p.stat().st_blocks * 512 for p in (d / "state").iterdir())
        _say(log, f"kvm snapshot: created {d.name} in {out['duration_s']:.1f} s ({out['cpu_s']} s Bochs CPU; "
                  f"saving took {meta['save_wall_s']} s; {used / 1e6:.0f} MB on disk, {size / 1e6:.0f} MB apparent)")
        return meta
    except BaseException:
        if tmp.exists() and not (tmp / "create-bochs.log").exists():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():  # keep the logs (named in the error), not the state or the ISO
            shutil.rmtree(tmp / "state", ignore_errors=True)
            (tmp / "create.iso").unlink(missing_ok=True)
        raise


def input_bytes(cpio: bytes) -> bytes:
    """The CD-ROM file of one restored run: the header block, then the cpio."""
    data = (HEADER + f"{len(cpio)}\n".encode()).ljust(BLOCK, b"\0") + cpio
    return data + b"\0" * (-len(data) % PAD)


_CFG_FIELD = {"ata0-master": "path", "com1": "dev", "com2": "dev", "cpu": "msrs"}


def restore_config(text: str, values: dict) -> str:
    """The saved bochsrc with the run's paths: {"ata0-master": input, "com1": console,
    "com2": serial, "cpu": msrs file}.  Every field must be there exactly once."""
    for dev, path in values.items():
        field = _CFG_FIELD[dev]
        pat = re.compile(rf'^({re.escape(dev)}:.*?\b{field}=)("[^"]*"|[^,\s]*)', re.M)
        text, n = pat.subn(lambda m: m.group(1) + json.dumps(str(path)), text)
        if n != 1:
            raise SnapshotError(f"the snapshot's config has {n} '{dev}: ... {field}=' lines, expected 1")
    return text


def prepare_restore(d: Path, run_dir: Path, cpio: bytes, paths: dict, msrs: Path) -> Path:
    """<run dir>/snapshot-restore/ for ``bochs -r``: links to the cached state, the
    rewritten config and the run's input on the CD-ROM."""
    rd = run_dir / "snapshot-restore"
    shutil.rmtree(rd, ignore_errors=True)
    rd.mkdir(parents=True)
    state = d / "state"
    for p in state.iterdir():
        if p.name != "config":
            os.symlink(p, rd / p.name)
    inp = rd / "input.bin"
    inp.write_bytes(input_bytes(cpio))
    (rd / "config").write_text(restore_config((state / "config").read_text(),
                                              {"ata0-master": inp, "com1": paths["console"],
                                               "com2": paths["serial"], "cpu": msrs}))
    return rd


def restored_in_time(out: dict) -> bool:
    """Did L1 come back after the restore (its "INIT ... snapshot=1")?"""
    return any(s["stage"] == "INIT" and "snapshot=1" in s["detail"] for s in out["stages"])


def snapshot_failure(out: dict) -> str | None:
    """Why a restored boot says nothing about the platform (then: full boot), else None."""
    if not restored_in_time(out):
        if out.get("panic"):
            return f"Bochs refused the restore: {out['panic'].strip()[:300]}"
        if out.get("timed_out"):
            return f"L1 did not resume within {RESTORE_BUDGET_S:.0f} s of the restore"
        return f"L1 did not resume (Bochs exit {out.get('exit')}, signal {out.get('signal')})"
    fail = next((s for s in out["stages"] if s["stage"] == "FAIL" and "stage=snapshot" in s["detail"]), None)
    if fail:
        return f"L1: {fail['detail'][:300]}"
    return None


KEEP = 3  # snapshots kept in the cache (most recently used first); ~220 MB each


def _prune(keep: Path, log) -> None:
    from harness.provision.debian import cache_root
    try:
        snaps = sorted((p for p in cache_root().glob("kvmsnap-*") if p.is_dir() and "." not in p.name),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for p in [p for p in snaps if p != keep][KEEP - 1:]:
        _say(log, f"kvm snapshot: removing the least recently used {p.name}")
        shutil.rmtree(p, ignore_errors=True)


def run_restored(plat, bochs: str, imgdir: Path, man: dict, run_cpio: bytes, run_dir: Path,
                 paths: dict, budget: float, log=sys.stderr) -> tuple[dict | None, dict]:
    """Boot from the snapshot: (watch() outcome, info), or (None, info) when no snapshot can
    be used or the restore did not bring L1 back; the caller then boots in full."""
    import subprocess
    from harness.provision.debian import ProvisionError
    from harness.runners import kvm_on_bochs as kob
    t = time.perf_counter()
    try:
        d, meta, created = ensure(plat, bochs, imgdir, man, log)
    except L1KernelPanic as e:
        try:
            for k in ("serial", "console", "bochs"):
                shutil.copyfile(e.paths[k], paths[k])
        except OSError as exc:
            _say(log, f"kvm snapshot: not used ({e}); booting in full (its logs could not be copied: {exc})")
            return None, {"used": False, "fallback": str(e)[:600]}
        _say(log, f"kvm snapshot: not used ({e}); the L1 kernel panicked before its /init ran, so a full "
                  f"boot would repeat it: that boot is this run's result")
        paths["command"].write_text(f"# the L1 kernel panicked in the boot that was creating the KVM snapshot "
                                    f"({e}); with {ENV}=0 the harness boots in full and writes that boot's "
                                    f"command here\n")
        return e.out, {"used": False, "fallback": str(e)[:600], "result_of": "the snapshot's creation boot"}
    except (SnapshotError, ProvisionError, OSError, subprocess.SubprocessError) as e:
        _say(log, f"kvm snapshot: not used ({e}); booting in full")
        return None, {"used": False, "fallback": str(e)[:600]}
    info = {"used": True, "key": meta["key"], "dir": str(d), "created": created, "created_at": meta.get("created"),
            "create_wall_s": meta.get("create_wall_s"), "create_cpu_s": meta.get("create_cpu_s"),
            "save_wall_s": meta.get("save_wall_s"),
            "create_stages": {s["stage"]: s.get("cpu_s") for s in meta.get("stages", [])},
            "lookup_s": round(time.perf_counter() - t, 4) if not created else None}
    try:
        os.utime(d)  # most recently used (_prune)
    except OSError:
        pass
    if created:
        _prune(d, log)
    logs = {}
    for src, dst, k in (("create-l1-console.log", "l1-console-boot.log", "l1_console_boot"),
                        ("create-bochs.log", "bochs-boot.log", "bochs_boot")):
        try:
            shutil.copyfile(d / src, run_dir / dst)
            logs[k] = str(run_dir / dst)
        except OSError:
            pass
    try:
        rd = prepare_restore(d, run_dir, run_cpio, paths, kob.MSRS)
    except (SnapshotError, OSError) as e:
        discard(d, f"cannot prepare a restore: {e}", log)
        return None, {"used": False, "fallback": f"cannot prepare a restore: {e}"}
    for p in (paths["serial"], paths["console"]):
        p.write_bytes(b"")
    argv = [bochs, "-q", "-r", str(rd)]
    env = dict(os.environ, LC_ALL="C")
    env.pop("VMXDIFF_CHECKPOINT_DIR", None)
    paths["command"].write_text(f"cd {run_dir} && LC_ALL=C {' '.join(argv)}   # restores the KVM snapshot "
                                f"{d.name} (snapshot-restore/: the run's config and input.bin, links to the "
                                f"cached state; VMXDIFF_KVM_SNAPSHOT=0 boots in full)\n")
    out = kob.watch(argv, env=env, log_path=paths["bochs"], serial_path=paths["serial"],
                    console_path=paths["console"], timeout=budget, name=plat.name,
                    stage_deadline=("INIT", RESTORE_BUDGET_S))
    why = snapshot_failure(out)
    if why:
        failed = run_dir / "bochs-restore-failed.log"
        try:
            os.replace(paths["bochs"], failed)
        except OSError:
            pass
        _say(log, f"kvm snapshot: the restore of {d.name} failed: {why}; booting in full "
                  f"(Bochs's log: {failed})")
        discard(d, why, log)
        shutil.rmtree(rd, ignore_errors=True)  # links into the discarded snapshot
        for p in logs.values():
            Path(p).unlink(missing_ok=True)
        logs = {}
        return None, {"used": False, "fallback": f"restore failed: {why}", "failed_key": meta["key"],
                      "log_paths": dict(logs, bochs_restore_failed=str(failed))}
    init = next(s for s in out["stages"] if s["stage"] == "INIT")
    info.update({"restore_wall_s": init["wall_s"], "restore_cpu_s": init["cpu_s"], "log_paths": logs})
    return out, info
