"""SyncBN where it cannot run: multi-process CPU (gloo) launches.

The detection recipes use SyncBN, as the papers do (statistics over the
whole multi-GPU batch). Two cases have no synchronisation to do:

* a single process: mmengine's Runner itself reverts SyncBN to BN and logs
  "Distributed training is not used, all SyncBatchNorm (SyncBN) layers in
  the model will be automatically reverted to BatchNormXd layers";
* several CPU processes (``tools/dist_train.sh`` on a machine without GPUs,
  as the project's distributed smoke test): torch's ``SyncBatchNorm``
  raises in training ("expected input tensor to be on GPU"), so here SyncBN
  becomes per-process BN, with a logged warning, before anything is built.
"""
import os
from typing import Any

import torch
from mmengine.config import Config
from mmengine.logging import print_log

_SYNC_TYPES = ('SyncBN', 'MMSyncBN', 'TorchSyncBN')


def _replace_sync_bn(node: Any) -> int:
    count = 0
    if isinstance(node, dict):
        if node.get('type') in _SYNC_TYPES:
            node['type'] = 'BN'
            count += 1
        for value in node.values():
            count += _replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count += _replace_sync_bn(value)
    return count


def fallback_sync_bn_without_gpu(cfg: Config) -> int:
    """Turn SyncBN into BN in ``cfg`` when this is one of several processes
    (``WORLD_SIZE > 1``) and no GPU is available.

    Returns:
        int: Number of norm configs changed (0 when nothing had to change).
    """
    world_size = int(os.environ.get('WORLD_SIZE', '1'))
    if world_size <= 1 or torch.cuda.is_available():
        return 0
    count = _replace_sync_bn(cfg._cfg_dict) if isinstance(
        cfg, Config) else _replace_sync_bn(cfg)
    if cfg.get('sync_bn') is not None:
        cfg.sync_bn = None
        count += 1
    if count:
        print_log(
            f'SyncBN -> BN in {count} norm configs: {world_size} processes '
            'without a GPU (torch SyncBatchNorm synchronises CUDA tensors '
            'only). Each process normalises its own batch; on GPUs the '
            'config runs unchanged with SyncBN.',
            logger='current', level=30)
    return count
