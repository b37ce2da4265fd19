"""`make repro SCENARIO=<id> [PLATFORM=...]`: a self-contained bug-report kit.

Writes reports/repro/<scenario>-<platform>-<time>/ and a .tar.gz of it with:
the ISO (and the ELF with symbols; for QEMU the 32-bit ELF it boots), a
standalone bochsrc (includes and variables resolved), run.sh (the one
command), expected.txt (the SDM expectation), actual-trace.log (the
platform's serial output), divergences.txt, bochs-reasons.txt, the full
emulator log and the harness's exact command, plus a README.txt that says
what is what.

The kit reproduces on its own, anywhere it is copied: run.sh refers only to
files of its own folder (plus the emulator and its system BIOS files), writes
only there, sets LC_ALL=C (Debian's Bochs 2.7 aborts under a UTF-8 locale),
runs Bochs 2.7 in a private network namespace (its rfb display listens on
0.0.0.0:5900), calls the Bochs 3.0 binary the harness built (Debian's `bochs`
is 2.7), bounds the boot with a timeout and ends with a meaningful status:

  0  a complete trace (FINISH record) whose records of the scenario match
     actual-trace.log (sequence numbers aside)
  1  a complete trace, but the scenario's records differ (the diff is printed)
  3  the emulator cannot run here (the reason is printed)
  5  no complete trace: the emulator crashed or timed out
"""
from __future__ import annotations

import datetime as _dt
import re
import shlex
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from harness import bochslog, bootdisk, evaluate, expect, iso as isomod, platforms, report, session, tables
from harness.cli import EXIT_RESULTS_ELSEWHERE, EXIT_SKIP, CliError, OneLineParser
from harness.model import RunStatus
from harness.report import REPORTS
from harness.tables import DEFAULT_BUILD, REPO

EXIT_DIFFERS, EXIT_CANNOT_RUN, EXIT_NO_TRACE = 1, 3, 5


def standalone_bochsrc(config: Path, iso_name: str, medium: list[str] | None = None) -> str:
    """Inline #include lines and replace the harness's variables.  ``medium``: bochsrc lines that
    boot the image instead of the CD-ROM (the boot disk's), which replace its ata0-master and
    boot lines."""
    out = []
    for line in config.read_text().splitlines():
        m = re.match(r"#include\s+(\S+)", line)
        if m:
            out += standalone_bochsrc(REPO / m.group(1), iso_name).splitlines()
            continue
        line = line.replace("$VMXDIFF_ISO", iso_name).replace("$VMXDIFF_SERIAL", "serial.log")
        out.append(line.replace("log: /dev/stdout", "log: bochs.log"))
    if medium:
        out = [ln for ln in out if not ln.startswith(("ata0-master:", "boot:"))] + medium
    return "\n".join(out) + "\n"


def describe(exp: expect.Expectation | None) -> str:
    if exp is None:
        return "no SDM expectation registered\n"
    lines = [f"Source: {exp.cite}", ""]
    for i, ev in enumerate(exp.events):
        lines.append(f"event #{i}: {ev}")
    return "\n".join(lines) + "\n"


def harness_argv(command_txt: str) -> list[str]:
    """The emulator argv inside a runner's command.txt (``cd DIR && [env K=V ...] ARGV``)."""
    words = shlex.split(command_txt)
    if "&&" in words:
        words = words[words.index("&&") + 1:]
    if words and words[0] == "env":
        words = words[1:]
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0], re.DOTALL):
        words = words[1:]
    return words


def qemu_args(argv: list[str], *, serial: str, elf32: str, iso: str, forbidden: list[str]) -> list[str]:
    """QEMU's arguments (argv[1:]) with every harness path replaced by the kit's own file.

    Raises:
        RuntimeError: an argument still points outside the kit.
    """
    subst = {serial: "serial.log", f"file:{serial}": "file:serial.log", elf32: "vmxdiff.elf32",
             iso: "vmxdiff.iso"}
    out = [subst.get(a, a) for a in argv[1:]]
    for a in out:
        if any(f and f in a for f in forbidden):
            raise RuntimeError(f"QEMU argument {a!r} points outside the kit")
    return out


RECORDS = r"""records() {
    # The scenario's records, sequence numbers and carriage returns dropped.
    tr -d '\r' < "$1" | sed -n 's/.*\(@VT [0-9]* \)/\1/p' | sed 's/ seq=[0-9]*//' |
        awk -v s=" scenario=$SCENARIO " '$3 == "BEGIN" && index($0 " ", s) { on = 1 } on { print } $3 == "END" && index($0 " ", s) { on = 0 }'
}
"""

