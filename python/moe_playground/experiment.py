"""
The experiment JSON the page shares and the bench reads (src/engine/experiment.ts): one run, or a plan of model
configurations × seeds. Unknown keys are an error that names them, as on the page.
"""
from __future__ import annotations

import copy
import math
import re
from typing import Dict, List, Optional

from .catalog import DEFAULT_TRAIN
from .data.encode import MAX_HASH_BUCKETS
from .errors import ExperimentError

DATA_KEYS = ("dataset", "path", "domain", "tasks", "numeric", "categorical", "ignore", "split", "splitRatios", "splitSeed", "domainGroups", "hashed", "sha256", "domainNames")
DOMAIN_GROUP_KEYS = ("bins", "minRows", "other")
HASHED_KEYS = ("column", "buckets")
TASK_KEYS = ("name", "column", "rule")
MODEL_KEYS = ("id", "options")
TOP_KEYS = ("data", "model", "models", "train", "seeds")
PLANNED_MODEL_KEYS = ("name", "id", "options", "train")
TRAIN_KEYS = tuple(DEFAULT_TRAIN)
# The training settings the twins implement. A setting the engine adds later is refused unless at its default.
TWIN_TRAIN_KEYS = (
    "epochs",
    "batchSize",
    "learningRate",
    "seed",
    "embeddingDim",
    "embeddingInit",
    "embeddingInitScale",
    "domainInput",
    "patience",
    "evalEvery",
    "liveEvalRows",
    "maxSteps",
)
INTEGER_KEYS = ("epochs", "batchSize", "seed", "embeddingDim", "patience", "evalEvery", "liveEvalRows", "maxSteps")
EMBEDDING_INITS = ("normal", "uniform")


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: object) -> bool:
    return _is_number(v) and float(v).is_integer()


def _check_keys(where: str, obj: dict, allowed) -> None:
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        names = ", ".join(f'"{k}"' for k in unknown)
        raise ExperimentError(f"{where}: unknown key{s} {names} (allowed: {', '.join(allowed)})")


def _string_list(where: str, v: object) -> Optional[List[str]]:
    if v is None:
        return None
    if not isinstance(v, list) or any(not isinstance(s, str) for s in v):
        raise ExperimentError(f"{where} must be a list of column names")
    return list(v)


def _parse_task(i: int, v: object) -> dict:
    if not isinstance(v, dict):
        raise ExperimentError(f"data.tasks[{i}] must be an object")
    _check_keys(f"data.tasks[{i}]", v, TASK_KEYS)
    column, rule, name = v.get("column"), v.get("rule"), v.get("name")
    if not isinstance(column, str) or column == "":
        raise ExperimentError(f"data.tasks[{i}].column must be a column name")
    if not isinstance(rule, str) or rule.strip() == "":
        raise ExperimentError(f'data.tasks[{i}].rule must be a rule such as "== 1"')
    return {"name": name if isinstance(name, str) and name != "" else column, "column": column, "rule": rule}


def _parse_domain_groups(v: object) -> dict:
    if not isinstance(v, dict):
        raise ExperimentError('data.domainGroups must be an object such as { "bins": [18, 25, 35] }')
    _check_keys("data.domainGroups", v, DOMAIN_GROUP_KEYS)
    out = {}
    if "bins" in v:
        b = v["bins"]
        ascending = isinstance(b, list) and len(b) > 0 and all(_is_number(x) and (i == 0 or x > b[i - 1]) for i, x in enumerate(b))
        if not ascending:
            raise ExperimentError("data.domainGroups.bins must be a list of ascending numbers, such as [18, 25, 35]")
        out["bins"] = b
    if "minRows" in v:
        if not _is_int(v["minRows"]) or v["minRows"] < 1:
            raise ExperimentError("data.domainGroups.minRows must be a whole number ≥ 1")
        out["minRows"] = int(v["minRows"])
    if "other" in v:
        if not isinstance(v["other"], str) or v["other"].strip() == "":
            raise ExperimentError("data.domainGroups.other must be the name of the merged domain")
        out["other"] = v["other"]
    return out


