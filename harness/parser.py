"""Serial output -> Trace.  Pure: never raises on bad input, records errors.

Records are lines containing ``@VT <major> <TYPE> seq=<n> k=v ...`` anywhere
(BIOS, GRUB and emulator noise around them is ignored; ``\\r`` is stripped).
A trace is complete only with a FINISH record, no seq gap and no bad record.
Records of CPU N != 0 carry ``cpu=N`` (core/smp.c); events keep their CPU, and
the comparisons are per CPU (harness/compare.py).
"""
from __future__ import annotations

import re

from harness.model import CallRecord, ExitRecord, InsnFaultRecord, Record, ScenarioTrace, Trace, VmFailRecord

SENTINEL = "@VT"
SUPPORTED_MAJOR = 2
_TOKEN = re.compile(r"^([a-z_][a-z0-9_]*)=(\S*)$")
GPR_KEYS = ("rax", "rdi", "rsi", "rdx", "rcx")
# EXIT keys present only where defined: exit_info.def's fields of the reason, IDT vectoring,
# and the saved guest interruptibility/activity state where the scenario traces it.
EXIT_OPTIONAL_KEYS = ("info", "gla", "gpa", "idt_info", "idt_err", "gintr", "gact")


def parse_int(text: str) -> int | None:
    """Decimal or 0x-hex; ``none`` is None; anything else raises ValueError."""
    if text == "none":
        return None
    return int(text, 16) if text.startswith("0x") else int(text, 10)


def parse(text: str) -> Trace:
    """Parse a whole serial log."""
    return parse_lines(text.splitlines())


def parse_lines(lines) -> Trace:
    trace = Trace()
    expected_seq = 0
    current: ScenarioTrace | None = None
    dump: list = []
    n = 0
    for n, raw_line in enumerate(lines, start=1):
        line = raw_line.replace("\r", "")
        pos = line.find(SENTINEL + " ")
        if pos < 0:
            continue
        rec, err = _parse_record(line[pos:], n)
        if err:
            trace.errors.append(f"line {n}: {err}")
            continue
        if rec.seq != expected_seq:
            trace.errors.append(f"line {n}: seq {rec.seq} where {expected_seq} was expected "
                                f"({'lost' if rec.seq > expected_seq else 'repeated'} records)")
        expected_seq = rec.seq + 1
        current, dump = _apply(trace, rec, current, dump)
    trace.lines = n
    return trace


def _parse_record(text: str, n: int):
    parts = text.split()
    if len(parts) < 4:
        return None, f"truncated record: {text[:80]!r}"
    if not parts[1].isdigit():
        return None, f"bad version field {parts[1]!r}"
    major = int(parts[1])
    if major != SUPPORTED_MAJOR:
        return None, (f"trace format major version {major} is not supported "
                      f"(this harness reads version {SUPPORTED_MAJOR})")
    rtype = parts[2]
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", rtype):
        return None, f"garbled record type {rtype!r}"
    fields = {}
    for tok in parts[3:]:
        m = _TOKEN.match(tok)
        if not m:
            return None, f"garbled token {tok[:40]!r} in {rtype} record"
        fields[m.group(1)] = m.group(2)
    try:
        seq = int(fields.pop("seq"))
    except (KeyError, ValueError):
        return None, f"{rtype} record without a valid seq"
    return Record(type=rtype, seq=seq, fields=fields, line=n, raw=text), None


def _ints(rec: Record, keys, trace: Trace):
    out = {}
    for k in keys:
        try:
            out[k] = parse_int(rec.fields[k])
        except (KeyError, ValueError):
            trace.errors.append(f"line {rec.line}: {rec.type} record has no valid {k}=")
            return None
    return out


def _optional_ints(rec: Record, keys, trace: Trace) -> dict:
    out = {}
    for k in keys:
        if k in rec.fields:
            try:
                out[k] = parse_int(rec.fields[k])
            except ValueError:
                trace.errors.append(f"line {rec.line}: {rec.type} record has an invalid {k}=")
    return out


