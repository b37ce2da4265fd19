"""Command line: ``python3 -m harness <command>``.

Commands: list, run, parse, compare, vmcs, bench, report, debug, repro.
Exit codes (in the spirit of xtf-runner):

  0  success
  1  failure: a divergence (from the SDM, or between two traces)
  2  bad input (unknown scenario, platform or parameter, malformed value);
     one line on stderr, never a traceback
  3  everything skipped
  4  error (the harness could not produce a verdict: I/O, ISO, tables)
  5  crash or timeout (a platform ended before its FINISH record)
  6  the results could not be written under reports/ (read-only, full, a
     file in the way): they were kept in a temporary folder, and one line on
     stderr says where; the verdicts are in the printed summary
  7  ``debug`` was asked for the interactive Bochs prompt with no terminal
     on stdin: it ran in batch mode and wrote the transcript instead (one
     line on stderr says where; ``--batch FILE`` chooses the file)

Shards (``run --shard K/N``): the selection (default: the whole catalog)
is cut into N parts by harness/session.py shard_split (sorted ids, non-sweep
scenarios first, contiguous parts whose sizes differ by at most one); the run
boots part K and writes results.json and a history entry that record the
shard.  ``make report`` merges the shards of one set.  A bad K/N is a usage
error (exit 2).

Parameters (``run``): ``KEY=N`` or ``SCENARIO.KEY=N``.  N is an unsigned
64-bit number in ASCII: decimal digits, or ``0x`` and hexadecimal digits (the
image's own number syntax, as in the trace).  Anything else (``-1``, ``²``,
``1e3``) is refused.  The keys are those the image's catalog declares
(build/scenarios.json, each scenario's "params"); an unknown key or scenario
is refused with the list of known ones.  ``KEY=N`` sets the key of every
scenario that has it; ``SCENARIO.KEY=N`` wins over it.  A key given twice is
refused.

``make`` itself exits 2 whenever a recipe fails; run ``python3 -m harness``
directly to see these codes.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from harness import compare, evaluate, parser, platforms, report, session, tables
from harness import iso as isomod
from harness.model import Status

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIP, EXIT_ERROR, EXIT_CRASH = 0, 1, 2, 3, 4, 5
EXIT_RESULTS_ELSEWHERE, EXIT_NOT_INTERACTIVE = 6, 7


class CliError(Exception):
    """Bad input: printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (CliError, exit 2) instead of usage text."""

    def error(self, message: str):
        raise CliError(f"{self.prog}: {message} (--help lists the options)")


def shard_arg(text: str) -> tuple[int, int]:
    """argparse type: K/N, shard K of N (1 <= K <= N)."""
    try:
        return session.parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)


def shard_set_name(text: str) -> str:
    """argparse type: a shard-set name (letters, digits, '.', '_', '-'; up to 64)."""
    if not _SET_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a name of letters, digits, '.', '_' or '-' (up to 64), "
                                         f"got {text!r}")
    return text


def seconds(text: str) -> float:
    """argparse type: a finite number of seconds greater than 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds greater than 0, got {text!r}")
    return v


_PARAM = re.compile(r"(?:(?P<scope>[A-Za-z0-9_]+)\.)?(?P<key>[A-Za-z0-9_]+)=(?P<val>.*)", re.ASCII | re.DOTALL)
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|[0-9]+", re.ASCII)
U64_MAX = (1 << 64) - 1


def _known_list(keys: dict) -> str:
    names = [f"{sid}.{k}" for sid, ks in sorted(keys.items()) for k in sorted(ks)]
    if not names:
        return "none (this build's catalog, build/scenarios.json, declares no scenario parameters)"
    plain = sorted({k for ks in keys.values() for k in ks})
    return ", ".join(names) + " (or plain " + ", ".join(plain) + ")"


