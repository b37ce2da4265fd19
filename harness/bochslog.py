"""Bochs's own explanation of a VM-entry failure, taken from its log.

The image writes ``@VTMARK BEGIN <scenario>`` to port 0xe9 at each BEGIN;
Bochs (port_e9_hack) prints it into the same output as its log, so each
log line can be attributed to the scenario that was running.
"""
from __future__ import annotations

import re
from pathlib import Path

from harness.model import RunResult

MARK = re.compile(r"@VTMARK BEGIN (\S+)")
# Bochs's wording for failed VM entries and VMX instruction failures.
# "VMEXIT: EPT violation ..." is an ordinary exit of the KVM platform's L1 guest (EPT faults on
# L2 memory), never the reason an entry failed.
REASON = re.compile(r"(VMFAIL:|VMENTER FAIL:|VMEXIT: (?!EPT violation)|VMABORT|LoadMSRs|VMX: |VMLAUNCH|VMRESUME)")
_STAMP = re.compile(r"^\d+[a-z]\[[A-Z0-9 ]+\]\s*")


def split_by_scenario(text: str) -> dict[str, list[str]]:
    """{scenario id: log lines printed while it ran}."""
    out: dict[str, list[str]] = {}
    cur = None
    for line in text.splitlines():
        line = line.replace("\r", "")
        m = MARK.search(line)
        if m:
            cur = m.group(1)
            out.setdefault(cur, [])
            continue
        if cur is not None:
            out[cur].append(line)
    return out


def reasons(lines: list[str]) -> list[str]:
    """The lines that name a failed check, without Bochs's tick/level prefix."""
    seen, out = set(), []
    for line in lines:
        if REASON.search(line):
            text = _STAMP.sub("", line).strip()
            if text not in seen:
                seen.add(text)
                out.append(text)
    return out


# {(path, size, mtime_ns): {scenario: reason lines}}: the report asks for every scenario of every
# platform, and splitting a whole Bochs log once per scenario cost minutes per `make check`.
_CACHE: dict[tuple, dict[str, list[str]]] = {}
_CACHE_MAX = 16


def _reasons_by_scenario(path: str) -> dict[str, list[str]]:
    try:
        st = Path(path).stat()
        key = (path, st.st_size, st.st_mtime_ns)
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    out = {sid: reasons(lines) for sid, lines in split_by_scenario(text).items()}
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = out
    return out


def reasons_for(run: RunResult, scenario: str) -> list[str]:
    """Bochs's reason lines for one scenario of a run ([] for other platforms)."""
    path = run.log_paths.get("emulator")
    if not path or not (run.platform.startswith("bochs") or "-on-bochs" in run.platform):
        return []
    return list(_reasons_by_scenario(str(path)).get(scenario, []))
