"""The joint slimmable detector (SlimCLR Table 2 protocol): one backward
per width equals one graph of the summed losses, width-w features enter the
FPN as zero-padded ones, BN in heads is per width, a width exports to a
stock mmdet detector with equal predictions, bad input fails early."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from det_helpers import DET_CONFIGS, JOINT_TINY_COCO, JOINT_TINY_VOC, WIDTHS
from mmengine.config import ConfigDict
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from slimmm.apis.config import load_config
from slimmm.models.detectors import (JointSlimmableDetector,
                                     build_joint_detector)
from slimmm.models.ops import (SwitchableBatchNorm2d, calibrate_bn,
                               convert_to_static, set_width, using_width)
from slimmm.models.subnets import training_progress

NUM_CLASSES = 4


def model_cfg(config=JOINT_TINY_COCO, **overrides):
    cfg = load_config(config).model.to_dict()
    cfg['backbone']['init_cfg'] = None
    cfg.update(overrides)
    return cfg


@pytest.fixture(scope='module')
def joint_mask_rcnn():
    torch.manual_seed(0)
    return build_joint_detector(model_cfg())


def demo_batch(model, seed=0, batch_size=2, size=64, with_mask=True):
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(seed)
    packed = demo_mm_inputs(batch_size, image_shapes=(3, size, size),
                            num_items=[2] * batch_size,
                            num_classes=NUM_CLASSES, with_mask=with_mask)
    return packed


def assert_width_exports_to_stock(model, width, with_mask=False):
    """The stock mmdet detector of ``model.export(width)`` loads the state
    dict strictly and predicts what the joint detector does at ``width``;
    returns the stock config."""
    from mmdet.registry import MODELS
    exported = model.export(width)
    plain = exported['meta']['plain_config']
    with DefaultScope.overwrite_default_scope('mmdet'):
        stock = revert_sync_batchnorm(MODELS.build(ConfigDict(plain)))
    stock.load_state_dict(exported['state_dict'], strict=True)
    batch = model.data_preprocessor(
        demo_batch(model, seed=3, batch_size=1, with_mask=with_mask), False)
    with torch.no_grad():
        ours = model(**copy.deepcopy(batch), mode='predict', width=width)
        theirs = stock.eval()(**copy.deepcopy(batch), mode='predict')
    assert len(ours[0].pred_instances) > 0
    torch.testing.assert_close(ours[0].pred_instances.bboxes,
                               theirs[0].pred_instances.bboxes)
    torch.testing.assert_close(ours[0].pred_instances.scores,
                               theirs[0].pred_instances.scores)
    return plain


def test_per_width_backward_equals_one_graph_of_summed_losses(
        joint_mask_rcnn):
    model = copy.deepcopy(joint_mask_rcnn).train()
    assert model.train_widths == WIDTHS
    data = demo_batch(model)
    # Reference: the four widths' losses summed in ONE graph.
    reference = copy.deepcopy(model)
    torch.manual_seed(1)  # the RPN / RoI samplers draw in the same order
    batch = reference.data_preprocessor(copy.deepcopy(data), True)
    total, per_width = 0, {}
    for width in WIDTHS:
        loss, _ = reference.parse_losses(
            reference(**batch, mode='loss', width=width))
        per_width[width] = loss.detach()
        total = total + loss
    total.backward()
    expected = {n: p.grad.clone() for n, p in reference.named_parameters()
                if p.grad is not None}

    # One backward per width through the public OptimWrapper API; with
    # SGD(lr=1) the update is minus the summed gradient.
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    torch.manual_seed(1)
    log = model.train_step(copy.deepcopy(data), wrapper)
    torch.testing.assert_close(log['loss'], total.detach())
    for width in WIDTHS:
        torch.testing.assert_close(
            log[f'width_{width!r}/loss'], per_width[width])
    assert len(expected) > 100
    for name, param in model.named_parameters():
        step = before[name] - param.detach()
        torch.testing.assert_close(
            step, expected.get(name, torch.zeros_like(step)),
            rtol=1e-4, atol=1e-6, msg=name)


def test_width_features_enter_fpn_as_zero_padding(joint_mask_rcnn):
    model = joint_mask_rcnn
    plain_fpn = convert_to_static(copy.deepcopy(model.neck), 1.0)
    assert not any(hasattr(m, 'in_spec') for m in plain_fpn.modules())
    torch.manual_seed(0)
    for width in (0.75, 0.25):
        feats = [torch.randn(1, c, s, s) for c, s in zip(
            model.backbone.feature_channels(width), (16, 8, 4, 2))]
        full = model.backbone.feature_channels(1.0)
        padded = [F.pad(f, (0, 0, 0, 0, 0, c - f.shape[1]))
                  for f, c in zip(feats, full)]
        with using_width(model, width):
            outs = model.neck(feats)
        for out, ref in zip(outs, plain_fpn(padded)):
            # Equal up to float summation order (zeros added or not).
            torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


def test_norm_layers_in_neck_and_heads_get_per_width_statistics():
    model = build_joint_detector(model_cfg(JOINT_TINY_VOC))
    switchable = [m for part in (model.neck, model.roi_head)
                  for m in part.modules()
                  if isinstance(m, SwitchableBatchNorm2d)]
    # The SyncBN of the FPN (lateral + output convs) and the 4 shared convs.
    assert len(switchable) == 8 + 4
    plain = [m for part in (model.neck, model.rpn_head, model.roi_head)
             for m in part.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert all(len(s.norms) == 4 for s in switchable)
    assert len(plain) == 4 * len(switchable)  # only the members
    model.train()
    bn = switchable[-1]
    before = {k: m.running_mean.clone() for k, m in bn.norms.items()}
    data = model.data_preprocessor(
        demo_batch(model, with_mask=False), True)
    model(**data, mode='loss', width=0.5)
    changed = [k for k, m in bn.norms.items()
               if not torch.equal(m.running_mean, before[k])]
    assert changed == ['0_5']


def test_universal_backbone_refuses_norm_heads():
    cfg = model_cfg(JOINT_TINY_VOC)
    cfg['backbone'].update(widths=None, width_range=(0.25, 1.0))
    with pytest.raises(ValueError, match='per-width statistics'):
        build_joint_detector(cfg)


def test_universal_backbone_trains_the_sandwich_rule():
    cfg = model_cfg()
    cfg['backbone'].update(widths=None, width_range=(0.25, 1.0))
    model = build_joint_detector(cfg)
    widths = model.sample_widths(3, 10)
    assert len(widths) == 4 and widths[0] == 1.0 and widths[-1] == 0.25
    assert widths == model.sample_widths(3, 10)  # seeded by the iteration
    assert model.eval_widths == WIDTHS
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log = model.train_step(demo_batch(model), wrapper)
    trained = [float(log[f'subnet{i}/width']) for i in range(4)]
    # the iteration the MessageHub records (0 unless a Runner ran before)
    assert trained == pytest.approx(model.sample_widths(*training_progress()))
    torch.testing.assert_close(
        log['loss'], sum(log[f'subnet{i}/loss'] for i in range(4)))


@pytest.mark.parametrize('overrides, match', [
    (dict(train_widths=[1.0, 0.6]), r'train_widths: Width 0.6 is not one'),
    (dict(eval_widths=[0.3]), r'eval_widths: Width 0.3'),
    (dict(loss_weights=[1.0, 1.0]), r'one weight per width'),
])
def test_bad_widths_fail_at_build(overrides, match):
    with pytest.raises(ValueError, match=match):
        build_joint_detector(model_cfg(**overrides))


def test_fixed_width_backbone_is_refused():
    cfg = model_cfg()
    cfg['backbone']['width'] = 0.5
    with pytest.raises(ValueError, match='remove model.backbone.width'):
        build_joint_detector(cfg)


def test_export_loads_strictly_into_stock_mask_rcnn(joint_mask_rcnn):
    from mmdet.registry import MODELS
    model = copy.deepcopy(joint_mask_rcnn).eval()
    # Non-trivial BN statistics, different per width.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    width = 0.5
    exported = model.export(width)
    plain = exported['meta']['plain_config']
    assert plain['type'] == 'MaskRCNN'
    assert plain['backbone']['type'] == 'ResNet'
    assert plain['backbone']['base_channels'] == 32
    assert plain['neck']['in_channels'] == [32, 64, 128, 256]
    with DefaultScope.overwrite_default_scope('mmdet'):
        stock = revert_sync_batchnorm(MODELS.build(ConfigDict(plain)))
    stock.load_state_dict(exported['state_dict'], strict=True)
    stock.eval()
    data = demo_batch(model, seed=3, batch_size=1)
    batch = model.data_preprocessor(data, False)
    with torch.no_grad():
        ours = model(**copy.deepcopy(batch), mode='predict', width=width)
        theirs = stock(**copy.deepcopy(batch), mode='predict')
    for a, b in zip(ours, theirs):
        a, b = a.pred_instances, b.pred_instances
        assert len(a) > 0
        torch.testing.assert_close(a.bboxes, b.bboxes)
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)
        assert torch.equal(a.masks, b.masks)
    set_width(model, 1.0)


@pytest.mark.parametrize('rule, width', [('stage', 0.5), ('layer', 0.6)])
def test_universal_export_recalibrates_then_matches_stock_detector(
        rule, width):
    """With US3L's per-layer rule at 0.6 no stock ResNet has the channels:
    the exported detector is mmdet's with slimmm's static backbone."""
    from mmdet.registry import MODELS
    cfg = model_cfg()
    cfg['backbone'].update(widths=None, width_range=(0.25, 1.0),
                           channel_rule=rule)
    model = build_joint_detector(cfg).eval()
    with pytest.raises(ValueError, match='--calib-data'):
        model.export(width)
    torch.manual_seed(0)
    calibrate_bn(model.backbone, [torch.randn(2, 3, 64, 64)] * 2, width)
    exported = model.export(width, calibrated=True)
    plain = exported['meta']['plain_config']
    if rule == 'stage':
        assert plain['backbone']['stem_channels'] == 32
    else:
        assert plain['backbone']['type'] == 'slimmm.SlimmableResNet'
        assert plain['neck']['in_channels'] == [40, 80, 152, 304]
    with DefaultScope.overwrite_default_scope('mmdet'):
        stock = revert_sync_batchnorm(MODELS.build(ConfigDict(plain)))
    stock.load_state_dict(exported['state_dict'], strict=True)
    batch = model.data_preprocessor(demo_batch(model, seed=3, batch_size=1),
                                    False)
    with torch.no_grad():
        ours = model(**copy.deepcopy(batch), mode='predict', width=width)
        theirs = stock.eval()(**copy.deepcopy(batch), mode='predict')
    torch.testing.assert_close(ours[0].pred_instances.bboxes,
                               theirs[0].pred_instances.bboxes)


def test_export_refuses_a_width_outside_the_backbone(joint_mask_rcnn):
    with pytest.raises(ValueError, match='not one of'):
        joint_mask_rcnn.export(0.6)
    assert isinstance(joint_mask_rcnn, JointSlimmableDetector)


@pytest.mark.parametrize('name, stock_type', [
    ('retinanet_slimmable-r18_fpn_joint_tiny-coco.py', 'RetinaNet'),
    ('fcos_slimmable-r18_fpn_joint_tiny-coco.py', 'FCOS'),
])
def test_one_stage_detectors_train_every_width_and_export_stock(
        name, stock_type):
    """RetinaNet (whose FPN convolves the backbone's last output for its
    extra level) and FCOS: one step trains the four widths; a width
    exports to the stock detector with equal predictions."""
    torch.manual_seed(0)
    model = build_joint_detector(model_cfg(osp.join(DET_CONFIGS, name)))
    reference = copy.deepcopy(model)
    data = demo_batch(model, with_mask=False)
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=1e-3))
    log_vars = model.train_step(copy.deepcopy(data), optim_wrapper)
    assert [k for k in log_vars if k.endswith('/loss_cls')] == [
        f'width_{w}/loss_cls' for w in WIDTHS]
    # Every width's backbone-reading neck convs received a gradient step.
    for (key, before), after in zip(reference.neck.state_dict().items(),
                                    model.neck.state_dict().values()):
        assert not torch.equal(before, after), key

    plain = assert_width_exports_to_stock(reference.eval(), 0.5)
    assert plain['type'] == stock_type
    assert plain['neck']['in_channels'] == [32, 64, 128, 256]


@pytest.mark.parametrize('config', [
    JOINT_TINY_COCO,  # Mask R-CNN: RoI extractors, fc and mask deconv
    JOINT_TINY_VOC,  # Faster R-CNN: BN in the neck and box head
    osp.join(DET_CONFIGS, 'fcos_slimmable-r18_fpn_joint_tiny-coco.py'),  # GN
], ids=['mask-rcnn', 'faster-rcnn-bn', 'fcos-gn'])
def test_slimmed_neck_and_heads_export_stock_detectors_and_cost_less(
        config):
    """With slim_neck_and_heads the FPN / head channels follow the width:
    a width exports to the stock detector with those channels (strict
    load, equal predictions), and the whole detector at 0.25 costs far
    less than with backbone-only slimming."""
    from slimmm.analysis import model_complexity
    torch.manual_seed(0)
    model = build_joint_detector(model_cfg(config, slim_neck_and_heads=True))
    with_mask = 'mask-rcnn' in config
    model.train_step(demo_batch(model, with_mask=with_mask),
                     OptimWrapper(torch.optim.SGD(model.parameters(),
                                                  lr=1e-4)))
    plain = assert_width_exports_to_stock(model.eval(), 0.5, with_mask)
    assert plain['neck']['out_channels'] == model.neck.out_channels // 2

    if with_mask:  # the whole detector's cost at 0.25
        backbone_only = build_joint_detector(model_cfg(config))
        slim_cost, backbone_only_cost = (
            model_complexity(m.plain_config(0.25), (64, 64))['model_GFLOPs']
            for m in (model, backbone_only))
        assert slim_cost < 0.6 * backbone_only_cost
