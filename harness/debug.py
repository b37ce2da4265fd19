"""`make debug SCENARIO=<id> [PLATFORM=<bochs platform>]`.

Boots only that scenario in Bochs with its debugger driven through pexpect:
breakpoints at the VMLAUNCH/VMRESUME instructions (addresses from the ELF's
symbols), registers, segments and control registers at the entry, a step
over the entry, a break on the VM exit (`vmexitbp`), then the interactive
Bochs prompt -- or, with --batch FILE, the transcript written to FILE.

Without a terminal on stdin (CI, a pipe, </dev/null) there can be no
interactive prompt: it runs in batch mode, writes the transcript to
debug-transcript.txt in the run folder, says so in one line on stderr and
exits 7 (harness/cli.py), so a script never mistakes it for the session it
asked for.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect

from harness import platforms, report, session
from harness.cli import EXIT_CRASH, EXIT_NOT_INTERACTIVE, EXIT_RESULTS_ELSEWHERE, CliError, OneLineParser, seconds
from harness.runners import base
from harness.runners.bochs import netns_prefix
from harness.tables import DEFAULT_BUILD, REPO

PROMPT = re.compile(r"<bochs:\d+> ")
STEPS = (("r", "registers at the VM entry"), ("sreg", "segment registers"), ("creg", "control registers"),
         ("vmexitbp", "break on the next VM exit"), ("s", "step over VMLAUNCH/VMRESUME"), ("r", "after the step"),
         ("c", "continue to the VM exit"), ("r", "registers at the VM exit"))


def symbol(elf: Path, name: str) -> int:
    out = subprocess.run(["nm", str(elf)], capture_output=True, text=True, timeout=30, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    raise CliError(f"symbol {name} not found in {elf}")


def spawn(plat, cmdline: str, run_dir: Path, cpus: int = 1) -> pexpect.spawn:
    """Bochs with its debugger at the first instruction, with the scenario's CPUs, booting the image
    with ``cmdline`` as the runner does (the boot disk, or GRUB's ISO: VMXDIFF_BOCHS_BOOT)."""
    b, why = plat.binary()
    if not b:
        raise CliError(f"{plat.name} unavailable: {why}")
    from harness import bootdisk, tables
    from harness.runners.bochs import MediumError, boot_medium
    elf32 = DEFAULT_BUILD / "vmxdiff.elf32"
    try:
        iso, lines, _ = boot_medium(bootdisk.boot_mode(), elf32, cmdline, run_dir,
                                    tables.load(elf32.parent / "tables.json"))
    except (MediumError, ValueError) as exc:
        raise CliError(str(exc)) from None
    argv = [b, "-q", "-f", str(plat.config_for(cpus, run_dir))] + lines
    if plat.version == "2.7":
        prefix, why = netns_prefix()
        if prefix is None:
            raise CliError(why)
        argv = prefix + argv
    else:
        argv.insert(1, "-debugger")
    # TERM=dumb: no readline escape sequences in the transcript.
    env = dict(os.environ, VMXDIFF_ISO=str(iso), VMXDIFF_SERIAL=str(run_dir / "serial.log"), LC_ALL="C",
               TERM="dumb")
    child = pexpect.spawn(argv[0], argv[1:], cwd=str(REPO), env=env, encoding="utf-8",
                          codec_errors="replace", timeout=60, echo=False,
                          preexec_fn=base.die_with_parent(base.BOCHS_BLOCKED_SIGNALS))
    base.LIVE.add(child.pid)
    return child


def main(argv: list[str]) -> int:
    ap = OneLineParser(prog="python3 -m harness debug")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--platform", default="bochs27-skylake_x")
    ap.add_argument("--batch", metavar="FILE", help="write the transcript to FILE instead of going interactive")
    ap.add_argument("--timeout", type=seconds, default=60)
    args = ap.parse_args(argv)
    # No terminal, no prompt to hand over: batch mode into the run folder (exit 7).
    no_tty = not args.batch and not sys.stdin.isatty()
    plat = platforms.get(args.platform)
    if plat.kind != "bochs":
        raise CliError("make debug drives the Bochs debugger: choose a bochs platform")
    catalog = session.load_catalog()
    ids = session.resolve(args.scenario, catalog)
    if len(ids) != 1:
        raise CliError(f"{args.scenario!r} selects {len(ids)} scenarios; name exactly one")
    elf = DEFAULT_BUILD / "vmxdiff.elf"
    if not elf.is_file():
        raise CliError(f"{elf} not found: run `make image` first")
    launch, resume = symbol(elf, "vmx_insn_vmlaunch"), symbol(elf, "vmx_insn_vmresume")
    if args.batch:
        try:  # before booting anything: a transcript that cannot be written is bad input
            log = open(args.batch, "w", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write the transcript {args.batch}: {exc.strerror}") from exc
    run_dir = session.new_run_dir("debug")
    transcript = Path(args.batch) if args.batch else run_dir / "debug-transcript.txt"
    if not args.batch:
        log = open(transcript, "w", encoding="utf-8")
    try:
        cpus = int(next(m for m in catalog if m["id"] == ids[0]).get("cpus") or 1)
        child = spawn(plat, session.cmdline_for(ids, {}), run_dir, cpus)
    except BaseException:
        log.close()
        raise
    child.logfile_read = log
    try:
        child.expect(PROMPT, timeout=args.timeout)
        for cmd in (f"lb {launch:#x}", f"lb {resume:#x}", "c"):
            child.sendline(cmd)
            child.expect(PROMPT, timeout=args.timeout)
        log.write(f"\n### stopped at {ids[0]}'s VM entry (vmx_insn_vmlaunch={launch:#x}, "
                  f"vmx_insn_vmresume={resume:#x})\n")
        for cmd, what in STEPS:
            log.write(f"\n### {cmd}: {what}\n")
            child.sendline(cmd)
            if child.expect([PROMPT, pexpect.EOF], timeout=args.timeout) == 1:
                log.write("\n### the simulation ended (no further VM exit)\n")
                break
        if args.batch or no_tty:
            if child.isalive():
                child.sendline("q")
                child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=10)
            print(f"debug: transcript {transcript}; serial {run_dir / 'serial.log'}")
            if no_tty:
                print(f"debug: stdin is not a terminal, so no interactive Bochs prompt: ran in batch mode, "
                      f"transcript {transcript} (ARGS='--batch FILE' chooses the file)", file=sys.stderr)
                return EXIT_NOT_INTERACTIVE
            return EXIT_RESULTS_ELSEWHERE if report.FALLBACKS else 0
        log.flush()
        print(f"\n[vmx-diff] at the VM exit of {ids[0]}; Bochs debugger is yours (q quits). "
              f"Transcript so far: {transcript}")
        child.logfile_read = None
        child.interact()
        return 0
    except pexpect.TIMEOUT:
        print(f"debug: error: Bochs debugger did not answer within {args.timeout:.0f} s (transcript {transcript})",
              file=sys.stderr)
        return EXIT_CRASH
    except pexpect.EOF:
        print(f"debug: error: Bochs ended before its debugger prompt (transcript {transcript})", file=sys.stderr)
        return EXIT_CRASH
    finally:
        log.close()
        if child.isalive():
            base.kill_group(child.pid)
        child.close(force=True)
        base.LIVE.discard(child.pid)