def _params(words: list[str], catalog: list[dict]) -> dict:
    """Validate KEY=N / SCENARIO.KEY=N words against the catalog; return {"scenario.key": N}.

    Raises:
        CliError: malformed, out of range, unknown key or scenario, or repeated.
    """
    keys = session.param_keys(catalog)
    scoped, plain, seen = {}, {}, set()
    for w in words:
        m = _PARAM.fullmatch(w)
        if not m:
            raise CliError(f"bad parameter {w!r}: expected KEY=N or SCENARIO.KEY=N")
        scope, key, val = m.group("scope"), m.group("key"), m.group("val")
        if not _NUMBER.fullmatch(val):
            what = "a negative number" if val.startswith("-") else repr(val)
            raise CliError(f"bad parameter {w!r}: N must be unsigned, in decimal (0-9) or 0x-hexadecimal ASCII "
                           f"digits; got {what}")
        n = int(val, 16) if val[:2] in ("0x", "0X") else int(val, 10)
        if n > U64_MAX:
            raise CliError(f"bad parameter {w!r}: N exceeds 2**64-1")
        name = f"{scope}.{key}" if scope else key
        if name in seen:
            raise CliError(f"parameter {name!r} given twice")
        seen.add(name)
        if scope is not None:
            if scope not in keys:
                raise CliError(f"unknown scenario {scope!r} in parameter {w!r}; known parameters: {_known_list(keys)}")
            if key not in keys[scope]:
                raise CliError(f"scenario {scope} has no parameter {key!r}; known parameters: {_known_list(keys)}")
            scoped[name] = n
        else:
            owners = [sid for sid, ks in keys.items() if key in ks]
            if not owners:
                raise CliError(f"unknown parameter {key!r} in {w!r}; known parameters: {_known_list(keys)}")
            for sid in owners:
                plain[f"{sid}.{key}"] = n
    return dict(plain, **scoped)  # SCENARIO.KEY=N wins over KEY=N, as in the image


def cmd_list(args) -> int:
    cat = session.load_catalog()
    for s in cat:
        flags = " (hidden: only when named)" if s["hidden"] else ""
        print(f"{s['id']}{'  check=' + s['check'] if s.get('check') else ''}{flags}")
    print("platforms: " + ", ".join(platforms.all_platforms()))
    return EXIT_OK


def cpu_summary(st, tab, cpus: int) -> list[str]:
    """One line per CPU of a scenario on several CPUs: its exits by reason, VMfails, what the
    calls into the hypervisor returned, and its KEEP records (equal / all)."""
    from harness.model import CallRecord, ExitRecord, VmFailRecord
    out = []
    for c in sorted(set(range(cpus)) | set(st.cpus)):
        evs = [e for e in st.events if e.cpu == c]
        by: dict = {}
        for e in evs:
            if isinstance(e, ExitRecord):
                name = tab.exit_name(e.reason)
                by[name] = by.get(name, 0) + 1
        exits = sum(by.values())
        parts = [f"cpu{c}: {exits} exits" + (" (" + ", ".join(f"{k} {n}" for k, n in by.items()) + ")" if by else "")]
        parts += [f"VMFAIL {e.insn} {e.kind}" + (f" err={e.err}" if e.err is not None else "")
                  for e in evs if isinstance(e, VmFailRecord)]
        parts += [f"{e.name}() -> {e.ret:#x}" + (f" (#{e.vector})" if e.vector is not None else "")
                  for e in evs if isinstance(e, CallRecord)]
        keeps = [k for k in st.keeps if (k[0].split(":", 1)[0] == f"cpu{c}" if c else not k[0].startswith("cpu"))]
        if keeps:
            parts.append(f"KEEP {sum(1 for k in keeps if k[1] == k[2])}/{len(keeps)} equal")
        out.append("; ".join(parts))
    return out


