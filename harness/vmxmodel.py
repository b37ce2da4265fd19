"""The VM-entry model (core/model, the SDM chapter "VM Entries") on the host.

The same C the image runs, built as build/libvmxmodel.so, called through
ctypes.  Input: every VMCS field (by name or encoding), the capability MSRs,
the CPUID widths; output: the predicted outcome and every violated check.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from harness.tables import DEFAULT_BUILD, Tables

OUTCOMES = ("vmsucceed", "vmfail_invalid", "vmfail_valid", "exit_invalid_state", "exit_msr_load")
FLAG_CURRENT_VMCS, FLAG_VMRESUME, FLAG_LAUNCHED, FLAG_BLOCKED_BY_MOV_SS = 1, 2, 4, 8
_MAX_OUT = 4 + 64


class ModelError(Exception):
    """The host library is missing or unusable (one line)."""


@dataclass(frozen=True)
class Prediction:
    outcome: str
    error: int
    qual: int
    violated: tuple  # check names, table order

    def summary(self) -> str:
        v = ",".join(self.violated) or "none"
        return f"outcome={self.outcome} err={self.error} qual={self.qual} violated={v}"


class Model:
    def __init__(self, tables: Tables, lib: Path | None = None):
        path = lib or DEFAULT_BUILD / "libvmxmodel.so"
        try:
            self._lib = ctypes.CDLL(str(path))
        except OSError as exc:
            raise ModelError(f"{path}: cannot load the VM-entry model ({exc}); run `make image`") from exc
        f = self._lib.model_predict_flat
        u64p, u32 = ctypes.POINTER(ctypes.c_uint64), ctypes.c_uint32
        f.argtypes = [u64p, u32, u64p, u32, u32, u32, u32, u64p, u32, u32, ctypes.POINTER(u32), u32]
        f.restype = None
        self.tables = tables
        self.fields = list(tables.field_by_name)  # vmcs_fields.def order = the model's index
        self.encodings = [tables.field_by_name[n]["encoding"] for n in self.fields]
        self.checks = sorted(tables.check_by_name.values(), key=lambda c: c["number"])
        self._lib.model_n_checks.restype = ctypes.c_uint32
        n = self._lib.model_n_checks()
        if n != len(self.checks):
            raise ModelError(f"{path} knows {n} entry checks but tables.json {len(self.checks)}: they come from "
                             "different builds; run `make image`")

    def predict(self, vmcs: dict, caps: dict, *, pa_width: int, la_width: int,
                flags: int = FLAG_CURRENT_VMCS, msr_load=(), ignore: str | None = None) -> Prediction:
        """vmcs: {field name or encoding: value} (missing fields are 0); caps: {MSR name: value|None}."""
        by_enc = {}
        for k, val in vmcs.items():
            enc = self.tables.field_by_name[k]["encoding"] if isinstance(k, str) else k
            by_enc[enc] = val & (2**64 - 1)
        vm = (ctypes.c_uint64 * len(self.encodings))(*[by_enc.get(e, 0) for e in self.encodings])
        msrs = (ctypes.c_uint64 * len(self.tables.msr_names))(
            *[(caps.get(n) or 0) & (2**64 - 1) for n in self.tables.msr_names])
        ml = list(msr_load)[:16]
        flat = (ctypes.c_uint64 * max(1, 2 * len(ml)))(*[x & (2**64 - 1) for i, v in ml for x in (i, v)])
        out = (ctypes.c_uint32 * _MAX_OUT)()
        ig = self.tables.check_by_name[ignore]["number"] if ignore else 0
        self._lib.model_predict_flat(vm, len(self.encodings), msrs, len(self.tables.msr_names), pa_width,
                                     la_width, flags, flat, len(ml), ig, out, _MAX_OUT)
        n = out[3]
        ids = [out[4 + i] for i in range(min(n, _MAX_OUT - 4))]
        return Prediction(OUTCOMES[out[0]] if out[0] < len(OUTCOMES) else f"unknown_{out[0]}", out[1], out[2],
                          tuple(self.checks[i - 1]["name"] for i in ids))


_CACHE: dict = {}


def get(tables: Tables) -> Model:
    key = (id(tables), str(DEFAULT_BUILD))
    if key not in _CACHE:
        _CACHE[key] = Model(tables)
    return _CACHE[key]


def case_input(trace, st) -> dict:
    """The model input of a sweep case: GOLDEN plus the case's DIFF records."""
    vmcs = dict(trace.golden)
    vmcs.update(st.diff)
    return vmcs


def widths(trace) -> tuple[int, int]:
    try:
        return int(trace.cpuid["pa_width"]), int(trace.cpuid["la_width"])
    except (KeyError, TypeError, ValueError):
        raise ModelError("the trace has no CPUID record (pa_width, la_width)") from None


def acceptable(p: Prediction, tables: Tables) -> set:
    """Every outcome the SDM allows for this prediction, as "entered", "vmfail_invalid",
    "vmfail_valid err=E", "exit R qual=Q".  The SDM leaves the order of checks within a
    phase open: "Checks on VMX Controls and Host-State Area" -- "These checks may be
    performed in any order", so with control and host violations both error 7 and 8 are
    right; with several guest-state violations any of their qualifications is.  Phases
    themselves are ordered (controls/host, then guest state, then MSR loading)."""
    if p.outcome == "vmsucceed":
        return {"entered"}
    if p.outcome == "vmfail_invalid":
        return {"vmfail_invalid"}
    areas: dict = {}
    for name in p.violated:
        c = tables.check_by_name[name]
        areas.setdefault(c["area"], []).append(c)
    if p.outcome == "vmfail_valid" and not areas:
        return {f"vmfail_valid err={p.error}"}  # instruction-level (launch state, MOV SS)
    if "CTRL" in areas or "HOST" in areas:
        errors = {"CTRL": "ENTRY_INVALID_CONTROL_FIELD", "HOST": "ENTRY_INVALID_HOST_STATE"}
        return {f"vmfail_valid err={tables.error_number(errors[a])}" for a in ("CTRL", "HOST") if a in areas}
    if "GUEST" in areas:
        return {f"exit {tables.exit_number('INVALID_STATE')} qual={c['qual']}" for c in areas["GUEST"]}
    return {f"exit {tables.exit_number('MSR_LOAD_FAIL')} qual={p.qual}"}
