"""
The page's run zip (src/engine/io/modelZip.ts, weights.ts, loadWeights.ts), read and written:
  model.json        weights manifest in TensorFlow.js's format (names, shapes, dtype float32)
  weights.bin       the weights, little-endian float32, concatenated in manifest order
  config.json       the experiment: model id and resolved options, training settings, data mapping
  schema.json       the dataset schema: domains, tasks, vocabularies with offsets, numeric scaling
  metrics.json      the test (and valid) reports, epochs, steps
  metrics.csv       one row per split × domain × task
  environment.json  where it was trained
Reading checks what the page checks and says which file or weight does not fit.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from .data.values import js_number_text
from .errors import ImportError_
from .experiment import parse_plan, select_run
from .models.base import TwinModel

MODEL_FORMAT = "moe-playground"
WEIGHTS_FILE = "weights.bin"
RUN_FILES = {
    "model": "model.json",
    "weights": WEIGHTS_FILE,
    "config": "config.json",
    "schema": "schema.json",
    "metrics": "metrics.json",
    "metricsCsv": "metrics.csv",
    "environment": "environment.json",
}


@dataclass
class RunZip:
    experiment: dict
    schema: dict
    weights: "OrderedDict[str, np.ndarray]"
    metrics: Optional[dict]
    environment: Optional[dict]
    files: Dict[str, bytes]


def _json(files: Dict[str, bytes], name: str, required: bool = True):
    if name not in files:
        if required:
            raise ImportError_(f"the zip has no {name}: it is not a run exported by this playground")
        return None
    try:
        return json.loads(files[name].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ImportError_(f"{name} is not valid JSON ({e})") from None


def _manifest(v: object) -> List[dict]:
    if not isinstance(v, dict):
        raise ImportError_('model.json is not a weights manifest (a JSON object with "format" and "weightsManifest")')
    if v.get("format") != MODEL_FORMAT:
        raise ImportError_(
            f'model.json has format {json.dumps(v.get("format"))}, not "{MODEL_FORMAT}": it was not exported by this playground'
        )
    groups = v.get("weightsManifest")
    if not isinstance(groups, list) or not groups:
        raise ImportError_('model.json has no "weightsManifest" (a list of weight groups)')
    seen = set()
    for g, group in enumerate(groups):
        paths = group.get("paths") if isinstance(group, dict) else None
        if not isinstance(paths, list) or not paths or any(not isinstance(p, str) for p in paths) or not isinstance(group.get("weights"), list):
            raise ImportError_(f'model.json: weightsManifest[{g}] needs "paths" (file names) and "weights" (a list)')
        for i, w in enumerate(group["weights"]):
            name = w.get("name") if isinstance(w, dict) else None
            if not isinstance(name, str) or name == "":
                raise ImportError_(f"model.json: weightsManifest[{g}].weights[{i}] has no name")
            if name in seen:
                raise ImportError_(f'model.json lists the weight "{name}" twice')
            seen.add(name)
            shape = w.get("shape")
            if not isinstance(shape, list) or any(not isinstance(d, int) or d < 0 for d in shape):
                raise ImportError_(f'model.json: weight "{name}" has no valid shape (a list of sizes)')
            if w.get("dtype") != "float32":
                raise ImportError_(f'model.json: weight "{name}" has dtype {w.get("dtype")}: only float32 weights can be imported')
            if "quantization" in w:
                raise ImportError_(f'model.json: weight "{name}" is quantized: only plain float32 weights can be imported')
    return groups


def _decode(groups: List[dict], files: Dict[str, bytes]) -> "OrderedDict[str, np.ndarray]":
    out: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for group in groups:
        parts = []
        for path in group["paths"]:
            if path not in files:
                raise ImportError_(f"the zip has no {path} (model.json stores weights in it)")
            parts.append(files[path])
        data = b"".join(parts)
        names = " + ".join(group["paths"])
        sizes = [int(np.prod(w["shape"], dtype=np.int64)) for w in group["weights"]]
        expected = sum(sizes) * 4
        if len(data) < expected:
            raise ImportError_(f"{names} is truncated: model.json lists {expected} bytes of float32 weights, the file has {len(data)}")
        if len(data) > expected:
            raise ImportError_(f"{names} has {len(data)} bytes but model.json lists {expected}: the weights do not belong to this model.json")
        values = np.frombuffer(data, dtype="<f4")
        offset = 0
        for w, size in zip(group["weights"], sizes):
            out[w["name"]] = values[offset : offset + size].reshape(w["shape"]).astype(np.float32)
            offset += size
    return out


def read_run_zip(path: str) -> RunZip:
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ImportError_(
            f"{path} is not a zip archive: an exported run is a .zip holding model.json, weights.bin, config.json and schema.json"
        )
    try:
        with zipfile.ZipFile(path) as z:
            files = {n: z.read(n) for n in z.namelist()}
    except zipfile.BadZipFile as e:
        raise ImportError_(f"the zip archive {path} is corrupt ({e}): download the run again") from None
    weights = _decode(_manifest(_json(files, RUN_FILES["model"])), files)
    try:
        config = _json(files, RUN_FILES["config"])
        experiment = select_run(config)["experiment"]
        # Runs exported before train.domainInput existed were built without the domain field: read them as such.
        if isinstance(config, dict) and isinstance(config.get("train"), dict) and "domainInput" not in config["train"]:
            experiment["train"]["domainInput"] = False
    except ImportError_:
        raise
    except Exception as e:  # the experiment parser names what is wrong
        raise ImportError_(f"config.json is not a valid experiment: {e}") from None
    schema = _json(files, RUN_FILES["schema"])
    _check_schema(schema)
    metrics = _json(files, RUN_FILES["metrics"], required=False)
    if metrics is not None and not (isinstance(metrics, dict) and isinstance(metrics.get("test"), dict)):
        raise ImportError_('metrics.json has no test report ("test")')
    environment = _json(files, RUN_FILES["environment"], required=False)
    if environment is not None and not isinstance(environment, dict):
        raise ImportError_("environment.json is not a JSON object")
    return RunZip(experiment, schema, weights, metrics, environment, files)


def _check_schema(v: object) -> None:
    """The fields scoring needs (parseSchema)."""

    def fail(what: str) -> None:
        raise ImportError_(f"schema.json: {what}")

    def texts(x: object) -> bool:
        return isinstance(x, list) and all(isinstance(s, str) for s in x)

    if not isinstance(v, dict):
        fail("not a dataset schema (a JSON object with domains, tasks, categorical and numeric)")
    if not isinstance(v.get("domainColumn"), str):
        fail("domainColumn must be a column name")
    if not texts(v.get("domains")) or not v["domains"]:
        fail("domains must be a non-empty list of names")
    if not isinstance(v.get("tasks"), list) or not v["tasks"]:
        fail("tasks must be a non-empty list")
    for i, t in enumerate(v["tasks"]):
        if not isinstance(t, dict) or not all(isinstance(t.get(k), str) for k in ("name", "column", "rule")):
            fail(f"tasks[{i}] needs a name, a column and a rule")
    if not isinstance(v.get("categorical"), list):
        fail("categorical must be a list")
    for i, c in enumerate(v["categorical"]):
        if not isinstance(c, dict) or not isinstance(c.get("column"), str) or not texts(c.get("vocab")) or not isinstance(c.get("offset"), int) or not isinstance(c.get("size"), int):
            fail(f"categorical[{i}] needs a column, a vocab (list of texts), an offset and a size")
    if not isinstance(v.get("numeric"), list):
        fail("numeric must be a list")
    for i, n in enumerate(v["numeric"]):
        if not isinstance(n, dict) or not isinstance(n.get("column"), str) or not isinstance(n.get("mean"), (int, float)) or not isinstance(n.get("std"), (int, float)):
            fail(f"numeric[{i}] needs a column, a mean and a std")
    if not isinstance(v.get("vocabSize"), int):
        fail("vocabSize must be an integer")


def _some(names: List[str]) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:4])
    return shown + (f", … ({len(names)} in all)" if len(names) > 4 else "")


def load_weights(model: TwinModel, weights: "OrderedDict[str, np.ndarray]") -> None:
    """Assigns a zip's weights to a built model; nothing is assigned unless every name and shape fits."""
    model.prepare_for(weights.keys())
    names = model.p.names()
    missing = [n for n in names if n not in weights]
    extra = [n for n in weights if n not in model.p]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the model built has {len(missing)} weight{'s' if len(missing) > 1 else ''} the zip lacks ({_some(missing)})")
        if extra:
            parts.append(f"the zip has {len(extra)} weight{'s' if len(extra) > 1 else ''} the model built does not ({_some(extra)})")
        raise ImportError_(f"the zip's weights are not this model's: {' and '.join(parts)}")
    for name, w in weights.items():
        have = list(model.p[name].shape)
        if have != list(w.shape):
            raise ImportError_(f'weight "{name}": the model built expects shape [{", ".join(map(str, have))}], the zip has [{", ".join(map(str, w.shape))}]')
    with torch.no_grad():
        for name, w in weights.items():
            t = model.p[name]
            t.copy_(torch.from_numpy(np.array(w, dtype=np.float32)).to(t.device))


