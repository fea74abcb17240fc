"""The joint slimmable detector (SlimCLR Table 2 protocol) on CUDA: one
training iteration runs every width, one backward per width, in fp32 and
under mmengine's ``AmpOptimWrapper``."""
import math
import os.path as osp

import pytest
import torch

pytestmark = pytest.mark.cuda

JOINT_TINY_COCO = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'benchmarks', 'mmdetection',
    'mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py')
WIDTHS = [1.0, 0.75, 0.5, 0.25]


def joint_mask_rcnn(device):
    from slimmm.apis.config import load_config
    from slimmm.models.detectors import build_joint_detector
    cfg = load_config(JOINT_TINY_COCO).model.to_dict()
    cfg['backbone']['init_cfg'] = None
    torch.manual_seed(0)
    return build_joint_detector(cfg).to(device).train()


def demo_batch(batch_size=2, size=96):
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    return demo_mm_inputs(batch_size, image_shapes=(3, size, size),
                          num_items=[2] * batch_size, num_classes=4,
                          with_mask=True)


@pytest.mark.parametrize('precision', ['fp32', 'bfloat16', 'float16'])
def test_joint_iteration_every_width(cuda, precision):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    model = joint_mask_rcnn(cuda)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    wrapper = OptimWrapper(optimizer) if precision == 'fp32' else \
        AmpOptimWrapper(optimizer=optimizer, dtype=precision,
                        loss_scale='dynamic')
    before = model.backbone.conv1.weight.detach().clone()
    log = model.train_step(demo_batch(), wrapper)
    for width in WIDTHS:
        assert math.isfinite(float(log[f'width_{width!r}/loss']))
    assert float(log['loss']) == pytest.approx(
        sum(float(log[f'width_{w!r}/loss']) for w in WIDTHS), rel=1e-4)
    if precision != 'float16':  # a dynamic loss scale may skip step one
        assert not torch.equal(model.backbone.conv1.weight, before)
