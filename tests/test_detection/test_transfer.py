"""The per-width transfer runner: inputs checked before training, the
fixed-width backbone in the detector is the slimmable one at that width,
a tiny Mask R-CNN trains at two widths and gets CocoMetric numbers, and a
rerun skips finished widths."""
import json
import math
import os
import os.path as osp

import pytest
import torch
from det_helpers import DET_CONFIGS, TINY_COCO, TINY_VOC
from transfer_runs import run_transfer

from slimmm.apis.transfer import width_configs
from slimmm.apis.transfer_checks import TransferInputError, check_checkpoint
from slimmm.datasets import DataInputError, check_datasets

FAST = {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
        'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
        'train_dataloader.batch_size': 2}


def test_detector_backbone_equals_slimmable_at_width(r18_checkpoint,
                                                     small_coco):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.model import revert_sync_batchnorm

    from slimmm.models import SlimmableResNet
    register_all_modules(init_default_scope=True)
    reference = SlimmableResNet(18, widths=[1.0, 0.75, 0.5, 0.25],
                                out_indices=(0, 1, 2, 3))
    state = torch.load(r18_checkpoint, weights_only=True)['state_dict']
    reference.load_state_dict(
        {k[len('backbone.'):]: v for k, v in state.items()})
    reference.eval()
    x = torch.randn(2, 3, 64, 64)
    for width in (0.75, 0.25):
        cfg = width_configs(TINY_COCO, r18_checkpoint, [width])[0]
        detector = revert_sync_batchnorm(MODELS.build(cfg.model))
        detector.init_weights()
        backbone = detector.backbone.eval()
        assert backbone.is_static
        assert sum(p.numel() for p in backbone.parameters()) < sum(
            p.numel() for p in reference.parameters())
        reference.set_width(width)
        with torch.no_grad():
            got, want = backbone(x), reference(x)
        assert [g.shape[1] for g in got] == detector.neck.in_channels
        for g, w in zip(got, want):
            assert torch.allclose(g, w, atol=1e-5), (width,
                                                     (g - w).abs().max())


def test_bad_checkpoints_fail_clearly(r18_checkpoint, tmp_path):
    cfg = width_configs(TINY_COCO, r18_checkpoint, [0.5])[0]
    backbone = dict(cfg.model.backbone)
    assert check_checkpoint(r18_checkpoint, backbone)['widths'] == [
        1.0, 0.75, 0.5, 0.25]
    with pytest.raises(TransferInputError, match='nope.pth.*does not exist'):
        check_checkpoint(str(tmp_path / 'nope.pth'), backbone)
    with pytest.raises(TransferInputError, match=r'Width 0.3 is not one of '
                       r'the widths \[1.0, 0.75, 0.5, 0.25\]'):
        check_checkpoint(r18_checkpoint, backbone, [0.5, 0.3])
    r50 = width_configs(osp.join(
        DET_CONFIGS, 'mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py'), None,
        [0.5])[0]
    with pytest.raises(TransferInputError, match='(?s)another architecture.*'
                       r'depth 50'):
        check_checkpoint(r18_checkpoint, dict(r50.model.backbone))
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    with pytest.raises(TransferInputError,
                       match='garbage.pth.*cannot be read'):
        check_checkpoint(str(garbage), backbone)
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(2)}},
               str(tmp_path / 'head_only.pth'))
    with pytest.raises(TransferInputError, match="starts with 'backbone.'"):
        check_checkpoint(str(tmp_path / 'head_only.pth'), backbone)


@pytest.mark.parametrize('rule, channels', [
    # 0.6 * 64 = 38.4 rounds to 40 (universal channels are multiples of 8)
    ('stage', [40, 80, 160, 320]),
    # US3L's rule rounds each layer: 0.6 * 256 = 153.6 -> 152, 307.2 -> 304
    # (no stock ResNet has these channels; the FPN follows them)
    ('layer', [40, 80, 152, 304])])
