"""The VMX fact tables, read from build/tables.json (made from core/include/*.def).

Nothing in the harness spells an exit-reason number, a VM-instruction error
number, a VMCS encoding or an entry check: it asks this module.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = REPO / (__import__("os").environ.get("VMXDIFF_BUILD") or "build")  # make O=dir exports it


class TablesError(Exception):
    """tables.json is missing or unreadable (run `make image`)."""


@dataclass(frozen=True)
class Tables:
    """Lookups over tables.json."""

    hash: str
    exit_by_number: dict
    exit_by_name: dict
    error_by_number: dict
    error_by_name: dict
    field_by_encoding: dict
    field_by_name: dict
    check_by_name: dict
    msr_names: tuple
    trace_mem: dict  # core/include/trace_mem.def: the memory trace channel's layout
    trace_disk: dict = None  # core/include/trace_disk.def: the disk trace channel's geometry and slot
    boot_disk: dict = None  # core/include/boot_disk.def: the Bochs boot disk's layout (harness/bootdisk.py)
    marker: dict = None  # core/include/marker.def: the compact port 0xe9 scenario marker (marker=id)
    trace_bin: dict = None  # core/include/trace_bin.def: the disk channel's binary records
    group_by_name: dict = None  # entry_check_groups.def: {name: {"area", "section"}}
    control_bits: tuple = ()  # control_bits.def rows
    # exit_info.def: {layout: {"title", "undefined", "fields": {field: (lo, hi)}, "values": {field: {name: v}}}}
    layouts: dict = None
    exit_info: dict = None  # {exit reason name: {trace key: layout}}
    info_keys: dict = None  # {VMCS field name: trace key}
    # EXIT_INFO_WHEN rows: {exit reason name: {trace key: (qualification layout, field, value)}}
    exit_info_when: dict = None
    # EXIT_LEN_EVENT rows: {exit reason name: ((trace key, interruption type number), ...)}
    len_events: dict = None

    def layout_mask(self, layout: str) -> int:
        """The bits of a layout that are compared: all but the ones the SDM calls undefined."""
        return ((1 << 64) - 1) & ~self.layouts[layout]["undefined"]

    def field_mask(self, layout: str, field: str) -> int:
        lo, hi = self.layouts[layout]["fields"][field]
        return ((1 << (hi - lo + 1)) - 1) << lo

    def encode(self, layout: str, **fields) -> int:
        """A value laid out as `layout` (exit_info.def) from {field: number or its named value}."""
        lay = self.layouts[layout]
        out = 0
        for f, v in fields.items():
            lo, hi = lay["fields"][f]
            n = lay["values"][f][v] if isinstance(v, str) else v
            if not 0 <= n < 1 << (hi - lo + 1):
                raise ValueError(f"{layout}.{f} = {n:#x} does not fit bits {hi}:{lo}")
            out |= n << lo
        return out

    def decode(self, layout: str, value: int) -> dict:
        """{field: value or its name} of a value laid out as `layout` (exit_info.def)."""
        lay = self.layouts[layout]
        out = {}
        for f, (lo, hi) in lay["fields"].items():
            v = (value >> lo) & ((1 << (hi - lo + 1)) - 1)
            names = {n: x for n, x in lay["values"].get(f, {}).items() if x == v}
            out[f] = next(iter(names)) if names else v
        rest = value & ~sum(self.field_mask(layout, f) for f in lay["fields"]) & ~lay["undefined"]
        if rest:
            out["reserved"] = rest
        return out

    def exit_layouts(self, reason: str) -> dict:
        """{trace key: layout} of the information fields an exit reason defines."""
        return dict((self.exit_info or {}).get(reason, {}))

    def exit_number(self, name: str) -> int:
        return self.exit_by_name[name]["number"]

    def exit_name(self, number: int) -> str:
        entry = self.exit_by_number.get(number)
        return entry["name"] if entry else f"UNKNOWN_{number}"

    def len_defined(self, number: int, intr_info: int | None = None, idt_info: int | None = None) -> bool:
        """SDM "VM-Exit Instruction Length": is the field defined for this exit?  The reason's
        exit_reasons.def column, or an exit_info.def EXIT_LEN_EVENT row: the exit's VM-exit
        interruption information (``intr_info``) or IDT-vectoring information (``idt_info``)
        valid and of the row's interruption type (None: not valid)."""
        entry = self.exit_by_number.get(number)
        if not entry:
            return False
        if entry["len_defined"]:
            return True
        values = {"intr_info": intr_info, "idt_info": idt_info}
        for key, typ in (self.len_events or {}).get(entry["name"], ()):
            v = values.get(key)
            if v is not None and self.decode_field("INTR_INFO", "VALID", v) and \
                    self.decode_field("INTR_INFO", "TYPE", v) == typ:
                return True
        return False

    def decode_field(self, layout: str, field: str, value: int) -> int:
        """The number in one field of a value laid out as `layout`."""
        lo, hi = self.layouts[layout]["fields"][field]
        return (value >> lo) & ((1 << (hi - lo + 1)) - 1)

    def info_defined(self, reason: str, key: str, qual: int) -> bool:
        """Does this exit define the information field `key`, given its exit qualification?
        (exit_info.def: an EXIT_INFO row, or an EXIT_INFO_WHEN row whose condition holds)."""
        if key not in self.exit_layouts(reason):
            return False
        when = (self.exit_info_when or {}).get(reason, {}).get(key)
        if when is None:
            return True
        layout, field, value = when
        return self.decode_field(layout, field, qual) == value

    def error_number(self, name: str) -> int:
        return self.error_by_name[name]["number"]

    def error_name(self, number: int) -> str:
        entry = self.error_by_number.get(number)
        return entry["name"] if entry else f"UNKNOWN_{number}"

    def field_name(self, encoding: int) -> str:
        entry = self.field_by_encoding.get(encoding)
        return entry["name"] if entry else f"FIELD_{encoding:#x}"

    @staticmethod
    def field_group(encoding: int) -> str:
        """SDM "Component Encoding": bits 11:10 give the area."""
        return ("control", "exit-info", "guest", "host")[(encoding >> 10) & 3]