def model_weights(model: TwinModel) -> List[Tuple[str, np.ndarray]]:
    """Every stored parameter by export name, in creation order (the manifest order)."""
    return [(n, model.p[n].detach().cpu().numpy().astype(np.float32)) for n in model.p.names()]


def metrics_csv(metrics: dict, schema: dict) -> str:
    """One row per split × domain × task of the reports present (metricsCsv)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["split", "domain", "task", "rows", "positives", "auc", "logloss"])
    for key in ("valid", "test"):
        report = metrics.get(key)
        if not report:
            continue
        for d, tasks in enumerate(report["byCell"]):
            for t, m in enumerate(tasks):
                cells = [report["split"], schema["domains"][d], schema["tasks"][t]["name"], m["rows"], m["positives"], m["auc"], m["logloss"]]
                w.writerow(["" if c is None else _js_text(c) for c in cells])
    return out.getvalue()


def _js_text(v: object) -> str:
    return js_number_text(v) if isinstance(v, (int, float)) else str(v)


def write_run_zip(
    path: str,
    experiment: dict,
    schema: dict,
    weights: List[Tuple[str, np.ndarray]],
    metrics: dict,
    environment: dict,
    generated_by: str,
    extra: Optional[Dict[str, bytes]] = None,
) -> None:
    """A zip the page imports: the manifest and weights as the page writes them, the experiment with resolved options."""
    model_json = {
        "format": MODEL_FORMAT,
        "generatedBy": generated_by,
        "convertedBy": None,
        "modelTopology": None,
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": [{"name": n, "shape": list(a.shape), "dtype": "float32"} for n, a in weights]}],
    }
    bin_ = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for _, a in weights)
    parse_plan(experiment)  # what the page will parse must parse here first
    text = lambda v: json.dumps(v, indent=2, ensure_ascii=False).encode("utf-8")  # noqa: E731
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(RUN_FILES["model"], text(model_json))
        # Float weights barely compress: stored, as the page stores them.
        z.writestr(zipfile.ZipInfo(WEIGHTS_FILE), bin_, compress_type=zipfile.ZIP_STORED)
        z.writestr(RUN_FILES["config"], text(experiment))
        z.writestr(RUN_FILES["schema"], text(schema))
        z.writestr(RUN_FILES["metrics"], text(metrics))
        z.writestr(RUN_FILES["metricsCsv"], metrics_csv(metrics, schema).encode("utf-8"))
        z.writestr(RUN_FILES["environment"], text(environment))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
