"""
The process group torchrun sets up (RANK, WORLD_SIZE, LOCAL_RANK in the environment): gloo on CPU, NCCL on GPUs,
one or many machines. Without torchrun everything here is the single-process identity.
"""
from __future__ import annotations

import datetime
import os
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.distributed as torch_dist


class Dist:
    def __init__(self, rank: int = 0, world: int = 1, local_rank: int = 0, device: Optional[torch.device] = None, backend: Optional[str] = None):
        self.rank = rank
        self.world = world
        self.local_rank = local_rank
        self.device = device or torch.device("cpu")
        self.backend = backend

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @staticmethod
    def from_env(device: str = "auto", timeout_minutes: float = 120) -> "Dist":
        """Joins torchrun's process group when launched by it; NCCL when the processes run on GPUs, else gloo."""
        use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
        if device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda: PyTorch sees no CUDA device here")
        if "RANK" not in os.environ:
            return Dist(device=torch.device("cuda", 0) if use_cuda else torch.device("cpu"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        backend = "nccl" if use_cuda else "gloo"
        if use_cuda:
            torch.cuda.set_device(local_rank)
        # Long enough for the first process of each machine to encode a large file while the others wait.
        torch_dist.init_process_group(backend, timeout=datetime.timedelta(minutes=timeout_minutes))
        return Dist(
            torch_dist.get_rank(),
            torch_dist.get_world_size(),
            local_rank,
            torch.device("cuda", local_rank) if use_cuda else torch.device("cpu"),
            backend,
        )

    def share(self, n: int) -> slice:
        """This process's contiguous share of n rows."""
        per = -(-n // self.world)
        return slice(min(n, self.rank * per), min(n, (self.rank + 1) * per))

    def gather_rows(self, local: np.ndarray, n: int) -> np.ndarray:
        """Every process's share of rows, in rank order: the n rows of `share` put back together."""
        if self.world == 1:
            return local
        parts: List[np.ndarray] = [None] * self.world  # type: ignore[list-item]
        torch_dist.all_gather_object(parts, local)
        width = max(p.shape[1] for p in parts if p.ndim == 2)
        out = np.concatenate([p if p.size else np.zeros((0, width), p.dtype) for p in parts])
        assert out.shape[0] == n, f"gathered {out.shape[0]} rows of {n}"
        return out

    def agree_names(self, names: Sequence[str]) -> List[str]:
        """The union of names over processes, in order of first appearance (a process with no rows has none)."""
        if self.world == 1:
            return list(names)
        parts: List[List[str]] = [None] * self.world  # type: ignore[list-item]
        torch_dist.all_gather_object(parts, list(names))
        return list(dict.fromkeys(n for p in parts for n in p))

    def sum_floats(self, values: Sequence[float]) -> List[float]:
        if self.world == 1:
            return list(values)
        t = torch.tensor(list(values), dtype=torch.float64, device=self.device)
        torch_dist.all_reduce(t)
        return t.tolist()

    def all_reduce_mean(self, tensors: Sequence[torch.Tensor]) -> None:
        """Averages tensors in place over processes (the architecture gradients)."""
        if self.world == 1:
            return
        for t in tensors:
            torch_dist.all_reduce(t)
            t.div_(self.world)

    def broadcast_tensors(self, tensors: Sequence[torch.Tensor]) -> None:
        """Rank 0's values, in place, on every process."""
        if self.world == 1:
            return
        for t in tensors:
            torch_dist.broadcast(t, 0)

    def barrier(self) -> None:
        if self.world > 1:
            torch_dist.barrier()

    def close(self) -> None:
        if self.world > 1 and torch_dist.is_initialized():
            torch_dist.destroy_process_group()
