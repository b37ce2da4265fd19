"""`make fuzz`: seeded random VM entries against the SDM model, with minimisation.

    python3 -m harness fuzz [--platform P] [--seed S] [--n N] [--first F] [--no-minimise]

Boots P once with the hidden scenario `fuzz` (core/fuzz.c): case i changes
1-3 fields of the golden VMCS with a PRNG seeded by (S, i) alone.  Each case's
outcome is compared with the host model's prediction for the exact VMCS the
platform held (GOLDEN + the case's DIFF records).  Each mismatch is minimised:
fields are dropped one at a time (a `fuzz_replay` boot each) while the platform
still disagrees with the model; the smallest set is written as a repro kit
(`harness repro --scenario fuzz_replay ... e0=... v0=...`).

Exit: 0 no mismatch, 1 mismatches (listed, minimised, kits written), 2 bad
input, 3 platform unavailable, 4 the image's and the host's model disagree or
the run failed.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from harness import parser as tparser
from harness import platforms, session, tables, vmxmodel
from harness.model import RunStatus

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_SKIP, EXIT_ERROR = 0, 1, 2, 3, 4


@dataclass
class Case:
    n: int
    diff: dict = field(default_factory=dict)  # {encoding: value}
    msr_load: list = field(default_factory=list)
    predict: dict = field(default_factory=dict)  # the image's PREDICT fields
    observed: str = "none"  # "entered" | "vmfail_valid err=E" | "vmfail_invalid" | "exit R qual=Q" | "none"


def observed_of(rec) -> str:
    f = rec.fields
    if rec.type == "VMFAIL":
        return f"vmfail_valid err={int(f.get('err', '-1'))}" if f.get("kind") == "valid" else "vmfail_invalid"
    if f.get("entry_fail") == "1":
        return f"exit {int(f.get('reason', '-1'))} qual={int(f.get('qual', '0'), 16)}"
    return "entered"


def cases_of(st) -> list[Case]:
    """Split the fuzz scenario's records at FUZZCASE."""
    out: list[Case] = []
    for rec in st.records:
        if rec.type == "FUZZCASE":
            out.append(Case(n=int(rec.fields.get("n", "-1"))))
        elif not out:
            continue
        elif rec.type == "DIFF":
            out[-1].diff[int(rec.fields["enc"], 16)] = int(rec.fields["value"], 16)
        elif rec.type == "MSRLOAD":
            out[-1].msr_load.append((int(rec.fields["index"], 16), int(rec.fields["value"], 16)))
        elif rec.type == "PREDICT":
            out[-1].predict = dict(rec.fields)
        elif rec.type in ("EXIT", "VMFAIL") and out[-1].observed == "none":
            out[-1].observed = observed_of(rec)
    return out


def predict(model, trace, case: Case, ignore=None) -> vmxmodel.Prediction:
    vmcs = dict(trace.golden)
    vmcs.update(case.diff)
    pa, la = vmxmodel.widths(trace)
    return model.predict(vmcs, trace.caps, pa_width=pa, la_width=la, msr_load=case.msr_load, ignore=ignore)


def _boot(plat: str, ids: list[str], params: dict, timeout: float):
    res = session.run_platforms([plat], ids, params, timeout=timeout, jobs=1)[plat]
    return res


def replay(plat: str, diff: dict, timeout: float):
    """Boot fuzz_replay with exactly these field values; (trace, case) or (None, reason)."""
    params = {}
    for i, (enc, val) in enumerate(sorted(diff.items())):
        params[f"fuzz_replay.e{i}"] = enc
        params[f"fuzz_replay.v{i}"] = val
    res = _boot(plat, ["fuzz_replay"], params, timeout)
    st = res.trace.scenarios.get("fuzz_replay") if res.trace else None
    if st is None or st.end is None:
        return None, f"replay boot {res.status.value}: {res.reason}"
    c = Case(n=-1, diff=dict(st.diff), msr_load=list(st.msr_load),
             predict=dict(st.predict.fields) if st.predict else {})
    ev = next((r for r in st.records if r.type in ("EXIT", "VMFAIL")), None)
    c.observed = observed_of(ev) if ev else "none"
    return res.trace, c


def minimise(plat, model, case: Case, timeout: float, ignore=None, log=print) -> dict:
    """The smallest field set (greedy, one field dropped at a time) whose VMCS still makes the
    platform disagree with the model."""
    keep = dict(case.diff)
    for enc in sorted(case.diff):
        if len(keep) == 1:
            break
        trial = {k: v for k, v in keep.items() if k != enc}
        tr, c = replay(plat, trial, timeout)
        if tr is None:
            log(f"fuzz:   without {model.tables.field_name(enc)}: {c}")
            continue
        p = predict(model, tr, c, ignore)
        still = c.observed not in vmxmodel.acceptable(p, model.tables)
        log(f"fuzz:   without {model.tables.field_name(enc)}: platform {c.observed}, model "
            f"{' or '.join(sorted(vmxmodel.acceptable(p, model.tables)))}"
            f" -> {'still differs: dropped' if still else 'agrees: kept'}")
        if still:
            keep = trial
    return keep


