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
    group_by_name: dict = None  # entry_check_groups.def: {name: {"area", "section"}}
    control_bits: tuple = ()  # control_bits.def rows

    def exit_number(self, name: str) -> int:
        return self.exit_by_name[name]["number"]

    def exit_name(self, number: int) -> str:
        entry = self.exit_by_number.get(number)
        return entry["name"] if entry else f"UNKNOWN_{number}"

    def len_defined(self, number: int) -> bool:
        """SDM "VM-Exit Instruction Length": is the field defined for this exit?"""
        entry = self.exit_by_number.get(number)
        return bool(entry and entry["len_defined"])

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
        group_by_name={g["name"]: g for g in raw.get("entry_check_groups", [])},
        control_bits=tuple(raw.get("control_bits", [])),
    )
