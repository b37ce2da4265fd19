"""Unit tests of parsing and comparison: canned traces, no emulator."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

DATA = Path(__file__).parent / "data"


@pytest.fixture
def canned():
    """Read a canned serial log by name (harness/tests/data/<name>.log)."""
    return lambda name: (DATA / f"{name}.log").read_text()


@pytest.fixture(scope="session")
def catalog():
    """Catalog rows (with assembler labels) of the build that made the canned traces."""
    import json
    doc = json.loads((DATA / "catalog.json").read_text())
    return {row["id"]: row for row in doc["scenarios"]}


@pytest.fixture(scope="session")
def tab():
    from harness import tables
    try:
        return tables.load()
    except tables.TablesError as exc:  # `make unit` builds it first: never a silent skip
        pytest.fail(f"{exc} (run `make unit`, which builds it)", pytrace=False)
