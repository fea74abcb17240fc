"""Loss functions of the self-supervised algorithms (pure, unit-tested)."""
from .slimclr import (contrastive_logits, info_nce, online_distillation,
                      slimclr_loss_weights, slimclr_summand,
                      slimclr_total_loss)

__all__ = [
    'contrastive_logits', 'info_nce', 'online_distillation',
    'slimclr_loss_weights', 'slimclr_summand', 'slimclr_total_loss'
]
