"""Model options and training defaults, read from catalog.json (written from the engine by npm run python:catalog)."""
from __future__ import annotations

import copy
import json
import math
import os
from typing import Dict, List

from .errors import ExperimentError

with open(os.path.join(os.path.dirname(__file__), "catalog.json"), encoding="utf-8") as _f:
    _CATALOG = json.load(_f)

DEFAULT_TRAIN: Dict[str, float] = _CATALOG["train"]
MODELS: Dict[str, dict] = _CATALOG["models"]


def model_info(model_id: str) -> dict:
    if model_id not in MODELS:
        raise ExperimentError(f'unknown model "{model_id}" (known: {", ".join(MODELS)})')
    return MODELS[model_id]


def default_options(model_id: str) -> dict:
    return {o["key"]: copy.deepcopy(o["default"]) for o in model_info(model_id)["options"]}


def _is_int(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer()


def option_errors(model_id: str, options: dict) -> List[str]:
    """One message per problem, each naming the option (optionErrors)."""
    info = model_info(model_id)
    specs = info["options"]
    keys = [s["key"] for s in specs]
    errors = [
        f'{info["name"]}: unknown option "{k}" (options: {", ".join(keys)})' for k in options if k not in keys
    ]
    for spec in specs:
        if spec["key"] not in options:
            continue
        v = options[spec["key"]]
        where = f'{info["name"]} option "{spec["key"]}"'
        kind = spec["kind"]
        if kind in ("int", "number"):
            number = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            if not number or (kind == "int" and not _is_int(v)):
                errors.append(f"{where} must be {'an integer' if kind == 'int' else 'a number'}")
            elif v < spec["min"] or v > spec["max"]:
                errors.append(f"{where} must be between {spec['min']} and {spec['max']}")
        elif kind == "choice":
            choices = [c["value"] for c in spec["choices"]]
            if v not in choices:
                errors.append(f"{where} must be one of {', '.join(choices)}")
        elif kind == "bool":
            if not isinstance(v, bool):
                errors.append(f"{where} must be true or false")
        elif kind == "intList":
            if not isinstance(v, list) or any(not _is_int(x) or x < spec["min"] or x > spec["max"] for x in v):
                errors.append(f"{where} must be a list of integers between {spec['min']} and {spec['max']}")
            elif len(v) < spec["minLength"]:
                errors.append(f"{where} needs at least {spec['minLength']} entr{'y' if spec['minLength'] == 1 else 'ies'}")
    return errors


def resolve_options(model_id: str, options: dict) -> dict:
    """Defaults filled in and every value checked; raises with all problems at once."""
    errors = option_errors(model_id, options)
    if errors:
        raise ExperimentError("; ".join(errors))
    return {**default_options(model_id), **copy.deepcopy(options)}
