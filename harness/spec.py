"""The expectation a scenario declares beside itself in C (``.expect`` in SCENARIO()).

One string, one event per ``;``-separated item; each item is a head and
``key=value`` words::

    .expect = "CPUID at=insn len=insn..resume next=resume; VMCALL at=resume len=3 end"
    .expect = "CR_ACCESS at=insn len=insn..resume next=resume qual={CR=3,ACCESS_TYPE=MOV_TO_CR,GPR=0}; ..."
    .expect = "VMFAIL_VALID(VMLAUNCH_NONCLEAR_VMCS) insn=VMLAUNCH"
    .expect = "VMCALL at=insn len=3 rax=# rdi=2 repeat=count"

Heads: an exit reason (exit_reasons.def), ``ENTRY_FAIL(reason)``,
``VMFAIL_VALID(error)`` (vm_errors.def), ``VMFAIL_INVALID``, ``FAULT(vector)`` (an exception
the host's own instruction raised and the image caught: INSNFAULT record; vector a name of
exit_info.def's INTR_INFO.VECTOR values, e.g. GP, or a number), ``CALL(name)`` (what a
call into the scenario's own hypervisor returned: ``ret=N``, ``vector=N`` the
exception it raised; guests/takeover.c).
Words:
  at=LABEL            the exit's guest RIP is the assembler label label__<id>__LABEL
  at=impl             the RIP is left to the implementation or to timing (SDM: "behavior is
                      implementation-specific"; a self-IPI's arrival): compared neither with
                      the SDM nor between platforms
  len=N | len=A..B | len=A..B=N
                      VM-exit instruction length: a number, or label B minus label A
                      (what the assembler encoded), or both: the assembler's encoding
                      must be N (a declaration error otherwise), so a literal from the
                      instruction's own arithmetic (e.g. 1 + prefixes) checks the encoding.
                      Only where the SDM defines the field (exit_reasons.def; for
                      exception exits exit_info.def EXIT_LEN_EVENT, judged on the
                      declared intr=/idt=)
  next=LABEL          the host resumes the guest and its next exit is at LABEL
  end                 the host does not resume the guest after this exit
  resumed             the host resumes the guest (no label to check)
  qual= info= intr= gla= gpa= idt=
                      (info= gla= gpa= only where exit_info.def defines the field for the
                      exit; a conditional row, EXIT_INFO_WHEN, must hold on the declared qual=)
                      a number, @LABEL (its address), N/MASK (only the MASK bits are
                      compared: the SDM leaves the others undefined), ``any`` (not compared), or
                      {FIELD=V,...} in the layout exit_info.def gives this exit's field
                      (V a number or the field's named value; ~FIELD leaves a field out
                      of the comparison where the SDM makes it conditionally undefined)
  gintr= gact=        the guest interruptibility state / activity state the exit saved
                      (traced only by scenarios that read them), in the layouts
                      INTERRUPTIBILITY {STI,MOV_SS,SMI,NMI,ENCLAVE} and ACTIVITY
                      {STATE=ACTIVE|HLT|SHUTDOWN|WAIT_SIPI}; ``impl`` as for at=
  err=N idt_err=N     interruption / IDT-vectoring error code; after FAULT: the exception's
                      error code (not compared if not given)
  insn=NAME           the instruction of a VMFAIL or FAULT: a VMX instruction (VMX_INSNS)
  occurs=impl         (an exit item) whether this exit happens at all is not determined by the
                      SDM (e.g. an NMI that may or may not still be blocked): the exit is
                      matched when the next recorded event is an exit of this reason, else
                      skipped; when present its words are compared as declared.  Pairs: an
                      optional exit recorded on one side only is not a difference
                      (harness/compare.py: align)
  cpu=N               (any item) expected on CPU N only; an item without it is expected on
                      every CPU of a scenario with .cpus > 1, each CPU's records compared
                      in their own order (CPU N's records carry cpu=N)
  rax= rdi= rsi= rdx= rcx=  guest registers at the exit; ``#`` is the repetition index
  repeat=N|PARAM      the item N times (or the scenario parameter's value); every
                      repetition but the last is resumed
An exit's qualification is 0 unless stated: SDM "Exit Qualification for VM
Exits" clears it for exits that do not define it.
Errors name the scenario and the word (one line); `make image` runs this on
every scenario (harness/elfinfo.py), so a bad declaration never reaches a run.
"""
from __future__ import annotations