def test_universal_checkpoint_any_width(tmp_path, rule, channels):
    """A universally slimmable (US3L) checkpoint transfers at any width of
    its range, and is refused by a switchable config."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.model import revert_sync_batchnorm

    from slimmm.models import SlimmableResNet
    register_all_modules(init_default_scope=True)
    net = SlimmableResNet(18, width_range=(0.25, 1.0), out_indices=(3, ),
                          channel_rule=rule)
    net.init_weights()
    path = str(tmp_path / 'us_r18.pth')
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in net.state_dict().items()}}, path)
    universal = {'model.backbone.widths': None,
                 'model.backbone.width_range': (0.25, 1.0),
                 'model.backbone.channel_rule': rule}
    cfg = width_configs(TINY_COCO, path, [0.6], cfg_options=universal)[0]
    assert check_checkpoint(path, dict(cfg.model.backbone))['widths'] is None
    detector = revert_sync_batchnorm(MODELS.build(cfg.model))
    assert detector.neck.in_channels == channels
    detector.init_weights()  # strict: every tensor of width 0.6 loaded
    net.set_width(0.6)
    net.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(detector.backbone.eval()(x)[-1], net(x)[-1],
                              atol=1e-5)
        assert len(detector.eval().extract_feat(x)) == 5  # the FPN runs
    switchable = width_configs(TINY_COCO, path, [0.5])[0]
    with pytest.raises(TransferInputError, match='another architecture'):
        check_checkpoint(path, dict(switchable.model.backbone))


def plain_coco(cfg):
    """The tiny config with mmdet's CocoDataset (which does not generate
    its data)."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.type = 'CocoDataset'
    return cfg


def test_bad_datasets_fail_clearly(small_coco, small_voc, tmp_path):
    cfg = width_configs(TINY_COCO, None, [0.5], data_root=small_coco['root'])
    assert len(check_datasets(cfg[0])) == 2
    # A real (not self-generating) COCO dataset whose root is missing or
    # empty: the expected layout; a tiny one: the command that makes it.
    missing = plain_coco(width_configs(
        TINY_COCO, None, [0.5], data_root=str(tmp_path / 'missing'))[0])
    with pytest.raises(DataInputError, match='missing.*does not exist.*'
                       r'annotations/instances_\{train,val\}2017.json'):
        check_datasets(missing)
    tiny = plain_coco(width_configs(
        TINY_COCO, None, [0.5], data_root=str(tmp_path / 'tiny_coco'))[0])
    with pytest.raises(DataInputError, match='tiny_coco.*does not exist'
                       '.*make_tiny_data.py coco'):
        check_datasets(tiny)
    (tmp_path / 'empty').mkdir()
    empty = plain_coco(width_configs(TINY_COCO, None, [0.5],
                                     data_root=str(tmp_path / 'empty'))[0])
    with pytest.raises(DataInputError, match='empty.*is empty'):
        check_datasets(empty)
    # A copy of the dataset with a truncated annotation file.
    import shutil
    broken = tmp_path / 'broken'
    shutil.copytree(small_coco['root'], broken)
    ann = broken / 'annotations' / 'instances_train2017.json'
    ann.write_text(ann.read_text()[:100])
    cfg = width_configs(TINY_COCO, None, [0.5], data_root=str(broken))[0]
    with pytest.raises(DataInputError,
                       match='instances_train2017.json.*not valid JSON'):
        check_datasets(cfg)
    ann.write_text(json.dumps({'images': []}))
    with pytest.raises(DataInputError, match='lacks the list'):
        check_datasets(cfg)
    # VOC: a malformed XML annotation.
    voc = tmp_path / 'voc'
    shutil.copytree(small_voc['root'], voc)
    xml = sorted((voc / 'VOCdevkit' / 'VOC2007' / 'Annotations').iterdir())[0]
    xml.write_text('<annotation><object>')
    cfg = width_configs(TINY_VOC, None, [0.5],
                        data_root=str(voc / 'VOCdevkit'))[0]
    with pytest.raises(DataInputError, match=f'{xml.name}.*malformed'):
        check_datasets(cfg)


