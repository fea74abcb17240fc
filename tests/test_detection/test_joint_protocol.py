"""The joint protocol end to end on tiny COCO: `transfer.py --protocol
joint` trains ONE Mask R-CNN at all widths (stock mmengine Runner through
tools/train.py), evaluates every width with the stock CocoMetric in one
val run, writes the per-width report; the test loop and the export tool
work on its checkpoint; bad input fails before training."""
import csv
import glob
import os.path as osp
import sys

import pytest
import torch
from det_helpers import JOINT_TINY_COCO, TINY_COCO, WIDTHS
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from transfer_runs import run_transfer

from slimmm.apis.transfer_checks import TransferInputError
from slimmm.models.detectors import build_joint_detector
from slimmm.models.ops import using_width
from slimmm.utils.checkpoint import read_checkpoint, state_dict_of

OPTIONS = {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
           'default_hooks.checkpoint.interval': 2,
           'default_hooks.logger.interval': 1,
           'train_dataloader.batch_size': 2}


@pytest.fixture(scope='module')
def joint_run(r18_checkpoint, small_coco, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('joint_run'))
    rows = run_transfer(JOINT_TINY_COCO, r18_checkpoint, protocol='joint',
                        work_dir=work_dir, data_root=small_coco['root'],
                        cfg_options=OPTIONS)
    return rows, work_dir


def test_one_run_evaluates_every_width_with_coco_metric(
        joint_run, r18_checkpoint, small_coco):
    rows, work_dir = joint_run
    assert [r['width'] for r in rows] == WIDTHS
    for row in rows:
        assert row['protocol'] == 'joint'
        assert 0 <= row['AP_bb'] <= 100 and 0 <= row['AP_mk'] <= 100
        assert row['params'] > 0 and row['flops'] > 0
    assert rows[0]['params'] > rows[-1]['params']
    # The whole detector's cost of each width (its stock export).
    assert rows[0]['model_GFLOPs'] > rows[-1]['model_GFLOPs'] > 0
    with open(osp.join(work_dir, 'transfer_results.csv')) as f:
        table = list(csv.DictReader(f))
    assert [t['protocol'] for t in table] == ['joint'] * 4
    # The Runner's own per-width report (WidthReportHook) of the val run.
    report = glob.glob(osp.join(work_dir, '*', 'joint_results_val.csv'))
    assert len(report) == 1
    with open(report[0]) as f:
        hook_rows = list(csv.DictReader(f))
    assert [float(r['AP_bb']) for r in hook_rows] == [
        r['AP_bb'] for r in rows]
    # A rerun reads the result back instead of training again.
    again = run_transfer(JOINT_TINY_COCO, r18_checkpoint, protocol='joint',
                         work_dir=work_dir, data_root=small_coco['root'],
                         cfg_options=OPTIONS)
    assert again == rows


def test_test_loop_and_export_of_the_trained_checkpoint(joint_run,
                                                        tmp_path,
                                                        monkeypatch):
    from mmengine.runner import Runner
    _, work_dir = joint_run
    config = glob.glob(osp.join(work_dir, '*_joint.py'))[0]
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'test')
    cfg.load_from = checkpoint
    # The universal backbones' path: BN statistics recomputed per width.
    cfg.test_cfg.calibrate_batches = 1
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    for width in WIDTHS:
        assert f'width_{width!r}/coco/segm_mAP' in metrics
    assert glob.glob(str(tmp_path / 'test' / '*' / 'joint_results_test.md'))

    sys.path.insert(0, osp.join(osp.dirname(JOINT_TINY_COCO), '..', '..',
                                '..', 'tools', 'model_converters'))
    import export_width
    out = str(tmp_path / 'det_w0.25.pth')
    monkeypatch.setattr(sys, 'argv', ['export_width.py', checkpoint,
                                      '--width', '0.25', '--out', out])
    export_width.main()
    exported = torch.load(out, weights_only=True)
    from mmdet.registry import MODELS
    from mmengine.model import revert_sync_batchnorm
    with DefaultScope.overwrite_default_scope('mmdet'):
        stock = revert_sync_batchnorm(
            MODELS.build(ConfigDict(exported['meta']['plain_config'])))
    stock.load_state_dict(exported['state_dict'], strict=True)
    assert stock.backbone.conv1.out_channels == 16
    # Same boxes and masks as the joint detector at 0.25 on tiny COCO.
    joint = build_joint_detector(Config.fromfile(config).model).eval()
    joint.load_state_dict(state_dict_of(read_checkpoint(checkpoint)),
                          strict=True)
    batch = next(iter(runner.test_dataloader))
    with torch.no_grad(), using_width(joint, 0.25):
        ours = joint.test_step(batch)
    with torch.no_grad():
        theirs = stock.eval().test_step(batch)
    for a, b in zip(ours, theirs):
        a, b = a.pred_instances, b.pred_instances
        assert len(a) > 0
        torch.testing.assert_close(a.bboxes, b.bboxes)
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.masks, b.masks)
    with pytest.raises(SystemExit, match='exists'):
        export_width.main()  # never overwrites