import re

from harness.tables import Tables

GPRS = ("rax", "rdi", "rsi", "rdx", "rcx")
_VALUE_KEYS = {"qual": "qual", "info": "info", "intr": "intr_info", "gla": "gla", "gpa": "gpa",
               "idt": "idt_info", "gintr": "gintr", "gact": "gact"}
# Guest-state words: their layout is fixed, not the exit reason's (exit_info.def).
_STATE_LAYOUTS = {"gintr": "INTERRUPTIBILITY", "gact": "ACTIVITY"}
IMPL = "impl"  # value left to the implementation (or timing): compared nowhere
# The instructions a VMFAIL or FAULT may name: the VMX instructions (each an exit reason of
# exit_reasons.def: the VM exit it causes in VMX non-root operation).
VMX_INSNS = ("VMXON", "VMXOFF", "VMCLEAR", "VMPTRLD", "VMPTRST", "VMREAD", "VMWRITE", "VMLAUNCH", "VMRESUME",
             "INVEPT", "INVVPID", "VMCALL", "VMFUNC")
_HEAD = re.compile(r"^([A-Z0-9_]+)(?:\(([A-Za-z0-9_]+)\))?$")


class SpecError(Exception):
    """A malformed .expect declaration (one line)."""


def _int(text: str) -> int:
    return int(text, 0)


class _Ctx:
    def __init__(self, sid: str, tables: Tables, labels: dict, params: dict, defaults: dict):
        self.sid, self.tables, self.labels, self.params, self.defaults = sid, tables, labels, params, defaults

    def err(self, msg: str) -> SpecError:
        return SpecError(f"scenario {self.sid}: .expect: {msg}")

    def label(self, name: str) -> int:
        if name not in self.labels:
            raise self.err(f"no assembler label label__{self.sid}__{name}")
        return self.labels[name]

    def number(self, text: str) -> int:
        if text.startswith("@"):
            return self.label(text[1:])
        try:
            return _int(text)
        except ValueError:
            raise self.err(f"{text!r} is not a number") from None

    def param(self, key: str) -> int:
        if key in self.defaults:
            return int(self.params.get(f"{self.sid}.{key}", self.params.get(key, self.defaults[key])))
        try:
            return _int(key)
        except ValueError:
            raise self.err(f"repeat={key}: neither a number nor a declared parameter") from None


def _layout_value(ctx: _Ctx, layout: str | None, key: str, text: str) -> tuple[int | None, int | None]:
    """(value, compared mask) of one qual=/info=/... word; (None, None) for ``any``."""
    t = ctx.tables
    if text == "any":
        return None, None
    if not text.startswith("{") and layout and len(t.layouts[layout]["fields"]) == 1:
        (f,) = t.layouts[layout]["fields"]
        names = t.layouts[layout]["values"].get(f, {})
        if text in names:  # a one-field layout's named value alone: gact=HLT
            return names[text] << t.layouts[layout]["fields"][f][0], t.layout_mask(layout)
        if text[:1].isalpha() and text != "any":
            raise ctx.err(f"{key}={text}: not a named value of {layout}.{f} ({', '.join(names) or 'none'})")
    if not text.startswith("{"):
        num, sep, bits = text.partition("/")
        value = ctx.number(num)
        mask = t.layout_mask(layout) if layout else (1 << 64) - 1
        if sep:  # V/MASK: only these bits are defined (e.g. a displacement above the address size)
            mask &= ctx.number(bits)
            if value & ~mask:
                raise ctx.err(f"{key}={text}: value has bits outside the mask")
        return value, (mask if sep or layout else None)
    if not text.endswith("}"):
        raise ctx.err(f"{key}={text}: unbalanced braces")
    if layout is None:
        raise ctx.err(f"{key}={{...}}: exit_info.def gives this exit no layout for {key}")
    lay = t.layouts[layout]
    fields, mask = {}, t.layout_mask(layout)
    for item in filter(None, text[1:-1].split(",")):
        if item.startswith("~"):
            f = item[1:]
            if f not in lay["fields"]:
                raise ctx.err(f"{key}: layout {layout} has no field {f}")
            mask &= ~t.field_mask(layout, f)
            continue
        f, sep, v = item.partition("=")
        if not sep or f not in lay["fields"]:
            raise ctx.err(f"{key}: layout {layout} has no field {f!r} (fields: {', '.join(lay['fields'])})")
        names = lay["values"].get(f, {})
        if v in names:
            n = names[v]
        else:
            try:
                n = _int(v)
            except ValueError:
                raise ctx.err(f"{key}: {f}={v}: not a number nor a named value of {layout}.{f} "
                              f"({', '.join(names) or 'none'})") from None
        fields[f] = n
    try:
        return t.encode(layout, **fields), mask
    except ValueError as exc:  # a number that does not fit its field
        raise ctx.err(f"{key}: {exc}") from None


