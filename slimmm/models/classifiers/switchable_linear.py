"""Per-width classifiers on a (frozen) slimmable backbone.

SlimCLR (Zhao et al., "Slimmable Networks for Contrastive Self-supervised
Learning", https://arxiv.org/abs/2209.15525), Sec. 3.3 "switchable linear
probe layer" and Appendix A: a single linear layer shared by all widths
cannot map every width's features to the classes at once, so each width gets
its own linear layer. All heads are trained jointly in one run: every
iteration runs the backbone at each evaluated width on the same batch and
sums the per-width losses. With online distillation (Sec. 4.1 "Linear
evaluation", tau_2 = 1.0) a sub-width's loss mixes cross-entropy with the
cross-entropy to the full width's (detached) softened prediction, the Eq. (7)
form ``(L_ce + L_p) / 2`` with Eq. (5) ``L_p = -p_{w1} log p_{wi}``.

The same model covers:

* the *slimmable* linear probe of SlimCLR Table 3a (``head='slimmable'``: one
  shared :class:`SlimmableLinear` whose input slice follows the width);
* DSPNet's probe (Appendix A.2: a BN layer before the linear classifier,
  ``with_bn=True``);
* semi-supervised fine-tuning (DSPNet Appendix A.3, ``frozen_backbone=False``;
  the backbone / head learning rates are set by the optimizer config);
* universally slimmable backbones (US3L): ``widths`` lists the widths to
  evaluate and :meth:`calibrate_bn` stores BN statistics per width (US-Nets
  BN calibration), swapped in whenever that width runs.
"""
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...registry import MODELS
from ..ops import (BATCH_NORM_TYPES, SlimmableLinear, calibrate_bn,
                   fixed_channels, using_width, width_key)


def soft_cross_entropy(logits: torch.Tensor, teacher_logits: torch.Tensor,
                       tau: float = 1.0) -> torch.Tensor:
    """SlimCLR Eq. (5): ``-p_teacher . log p_student`` at temperature tau.

    The teacher is detached (the full width guides the sub-widths, not the
    other way round) and the loss is scaled by ``tau**2`` so its gradient
    magnitude does not depend on the temperature (Hinton et al., 2015).
    """
    target = F.softmax(teacher_logits.detach() / tau, dim=1)
    log_prob = F.log_softmax(logits / tau, dim=1)
    return -(target * log_prob).sum(dim=1).mean() * tau**2


def switchable_probe_losses(logits: Dict[float, torch.Tensor],
                            labels: torch.Tensor,
                            distill: Optional[str] = None,
                            tau: float = 1.0) -> Dict[float, torch.Tensor]:
    """Loss of every width's classifier (summed by the caller).

    Args:
        logits (dict): Width -> logits; the largest width is the teacher.
        labels (Tensor): Class indices.
        distill (str, optional): None (cross-entropy only), ``'soft'``
            (sub-widths learn only from the full width's prediction) or
            ``'mixed'`` (SlimCLR Eq. (7) form: ``(CE + L_p) / 2``).
        tau (float): Distillation temperature tau_2.

    Returns:
        dict: Width -> scalar loss.
    """
    if distill not in (None, 'soft', 'mixed'):
        raise ValueError(f"distill must be None, 'soft' or 'mixed', got "
                         f'{distill!r}.')
    full = max(logits)
    losses = {}
    for width, out in logits.items():
        ce = F.cross_entropy(out, labels)
        if width == full or distill is None:
            losses[width] = ce
            continue
        kd = soft_cross_entropy(out, logits[full], tau)
        losses[width] = kd if distill == 'soft' else (ce + kd) / 2
    return losses