def load(path: Path | None = None) -> Tables:
    """Load tables.json (default build/tables.json)."""
    return _load(str(path or DEFAULT_BUILD / "tables.json"))


@lru_cache(maxsize=4)
def _load(path: str) -> Tables:
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise TablesError(f"{path} not found: run `make image` first") from exc
    except (OSError, ValueError) as exc:
        raise TablesError(f"{path} unreadable: {exc}") from exc
    return Tables(
        hash=raw["hash"],
        exit_by_number={e["number"]: e for e in raw["exit_reasons"]},
        exit_by_name={e["name"]: e for e in raw["exit_reasons"]},
        error_by_number={e["number"]: e for e in raw["vm_errors"]},
        error_by_name={e["name"]: e for e in raw["vm_errors"]},
        field_by_encoding={f["encoding"]: f for f in raw["vmcs_fields"]},
        field_by_name={f["name"]: f for f in raw["vmcs_fields"]},
        check_by_name={c["name"]: c for c in raw["entry_checks"]},
        msr_names=tuple(m["name"] for m in raw["vmx_msrs"]),
        trace_mem=dict(raw.get("trace_mem", {})),
        trace_disk=dict(raw.get("trace_disk", {})),
        boot_disk=dict(raw.get("boot_disk", {})),
        marker=dict(raw.get("marker", {})),
        trace_bin=dict(raw.get("trace_bin", {})),
        group_by_name={g["name"]: g for g in raw.get("entry_check_groups", [])},
        control_bits=tuple(raw.get("control_bits", [])),
        **_info(raw.get("info_layouts", [])),
    )


def _info(rows: list) -> dict:
    layouts: dict = {}
    keys = {r["vmcs_field"]: r["key"] for r in rows if r["kind"] == "key"}
    exit_info: dict = {}
    when: dict = {}
    len_events: dict = {}
    for r in rows:
        if r["kind"] == "layout":
            layouts[r["layout"]] = {"title": r["title"], "undefined": r["undefined"], "fields": {}, "values": {}}
        elif r["kind"] == "field":
            layouts[r["layout"]]["fields"][r["field"]] = (r["lo"], r["hi"])
        elif r["kind"] == "value":
            layouts[r["layout"]]["values"].setdefault(r["field"], {})[r["name"]] = r["value"]
    for r in rows:
        if r["kind"] == "exit":
            exit_info.setdefault(r["reason"], {})[keys[r["vmcs_field"]]] = r["layout"]
            if "when" in r:
                w = r["when"]
                when.setdefault(r["reason"], {})[keys[r["vmcs_field"]]] = (
                    w["layout"], w["field"], layouts[w["layout"]]["values"][w["field"]][w["value"]])
        elif r["kind"] == "len_event":
            typ = layouts["INTR_INFO"]["values"]["TYPE"][r["type"]]
            len_events[r["reason"]] = len_events.get(r["reason"], ()) + ((keys[r["vmcs_field"]], typ),)
    return {"layouts": layouts, "exit_info": exit_info, "info_keys": keys, "exit_info_when": when,
            "len_events": len_events}
