"""Distributed runs on machines without GPUs (gloo on CPU), and SyncBN
there.

``tools/dist_train.sh`` on a CPU machine (the project's distributed smoke
test) needs three things mmengine 0.10.7 assumes a GPU for: opening the
process group (:func:`init_cpu_distributed`), a DDP wrapper without
``device_ids`` (:class:`CPUDistributedDataParallel`), and a SyncBN that
synchronises CPU tensors (:func:`fallback_sync_bn_without_gpu`).

The detection recipes use SyncBN, as the papers do (statistics over the
whole multi-GPU batch):

* a single process: nothing to synchronise; mmengine's Runner itself
  reverts SyncBN to BN and logs "Distributed training is not used, all
  SyncBatchNorm (SyncBN) layers in the model will be automatically reverted
  to BatchNormXd layers";
* several CPU processes (``tools/dist_train.sh`` on a machine without
  GPUs): torch's ``SyncBatchNorm`` raises in training ("expected input
  tensor to be on GPU"), so SyncBN becomes :class:`slimmm.CPUSyncBN
  <slimmm.models.ops.CPUSyncBatchNorm>`, which reduces the statistics over
  gloo, with a logged note, before anything is built.
"""
import os
from typing import Any

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS

from slimmm.models.ops.norm import TORCH_SYNC_BN_TYPES

CPU_SYNC_BN = 'slimmm.CPUSyncBN'


def _replace_sync_bn(node: Any) -> int:
    count = 0
    if isinstance(node, dict):
        if node.get('type') in TORCH_SYNC_BN_TYPES:
            node['type'] = CPU_SYNC_BN
            count += 1
        for value in node.values():
            count += _replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count += _replace_sync_bn(value)
    return count


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper, minus ``device_ids`` for a model on CPU.

    The Runner always passes ``device_ids=[LOCAL_RANK]``, which torch's DDP
    rejects for CPU modules; on GPUs this class behaves as its parent.
    """

    def __init__(self, module, device_ids=None, **kwargs):
        params = list(module.parameters())
        if params and params[0].device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def fallback_sync_bn_without_gpu(cfg: Config) -> int:
    """When this is one of several processes (``WORLD_SIZE > 1``) and no
    GPU is available: turn SyncBN into ``slimmm.CPUSyncBN`` in ``cfg``
    (mmengine's ``sync_bn`` option, which converts to torch's SyncBN, is
    dropped) and use
    :class:`CPUDistributedDataParallel` in place of mmengine's default
    wrapper. Any other wrapper of the config is kept: slimmm's own
    (:class:`~slimmm.engine.SubnetDistributedDataParallel`) drop
    ``device_ids`` on CPU themselves.

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
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None or wrapper.get('type') in (
            None, 'MMDistributedDataParallel'):
        wrapper = dict(wrapper or {})
        # The config's own choice wins: the pretraining runtime needs
        # find_unused_parameters=True for widths a sub-network skips.
        wrapper.setdefault('find_unused_parameters',
                           cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = dict(
            wrapper, type='CPUDistributedDataParallel',
            broadcast_buffers=False)
    if count:
        print_log(
            f'SyncBN -> {CPU_SYNC_BN} in {count} norm configs: {world_size} '
            'processes without a GPU (torch SyncBatchNorm synchronises CUDA '
            'tensors only); BN statistics are still reduced over all '
            'processes, over gloo. On GPUs the config runs unchanged with '
            'SyncBN.', logger='current', level=30)
    return count


def init_cpu_distributed(launcher: str) -> bool:
    """Open the gloo process group of a ``torchrun`` launch on a machine
    without GPUs, before the Runner does.

    mmengine's ``init_dist`` for the ``pytorch`` launcher calls
    ``torch.cuda.set_device`` first, which fails without a GPU driver; the
    Runner skips its own initialisation when a process group exists. On
    GPU machines (or single-process runs) this does nothing.

    Returns:
        bool: Whether a process group was opened here.
    """
    import torch.distributed as dist
    if (launcher != 'pytorch' or torch.cuda.is_available()
            or not dist.is_available() or dist.is_initialized()
            or 'RANK' not in os.environ):
        return False
    dist.init_process_group(backend='gloo',
                            rank=int(os.environ['RANK']),
                            world_size=int(os.environ['WORLD_SIZE']))
    print_log(f'No GPU: rank {dist.get_rank()}/{dist.get_world_size()} '
              'joined a gloo process group on CPU.', logger='current')
    return True


def close_distributed() -> None:
    """Leave the process group once a run has finished on every rank.

    Without it the interpreter can exit while gloo's worker threads still
    run, and the C++ runtime aborts (``terminate called without an active
    exception``, SIGABRT), so ``torchrun`` reports a finished run as
    failed (pytorch/pytorch#190489). Call it only after success: a rank
    that failed never reaches the barrier, and the others would wait.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