NETNS = r"""# Debian's Bochs 2.7 has no headless display; its rfb display listens on 0.0.0.0:5900.
# Run it in a private network namespace, where that port is reachable from nowhere.
if [ "${VMXDIFF_IN_NETNS:-}" != 1 ]; then
    export VMXDIFF_IN_NETNS=1
    if command -v unshare >/dev/null 2>&1; then
        for ns in "--net" "--user --map-root-user --net"; do
            # shellcheck disable=SC2086
            if unshare $ns true 2>/dev/null; then exec unshare $ns /bin/sh "$HERE/run.sh" "$@"; fi
        done
    fi
    echo "run.sh: cannot create a private network namespace (unshare --net needs util-linux and root or user namespaces)" >&2
    exit 3
fi
"""


def run_sh(*, sid: str, plat, note: str, emulator: str, command: str, verdict: str) -> str:
    """The kit's run.sh (POSIX sh)."""
    netns = NETNS if plat.kind == "bochs" and plat.version == "2.7" else ""
    logs = "serial.log, bochs.log and console.log" if plat.kind == "bochs" else "serial.log and console.log"
    return f"""#!/bin/sh
# vmx-diff reproduction kit: scenario {sid} on {plat.name}.
# {note}
#
# ./run.sh boots the kit's image once (at most $VMXDIFF_TIMEOUT s, default 120) and writes
# {logs} into this folder, nothing anywhere else.  Exit status:
#   0  complete trace (FINISH record); {sid}'s records match actual-trace.log
#   1  complete trace, but {sid}'s records differ from actual-trace.log (diff printed)
#   3  the emulator cannot run here (reason printed)
#   5  no complete trace: the emulator crashed or timed out (see console.log)
# The harness's own verdict: in a vmx-diff checkout, python3 -m harness compare actual-trace.log serial.log
export LC_ALL=C   # Debian's Bochs 2.7 aborts ("buffer overflow detected") under a UTF-8 locale
HERE=$(cd "$(dirname "$0")" && pwd) || exit 3
SCENARIO={shlex.quote(sid)}
TIMEOUT=${{VMXDIFF_TIMEOUT:-120}}
{netns}cd "$HERE" || exit 3
{emulator}
{RECORDS}
rm -f serial.log bochs.log console.log records-kept.txt records-rerun.txt boot.disk.lock
echo "run.sh: booting $SCENARIO on {plat.name} (at most $TIMEOUT s; output in console.log)"
timeout --foreground -k 5 "$TIMEOUT" {command} > console.log 2>&1 < /dev/null
st=$?
if ! grep -q '@VT [0-9]* FINISH' serial.log 2>/dev/null; then
    case $st in
        124|137) why="timed out after $TIMEOUT s" ;;
        *) why="emulator exit status $st" ;;
    esac
    echo "run.sh: no complete trace (no FINISH record in serial.log; $why); see console.log" >&2
    exit 5
fi
records actual-trace.log > records-kept.txt
records serial.log > records-rerun.txt
if [ ! -s records-rerun.txt ]; then
    echo "run.sh: complete trace, but it has no records of $SCENARIO" >&2
    exit 1
fi
if diff -u records-kept.txt records-rerun.txt; then
    echo "run.sh: reproduced: complete trace in serial.log, $SCENARIO's records match actual-trace.log"
    echo "run.sh: the harness's verdict on those records: "{shlex.quote(verdict)}
    exit 0
fi
echo "run.sh: complete trace in serial.log, but $SCENARIO's records differ from actual-trace.log (diff above)" >&2
exit 1
"""


