"""Two gloo processes on loopback through tools/dist_train.sh: a tiny
Mask R-CNN with SyncBN in its config trains on CPU (SyncBN reduced over
gloo by slimmm.CPUSyncBN), both ranks finish and one checkpoint is
written."""
import glob
import os
import os.path as osp
import subprocess

import torch
from det_helpers import REPO, TINY_COCO

from slimmm.apis.transfer import width_configs


def test_dist_train_two_gloo_processes(r18_checkpoint, small_coco, tmp_path,
                                       free_port):
    if torch.cuda.is_available():
        import pytest
        pytest.skip('checks the CPU (gloo) path')
    cfg = width_configs(
        TINY_COCO, r18_checkpoint, [0.25], data_root=small_coco['root'],
        cfg_options={'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                     'default_hooks.checkpoint.interval': 2,
                     'default_hooks.logger.interval': 1,
                     'train_dataloader.batch_size': 2})[0]
    assert cfg.model.backbone.norm_cfg['type'] == 'SyncBN'
    config = str(tmp_path / 'tiny_dist.py')
    cfg.dump(config)
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PORT=str(free_port), OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), config, '2',
         '--work-dir', str(work_dir)],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    for rank in (0, 1):  # each rank joined the process group ...
        assert f'rank {rank}/2 joined a gloo process group' in log
    # ... and ran SyncBN as slimmm.CPUSyncBN (torch's is CUDA-only).
    assert log.count('SyncBN -> slimmm.CPUSyncBN') == 2
    assert 'Iter(train) [2/2]' in log and 'coco/segm_mAP' in log
    # Rank 0 alone writes: one checkpoint, one run directory.
    assert sorted(osp.basename(p) for p in glob.glob(
        str(work_dir / '*.pth'))) == ['iter_2.pth']
    assert len([d for d in os.listdir(work_dir)
                if osp.isdir(work_dir / d)]) == 1
    state = torch.load(work_dir / 'iter_2.pth', weights_only=True,
                       map_location='cpu')['state_dict']
    assert state['backbone.conv1.weight'].shape[0] == 16  # width 0.25
