"""Benchmark settings: quick (for CI) or full (for the README's figures)."""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (  # noqa: F401  (fixtures shared with the tests)
    auto_enable_custom_integrations,
    no_deprecated_use,
)

FULL = os.environ.get("CALLWATCH_BENCH") == "full"
RESULTS = Path(__file__).parent / "results.json"


class Results:
    """Figures gathered by the benchmarks, printed at the end and saved in full mode."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}

    def add(self, section: str, key: str, value: Any) -> None:
        self.figures.setdefault(section, {})[key] = value


@pytest.fixture(scope="session")
def results() -> Iterator[Results]:
    gathered = Results()
    yield gathered
    text = json.dumps(gathered.figures, indent=2, sort_keys=True)
    print(f"\n== Callwatch benchmarks ({'full' if FULL else 'quick'})\n{text}")
    if FULL:
        RESULTS.write_text(text + "\n", encoding="utf-8")
