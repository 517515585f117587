"""
Trains an experiment (the JSON the page shares and the bench reads) with PyTorch DistributedDataParallel and writes
the run zip in the page's format, which the page imports, evaluates and inspects.

  torchrun --nproc_per_node N -m moe_playground.train experiment.json --out run.zip   (PYTHONPATH=python)

gloo on CPU, NCCL on GPUs; several machines as torchrun allows (--nnodes, --node_rank, --master_addr). The data file
is data.path (relative to the working directory or the experiment file), a bundled data.dataset, or --data. The first
process of each machine encodes it once into --cache (reused by later runs on the same file and mapping); the others
wait. Prints JSON lines: data, progress, epoch, summary.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from typing import Optional

import torch

from .catalog import resolve_options
from .data.encode import FORMAT, encoding_notes, fit_encode, load_encoded
from .distributed import Dist
from .errors import DataError, ExperimentError, TrainingError
from .experiment import check_twin_train, select_run
from .models import build_model
from .models.base import build_context
from .models.layers import DataShape
from .rng import Rng
from .runzip import model_weights, write_run_zip
from .trainer import Trainer

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def resolve_data_path(data: dict, experiment_dir: str, override: Optional[str]) -> str:
    """--data, else data.path (working directory, then the experiment's folder), else a bundled data.dataset."""
    if override:
        if not os.path.exists(override):
            raise DataError(f"--data {override}: no such file")
        return override
    if data.get("path"):
        for candidate in (os.path.abspath(data["path"]), os.path.join(experiment_dir, data["path"])):
            if os.path.exists(candidate):
                return candidate
        raise DataError(f'data.path "{data["path"]}" was not found (looked in {os.getcwd()} and {experiment_dir}); give the file with --data')
    if data.get("dataset"):
        index_path = os.path.join(REPO_ROOT, "public", "datasets", "index.json")
        if os.path.exists(index_path):
            with open(index_path, encoding="utf-8") as f:
                entry = next((d for d in json.load(f) if d["id"] == data["dataset"]), None)
            if entry:
                return os.path.join(REPO_ROOT, "public", "datasets", entry["file"])
        raise DataError(f'the bundled dataset "{data["dataset"]}" is not in this checkout: give its file with --data')
    raise DataError("the experiment names no data (data.path or data.dataset): give the file with --data")


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir(root: str, path: str, data: dict) -> str:
    """One folder per (file, mapping, encoding format): a changed file or mapping encodes again."""
    st = os.stat(path)
    mapping = {k: v for k, v in data.items() if k not in ("path", "dataset", "sha256")}
    key = json.dumps([os.path.abspath(path), st.st_size, st.st_mtime_ns, mapping, FORMAT], sort_keys=True)
    return os.path.join(root, f"encoded-{hashlib.sha256(key.encode()).hexdigest()[:16]}")


def encoded(path: str, data: dict, root: str, dist: Dist, log) -> object:
    """The encoded file: made by the first process of each machine into a temporary folder, then renamed into place."""
    target = cache_dir(root, path, data)
    if dist.local_rank == 0 and not os.path.exists(os.path.join(target, "encoded.json")):
        os.makedirs(root, exist_ok=True)
        work = tempfile.mkdtemp(prefix="encoding-", dir=root)
        started = time.time()
        try:
            fit_encode(path, data, work, os.path.basename(path))
            if os.path.exists(target):
                shutil.rmtree(target)
            os.rename(work, target)
        finally:
            if os.path.exists(work):
                shutil.rmtree(work)
        log({"event": "encoded", "file": path, "cache": target, "seconds": round(time.time() - started, 1)})
    dist.barrier()
    return load_encoded(target)


def app_version() -> str:
    try:
        with open(os.path.join(REPO_ROOT, "package.json"), encoding="utf-8") as f:
            return json.load(f)["version"]
    except (OSError, KeyError, ValueError):
        return "unknown"


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(prog="torchrun … -m moe_playground.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("experiment", help="experiment JSON (the page's Experiment JSON or a bench experiment)")
    ap.add_argument("--out", required=True, help="the run zip to write (the page's Import reads it)")
    ap.add_argument("--data", help="the data file, instead of the experiment's data.path / data.dataset")
    ap.add_argument("--config", help="in a plan of several configurations: the one to train")
    ap.add_argument("--seed", type=int, help="in a plan of several seeds: the one to train")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "moe-playground-cache"), help="where encoded data is kept")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: CUDA when PyTorch sees a GPU")
    args = ap.parse_args(argv)

    dist = Dist.from_env(args.device)

    def log(event: dict) -> None:
        if dist.is_main:
            print(json.dumps(event, ensure_ascii=False), flush=True)

    try:
        with open(args.experiment, encoding="utf-8") as f:
            run = select_run(json.load(f), args.config, args.seed)
        exp = run["experiment"]
        check_twin_train(exp["train"])
        options = resolve_options(exp["model"]["id"], exp["model"]["options"])
        train = exp["train"]
        path = resolve_data_path(exp["data"], os.path.dirname(os.path.abspath(args.experiment)), args.data)
        if exp["data"].get("sha256") and file_sha256(path) != exp["data"]["sha256"]:
            raise DataError(f'{path} is not the file the experiment was made on (data.sha256 is {exp["data"]["sha256"][:12]}…)')
        data = encoded(path, exp["data"], args.cache, dist, log)
        log(
            {
                "event": "data",
                "file": path,
                "rows": data.num_rows,
                "splitRows": {k: int(len(v)) for k, v in data.splits.items()},
                "domains": data.schema["domains"],
                "vocabSize": data.schema["vocabSize"],
                "skipped": data.skipped.to_json(),
                # The reader's notes and what the encoding read differently from the cells, as the bench's data notes.
                "notes": [f"warning: {n}" for n in data.notes] + encoding_notes(data),
            }
        )
        if int(train["evalEvery"]) > 0:
            log({"event": "note", "message": "train.evalEvery and liveEvalRows draw the page's live curves; here progress is logged every 10 s"})
        torch.manual_seed(int(train["seed"]) * 7919 + 17 + dist.rank)
        model, _ = build_model(exp["model"]["id"], options, build_context(DataShape.of(data.schema), train, Rng(int(train["seed"]))))
        trainer = Trainer(model, data, train, dist, log)
        started = time.time()
        result = trainer.run()
        summary = {
            "event": "summary",
            "name": run["name"],
            "model": exp["model"]["id"],
            "seed": int(train["seed"]),
            "processes": dist.world,
            "device": str(dist.device),
            "distributedBackend": dist.backend,
            "params": model.p.count(),
            "samplesPerSecond": round(result.samples_per_second),
            "msPerStep": round(result.ms_per_step, 2),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "epochs": result.epochs,
            "bestEpoch": result.best_epoch,
            "reason": result.reason,
            "weightsFrom": result.weights_from,
            "flags": [f["message"] for f in result.flags],
            "validAucHistory": result.valid_history,
            "test": {
                "auc": {t["name"]: result.test["byTask"][i]["auc"] for i, t in enumerate(data.schema["tasks"])},
                "aucByCell": {
                    d: {t["name"]: result.test["byCell"][di][ti]["auc"] for ti, t in enumerate(data.schema["tasks"])}
                    for di, d in enumerate(data.schema["domains"])
                },
                "meanAuc": result.test["meanTaskAuc"],
            },
            "wallS": round(time.time() - started, 1),
        }
        if dist.is_main:
            environment = {
                "backend": f"pytorch-{dist.device.type}",
                "adapter": torch.cuda.get_device_name(dist.device) if dist.device.type == "cuda" else None,
                "userAgent": f"Python {platform.python_version()} on {platform.platform()}",
                "tfjs": "none (PyTorch twin)",
                "app": app_version(),
                "seed": int(train["seed"]),
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "torch": torch.__version__,
                "processes": dist.world,
                "distributedBackend": dist.backend,
            }
            experiment = {"data": exp["data"], "model": {"id": exp["model"]["id"], "options": options}, "train": train}
            write_run_zip(
                args.out,
                experiment,
                data.schema,
                model_weights(model),
                result.metrics(),
                environment,
                f"moe-playground {app_version()} (PyTorch {torch.__version__}, {dist.world} process{'es' if dist.world > 1 else ''})",
            )
            summary["out"] = args.out
        if result.failure is not None:
            summary["failure"] = result.failure
        log(summary)
        dist.barrier()
        if result.reason == "diverged":
            # The zip holds the best epoch's results, but the run did not end as asked: a script must see it failed.
            raise TrainingError(f"the run diverged: {result.failure}")
        return 0
    except (DataError, ExperimentError, TrainingError) as e:
        where = {k: getattr(e, k) for k in ("column", "row") if getattr(e, k, None) is not None}
        print(json.dumps({"event": "error", "rank": dist.rank, "message": str(e), **where}, ensure_ascii=False), file=sys.stderr, flush=True)
        return 1
    finally:
        dist.close()


if __name__ == "__main__":
    sys.exit(main())
