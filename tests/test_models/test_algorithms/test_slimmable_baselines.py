"""US3L Table 2's per-width baselines: SimCLR and SimSiam at every sampled
width (their loss at one width equals mmpretrain's own algorithm on the same
weights), and every CIFAR-100 baseline config (S-Net and US-Net versions of
SimCLR, SimSiam, BYOL, MoCov2) trains two iterations on the tiny CIFAR-100
with the Runner."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.models.selfsup import SimCLR, SimSiam

from slimmm.models.algorithms import SlimmableSimCLR, SlimmableSimSiam
from slimmm.models.ops import set_width

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
BACKBONE = dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                stem_channels=16, base_channels=16, stage_blocks=(1, 1, 1, 1),
                widths=[1.0, 0.5])
NECK = dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
            hid_channels=32, out_channels=16, with_bn=True)
HEADS = {
    SlimmableSimCLR: (SimCLR, dict(
        type='mmpretrain.ContrastiveHead',
        loss=dict(type='mmpretrain.CrossEntropyLoss'), temperature=0.5)),
    SlimmableSimSiam: (SimSiam, dict(
        type='mmpretrain.LatentPredictHead',
        loss=dict(type='mmpretrain.CosineSimilarityLoss'),
        predictor=dict(type='mmpretrain.NonLinearNeck', in_channels=16,
                       hid_channels=8, out_channels=16, with_avg_pool=False,
                       with_last_bn=False, with_last_bias=True))),
}


@pytest.mark.parametrize('algorithm', sorted(HEADS, key=str))
def test_each_width_pays_mmpretrains_loss(algorithm):
    """The slimmable algorithm's loss is the sum over widths of the stock
    mmpretrain algorithm's loss on the network of that width."""
    stock_type, head = HEADS[algorithm]
    torch.manual_seed(0)
    model = algorithm(backbone=BACKBONE, neck=NECK, head=head).train()
    views = [torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32)]
    losses = model.loss(views, None)
    assert losses['n_subnets'] == 2
    total = 0.0
    for width in (1.0, 0.5):
        static = copy.deepcopy(model)
        set_width(static, width)
        # mmpretrain's algorithm, its modules replaced by the width's
        stock = stock_type(backbone=dict(type='mmpretrain.ResNet', depth=18),
                           neck=dict(type='mmpretrain.GlobalAveragePooling'),
                           head=copy.deepcopy(head))
        stock.backbone, stock.neck, stock.head = (static.backbone,
                                                  static.neck, static.head)
        total = total + stock.loss(views, None)['loss']
    torch.testing.assert_close(losses['loss'], total)


# The US-Net recipes, US3L's ViT one and one S-Net recipe (the S-Net
# versions differ from the US-Net ones only in the width list and sampler).
CIFAR_RECIPES = sorted(
    glob.glob(osp.join(REPO, 'configs', 'baselines', 'us-*_cifar10*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'baselines', 's-simclr_*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'us3l', '*vit*_cifar10.py')))


@pytest.mark.parametrize('path', CIFAR_RECIPES, ids=osp.basename)
def test_cifar_baseline_trains(path, tmp_path):
    """Two iterations of each real CIFAR baseline recipe (and US3L's ViT
    one), on a smaller network of the same kind, reading the tiny files of
    its dataset (CIFAR-100 or CIFAR-10)."""
    cfg = Config.fromfile(path)
    if 'ViT' in cfg.model.backbone.type:
        cfg.model.backbone.arch = dict(embed_dims=64, num_layers=2,
                                       num_heads=2)
    else:
        cfg.model.backbone.update(stem_channels=16, base_channels=16,
                                  stage_blocks=(1, 1, 1, 1))
    cfg.train_dataloader.update(batch_size=4, num_workers=0,
                                persistent_workers=False)
    dataset = 'TinyCIFAR10' if path.endswith('_cifar10.py') else \
        'TinyCIFAR100'
    cfg.train_dataloader.dataset.update(
        type=f'slimmm.{dataset}', data_root=str(tmp_path / 'data'),
        indices=8)
    cfg.update(work_dir=str(tmp_path / 'work'), log_level='WARNING',
               train_cfg=dict(cfg.train_cfg, max_epochs=1))
    cfg.default_hooks.update(checkpoint=None,
                             logger=dict(type='LoggerHook', interval=1))
    cfg.visualizer.name = osp.basename(path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    logged = runner.message_hub.log_scalars
    assert runner.iter == 2
    assert torch.isfinite(torch.tensor(logged['train/loss'].current()))
    # US3L's dynamic sampling: the second of two iterations is past the
    # first quarter (largest + smallest + one random width).
    assert logged['train/n_subnets'].current() == (
        3 if 'us3l' in osp.basename(path) else 4)