def _emulator(plat, res, *, iso: Path, elf32: Path) -> tuple[str, str, str]:
    """(shell lines that find the emulator, the command line, a note) for run.sh."""
    if plat.kind == "bochs" and plat.version == "2.7":
        find = ('BOCHS=$(command -v bochs-bin) || { echo "run.sh: bochs-bin (Debian\'s Bochs 2.7) not found: '
                'apt-get install bochs bochsbios vgabios" >&2; exit 3; }')
        return find, '"$BOCHS" -q -f bochsrc -rc debugger.rc', \
            (f"Debian's Bochs {res.info.get('version')} (bochs-bin), CPU model {plat.model}; "
             "its debugger is compiled in: debugger.rc says continue")
    if plat.kind == "bochs":
        binary, why = plat.binary()
        if not binary:
            raise CliError(f"{plat.name} unavailable: {why}")
        find = (f"BOCHS=${{VMXDIFF_BOCHS3:-{shlex.quote(str(binary))}}}\n"
                'if [ ! -x "$BOCHS" ]; then\n'
                '    echo "run.sh: Bochs 3.0 not found at $BOCHS: build it with \'make bochs3\' in a vmx-diff '
                'checkout, or set VMXDIFF_BOCHS3=/path/to/bochs (3.0, built --with-nogui --enable-vmx=2); '
                'Debian\'s bochs is 2.7, which cannot run this kit" >&2\n'
                "    exit 3\n"
                "fi")
        return find, '"$BOCHS" -q -f bochsrc', \
            (f"Bochs {res.info.get('version')} built by vmx-diff with --with-nogui --enable-vmx=2 "
             f"(the binary the harness used: {binary}; VMXDIFF_BOCHS3 overrides), CPU model {plat.model}")
    cmd_file = res.log_paths.get("command")
    if not cmd_file or not Path(cmd_file).exists():
        raise RuntimeError(f"{plat.name}: the run left no command.txt to rebuild QEMU's command from")
    argv = harness_argv(Path(cmd_file).read_text())
    args = qemu_args(argv, serial=res.serial_path, elf32=str(elf32), iso=str(iso),
                     forbidden=[str(DEFAULT_BUILD), res.run_dir, str(REPORTS)])
    accel = res.info.get("accelerator")
    find = ('QEMU=$(command -v qemu-system-x86_64) || { echo "run.sh: qemu-system-x86_64 not found: '
            'apt-get install qemu-system-x86" >&2; exit 3; }')
    if accel == "kvm":
        find += ('\nif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "run.sh: this kit uses KVM (nested VMX) '
                 'and /dev/kvm is not usable here" >&2; exit 3; fi')
    return find, '"$QEMU" ' + " ".join(shlex.quote(a) for a in args), \
        (f"QEMU {res.info.get('version')}, accelerator {accel}"
         + (f" ({res.info.get('accelerator_reason')})" if res.info.get("accelerator_reason") else ""))


def _kit_dir(out: Path, name: str, default_out: bool) -> Path:
    try:
        kit = out / name
        kit.mkdir(parents=True)
        return kit
    except OSError as exc:
        if not default_out:
            raise CliError(f"cannot write the kit under {out}: {exc.strerror or exc}") from exc
        alt = Path(tempfile.mkdtemp(prefix="vmxdiff-repro-"))
        report.note_fallback(out, alt, exc)
        kit = alt / name
        kit.mkdir()
        return kit