def _item(ctx: _Ctx, text: str):
    from harness.expect import ExpectCall, ExpectExit, ExpectFault, ExpectVmFail
    t = ctx.tables
    words = text.split()
    m = _HEAD.match(words[0])
    if not m:
        raise ctx.err(f"bad head {words[0]!r}")
    head, arg = m.groups()
    rest = words[1:]
    opts: dict = {}
    for w in rest:
        k, sep, v = w.partition("=")
        if k in opts:
            raise ctx.err(f"{k} given twice in {text!r}")
        opts[k] = v if sep else None
    repeat = ctx.param(opts.pop("repeat")) if "repeat" in opts else 1
    cpu = None
    if "cpu" in opts:
        try:
            cpu = int(opts.pop("cpu") or "", 10)
        except ValueError:
            raise ctx.err(f"cpu= takes a CPU number in {text!r}") from None
    if head == "CALL":
        if not arg:
            raise ctx.err("CALL(name): the call's name is missing")
        kw = {}
        for k in ("ret", "vector"):
            if k in opts:
                kw[k] = ctx.number(opts.pop(k) or "")
        if opts:
            raise ctx.err(f"{', '.join(opts)} not allowed after CALL (ret=, vector=, cpu=)")
        return [ExpectCall(arg, cpu=cpu, **kw)] * repeat
    if head in ("VMFAIL_VALID", "VMFAIL_INVALID", "FAULT"):
        if head == "VMFAIL_VALID" and (arg is None or arg not in t.error_by_name):
            raise ctx.err(f"VMFAIL_VALID({arg}): not a VM-instruction error in vm_errors.def")
        insn = opts.pop("insn", None)
        if insn is not None and insn not in VMX_INSNS:
            raise ctx.err(f"insn={insn}: not a VMX instruction ({', '.join(VMX_INSNS)})")
        if head == "FAULT":
            vectors = t.layouts["INTR_INFO"]["values"]["VECTOR"]
            if arg is None:
                raise ctx.err("FAULT needs a vector: FAULT(GP)")
            try:
                vector = vectors[arg] if arg in vectors else _int(arg)
            except ValueError:
                raise ctx.err(f"FAULT({arg}): not a vector of INTR_INFO.VECTOR ({', '.join(vectors)}) "
                              "nor a number") from None
            if "err" in opts and opts["err"] is None:
                raise ctx.err("err needs a value: err=0")
            err = opts.pop("err", None)
            if opts:
                raise ctx.err(f"{', '.join(opts)} not allowed after {head}")
            ev = ExpectFault(vector, None if err is None else ctx.number(err), insn=insn, cpu=cpu)
            return [ev] * repeat
        if opts:
            raise ctx.err(f"{', '.join(opts)} not allowed after {head}")
        ev = ExpectVmFail("valid" if head == "VMFAIL_VALID" else "invalid", arg, insn=insn, cpu=cpu)
        return [ev] * repeat
    entry_fail = head == "ENTRY_FAIL"
    reason = arg if entry_fail else head
    if reason not in t.exit_by_name:
        raise ctx.err(f"{reason!r} is not an exit reason in exit_reasons.def")
    if arg and not entry_fail:
        raise ctx.err(f"{head}({arg}): only ENTRY_FAIL(...) takes an argument")
    layouts = t.exit_layouts(reason)
    kw: dict = {"reason": reason, "entry_fail": entry_fail, "qual": 0,
                "masks": {"qual": t.layout_mask(layouts["qual"])} if "qual" in layouts else {}}
    resumed = None
    gprs: dict = {}
    if "occurs" in opts:
        if opts.pop("occurs") != IMPL:
            raise ctx.err(f"occurs= takes only {IMPL} in {text!r}")
        if repeat != 1:
            raise ctx.err(f"occurs=impl with repeat= in {text!r}")
        kw["optional"] = True
    for k, v in opts.items():
        if k == "end" and v is None:
            resumed = False
        elif k == "resumed" and v is None:
            resumed = True
        elif k == "at":
            if v == IMPL:
                kw["masks"]["rip"] = 0  # pairs: not compared either
            else:
                kw["rip"] = ctx.label(v)
        elif k == "next":
            kw["resume_rip"] = ctx.label(v)
            resumed = True
        elif k == "len":
            a, sep, b = (v or "").partition("..")
            if not sep:
                kw["len"] = ctx.number(v or "")
                continue
            b, eq, n = b.partition("=")
            kw["len"] = ctx.label(b) - ctx.label(a)
            if eq and kw["len"] != ctx.number(n):
                raise ctx.err(f"len={v}: the assembler encoded {kw['len']} bytes "
                              f"(label {b} - label {a}), not {n}")
        elif k in _VALUE_KEYS:
            key = _VALUE_KEYS[k]
            if k in _STATE_LAYOUTS and v == IMPL:
                kw["masks"][key] = 0
                continue
            layout = "INTR_INFO" if k == "idt" else _STATE_LAYOUTS.get(k) or layouts.get(key)
            if key in ("info", "gla", "gpa") and layout is None:
                raise ctx.err(f"{k}=: exit_info.def defines no {key} for {reason}")
            val, mask = _layout_value(ctx, layout, k, v or "")
            kw[key] = val
            if mask is not None:
                kw["masks"][key] = mask
            else:
                kw["masks"].pop(key, None)
        elif k in ("err", "idt_err"):
            kw["intr_err" if k == "err" else "idt_err"] = ctx.number(v or "")
        elif k in GPRS:
            gprs[k] = v
        else:
            raise ctx.err(f"unknown word {k!r} in {text!r}")
    if kw.get("len") is not None and not entry_fail and not t.len_defined(
            t.exit_number(reason), kw.get("intr_info"), kw.get("idt_info")):
        raise ctx.err(f"len= on {reason}: the SDM field \"VM-Exit Instruction Length\" is undefined for "
                      f"this exit (exit_reasons.def; exception exits: exit_info.def EXIT_LEN_EVENT on the "
                      f"declared intr=/idt=)")
    for key in ("info", "gla", "gpa"):
        if kw.get(key) is not None and kw.get("qual") is not None and \
                not t.info_defined(reason, key, kw["qual"]):
            when = t.exit_info_when[reason][key]
            raise ctx.err(f"{key}= on {reason}: exit_info.def defines it only when the qualification's "
                          f"{when[0]}.{when[1]} is {when[2]}")
    out = []
    for i in range(repeat):
        g = {k: (i if v == "#" else ctx.number(v or "")) for k, v in gprs.items()}
        r = resumed
        if repeat > 1 and i + 1 < repeat:
            r = True
        out.append(ExpectExit(resumed=r, gprs=g, cpu=cpu, **kw))
    return out


def parse(meta: dict, tables: Tables, params: dict | None = None):
    """The events a scenario's .expect declares (expect.ExpectExit / ExpectVmFail), in order."""
    sid = meta["id"]
    text = meta.get("expect")
    if not text:
        raise SpecError(f"scenario {sid}: no .expect declared")
    defaults = {p["key"]: p["default"] for p in meta.get("params", [])}
    ctx = _Ctx(sid, tables, meta.get("labels", {}), params or {}, defaults)
    events: list = []
    for item in text.split(";"):
        if not item.strip():
            raise ctx.err("empty item")
        events += _item(ctx, item.strip())
    return tuple(events)