def _cpu(rec: Record, trace: Trace) -> int:
    text = rec.fields.get("cpu", "0")
    try:
        return parse_int(text) or 0
    except ValueError:
        trace.errors.append(f"line {rec.line}: {rec.type} record has an invalid cpu=")
        return 0


def _cpu_field(rec: Record) -> int:
    try:
        return int(rec.fields.get("cpu", "0"), 0)
    except ValueError:
        return -1


def _whole_dump(trace: Trace, end: Record, dump: list) -> list:
    """The VMCS dump a VMCSEND closes, whole: its VMCS records are the fields that differ from the
    golden VMCS, and VMCSEND same=N counts the fields equal to it (core/vmx/vcpu.c
    vcpu_dump_vmcs).  The rest is filled in from the GOLDEN records, in table order, and the count
    must match: a dump that cannot be rebuilt exactly is a trace error, never a guess."""
    if "same" not in end.fields:
        return dump
    try:
        same = parse_int(end.fields["same"])
    except ValueError:
        trace.errors.append(f"line {end.line}: VMCSEND record has an invalid same=")
        return dump
    if same and not trace.golden:
        trace.errors.append(f"line {end.line}: VMCS dump relative to the golden VMCS, but no GOLDEN records")
        return dump
    sent = dict(dump)
    whole, filled = [], 0
    for enc, value in trace.golden.items():
        if enc in sent:
            whole.append((enc, sent.pop(enc)))
        elif enc not in trace.golden_absent:
            whole.append((enc, value))
            filled += 1
    whole += list(sent.items())  # fields the GOLDEN records do not name (none in practice)
    if filled != same:
        trace.errors.append(f"line {end.line}: VMCS dump: {same} fields equal to the golden VMCS, "
                            f"but the GOLDEN records leave {filled} to fill in")
    return whole


