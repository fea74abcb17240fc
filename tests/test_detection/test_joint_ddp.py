"""The joint detector under DDP with SyncBN: two gloo processes, each with
its own image, one backward per width (all but the last under ``no_sync``)
and one all-reduce, update the weights as a single process in which
the backbone's BN normalises both images together (SyncBN's statistics),
the losses are each image's own, and the gradients are averaged (to
float32 precision).

SyncBN on CPU tensors is ``slimmm.CPUSyncBN`` (torch's kernel is
CUDA-only), one member per width of each switchable BN."""
import os

import torch
import torch.distributed as dist
from mmengine.optim import OptimWrapper
from tool_processes import start_ranks

SAMPLER_SEED = 7


def build_model():
    """The tiny joint Mask R-CNN with ``slimmm.CPUSyncBN`` in the backbone:
    synchronised on the ranks, plain BN in the single-process reference."""
    from mmengine.registry import DefaultScope
    from test_joint_detector import model_cfg

    from slimmm.registry import MODELS
    cfg = model_cfg()
    cfg['backbone']['norm_cfg'] = dict(type='slimmm.CPUSyncBN')
    # Every proposal is kept (no top-k, no NMS) and every RoI sampled: the
    # losses are then continuous in the features. Otherwise the last-bit
    # differences between BN over a 2-image batch and BN reduced over two
    # processes reorder near-equal proposal scores and change the samples.
    train_cfg = cfg['train_cfg']
    train_cfg['rpn_proposal'].update(
        nms_pre=10000, max_per_img=10000,
        nms=dict(type='nms', iou_threshold=1.0))
    train_cfg['rcnn']['sampler'].update(num=10000, pos_fraction=1.0)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg)
    return model.train()


def batch_of(rank: int):
    """One image per rank. mmdet's demo inputs are the same image whatever
    the seed: each rank's is brightened differently, so that the two
    ranks' BN statistics differ."""
    from test_joint_detector import demo_batch
    batch = demo_batch(None, seed=10 + rank, batch_size=1)
    batch['inputs'] = [(image.float() * (0.5 + rank)).clamp(0, 255).to(
        image.dtype) for image in batch['inputs']]
    return batch


def _rank(rank: int, port: int, out: str) -> None:
    import slimmm  # noqa: F401
    from slimmm.engine import SubnetDistributedDataParallel
    from slimmm.models.ops import CPUSyncBatchNorm
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    model = build_model()
    assert any(isinstance(m, CPUSyncBatchNorm) for m in model.modules())
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    ddp = SubnetDistributedDataParallel(model, broadcast_buffers=False)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    data = batch_of(rank)  # (seeds the generator itself)
    torch.manual_seed(SAMPLER_SEED)
    ddp.train_step(data, wrapper)
    if rank == 0:
        torch.save(dict(update={n: before[n] - p.detach()
                                for n, p in model.named_parameters()},
                        buffers=dict(model.named_buffers())), out)
    dist.destroy_process_group()


def test_two_gloo_processes_with_sync_bn_match_single_process_reference(
        tmp_path, free_port):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    out = str(tmp_path / 'update.pth')
    start_ranks(_rank, (free_port, out))
    result = torch.load(out, weights_only=True)

    from slimmm.models.ops import using_width
    model = build_model()
    batches = [model.data_preprocessor(batch_of(rank), True)
               for rank in (0, 1)]
    both = torch.cat([batch['inputs'] for batch in batches])
    # SyncBN's view: per width, the backbone normalises both images at once
    # (its running statistics are updated once per width, as on the ranks).
    features = {}
    for width in model.train_widths:
        with using_width(model, width):
            features[width] = model.extract_feat(both)
    total = 0
    for rank, batch in enumerate(batches):
        torch.manual_seed(SAMPLER_SEED)  # each rank's sampler draws
        for width in model.train_widths:
            # ... and each rank's losses are those of its own image.
            model.extract_feat = lambda inputs, width=width, rank=rank: tuple(
                level[rank:rank + 1] for level in features[width])
            loss, _ = model.parse_losses(model(**batch, mode='loss',
                                               width=width))
            total = total + loss / 2  # DDP averages the ranks' gradients
    del model.extract_feat
    total.backward()
    compared = 0
    for name, param in model.named_parameters():
        expected = param.grad if param.grad is not None else \
            torch.zeros_like(param)
        # Float32 sums in another order, through a deep net: agreement to
        # 5e-3 of each tensor's largest gradient (measured: 5e-4 to 1e-3 in
        # the backbone, up to 3.4e-3 in the mask head, whose gradients are
        # the smallest; BN on each rank's own image instead of SyncBN:
        # errors up to 5.6 times the largest gradient).
        torch.testing.assert_close(
            result['update'][name], expected, rtol=0,
            atol=5e-3 * float(expected.abs().max()) + 1e-8, msg=name)
        compared += param.grad is not None
    assert compared > 100
    # Every width's BN member saw both images' statistics.
    buffers = dict(model.named_buffers())
    synced = [n for n in buffers if 'backbone' in n and 'running_var' in n]
    assert len(synced) > 4 * 10
    for name in synced:
        torch.testing.assert_close(result['buffers'][name], buffers[name],
                                   rtol=1e-4, atol=1e-6, msg=name)
