"""The layers hold in the code: core <- inventory <- orders <- {channels, warehouse} <- oms."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_orders_reach_the_channel_through_the_relation_only():
    """Intake reads the channel's table by code, without importing the app above it."""
    for path in (ROOT / "orders").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "from channels" not in text and "import channels" not in text, path