@MODELS.register_module()
class SwitchableLinearClassifier(BaseModel):
    """A classifier per width on a slimmable backbone (SlimCLR Sec. 3.3).

    Args:
        backbone (dict | nn.Module): Slimmable backbone config, e.g.
            ``dict(type='slimmm.SlimmableResNet', depth=18, widths=[...],
            init_cfg=dict(type='Pretrained', checkpoint=..., prefix=
            'backbone.'))``.
        num_classes (int): Number of classes.
        widths (Sequence[float], optional): Widths to evaluate, descending.
            Defaults to the backbone's widths (its one width when it is
            built static with ``width``, for fine-tuning); required for a
            universally slimmable backbone (any subset of its range).
        head (str): ``'switchable'`` (one linear layer per width, SlimCLR)
            or ``'slimmable'`` (one shared slimmable linear layer, the
            Table 3a ablation).
        with_bn (bool): BN (affine-free) on the features before the linear
            layer, one per width (DSPNet Appendix A.2).
        distill (str, optional): Online distillation from the full width,
            None / ``'soft'`` / ``'mixed'``; see
            :func:`switchable_probe_losses`.
        distill_tau (float): Distillation temperature tau_2.
        frozen_backbone (bool): Linear probe (backbone weights and BN
            statistics untouched) or fine-tuning (False).
        data_preprocessor (dict, optional): e.g. ``ClsDataPreprocessor``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 num_classes: int,
                 widths: Optional[Sequence[float]] = None,
                 head: str = 'switchable',
                 with_bn: bool = False,
                 distill: Optional[str] = None,
                 distill_tau: float = 1.0,
                 frozen_backbone: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = backbone if isinstance(backbone, nn.Module) else \
            MODELS.build(backbone)
        space = self.backbone.width_space
        if widths is None and getattr(self.backbone, 'is_static', False):
            # A network built at one width (fine-tuning that width): its
            # width is the one evaluated, so the width stays one override.
            widths = [self.backbone.fixed_width]
        if widths is None:
            if space.universal:
                raise ValueError(
                    'The backbone is universally slimmable '
                    f'({space}); list the widths to evaluate, e.g. '
                    'widths=[1.0, 0.75, 0.5, 0.25].')
            widths = space.widths
        widths = [space.check(w) for w in widths]
        if sorted(set(widths), reverse=True) != widths:
            raise ValueError(f'widths must be distinct and descending, got '
                             f'{widths}.')
        if head not in ('switchable', 'slimmable'):
            raise ValueError(f"head must be 'switchable' or 'slimmable', got "
                             f'{head!r}.')
        if distill not in (None, 'soft', 'mixed'):
            raise ValueError(f"distill must be None, 'soft' or 'mixed', got "
                             f'{distill!r}.')
        self.widths: List[float] = widths
        self.num_classes = num_classes
        self.head_type = head
        self.distill, self.distill_tau = distill, float(distill_tau)
        self.frozen_backbone = frozen_backbone

        channels = {w: self.backbone.feature_channels(w)[-1] for w in widths}
        self.norms = nn.ModuleDict({
            width_key(w): (nn.BatchNorm1d(c, affine=False)
                           if with_bn else nn.Identity())
            for w, c in channels.items()
        })
        if head == 'switchable':
            self.heads = nn.ModuleDict({
                width_key(w): nn.Linear(c, num_classes)
                for w, c in channels.items()
            })
        else:
            spec = self.backbone.stage_specs[self.backbone.out_indices[-1]]
            self.shared_head = SlimmableLinear(spec,
                                               fixed_channels(num_classes))
        # The evaluated widths travel with the checkpoint, so a probe trained
        # for other widths is refused by name (see _check_widths_on_load).
        self.register_buffer('probe_widths',
                             torch.tensor(widths, dtype=torch.float64))
        self._register_load_state_dict_pre_hook(self._check_widths_on_load)
        # Per-width BN statistics from calibrate_bn (not saved: recomputed
        # from training batches before each evaluation).
        self._bn_states: Dict[str, Dict[str, torch.Tensor]] = {}
        if frozen_backbone:
            self.backbone.requires_grad_(False)

    # ---- weights --------------------------------------------------------
    def init_weights(self) -> None:
        # Runs before the first training iteration (not for tools/test.py,
        # where the probe checkpoint already holds the backbone).
        init = self.backbone.init_cfg or {}
        if isinstance(init, dict) and init.get('type') == 'Pretrained' \
                and not init.get('checkpoint'):
            raise ValueError(
                'No pretrained backbone checkpoint given: pass '
                '--cfg-options model.backbone.init_cfg.checkpoint=PATH '
                '(a pretraining checkpoint with the slimmable backbone '
                'under "backbone.").')
        super().init_weights()  # the backbone loads its checkpoint here
        # MoCo / SimCLR linear protocol: N(0, 0.01) weights, zero bias.
        for m in self.linear_layers():
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)

    @property
    def width_keys(self) -> List[str]:
        return [width_key(w) for w in self.widths]

    def linear_layers(self) -> List[nn.Linear]:
        return (list(self.heads.values()) if self.head_type == 'switchable'
                else [self.shared_head])

    def _check_widths_on_load(self, state_dict, prefix, *args) -> None:
        saved = state_dict.get(prefix + 'probe_widths')
        if saved is None:
            return
        saved = [round(float(w), 6) for w in saved.tolist()]
        own = [round(w, 6) for w in self.widths]
        if saved != own:
            raise ValueError(
                f'This probe checkpoint was trained for widths {saved}, but '
                f'the config evaluates widths {own}. Set model.widths='
                f'{saved} (or retrain the probe for {own}).')

    # ---- modes ----------------------------------------------------------
    def train(self, mode: bool = True) -> 'SwitchableLinearClassifier':
        super().train(mode)
        if self.frozen_backbone:
            # Linear protocol: even BN statistics of the backbone stay as
            # pretrained, so the backbone always runs in eval mode.
            self.backbone.eval()
        return self

    # ---- BN calibration (universally slimmable backbones) ---------------
    def _bn_buffers(self) -> Dict[str, torch.Tensor]:
        return {
            f'{name}.{b}': buf
            for name, m in self.backbone.named_modules()
            if isinstance(m, BATCH_NORM_TYPES)
            for b, buf in m.named_buffers(recurse=False)
        }

    @torch.no_grad()
    def calibrate_bn(self, batches: Iterable, num_batches: int = 10) -> None:
        """Recompute BN statistics at each evaluated width (US-Nets) and
        keep them per width; the backbone's own buffers are left unchanged.

        Args:
            batches (Iterable): Training data batches (dicts of the data
                loader), preprocessed with augmentation switched off.
            num_batches (int): Batches averaged per width.
        """
        buffers = self._bn_buffers()
        original = {k: v.clone() for k, v in buffers.items()}
        norm_eval = getattr(self.backbone, 'norm_eval', False)
        self.backbone.norm_eval = False  # BN must run in train mode here

        def forward(model, batch):
            model(self.data_preprocessor(batch, False)['inputs'])

        try:
            for w in self.widths:
                calibrate_bn(self.backbone, batches, w, num_batches,
                             forward=forward)
                self._bn_states[width_key(w)] = {
                    k: v.clone() for k, v in buffers.items()}
                for k, v in buffers.items():
                    v.copy_(original[k])
        finally:
            self.backbone.norm_eval = norm_eval
            self.train(self.training)

    @contextmanager
    def _width_bn_state(self, width: float) -> Iterator[None]:
        state = self._bn_states.get(width_key(width))
        if state is None:
            yield
            return
        buffers = self._bn_buffers()
        saved = {k: v.clone() for k, v in buffers.items()}
        with torch.no_grad():
            for k, v in buffers.items():
                v.copy_(state[k])
        try:
            yield
        finally:
            with torch.no_grad():
                for k, v in buffers.items():
                    v.copy_(saved[k])

    # ---- forward --------------------------------------------------------
    def extract_feat(self, inputs: torch.Tensor,
                     width: float) -> torch.Tensor:
        """Globally pooled last-stage features of ``width``."""
        with using_width(self.backbone, width), self._width_bn_state(width):
            with torch.set_grad_enabled(torch.is_grad_enabled() and
                                        not self.frozen_backbone):
                feats = self.backbone(inputs)[-1]
        return F.adaptive_avg_pool2d(feats, 1).flatten(1)

    def head_logits(self, feats: torch.Tensor, width: float) -> torch.Tensor:
        feats = self.norms[width_key(width)](feats)
        if self.head_type == 'switchable':
            return self.heads[width_key(width)](feats)
        with using_width(self.shared_head, width):
            return self.shared_head(feats)

    def logits(self, inputs: torch.Tensor) -> Dict[float, torch.Tensor]:
        return {w: self.head_logits(self.extract_feat(inputs, w), w)
                for w in self.widths}

    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self.logits(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    @staticmethod
    def _labels(data_samples) -> torch.Tensor:
        return torch.cat([s.gt_label for s in data_samples])

    def loss(self, inputs: torch.Tensor, data_samples) -> Dict:
        labels = self._labels(data_samples).to(inputs.device)
        per_width = switchable_probe_losses(self.logits(inputs), labels,
                                            self.distill, self.distill_tau)
        return {f'loss_w{width_key(w)}': loss
                for w, loss in per_width.items()}

    def predict(self, inputs: torch.Tensor, data_samples=None) -> List:
        from mmpretrain.structures import DataSample
        logits = self.logits(inputs)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(inputs.size(0))]
        scores = {width_key(w): F.softmax(out, dim=1)
                  for w, out in logits.items()}
        full = width_key(self.widths[0])
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(scores[full][i])
            sample.set_pred_label(scores[full][i].argmax())
            sample.set_field({k: v[i] for k, v in scores.items()},
                             'width_scores')
        return data_samples