def main(argv: list[str]) -> int:
    from harness.cli import OneLineParser

    def count(text: str) -> int:
        if not (text.isascii() and text.isdigit()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        return int(text)
    ap = OneLineParser(prog="python3 -m harness fuzz")
    ap.add_argument("--platform", default="bochs30-skylake_x")
    ap.add_argument("--seed", type=count, default=1)
    ap.add_argument("--n", type=count, default=200, help="cases (default %(default)s)")
    ap.add_argument("--first", type=count, default=0, help="first case number (shards: --first K*N --n N)")
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("--max-minimise", type=count, default=3, help="mismatches to minimise (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--ignore-check", default=None, help=argparse.SUPPRESS)  # tests: a seeded model fault
    ap.add_argument("--kit-dir", default=None, help="folder for repro kits (default reports/repro)")
    args = ap.parse_args(argv)
    tab = tables.load()
    if args.ignore_check and args.ignore_check not in tab.check_by_name:
        print(f"fuzz: error: unknown check {args.ignore_check!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        plat = platforms.get(args.platform)
    except platforms.PlatformError as exc:
        print(f"fuzz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        model = vmxmodel.get(tab)
    except vmxmodel.ModelError as exc:
        print(f"fuzz: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"fuzz: {plat.name}: seed {args.seed}, cases {args.first}..{args.first + args.n - 1} (one boot)", flush=True)
    res = _boot(plat.name, ["fuzz"], {"fuzz.seed": args.seed, "fuzz.n": args.n, "fuzz.first": args.first},
                args.timeout)
    if res.status == RunStatus.UNAVAILABLE:
        print(f"fuzz: {plat.name} unavailable: {res.reason}", file=sys.stderr)
        return EXIT_SKIP
    st = res.trace.scenarios.get("fuzz") if res.trace else None
    if st is None:
        print(f"fuzz: no fuzz records: run {res.status.value}: {res.reason} ({res.run_dir})", file=sys.stderr)
        return EXIT_ERROR
    cases = cases_of(st)
    mismatches, inconsistent = [], []
    for c in cases:
        try:
            p = predict(model, res.trace, c, args.ignore_check)
        except vmxmodel.ModelError as exc:
            print(f"fuzz: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        image = {k: c.predict.get(k) for k in ("outcome", "err", "qual")}
        if not args.ignore_check and image != {"outcome": p.outcome, "err": str(p.error), "qual": str(p.qual)}:
            inconsistent.append(c.n)
        if c.observed not in vmxmodel.acceptable(p, tab):
            mismatches.append((c, p))
    done = "complete" if res.trace.complete else f"INCOMPLETE ({res.status.value}: {res.reason})"
    print(f"fuzz: {len(cases)} of {args.n} cases traced, run {done}; {len(mismatches)} mismatch(es) "
          f"with the model; serial {res.serial_path}")
    for c, p in mismatches:
        fields = ", ".join(f"{tab.field_name(e)}={v:#x}" for e, v in sorted(c.diff.items()))
        allowed = " or ".join(sorted(vmxmodel.acceptable(p, tab)))
        print(f"fuzz: case {c.n}: {fields}: platform {c.observed}, model {allowed} ({p.summary()})")
    kits = []
    if not args.no_minimise:
        for c, p in mismatches[:args.max_minimise]:
            print(f"fuzz: minimising case {c.n} ({len(c.diff)} field(s))", flush=True)
            keep = minimise(plat.name, model, c, args.timeout, args.ignore_check)
            fields = " ".join(f"{tab.field_name(e)}={v:#x}" for e, v in sorted(keep.items()))
            print(f"fuzz: case {c.n} minimal: {fields}")
            words = []
            for i, (enc, val) in enumerate(sorted(keep.items())):
                words += [f"fuzz_replay.e{i}={enc:#x}", f"fuzz_replay.v{i}={val:#x}"]
            from harness import repro
            kargv = ["--scenario", "fuzz_replay", "--platform", plat.name] + (
                ["--out", args.kit_dir] if args.kit_dir else []) + words
            print(f"fuzz: repro kit: python3 -m harness repro {' '.join(kargv)}", flush=True)
            repro.main(kargv)
            kits.append(keep)
    if inconsistent:
        print(f"fuzz: the image's model and the host's disagree on cases {inconsistent[:10]}", file=sys.stderr)
        return EXIT_ERROR
    if not res.trace.complete:
        return EXIT_ERROR
    return EXIT_MISMATCH if mismatches else EXIT_OK