def main(argv: list[str]) -> int:
    ap = OneLineParser(prog="python3 -m harness repro")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--platform", default="bochs27-skylake_x")
    ap.add_argument("--out", type=Path, default=None, help="folder for the kit (default reports/repro)")
    ap.add_argument("params", nargs="*", help="KEY=N or SCENARIO.KEY=N given to the image")
    args = ap.parse_args(argv)
    plat = platforms.get(args.platform)
    catalog = session.load_catalog()
    ids = session.resolve(args.scenario, catalog)
    if len(ids) != 1:
        raise CliError(f"{args.scenario!r} selects {len(ids)} scenarios; name exactly one")
    sid = ids[0]
    meta = next(s for s in catalog if s["id"] == sid)
    tab = tables.load()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    kit = _kit_dir(args.out or REPORTS / "repro", f"{sid}-{plat.name}-{stamp}", args.out is None)  # before booting
    from harness.cli import _params
    params = _params(args.params, catalog)
    res = session.run_platforms([plat.name], ids, params, jobs=1)[plat.name]
    if res.status == RunStatus.UNAVAILABLE:
        kit.rmdir()
        print(f"repro: error: {plat.name} unavailable: {res.reason}", file=sys.stderr)
        return EXIT_SKIP
    elf32 = DEFAULT_BUILD / "vmxdiff.elf32"
    cmdline = session.cmdline_for(ids, params)
    medium = None  # Bochs boots the kit's boot disk, as the harness did (VMXDIFF_BOCHS_BOOT=iso: GRUB's ISO)
    if plat.kind == "bochs" and res.info.get("boot") == "disk":
        iso = bootdisk.write(elf32, kit / "boot.disk", cmdline, tab)
        medium = [bootdisk.bochs_option(iso, tab, name="boot.disk"), "boot: disk"]
    else:
        iso = isomod.cached_iso(elf32, DEFAULT_BUILD / "iso-cache", cmdline)
        shutil.copyfile(iso, kit / "vmxdiff.iso")
    v = evaluate.scenario_verdict(res, meta, tab, params)
    find, command, note = _emulator(plat, res, iso=iso, elf32=elf32)
    shutil.copyfile(DEFAULT_BUILD / "vmxdiff.elf", kit / "vmxdiff.elf")
    if plat.kind == "qemu":
        shutil.copyfile(elf32, kit / "vmxdiff.elf32")
    st = res.trace.scenarios.get(sid) if res.trace else None
    try:
        if meta.get("sweep") and st is not None:
            exp, _ = expect.for_sweep_case(meta, tab, res.trace, st)  # the SDM model, for this VMCS
        else:
            exp = expect.for_scenario(meta, tab, params, st.setup if st else None)
    except expect.ExpectationError:
        exp = None
    (kit / "expected.txt").write_text(describe(exp))
    if res.serial_path and Path(res.serial_path).exists():
        shutil.copyfile(res.serial_path, kit / "actual-trace.log")
    (kit / "divergences.txt").write_text(
        f"{sid} on {plat.name}: {v.status.value} {v.reason}\n" + "".join(d.message() + "\n" for d in v.divergences))
    emu = res.log_paths.get("emulator")
    if emu and Path(emu).exists():
        shutil.copyfile(emu, kit / "emulator.log")
    cmd = res.log_paths.get("command")
    if cmd and Path(cmd).exists():
        shutil.copyfile(cmd, kit / "harness-command.txt")
    reasons = bochslog.reasons_for(res, sid)
    (kit / "bochs-reasons.txt").write_text("".join(r + "\n" for r in reasons) or "(none)\n")
    if plat.kind == "bochs":
        rc = standalone_bochsrc(plat.config, "vmxdiff.iso", medium)
        cpus = int(meta.get("cpus") or 1)
        if cpus > 1:  # as the harness boots it (harness/runners/bochs.py config_for)
            rc += f"cpu: count={cpus}\n"
        (kit / "bochsrc").write_text(rc)
        if plat.version == "2.7":
            (kit / "debugger.rc").write_text("continue\nquit\n")
    verdict = f"{v.status.value}" + (f" ({v.reason})" if v.reason else "")
    (kit / "run.sh").write_text(run_sh(sid=sid, plat=plat, note=note.replace("\n", " "), emulator=find,
                                       command=command, verdict=verdict))
    (kit / "run.sh").chmod(0o755)
    (kit / "README.txt").write_text(
        f"vmx-diff reproduction kit: scenario {sid} on {plat.name} ({res.info.get('emulator')} "
        f"{res.info.get('version')}, CPU model {res.info.get('cpu_model')}).\n"
        f"Outcome: {v.status.value}. {v.reason}\n\n"
        "./run.sh            the one command: boots the image once, writes serial.log (and the emulator's\n"
        "                    logs) in this folder only, compares the scenario's records with\n"
        "                    actual-trace.log; exit 0 reproduced, 1 records differ, 3 cannot run here,\n"
        "                    5 no complete trace.  VMXDIFF_TIMEOUT=seconds bounds the boot (default 120).\n"
        "expected.txt        what the Intel SDM says must happen\n"
        "actual-trace.log    what this platform printed in the harness's run\n"
        "divergences.txt     the differences, field by field\n"
        "bochs-reasons.txt   Bochs's own log lines naming the failed check\n"
        "emulator.log        the emulator's full log in the harness's run\n"
        "harness-command.txt the exact command the harness ran (paths of the machine that made the kit)\n"
        "vmxdiff.elf         the image with symbols (breakpoints: vmx_insn_vmlaunch, vmx_insn_vmresume)\n"
        + ("boot.disk           what Bochs boots: vmx-diff's Multiboot1 loader, the command line, the image\n"
           if medium else "vmxdiff.iso         GRUB's ISO with the image and its command line\n")
        + ("vmxdiff.elf32       the 32-bit image QEMU boots with -kernel\n" if plat.kind == "qemu" else "")
        + "\nThe harness's verdict on a new trace: in a vmx-diff checkout,\n"
          "    python3 -m harness compare actual-trace.log serial.log\n")
    tarball = kit.with_suffix(".tar.gz")
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(kit, arcname=kit.name)
    print(f"repro: {kit}\nrepro: {tarball}\nrepro: run folder {res.run_dir}")
    return EXIT_RESULTS_ELSEWHERE if report.FALLBACKS else 0
