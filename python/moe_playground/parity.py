"""
Same weights, same logits: scores a run zip's reference rows with the PyTorch twin and compares with the logits the
TypeScript engine wrote into the zip (reference.json + its logits file, from `npm run bench -- … --export`).

  PYTHONPATH=python python3 -m moe_playground.parity run.zip --data F.csv

The file is encoded with the zip's own schema and mapping; a digest of the encoded rows shows that both sides scored
the same inputs. Prints one JSON line; exits 1 when the inputs differ or a logit differs by more than the tolerance.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from typing import Optional

import numpy as np
import torch

from .data.encode import EncodedData, apply_schema
from .distributed import Dist
from .errors import DataError, ExperimentError, ImportError_
from .evaluate import predict
from .experiment import check_twin_train
from .models import build_model
from .models.base import TwinModel, build_context
from .models.layers import DataShape
from .rng import Rng
from .runzip import RunZip, load_weights, read_run_zip

REFERENCE_FILE = "reference.json"
REFERENCE_FORMAT = "moe-playground-reference/1"
DEFAULT_TOLERANCE = 1e-4


def inputs_digest(data: EncodedData, rows: np.ndarray) -> str:
    """SHA-256 of the encoded rows: cat int32, num float32, domain int32, labels float32, label mask uint8, each
    [rows, ·] row-major and little-endian, one after the other (the layout scripts/twins/reference.ts hashes)."""
    h = hashlib.sha256()
    for array, dtype in ((data.cat, "<i4"), (data.num, "<f4"), (data.domain, "<i4"), (data.labels, "<f4"), (data.label_mask, "u1")):
        h.update(np.ascontiguousarray(np.asarray(array[rows]), dtype=dtype).tobytes())
    return h.hexdigest()


def twin_of(run: RunZip) -> TwinModel:
    """The run's model built in PyTorch with the zip's weights."""
    train = run.experiment["train"]
    check_twin_train(train)
    model, _ = build_model(
        run.experiment["model"]["id"],
        run.experiment["model"]["options"],
        build_context(DataShape.of(run.schema), train, Rng(int(train["seed"]))),
    )
    load_weights(model, run.weights)
    return model


def reference(run: RunZip) -> dict:
    ref = json.loads(run.files[REFERENCE_FILE]) if REFERENCE_FILE in run.files else None
    if not ref or ref.get("format") != REFERENCE_FORMAT:
        raise ImportError_(
            f"the zip has no {REFERENCE_FILE} ({REFERENCE_FORMAT}): export the run with its reference logits, "
            "npm run bench -- --experiment F --node --export run.zip"
        )
    data = run.files.get(ref["logits"])
    if data is None or len(data) != ref["rows"] * ref["tasks"] * 4:
        raise ImportError_(f'{REFERENCE_FILE} names {ref["logits"]} with {ref["rows"]} × {ref["tasks"]} float32 logits; the zip holds {0 if data is None else len(data)} bytes')
    ref["values"] = np.frombuffer(data, dtype="<f4").reshape(ref["rows"], ref["tasks"])
    return ref


def compare(run: RunZip, data_path: str, work_dir: str, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    ref = reference(run)
    data = apply_schema(data_path, run.experiment["data"], run.schema, work_dir)
    rows = data.splits[ref["split"]]
    result = {
        "model": run.experiment["model"]["id"],
        "split": ref["split"],
        "rows": int(len(rows)),
        "referenceRows": ref["rows"],
        "tasks": ref["tasks"],
        "referenceBackend": ref.get("backend"),
    }
    if len(rows) != ref["rows"]:
        return {**result, "ok": False, "error": f'the {ref["split"]} split of {data_path} has {len(rows)} rows; the reference has {ref["rows"]}'}
    same_inputs = inputs_digest(data, rows) == ref["inputsSha256"]
    model = twin_of(run)
    logits = predict(model, data, rows, int(ref.get("batchSize") or run.experiment["train"]["batchSize"]), Dist()).logits
    diff = np.abs(logits.astype(np.float64) - ref["values"].astype(np.float64))
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else (0, 0)
    prob_diff = np.abs(torch.sigmoid(torch.from_numpy(logits)).numpy() - torch.sigmoid(torch.from_numpy(ref["values"].copy())).numpy())
    max_diff = float(diff.max()) if diff.size else 0.0
    return {
        **result,
        "inputsMatch": same_inputs,
        "maxAbsLogitDiff": max_diff,
        "meanAbsLogitDiff": float(diff.mean()) if diff.size else 0.0,
        "maxAbsProbDiff": float(prob_diff.max()) if prob_diff.size else 0.0,
        "worst": {"fileRow": int(data.file_rows[rows[worst[0]]]), "task": run.schema["tasks"][worst[1]]["name"]} if diff.size else None,
        "tolerance": tolerance,
        "ok": bool(same_inputs and max_diff <= tolerance),
    }


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m moe_playground.parity", description=__doc__.split("\n\n")[0])
    ap.add_argument("zip", help="a run zip with reference logits (npm run bench -- … --node --export run.zip)")
    ap.add_argument("--data", required=True, help="the CSV (or .csv.gz) the run was trained on")
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="largest |Δ logit| accepted (default 1e-4)")
    args = ap.parse_args(argv)
    try:
        run = read_run_zip(args.zip)
        with tempfile.TemporaryDirectory(prefix="moe-parity-") as work:
            result = compare(run, args.data, work, args.tolerance)
    except (DataError, ExperimentError, ImportError_) as e:
        print(json.dumps({"ok": False, "error": str(e)}, ensure_ascii=False))
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
