"""The expectation a scenario declares beside itself in C (``.expect`` in SCENARIO()).

One string, one event per ``;``-separated item; each item is a head and
``key=value`` words::

    .expect = "CPUID at=insn len=insn..resume next=resume; VMCALL at=resume len=3 end"
    .expect = "CR_ACCESS at=insn len=insn..resume next=resume qual={CR=3,ACCESS_TYPE=MOV_TO_CR,GPR=0}; ..."
    .expect = "VMFAIL_VALID(VMLAUNCH_NONCLEAR_VMCS) insn=VMLAUNCH"
    .expect = "VMCALL at=insn len=3 rax=# rdi=2 repeat=count"

Heads: an exit reason (exit_reasons.def), ``ENTRY_FAIL(reason)``,
``VMFAIL_VALID(error)`` (vm_errors.def), ``VMFAIL_INVALID``, ``CALL(name)`` (what a
call into the scenario's own hypervisor returned: ``ret=N``, ``vector=N`` the
exception it raised; guests/takeover.c).
Words:
  at=LABEL            the exit's guest RIP is the assembler label label__<id>__LABEL
  len=N | len=A..B    VM-exit instruction length: a number, or label B minus label A
                      (what the assembler encoded)
  next=LABEL          the host resumes the guest and its next exit is at LABEL
  end                 the host does not resume the guest after this exit
  resumed             the host resumes the guest (no label to check)
  qual= info= intr= gla= gpa= idt=
                      a number, @LABEL (its address), N/MASK (only the MASK bits are
                      compared: the SDM leaves the others undefined), ``any`` (not compared), or
                      {FIELD=V,...} in the layout exit_info.def gives this exit's field
                      (V a number or the field's named value; ~FIELD leaves a field out
                      of the comparison where the SDM makes it conditionally undefined)
  err=N idt_err=N     interruption / IDT-vectoring error code
  insn=VMLAUNCH|VMRESUME|VMXON|VMCALL   the VM instruction of a VMFAIL
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
               "idt": "idt_info"}
_HEAD = re.compile(r"^([A-Z0-9_]+)(?:\(([A-Za-z0-9_]+)\))?$")
VMFAIL_INSNS = ("VMLAUNCH", "VMRESUME", "VMXON", "VMCALL")


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
    value, mask = 0, t.layout_mask(layout)
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
        lo, hi = lay["fields"][f]
        if n < 0 or n >> (hi - lo + 1):
            raise ctx.err(f"{key}: {f}={v} does not fit bits {hi}:{lo}")
        value |= n << lo
    return value, mask


def _item(ctx: _Ctx, text: str):
    from harness.expect import ExpectCall, ExpectExit, ExpectVmFail
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
    if head in ("VMFAIL_VALID", "VMFAIL_INVALID"):
        if head == "VMFAIL_VALID" and (arg is None or arg not in t.error_by_name):
            raise ctx.err(f"VMFAIL_VALID({arg}): not a VM-instruction error in vm_errors.def")
        insn = opts.pop("insn", None)
        if insn is not None and insn not in VMFAIL_INSNS:
            raise ctx.err(f"insn={insn}: one of {', '.join(VMFAIL_INSNS)}")
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
    for k, v in opts.items():
        if k == "end" and v is None:
            resumed = False
        elif k == "resumed" and v is None:
            resumed = True
        elif k == "at":
            kw["rip"] = ctx.label(v)
        elif k == "next":
            kw["resume_rip"] = ctx.label(v)
            resumed = True
        elif k == "len":
            a, sep, b = (v or "").partition("..")
            kw["len"] = ctx.label(b) - ctx.label(a) if sep else ctx.number(v or "")
        elif k in _VALUE_KEYS:
            key = _VALUE_KEYS[k]
            layout = "INTR_INFO" if k == "idt" else layouts.get(key)
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
