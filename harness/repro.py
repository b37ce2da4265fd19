"""`make repro SCENARIO=<id> [PLATFORM=...]`: a self-contained bug-report kit.

Writes reports/repro/<scenario>-<platform>-<time>/ and a .tar.gz of it with:
the ISO, a standalone bochsrc (includes and variables resolved), run.sh (the
one command), expected.txt (the SDM expectation), actual-trace.log (the
platform's serial output), divergences.txt, bochs-reasons.txt and the full
emulator log, plus a README.txt that says what is what.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import re
import shutil
import tarfile
from pathlib import Path

from harness import bochslog, evaluate, expect, iso as isomod, platforms, session, tables
from harness.cli import CliError
from harness.report import REPORTS
from harness.tables import DEFAULT_BUILD, REPO


def standalone_bochsrc(config: Path, iso_name: str) -> str:
    """Inline #include lines and replace the harness's variables."""
    out = []
    for line in config.read_text().splitlines():
        m = re.match(r"#include\s+(\S+)", line)
        if m:
            out += standalone_bochsrc(REPO / m.group(1), iso_name).splitlines()
            continue
        line = line.replace("$VMXDIFF_ISO", iso_name).replace("$VMXDIFF_SERIAL", "serial.log")
        out.append(line.replace("log: /dev/stdout", "log: bochs.log"))
    return "\n".join(out) + "\n"


def describe(exp: expect.Expectation | None) -> str:
    if exp is None:
        return "no SDM expectation registered\n"
    lines = [f"Source: {exp.cite}", ""]
    for i, ev in enumerate(exp.events):
        lines.append(f"event #{i}: {ev}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m harness repro")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--platform", default="bochs27-skylake_x")
    ap.add_argument("--out", type=Path, default=REPORTS / "repro")
    args = ap.parse_args(argv)
    plat = platforms.get(args.platform)
    catalog = session.load_catalog()
    ids = session.resolve(args.scenario, catalog)
    if len(ids) != 1:
        raise CliError(f"{args.scenario!r} selects {len(ids)} scenarios; name exactly one")
    sid = ids[0]
    meta = next(s for s in catalog if s["id"] == sid)
    tab = tables.load()
    res = session.run_platforms([plat.name], ids, {}, jobs=1)[plat.name]
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    kit = args.out / f"{sid}-{plat.name}-{stamp}"
    kit.mkdir(parents=True)
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache",
                            session.cmdline_for(ids, {}))
    shutil.copyfile(iso, kit / "vmxdiff.iso")
    shutil.copyfile(DEFAULT_BUILD / "vmxdiff.elf", kit / "vmxdiff.elf")
    v = evaluate.scenario_verdict(res, meta, tab)
    (kit / "expected.txt").write_text(describe(expect.for_scenario(meta, tab)))
    if res.serial_path and Path(res.serial_path).exists():
        shutil.copyfile(res.serial_path, kit / "actual-trace.log")
    (kit / "divergences.txt").write_text(
        f"{sid} on {plat.name}: {v.status.value} {v.reason}\n" + "".join(d.message() + "\n" for d in v.divergences))
    emu = res.log_paths.get("emulator")
    if emu and Path(emu).exists():
        shutil.copyfile(emu, kit / "emulator.log")
    reasons = bochslog.reasons_for(res, sid)
    (kit / "bochs-reasons.txt").write_text("".join(r + "\n" for r in reasons) or "(none)\n")
    if plat.kind == "bochs":
        (kit / "bochsrc").write_text(standalone_bochsrc(plat.config, "vmxdiff.iso"))
        info = res.info
        if plat.version == "2.7":
            (kit / "debugger.rc").write_text("continue\nquit\n")
            cmd = "bochs-bin -q -f bochsrc -rc debugger.rc"
            note = ("Debian's Bochs 2.7 (rfb display: run it inside `unshare --net` to keep port 5900 "
                    "off the network)")
        else:
            cmd = "bochs -q -f bochsrc"
            note = f"Bochs {info.get('version')} built with --with-nogui --enable-vmx=2 (see vmx-diff README)"
    else:
        cmd = (Path(res.log_paths.get("command", "")).read_text().strip()
               if res.log_paths.get("command") else "see command.txt")
        note = f"QEMU {res.info.get('version')}, accelerator {res.info.get('accelerator')}"
    (kit / "run.sh").write_text(f"#!/bin/sh\n# {note}\ncd \"$(dirname \"$0\")\"\n{cmd}\n"
                                "grep '@VT' serial.log  # the trace; compare with actual-trace.log\n")
    (kit / "run.sh").chmod(0o755)
    (kit / "README.txt").write_text(
        f"vmx-diff reproduction kit: scenario {sid} on {plat.name} ({res.info.get('emulator')} "
        f"{res.info.get('version')}, CPU model {res.info.get('cpu_model')}).\n"
        f"Outcome: {v.status.value}. {v.reason}\n\n"
        "run.sh            the one command (boots vmxdiff.iso, writes serial.log)\n"
        "expected.txt      what the Intel SDM says must happen\n"
        "actual-trace.log  what this platform printed\n"
        "divergences.txt   the differences, field by field\n"
        "bochs-reasons.txt Bochs's own log lines naming the failed check\n"
        "emulator.log      the emulator's full log\n"
        "vmxdiff.elf       the image with symbols (breakpoints: vmx_insn_vmlaunch, vmx_insn_vmresume)\n")
    tarball = kit.with_suffix(".tar.gz")
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(kit, arcname=kit.name)
    print(f"repro: {kit}\nrepro: {tarball}")
    return 0