def cmd_run(args) -> int:
    tab = tables.load()
    cat = session.load_catalog()
    params = _params(args.params, cat)
    ids = session.resolve(args.scenarios, cat) if args.scenarios else None
    names = args.platform.split(",")
    for n in names:
        platforms.get(n)  # raises PlatformError for an unknown name
    if args.shard_set and not args.shard:
        raise CliError("--shard-set names the set of a sharded run: give --shard K/N too")
    shard = None
    if args.shard:
        k, n = args.shard
        whole = ids if ids is not None else [s["id"] for s in cat if not s["hidden"]]
        parts = session.shard_split(whole, cat, n)
        if not parts[k - 1]:
            raise CliError(f"shard {k}/{n} is empty: the selection has {len(whole)} scenario(s); use N <= {len(whole)}")
        ids = parts[k - 1]
        shard = {"index": k, "count": n, "selection": args.scenarios, "selected": len(whole),
                 "scenarios": len(ids), "first": ids[0], "last": ids[-1],
                 "set": args.shard_set or report.shard_set_key(report.git_commit(), tab.hash, whole, params, n)}
        print(f"shard {k}/{n} of set {shard['set']}: {len(ids)} of {len(whole)} scenarios "
              f"({ids[0]} .. {ids[-1]})", file=sys.stderr)
    session.install_signal_cleanup()
    results = session.run_platforms(names, ids, params, timeout=args.timeout, shard=shard, progress=True)
    metas = {s["id"]: s for s in cat}
    picked = ids if ids is not None else [s["id"] for s in cat if not s["hidden"]]
    worst = EXIT_OK
    statuses = []
    for name, res in results.items():
        print(f"== {name}: run {res.status.value}{' (' + res.reason + ')' if res.reason else ''}, "
              f"{res.duration_s:.2f}s")
        print(f"   {'scenario':42} {'status':8} {'exits':>5}  detail")
        for sid in picked:
            v = evaluate.scenario_verdict(res, metas[sid], tab, params)
            statuses.append(v.status)
            detail = v.reason or (v.known[:70] + "..." if v.known else "")
            # The exits actually traced, also for a scenario cut short (TIMEOUT, CRASHED).
            st = res.trace.scenarios.get(sid) if res.trace else None
            print(f"   {sid:42} {v.status.value:8} {len(st.exits) if st else 0:>5}  {detail}")
            if st is not None and int(metas[sid].get("cpus") or 1) > 1:
                for line in cpu_summary(st, tab, int(metas[sid]["cpus"])):
                    print(f"      {line}")
            for d in v.divergences[:5]:
                print(f"      - {d.message()}")
        for own in res.info.get("own_boots") or ():
            print(f"   own boot with {own.get('cpus')} CPUs ({', '.join(own.get('scenarios') or [])}): "
                  f"{own.get('status')}{' (' + own['reason'] + ')' if own.get('reason') else ''}, "
                  f"{own.get('duration_s', 0):.2f}s, serial: {own.get('serial') or '-'}")
        print(f"   serial: {res.serial_path or '-'}")
        for k, p in res.log_paths.items():
            print(f"   {k}: {p}")
    if shard is not None:  # the shard's results, for `make report` to merge with the others
        doc = report.build_results(results, cat, tab, platforms.same_model_pairs(names), params, shard=shard)
        hist = report.save(doc)
        print(f"results: shard {shard['index']}/{shard['count']} of set {shard['set']}: {hist}")
    if any(s in (Status.CRASHED, Status.TIMEOUT) for s in statuses):
        worst = EXIT_CRASH
    elif any(s == Status.ERROR for s in statuses):
        worst = EXIT_ERROR
    elif any(s == Status.FAIL for s in statuses):
        worst = EXIT_FAIL
    elif statuses and all(s == Status.SKIP for s in statuses):
        worst = EXIT_SKIP
    if report.FALLBACKS:  # said on stderr when it happened; the summary above has the paths
        return EXIT_RESULTS_ELSEWHERE
    return worst


def cmd_parse(args) -> int:
    try:
        text = Path(args.trace).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CliError(f"cannot read {args.trace}: {exc.strerror}") from exc
    tr = parser.parse(text)
    for sid, st in tr.scenarios.items():
        print(f"{sid:42} {st.status or 'NO-END':6} events={len(st.events)}")
    if tr.errors:
        print(f"parse: error: {args.trace}: {tr.errors[0]}" + (f" (+{len(tr.errors) - 1} more)" if len(tr.errors) > 1 else ""),
              file=sys.stderr)
        return EXIT_ERROR
    if tr.finish is None:
        print(f"parse: error: {args.trace}: truncated (no FINISH record)", file=sys.stderr)
        return EXIT_CRASH
    return EXIT_OK


def cmd_compare(args) -> int:
    tab = tables.load()
    traces = []
    for p in (args.left, args.right):
        try:
            traces.append(parser.parse(Path(p).read_text(encoding="utf-8", errors="replace")))
        except OSError as exc:
            raise CliError(f"cannot read {p}: {exc.strerror}") from exc
    a, b = traces
    for name, t in zip((args.left, args.right), traces):
        if t.errors or t.finish is None:
            raise CliError(f"{name}: trace {'corrupt: ' + t.errors[0] if t.errors else 'truncated (no FINISH)'}")
    total = 0
    for k, va, vb in compare.cap_diff(a.caps, b.caps):
        print(f"capability {k}: {va if va is None else hex(va)} vs {vb if vb is None else hex(vb)}")
    for sid in sorted(set(a.scenarios) | set(b.scenarios)):
        if sid not in a.scenarios or sid not in b.scenarios:
            has, lacks = (args.left, args.right) if sid in a.scenarios else (args.right, args.left)
            total += 1
            print(f"{sid}: scenario missing from {lacks} (present in {has})")
            continue
        divs = compare.compare_pair(a.scenarios[sid], b.scenarios[sid], tab, "left", "right")
        total += len(divs)
        for d in divs:
            print(d.message())
    print(f"{total} divergence(s)")
    return EXIT_FAIL if total else EXIT_OK