def _parse_hashed(v: object, roles: Dict[str, str]) -> List[dict]:
    if not isinstance(v, list):
        raise ExperimentError('data.hashed must be a list such as [{ "column": "user_id", "buckets": 100000 }]')
    seen = set()
    out = []
    for i, h in enumerate(v):
        where = f"data.hashed[{i}]"
        if not isinstance(h, dict):
            raise ExperimentError(f'{where} must be an object with "column" and "buckets"')
        _check_keys(where, h, HASHED_KEYS)
        column, buckets = h.get("column"), h.get("buckets")
        if not isinstance(column, str) or column == "":
            raise ExperimentError(f"{where}.column must be a column name")
        if not _is_int(buckets) or buckets < 1 or buckets > MAX_HASH_BUCKETS:
            raise ExperimentError(f"{where}.buckets must be a whole number from 1 to {MAX_HASH_BUCKETS}")
        if column in roles:
            raise ExperimentError(f'{where}: column "{column}" is also {roles[column]}; a hashed column has no other role')
        if column in seen:
            raise ExperimentError(f'{where}: column "{column}" is hashed twice')
        seen.add(column)
        out.append({"column": column, "buckets": int(buckets)})
    return out


def parse_data_mapping(v: object) -> dict:
    if not isinstance(v, dict):
        raise ExperimentError("data must be an object")
    _check_keys("data", v, DATA_KEYS)
    if not isinstance(v.get("domain"), str) or v["domain"] == "":
        raise ExperimentError("data.domain must name the domain column")
    if not isinstance(v.get("tasks"), list) or not v["tasks"]:
        raise ExperimentError("data.tasks must list at least one task")
    tasks = [_parse_task(i, t) for i, t in enumerate(v["tasks"])]
    names = set()
    for t in tasks:
        if t["name"] in names:
            raise ExperimentError(f'data.tasks: the task name "{t["name"]}" is used twice')
        names.add(t["name"])
    out: dict = {"domain": v["domain"], "tasks": tasks}
    for key, what in (("dataset", "a bundled dataset id"), ("path", "a file path")):
        if key in v:
            if not isinstance(v[key], str):
                raise ExperimentError(f"data.{key} must be {what}")
            out[key] = v[key]
    for key in ("numeric", "categorical", "ignore"):
        lst = _string_list(f"data.{key}", v.get(key))
        if lst is not None:
            out[key] = lst
    if "split" in v:
        if not isinstance(v["split"], str):
            raise ExperimentError("data.split must name the split column")
        out["split"] = v["split"]
    if "splitRatios" in v:
        r = v["splitRatios"]
        if not isinstance(r, list) or len(r) != 3 or any(not _is_number(x) or not x >= 0 for x in r) or not sum(r) > 0:
            raise ExperimentError("data.splitRatios must be three non-negative numbers (train, valid, test)")
        out["splitRatios"] = r
    if "splitSeed" in v:
        if not _is_int(v["splitSeed"]):
            raise ExperimentError("data.splitSeed must be an integer")
        out["splitSeed"] = int(v["splitSeed"])
    if "domainGroups" in v:
        out["domainGroups"] = _parse_domain_groups(v["domainGroups"])
    if "hashed" in v:
        roles = {out["domain"]: "the domain (data.domain)"}
        for i, t in enumerate(tasks):
            roles[t["column"]] = f"a task source (data.tasks[{i}])"
        for key in ("numeric", "categorical", "ignore"):
            for c in out.get(key, []):
                roles[c] = f"listed in data.{key}"
        if "split" in out:
            roles[out["split"]] = "the split column (data.split)"
        out["hashed"] = _parse_hashed(v["hashed"], roles)
    if "sha256" in v:
        if not isinstance(v["sha256"], str) or not re.fullmatch(r"[0-9a-fA-F]{64}", v["sha256"]):
            raise ExperimentError("data.sha256 must be the 64 hex digits of a SHA-256")
        out["sha256"] = v["sha256"].lower()
    if "domainNames" in v:
        # Display names of domain values (the page's); carried, never used by the encoding.
        names = v["domainNames"]
        if not isinstance(names, dict):
            raise ExperimentError('data.domainNames must be an object such as { "0": "Female", "1": "Male" }')
        for value, name in names.items():
            if not isinstance(name, str) or name.strip() == "":
                raise ExperimentError(f'data.domainNames["{value}"] must be a non-empty name')
        out["domainNames"] = dict(names)
    return out