def test_per_width_config_is_refused_by_the_joint_protocol(r18_checkpoint):
    with pytest.raises(TransferInputError, match='--protocol per-width'):
        run_transfer(TINY_COCO, r18_checkpoint, protocol='joint')


def test_checkpoint_of_another_architecture_fails_before_training(
        r18_checkpoint, tmp_path):
    with pytest.raises(TransferInputError, match='Fix: pass a checkpoint'):
        run_transfer(JOINT_TINY_COCO, r18_checkpoint, protocol='joint',
                     work_dir=str(tmp_path),
                     cfg_options={'model.backbone.depth': 34})
    assert not glob.glob(str(tmp_path / '*.pth'))


def test_joint_config_is_refused_by_the_per_width_protocol(r18_checkpoint):
    with pytest.raises(TransferInputError, match='--protocol joint'):
        run_transfer(JOINT_TINY_COCO, r18_checkpoint, [0.5])
    with pytest.raises(ValueError, match='protocol must be one of'):
        run_transfer(JOINT_TINY_COCO, r18_checkpoint, [0.5],
                     protocol='jointly')


@pytest.mark.parametrize('name', [
    'mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py',
    'faster-rcnn_slimmable-r50_fpn_joint-4widths_voc0712.py',
    'mask-rcnn_us-r50_fpn_joint-sandwich_8xb8-1x_coco.py',
    'retinanet_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py',
    'fcos_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py'])
def test_paper_joint_configs_build_with_their_recipe(name):
    from slimmm.apis.config import load_config
    from slimmm.models.detectors import build_joint_detector
    cfg = load_config(osp.join(osp.dirname(JOINT_TINY_COCO), name))
    assert cfg.default_scope == 'mmdet'
    assert cfg.model.backbone.norm_cfg['type'] == 'SyncBN'
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=35, norm_type=2)
    assert cfg.val_cfg.type == 'slimmm.PerWidthValLoop'
    assert cfg.model_wrapper_cfg.type == \
        'slimmm.SubnetDistributedDataParallel'
    if 'mask-rcnn' in name:  # SlimCLR Table 2: lr 0.08, 8 GPUs x 8 images
        assert cfg.train_dataloader.batch_size == 8
        assert cfg.optim_wrapper.optimizer.lr == 0.08
        assert cfg.param_scheduler[0].end == 500  # warm-up iterations
        assert cfg.train_cfg.max_epochs == 12
        assert cfg.model.neck.norm_cfg is None
    elif name.startswith(('retinanet', 'fcos')):
        # mmdet's lr 0.01 per 16 images, for 64
        assert cfg.optim_wrapper.optimizer.lr == 0.04
    model = build_joint_detector(cfg.model)
    assert model.eval_widths == WIDTHS
    if 'us-r50' in name:
        assert model.width_sampler is not None
        assert cfg.test_cfg.calibrate_batches > 0
    else:
        assert model.train_widths == WIDTHS