def _apply(trace: Trace, rec: Record, cur: ScenarioTrace | None, dump: list):
    t = rec.type
    if cur is not None:
        cur.records.append(rec)
    if t == "BOOT":
        trace.boot = rec
    elif t == "CAP":
        name = rec.fields.get("msr", "?")
        trace.caps[name] = None if rec.fields.get("absent") == "1" else parse_int(rec.fields.get("value", "0"))
    elif t == "CPUID":
        for k in ("pa_width", "la_width"):
            try:
                trace.cpuid[k] = parse_int(rec.fields[k])
            except (KeyError, ValueError):
                trace.errors.append(f"line {rec.line}: CPUID record has no valid {k}=")
    elif t == "GOLDEN" and cur is None:
        v = _ints(rec, ("enc", "value"), trace)
        if v is not None:
            trace.golden[v["enc"]] = v["value"]
            if rec.fields.get("absent") == "1":
                trace.golden_absent.add(v["enc"])
    elif t == "CTLUSED" and cur is None:
        for k, val in rec.fields.items():
            try:
                trace.ctl_used[k] = parse_int(val)
            except ValueError:
                trace.errors.append(f"line {rec.line}: CTLUSED record has an invalid {k}=")
    elif t == "NOVMX":
        trace.novmx = rec.fields.get("reason", "unknown")
    elif t == "VMXON":
        trace.vmxon = rec
    elif t == "NOMATCH":
        trace.nomatch.append(rec.fields.get("pattern", "?"))
    elif t == "BEGIN":
        if cur is not None:
            trace.errors.append(f"line {rec.line}: BEGIN inside scenario {cur.id} (no END)")
        sid = rec.fields.get("scenario", "?")
        check = rec.fields.get("check")
        cur = ScenarioTrace(id=sid, check=None if check in (None, "none") else check, begin_line=rec.line)
        trace.scenarios[sid] = cur
        cur.records.append(rec)
    elif cur is None and t in ("EXIT", "VMFAIL", "INSNFAULT", "VMCS", "VMCSEND", "END", "SETUP", "CASE", "DIFF",
                               "PREDICT", "KEEP", "CALL"):
        trace.errors.append(f"line {rec.line}: {t} record outside a scenario")
    elif t == "EXIT":
        v = _ints(rec, ("reason", "entry_fail", "qual", "len", "rip", "resumed", "intr_info", "intr_err")
                  + GPR_KEYS, trace)
        if v is not None:
            cur.events.append(ExitRecord(
                seq=rec.seq, line=rec.line, insn=rec.fields.get("insn", "?"), reason=v["reason"],
                entry_fail=bool(v["entry_fail"]), qual=v["qual"], len=v["len"], rip=v["rip"],
                resumed=bool(v["resumed"]), intr_info=v["intr_info"], intr_err=v["intr_err"],
                gprs={k: v[k] for k in GPR_KEYS}, cpu=_cpu(rec, trace),
                **_optional_ints(rec, EXIT_OPTIONAL_KEYS, trace)))
    elif t == "VMFAIL":
        kind = rec.fields.get("kind", "?")
        err = None
        if kind == "valid":
            v = _ints(rec, ("err",), trace)
            err = v["err"] if v else None
        cur.events.append(VmFailRecord(seq=rec.seq, line=rec.line, insn=rec.fields.get("insn", "?"),
                                       kind=kind, err=err, cpu=_cpu(rec, trace)))
    elif t == "INSNFAULT":
        v = _ints(rec, ("vector", "error_code"), trace)
        if v is not None:
            cur.events.append(InsnFaultRecord(seq=rec.seq, line=rec.line, insn=rec.fields.get("insn", "?"),
                                              vector=v["vector"], error_code=v["error_code"], cpu=_cpu(rec, trace)))
    elif t == "CALL":
        v = _ints(rec, ("ret",), trace)
        if v is not None:
            cur.events.append(CallRecord(seq=rec.seq, line=rec.line, name=rec.fields.get("name", "?"), ret=v["ret"],
                                         vector=_optional_ints(rec, ("vector",), trace).get("vector"),
                                         cpu=_cpu(rec, trace)))
    elif t == "SETUP":
        for k, val in rec.fields.items():
            try:
                cur.setup[k] = parse_int(val)
            except ValueError:
                cur.setup[k] = val
    elif t == "CASE":
        cur.case = rec.fields.get("expect")
    elif t == "DIFF":
        v = _ints(rec, ("enc", "value"), trace)
        if v is not None:
            cur.diff[v["enc"]] = v["value"]
    elif t == "MSRLOAD":
        v = _ints(rec, ("index", "value"), trace)
        if v is not None and cur is not None:
            cur.msr_load.append((v["index"], v["value"]))
    elif t == "PREDICT":
        cur.predict = rec
    elif t == "KEEP":
        v = _ints(rec, ("before", "after"), trace)
        if v is not None:
            cpu = _cpu(rec, trace)
            name = rec.fields.get("field", "?")
            cur.keeps.append((f"cpu{cpu}:{name}" if cpu else name, v["before"], v["after"], rec.line))
    elif t == "VMCS":
        v = _ints(rec, ("enc", "value"), trace)
        if v is not None:
            dump.append((v["enc"], v["value"]))
    elif t == "VMCSEND":
        cur.vmcs = _whole_dump(trace, rec, dump)
        dump = []
    elif t == "END":
        cur.end = rec
        cur = None
    elif t == "SMP" and cur is not None and rec.fields.get("what") == "ap_timeout":
        cur.ap_timeouts.append((_cpu_field(rec), rec.fields.get("state", "?"), rec.line))
    elif t == "TRACELOST":
        trace.errors.append(f"line {rec.line}: CPU {rec.fields.get('cpu', '?')} lost "
                            f"{rec.fields.get('records', '?')} records (its trace buffer was full)")
    elif t == "FAULT":
        trace.fault = rec
    elif t == "FATAL":
        trace.fatal = rec
    elif t == "FINISH":
        trace.finish = rec
        if cur is not None:
            trace.errors.append(f"line {rec.line}: FINISH inside scenario {cur.id}")
    return cur, dump