def _train_values(where: str, v: object, allowed) -> dict:
    if not isinstance(v, dict):
        raise ExperimentError(f"{where} must be an object")
    _check_keys(where, v, allowed)
    out = {}
    for k in allowed:
        if k not in v:
            continue
        x = v[k]
        if k == "embeddingInit":
            if x not in EMBEDDING_INITS:
                raise ExperimentError(f"{where}.embeddingInit must be one of {', '.join(EMBEDDING_INITS)}")
        elif k == "domainInput":
            if not isinstance(x, bool):
                raise ExperimentError(f"{where}.domainInput must be true or false")
        elif not _is_number(x):
            raise ExperimentError(f"{where}.{k} must be a number")
        elif k in INTEGER_KEYS and not _is_int(x):
            raise ExperimentError(f"{where}.{k} must be an integer")
        out[k] = int(x) if k in INTEGER_KEYS else x
    return out


# The engine's TRAIN_LIMITS (src/engine/experiment.ts): what one run may use.
TRAIN_LIMITS = {"epochs": 10_000, "batchSize": 1 << 20, "embeddingDim": 1024, "patience": 10_000, "liveEvalRows": 1 << 24, "embeddingInitScale": 10}


def _check_train_ranges(where: str, c: dict) -> None:
    if c["epochs"] < 1:
        raise ExperimentError(f"{where}.epochs must be at least 1")
    if c["batchSize"] < 1:
        raise ExperimentError(f"{where}.batchSize must be at least 1")
    if not c["learningRate"] > 0:
        raise ExperimentError(f"{where}.learningRate must be positive")
    if c["embeddingDim"] < 1:
        raise ExperimentError(f"{where}.embeddingDim must be at least 1")
    if not c["embeddingInitScale"] > 0:
        raise ExperimentError(f"{where}.embeddingInitScale must be positive")
    if c["patience"] < 0 or c["evalEvery"] < 0 or c["maxSteps"] < 0 or c["liveEvalRows"] < 1:
        raise ExperimentError(f"{where}.patience, evalEvery and maxSteps must be ≥ 0 and liveEvalRows ≥ 1")
    for key, limit in TRAIN_LIMITS.items():
        if c[key] > limit:
            raise ExperimentError(f"{where}.{key} is {c[key]}, more than the {limit} a run may use")


def parse_train_config(v: object) -> dict:
    out = {**DEFAULT_TRAIN, **({} if v is None else _train_values("train", v, TRAIN_KEYS))}
    _check_train_ranges("train", out)
    return out


def check_twin_train(train: dict) -> None:
    """Refuses a training setting the twins do not implement (set away from its default), instead of ignoring it."""
    unknown = [k for k in train if k not in TWIN_TRAIN_KEYS and train[k] != DEFAULT_TRAIN.get(k)]
    if unknown:
        raise ExperimentError(f"the PyTorch twins do not implement train.{', train.'.join(unknown)} yet")


def _id_and_options(where: str, v: dict) -> dict:
    if not isinstance(v.get("id"), str) or v["id"] == "":
        raise ExperimentError(f"{where}.id must be a model id")
    options = v.get("options", {})
    if not isinstance(options, dict):
        raise ExperimentError(f"{where}.options must be an object")
    return {"id": v["id"], "options": options}


