"""Shared fixtures: the repository's paths, and the runs the TypeScript engine exports for the twins to check."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))


def node_tool(script: str, *args: str, timeout: int = 600) -> str:
    """Runs a TypeScript script of scripts/twins with the repository's tsx; fails with its output when it fails."""
    tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
    if not os.path.exists(tsx):
        pytest.fail(f"{tsx} is missing: run npm ci first (the twins are checked against the TypeScript engine)")
    done = subprocess.run([tsx, os.path.join(REPO, "scripts", "twins", script), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@pytest.fixture(scope="session")
def engine_exports(tmp_path_factory) -> dict:
    """The fixture file, its encodings and every model's runs, made by the TypeScript engine (parity-fixtures.ts)."""
    out = str(tmp_path_factory.mktemp("engine-exports"))
    node_tool("parity-fixtures.ts", "--out", out)
    with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    index["dir"] = out
    index["csv"] = os.path.join(out, index["data"])
    return index
