"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def mktcrm_argv() -> list[str]:
    """The console script next to this interpreter, else `python -m mktcrm`."""
    script = Path(sys.executable).parent / "mktcrm"
    if script.exists():
        return [str(script)]
    found = shutil.which("mktcrm")
    return [found] if found else [sys.executable, "-m", "mktcrm"]