def _parse_models(v: dict, base: dict) -> List[dict]:
    if "model" in v and "models" in v:
        raise ExperimentError('experiment: give either "model" (one configuration) or "models" (a list to compare), not both')
    if "models" not in v:
        if not isinstance(v.get("model"), dict):
            raise ExperimentError('model must be an object with an "id"')
        _check_keys("model", v["model"], MODEL_KEYS)
        m = _id_and_options("model", v["model"])
        return [{"name": m["id"], **m, "train": {}}]
    if not isinstance(v["models"], list) or not v["models"]:
        raise ExperimentError("models must list at least one model configuration")
    entries = []
    for i, m in enumerate(v["models"]):
        where = f"models[{i}]"
        if not isinstance(m, dict):
            raise ExperimentError(f'{where} must be an object with an "id"')
        _check_keys(where, m, PLANNED_MODEL_KEYS)
        if "name" in m and (not isinstance(m["name"], str) or m["name"] == ""):
            raise ExperimentError(f"{where}.name must be a non-empty text")
        if isinstance(m.get("train"), dict) and "seed" in m["train"]:
            raise ExperimentError(f'{where}.train.seed: a plan sets the seeds of every configuration with "seeds"')
        train = _train_values(f"{where}.train", m["train"], [k for k in TRAIN_KEYS if k != "seed"]) if "train" in m else {}
        _check_train_ranges(f"{where}.train", {**base, **train})
        entries.append({"name": m.get("name"), **_id_and_options(where, m), "train": train})
    explicit: Dict[str, int] = {}
    for i, e in enumerate(entries):
        if e["name"] is None:
            continue
        if e["name"] in explicit:
            raise ExperimentError(f'models: the name "{e["name"]}" is used twice (models[{explicit[e["name"]]}] and models[{i}])')
        explicit[e["name"]] = i
    taken = set(explicit)
    for e in entries:
        if e["name"] is None:
            name, k = e["id"], 2
            while name in taken:
                name, k = f'{e["id"]}-{k}', k + 1
            taken.add(name)
            e["name"] = name
    return entries


def parse_plan(v: object) -> dict:
    """A plan (or a single-run experiment), validated; model options are checked when the model is built."""
    if not isinstance(v, dict):
        raise ExperimentError("an experiment must be a JSON object")
    _check_keys("experiment", v, TOP_KEYS)
    data = parse_data_mapping(v.get("data"))
    train = parse_train_config(v.get("train"))
    models = _parse_models(v, train)
    if "seeds" in v:
        seeds = v["seeds"]
        if not isinstance(seeds, list) or not seeds or any(not _is_int(s) for s in seeds):
            raise ExperimentError("seeds must be a non-empty list of integers")
        if len(set(seeds)) != len(seeds):
            raise ExperimentError(f"seeds: {next(s for s in seeds if seeds.count(s) > 1)} is listed twice")
        seeds = [int(s) for s in seeds]
    else:
        seeds = [train["seed"]]
    return {"data": data, "models": models, "train": train, "seeds": seeds}


def expand_plan(plan: dict) -> List[dict]:
    """Every run of a plan, configuration by configuration, each once per seed."""
    return [
        {
            "name": m["name"],
            "seed": seed,
            "experiment": {
                "data": copy.deepcopy(plan["data"]),
                "model": {"id": m["id"], "options": copy.deepcopy(m["options"])},
                "train": {**plan["train"], **m["train"], "seed": seed},
            },
        }
        for m in plan["models"]
        for seed in plan["seeds"]
    ]


def select_run(v: object, config: Optional[str] = None, seed: Optional[int] = None) -> dict:
    """The one run of an experiment; in a plan, the run of configuration `config` and `seed`."""
    runs = expand_plan(parse_plan(v))
    names = sorted({r["name"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})
    chosen = [r for r in runs if (config is None or r["name"] == config) and (seed is None or r["seed"] == seed)]
    if config is not None and config not in names:
        raise ExperimentError(f'--config "{config}" is not a configuration of this plan (it has {", ".join(names)})')
    if seed is not None and seed not in seeds:
        raise ExperimentError(f"--seed {seed} is not a seed of this plan (it has {', '.join(map(str, seeds))})")
    if len(chosen) != 1:
        raise ExperimentError(
            f"this is a plan of {len(runs)} runs ({len(names)} model configurations × {len(seeds)} seeds): choose one "
            f"with --config ({', '.join(names)}) and --seed ({', '.join(map(str, seeds))})"
        )
    return chosen[0]
