"""Host model test kit: the golden VMCS, capability MSRs and CPUID widths of
bochs30-skylake_x (a canned trace, harness/tests/data/sweep-bochs30-skylake_x.log),
and predict() with changes on top.  Expected results in the tests come from the
SDM text, never from a platform: the canned golden is only the starting VMCS.

    from harness.tests.modelkit import predict, GOLDEN
    p = predict(GUEST_RFLAGS=0)
    assert p.violated == ("GUEST_RFLAGS_BIT1",) and p.outcome == "exit_invalid_state"
"""
from __future__ import annotations

import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness import parser, tables, vmxmodel  # noqa: E402

TRACE = parser.parse((pathlib.Path(__file__).parent / "data" / "sweep-bochs30-skylake_x.log").read_text())
TABLES = tables.load()
MODEL = vmxmodel.get(TABLES)
GOLDEN = {TABLES.field_name(enc): v for enc, v in TRACE.golden.items()}
CAPS = dict(TRACE.caps)
PA_WIDTH, LA_WIDTH = vmxmodel.widths(TRACE)


def predict(*, caps: dict | None = None, pa_width: int | None = None, la_width: int | None = None,
            flags: int = vmxmodel.FLAG_CURRENT_VMCS, msr_load=(), **changes) -> vmxmodel.Prediction:
    """The model's prediction for the golden VMCS with the given field changes (by name)."""
    vmcs = dict(GOLDEN)
    vmcs.update(changes)
    c = dict(CAPS)
    c.update(caps or {})
    return MODEL.predict(vmcs, c, pa_width=PA_WIDTH if pa_width is None else pa_width,
                         la_width=LA_WIDTH if la_width is None else la_width, flags=flags, msr_load=msr_load)
