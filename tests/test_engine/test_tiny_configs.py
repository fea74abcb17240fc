"""Every tiny SlimCLR / baseline config trains through the Runner and its
loss goes down.

To fit the test budget on two CPU cores the runs are shortened (32 images,
8 iterations of the same images under fresh augmentations) and use a small
slimmable ResNet-18 (one block per stage, 16 base channels); algorithm,
optimizer, schedule shape, widths and pipeline are the config's."""
import glob
import json
import os.path as osp

import pytest
from mmengine.runner import Runner

from slimmm.apis import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'slimclr-mocov2': 'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py',
    'slimclr-mocov3': 'configs/slimclr/slimclr-mocov3_slimmable-r18_1xb32-tiny.py',
    'vanilla': 'configs/baselines/vanilla-slimmable-mocov2_slimmable-r18_1xb32-tiny.py',
    'single-width': 'configs/baselines/mocov2_r18-w0.5_1xb32-tiny.py',
}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_tiny_config_loss_decreases(name, tiny_imagenet, tmp_path):
    cfg = load_config(osp.join(REPO, CONFIGS[name]))
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = f'tiny-{name}'
    cfg.train_dataloader.dataset.data_root = tiny_imagenet['root']
    cfg.train_dataloader.dataset.indices = 32
    cfg.model.backbone.update(stage_blocks=(1, 1, 1, 1), stem_channels=16,
                              base_channels=16)
    cfg.train_cfg.max_epochs = 8
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=8)
    cfg.log_processor = dict(window_size=1)
    cfg.randomness = dict(seed=0, deterministic=True)
    Runner.from_cfg(cfg).train()
    path, = glob.glob(osp.join(str(tmp_path), '*', 'vis_data',
                               'scalars.json'))
    with open(path) as f:
        logs = [json.loads(line) for line in f if 'loss' in line]
    assert len(logs) == 8
    # The full network's own InfoNCE (logged in every phase). MoCov2's first
    # step is against a random queue (easy), so start after it filled.
    full = [r.get('w1_infonce', r.get('w0.5_infonce')) for r in logs]
    start = max(full[:3])
    assert sum(full[-3:]) / 3 < start, full