def cmd_vmcs(args) -> int:
    """VMCS dump of one scenario, grouped, or the diff of two platforms' dumps."""
    tab = tables.load()
    dumps = []
    for p in args.traces:
        try:
            tr = parser.parse(Path(p).read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise CliError(f"cannot read {p}: {exc.strerror}") from exc
        st = tr.scenarios.get(args.scenario)
        if st is None or not st.vmcs:
            raise CliError(f"{p}: no VMCS dump for scenario {args.scenario!r}")
        dumps.append(dict(st.vmcs))
    groups = ("control", "exit-info", "guest", "host")
    if len(dumps) == 1:
        for g in groups:
            print(f"[{g}]")
            for enc, val in sorted(dumps[0].items()):
                if tab.field_group(enc) == g:
                    print(f"  {tab.field_name(enc):34} {val:#x}")
        return EXIT_OK
    a, b = dumps
    diffs = 0
    for g in groups:
        for enc in sorted(set(a) | set(b)):
            if tab.field_group(enc) != g or a.get(enc) == b.get(enc):
                continue
            diffs += 1
            fa = "unsupported" if enc not in a else hex(a[enc])
            fb = "unsupported" if enc not in b else hex(b[enc])
            print(f"[{g}] {tab.field_name(enc):34} {fa:>20}  {fb:>20}")
    print(f"{diffs} field(s) differ")
    return EXIT_FAIL if diffs else EXIT_OK


def explain_failure(tr, st, tab):
    """(failed event, prediction or None, where the VMCS came from) for the last failed entry
    of one scenario, or None if it has none.  The model input is only what the trace holds:
    the VMCS dump (or GOLDEN + DIFF), the CAP records, the CPUID widths, the MSR-load entries,
    and the launch state (launched after an earlier successful entry of the scenario)."""
    from harness import vmxmodel
    from harness.model import ExitRecord, VmFailRecord
    # VM entries only: a VMfail of another VMX instruction (vmx_root_*, takeover_*) is not an
    # entry failure and has no VMCS checks to explain.
    fails = [e for e in st.events if (isinstance(e, ExitRecord) and e.entry_fail)
             or (isinstance(e, VmFailRecord) and e.kind in ("valid", "invalid")
                 and e.insn in ("VMLAUNCH", "VMRESUME"))]
    if not fails:
        return None
    e = fails[-1]
    if isinstance(e, VmFailRecord) and e.kind == "valid" and e.err == tab.error_number("ENTRY_EVENTS_BLOCKED_MOV_SS"):
        # The VMLAUNCH/VMRESUME pseudo-code tests blocking by MOV SS before any VMCS check: the
        # cause is the host's instruction stream, which no VMCS dump holds.
        return e, None, "VM entry right after MOV SS (host instruction stream, before any VMCS check)"
    if st.vmcs:
        vmcs, where = dict(st.vmcs), "the VMCS dump after the failure"
    elif st.case and tr.golden:
        vmcs, where = vmxmodel.case_input(tr, st), "the golden VMCS plus the case's DIFF records"
    else:
        return e, None, "no VMCS dump in the trace"
    pa, la = vmxmodel.widths(tr)
    flags = vmxmodel.FLAG_CURRENT_VMCS
    if any(isinstance(x, ExitRecord) and not x.entry_fail for x in st.events[:st.events.index(e)]):
        flags |= vmxmodel.FLAG_LAUNCHED
    if e.insn == "VMRESUME":
        flags |= vmxmodel.FLAG_VMRESUME
    p = vmxmodel.get(tab).predict(vmcs, tr.caps, pa_width=pa, la_width=la, flags=flags, msr_load=st.msr_load)
    return e, p, f"{where}; pa_width={pa} la_width={la}"


def model_agrees(p, e, tab) -> bool:
    """Is the failed event the platform traced one of the outcomes the SDM allows for the
    model's prediction (harness/vmxmodel.py acceptable: check order within a phase is open)?"""
    from harness import vmxmodel
    from harness.model import ExitRecord
    if isinstance(e, ExitRecord):
        seen = f"exit {e.reason} qual={e.qual}" if e.entry_fail else "entered"
    elif e.kind == "valid":
        seen = f"vmfail_valid err={e.err}"
    else:
        seen = "vmfail_invalid"
    return seen in vmxmodel.acceptable(p, tab)


def cmd_explain(args) -> int:
    """Which VM-entry checks each failed entry of a trace violates (the SDM model, core/model)."""
    from harness import vmxmodel
    from harness.model import ExitRecord
    tab = tables.load()
    try:
        tr = parser.parse(Path(args.trace).read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise CliError(f"cannot read {args.trace}: {exc.strerror}") from exc
    if args.scenario and args.scenario not in tr.scenarios:
        raise CliError(f"{args.trace}: no scenario {args.scenario!r} in this trace")
    disagree = shown = 0
    for sid, st in tr.scenarios.items():
        if args.scenario and sid != args.scenario:
            continue
        try:
            got = explain_failure(tr, st, tab)
        except vmxmodel.ModelError as exc:
            raise CliError(str(exc)) from None
        if got is None:
            if args.scenario:
                print(f"{sid}: no failed VM entry in this trace")
            continue
        e, p, where = got
        shown += 1
        if isinstance(e, ExitRecord):
            seen = f"VM-entry failure, exit reason {e.reason} ({tab.exit_name(e.reason)}), qual {e.qual:#x}"
        elif e.kind == "valid":
            seen = f"VMfailValid, error {e.err} ({tab.error_name(e.err) if e.err is not None else '?'})"
        else:
            seen = "VMfailInvalid"
        print(f"{sid}: {e.insn} -> {seen}")
        if p is None:
            print(f"  {where}: " + ('VMfailInvalid means no current VMCS (SDM "VMLAUNCH/VMRESUME")'
                                   if seen == "VMfailInvalid" else "cannot explain"))
            continue
        agrees = model_agrees(p, e, tab)
        disagree += not agrees
        print(f"  model ({where}): {p.summary()} -> "
              + ("agrees with the platform" if agrees else "DIFFERS from the platform"))
        for name in p.violated:
            c = tab.check_by_name[name]
            sec = tab.group_by_name.get(c["group"], {}).get("section", c["group"])
            print(f'  violates {name} (SDM "{sec}"): "{c["text"]}"')
            if c.get("bochs"):
                print(f"    Bochs logs: {c['bochs']!r}")
        if not p.violated and p.outcome != "vmsucceed":
            print("  an instruction-level failure (launch state or current VMCS): no VMCS check involved")
    if not shown:
        print("no failed VM entry in this trace")
    return EXIT_FAIL if disagree else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineParser(prog="python3 -m harness", description=__doc__.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list", help="scenario catalog and platforms")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("run", help="boot platforms and print a per-scenario summary")
    p.add_argument("--platform", default="bochs27-skylake_x", help="name[,name...]")
    p.add_argument("--scenarios", help="comma-separated globs (default: whole catalog)")
    p.add_argument("--timeout", type=seconds, default=session.DEFAULT_TIMEOUT,
                   help="seconds per boot (finite, > 0; default %(default)s)")
    p.add_argument("--shard", type=shard_arg, metavar="K/N",
                   help="boot only part K of N of the selection (deterministic split); writes results.json "
                        "and a history entry for `make report` to merge")
    p.add_argument("--shard-set", type=shard_set_name, metavar="NAME",
                   help="name of the sharded run the shard belongs to (default: a hash of commit, tables, "
                        "selection, parameters and N)")
    p.add_argument("params", nargs="*", help="KEY=N or SCENARIO.KEY=N")
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("parse", help="parse a serial log (no emulator)")
    p.add_argument("trace")
    p.set_defaults(fn=cmd_parse)
    p = sub.add_parser("compare", help="compare two serial logs exit by exit (no emulator)")
    p.add_argument("left")
    p.add_argument("right")
    p.set_defaults(fn=cmd_compare)
    p = sub.add_parser("vmcs", help="grouped VMCS dump of a scenario, or diff of two traces' dumps")
    p.add_argument("--scenario", required=True)
    p.add_argument("traces", nargs="+", help="one serial log, or two to diff")
    p.set_defaults(fn=cmd_vmcs)
    p = sub.add_parser("explain", help="which VM-entry checks a trace's failed entries violate (SDM model)")
    p.add_argument("--scenario", help="only this scenario")
    p.add_argument("trace", help="a serial log")
    p.set_defaults(fn=cmd_explain)
    for name in DELEGATED:
        sub.add_parser(name, help=f"see harness/{name}.py (own options)")
    return ap


DELEGATED = ("bench", "report", "debug", "repro", "fuzz")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        from harness.runners import bochs as bochs_runner
        try:
            bochs_runner.trace_channel()  # a bad VMXDIFF_TRACE_CHANNEL: one line, exit 2, before any boot
        except ValueError as exc:
            raise CliError(str(exc)) from None
        if argv and argv[0] in DELEGATED:
            # These modules parse their own options.
            return __import__(f"harness.{argv[0]}", fromlist=["main"]).main(argv[1:])
        args = build_parser().parse_args(argv)
        return args.fn(args)
    except (CliError, session.SelectionError, platforms.PlatformError, tables.TablesError) as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, isomod.IsoError) as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        from harness.runners import base
        base.kill_all_live()
        print("harness: interrupted; emulators stopped", file=sys.stderr)
        return 130