def test_runner_fails_before_training(r18_checkpoint, small_coco, tmp_path):
    work_dir = tmp_path / 'work'
    with pytest.raises(ValueError, match='Width 0.6 is not one of'):
        run_transfer(TINY_COCO, r18_checkpoint, [0.5, 0.6],
                     work_dir=str(work_dir), data_root=small_coco['root'])
    assert not work_dir.exists()  # nothing was started
    with pytest.raises(ValueError, match='does not match the backbone'):
        run_transfer(TINY_COCO, r18_checkpoint, [0.5],
                     work_dir=str(work_dir), data_root=small_coco['root'],
                     cfg_options={'model.neck.in_channels': [64, 128, 256,
                                                             512]})


def test_two_widths_train_evaluate_report_and_skip(r18_checkpoint,
                                                   small_coco, tmp_path,
                                                   capsys):
    work_dir = str(tmp_path / 'transfer')
    rows = run_transfer(TINY_COCO, r18_checkpoint, [0.5, 0.25],
                        work_dir=work_dir, data_root=small_coco['root'],
                        cfg_options=FAST)
    assert [r['width'] for r in rows] == [0.5, 0.25]
    for width, row in zip(('0_5', '0_25'), rows):
        wd = osp.join(work_dir, f'width_{width}')
        with open(osp.join(wd, 'result.json')) as f:
            result = json.load(f)
        for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
            assert key in result['metrics']
            assert math.isfinite(result['metrics'][key])
        assert row['AP_bb'] == pytest.approx(
            100 * result['metrics']['coco/bbox_mAP'], abs=0.01)
        assert osp.isfile(osp.join(wd, 'iter_2.pth'))
        # One process: SyncBN reverted to BN with mmengine's notice.
        with open(osp.join(wd, 'launch.log')) as f:
            launch_log = f.read()
        assert 'SyncBatchNorm (SyncBN) layers in the model will be ' \
            'automatically reverted' in launch_log
        assert 'Traceback' not in launch_log
    # Params of the deployed width: a stock ResNet-18 with int(64 w)
    # channels plus a 1000-way fc, as the papers' tables count them.
    from mmpretrain.models import ResNet
    for row in rows:
        c = int(64 * row['width'])
        stock = ResNet(18, stem_channels=c, base_channels=c)
        assert row['params'] == sum(
            p.numel() for p in stock.parameters()) + 8 * c * 1000 + 1000
    assert rows[0]['flops'] > rows[1]['flops']
    # The whole detector costs more than its backbone, and its full-width
    # FPN and heads make the narrow width's share of it larger.
    for row in rows:
        assert row['model_GFLOPs'] * 1e9 > row['flops'] * (96 / 224)**2
    assert rows[0]['model_GFLOPs'] > rows[1]['model_GFLOPs']
    assert rows[1]['model_M_params'] / rows[0]['model_M_params'] > \
        rows[1]['params'] / rows[0]['params']
    for ext in ('md', 'csv', 'png'):
        assert osp.getsize(osp.join(work_dir, f'transfer_results.{ext}')) > 0
    with open(osp.join(work_dir, 'transfer_results.csv')) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith(
        'width,params,flops,model_M_params,model_GFLOPs,AP_bb')
    assert len(lines) == 3
    assert '| 0.5 |' in capsys.readouterr().out
    # Rerun: nothing is retrained or overwritten.
    stamps = {p: os.stat(osp.join(work_dir, p)).st_mtime_ns for p in (
        'width_0_5/result.json', 'width_0_5/iter_2.pth',
        'width_0_25/result.json')}
    again = run_transfer(TINY_COCO, r18_checkpoint, [0.5, 0.25],
                         work_dir=work_dir, data_root=small_coco['root'],
                         cfg_options=FAST)
    assert again == rows
    for path, stamp in stamps.items():
        assert os.stat(osp.join(work_dir, path)).st_mtime_ns == stamp
