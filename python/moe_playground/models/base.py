"""What every twin model is (src/engine/models/types.ts Model): named parameters, a forward pass, optional hooks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from torch import Tensor, nn

from ..rng import Rng
from .layers import Batch, DataShape, Output, Params


@dataclass
class BuildContext:
    """Everything a model is built from (src/engine/models/types.ts BuildContext)."""

    shape: DataShape
    embedding_dim: int
    rng: Rng
    # How every embedding table starts (train.embeddingInit, train.embeddingInitScale): 'normal' N(0, scale²), 'uniform' U(−scale, scale).
    embedding_init: str
    embedding_init_scale: float
    # The domain id as one more embedded input field of every model (train.domainInput).
    domain_input: bool


def build_context(shape: DataShape, train: dict, rng: Rng) -> BuildContext:
    """The build context of a run: its data shape, the input settings of its train block and its generator (buildContext)."""
    return BuildContext(
        shape,
        int(train["embeddingDim"]),
        rng,
        train["embeddingInit"],
        float(train["embeddingInitScale"]),
        bool(train["domainInput"]),
    )


@dataclass
class Architecture:
    """
    Parameters searched rather than trained (M3oE's structure weights): the main optimizer never sees them (unless
    `also_trained_with_weights`); their own Adam steps on a batch of `split` every `every_steps` steps.
    """

    params: List[str]
    learning_rate: float
    every_steps: int
    split: str
    also_trained_with_weights: bool = False


class TwinModel(nn.Module):
    """A model built from (options, context); `p` holds its parameters under the engine's export names."""

    architecture: Optional[Architecture] = None
    # The registry options this twin implements: an option the engine has and the twin lacks is refused, not ignored.
    OPTIONS: Tuple[str, ...] = ()

    def __init__(self, ctx: BuildContext) -> None:
        super().__init__()
        self.shape = ctx.shape
        self.p = Params(self, ctx.rng)

    def forward(self, batch: Batch, mode: str) -> Output:  # noqa: D401 (nn.Module's name)
        raise NotImplementedError

    def task_loss(self, bce: Tensor, mask: Tensor, batch: Batch) -> Optional[Tensor]:
        """Combines per-sample BCE [B, T] into the task loss; None means the default Σ_t mean BCE_t."""
        return None

    def before_step(self, step: int, epoch: int, steps_per_epoch: int) -> Tuple[bool, bool]:
        """Called before each training step: (variables changed, forget the best epoch)."""
        return False, False

    def prepare_for(self, weight_names: Iterable[str]) -> None:
        """Creates the variables a trained model holds and a fresh one does not yet (MoME's second phase)."""

    def inspect(self) -> Optional[dict]:
        return None
