"""Loss functions of the self-supervised algorithms (pure, unit-tested)."""
from .slimclr import (SUBNET_TERMS, SlimCLRTargets, check_slimclr_objective,
                      contrastive_logits, info_nce, online_distillation,
                      slimclr_loss_weights, slimclr_term, slimclr_total_loss)

__all__ = [
    'SUBNET_TERMS', 'SlimCLRTargets', 'check_slimclr_objective',
    'contrastive_logits', 'info_nce', 'online_distillation',
    'slimclr_loss_weights', 'slimclr_term', 'slimclr_total_loss'
]
