"""Exported widths load strictly into the stock mmpretrain / mmdet networks
and compute the slimmable backbone's features at that width."""
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from tool_processes import run_tool

from slimmm.models import backbones as slimmm_backbones
from slimmm.models.export import (build_backbone, calibrate_backbone,
                                  export_width, save_exported)
from slimmm.models.ops import using_width

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WIDTHS = [1.0, 0.75, 0.5, 0.25]


def randomize(model, seed=0):
    """Non-trivial weights and BN statistics for every BN member."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith('running_var') or (tensor.dim() == 1 and
                                                name.endswith('weight')):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif tensor.dim() == 1:
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=gen) *
                             (2 / tensor[0].numel())**0.5)
    return model


def stock(registry_name, plain_config, state_dict):
    """The stock network of ``plain_config`` holding ``state_dict``, loaded
    strictly (no missing or unexpected keys, same shapes)."""
    if registry_name == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    net = MODELS.build(dict(plain_config, init_cfg=None))
    net.load_state_dict(state_dict, strict=True)
    net.eval()
    return net


def assert_exports_match(slim, width, registries=('mmpretrain', 'mmdet'),
                         size=32):
    exported = export_width(slim, width)
    meta = exported['meta']
    assert meta['width'] == width and meta['plain_config'] is not None
    x = torch.randn(2, 3, size, size)
    slim.eval()
    with torch.no_grad(), using_width(slim, width):
        expected = slim(x)
    for name in registries:
        net = stock(name, meta['plain_config'], exported['state_dict'])
        with torch.no_grad():
            features = net(x)
        assert len(features) == len(expected)
        for got, want in zip(features, expected):
            assert got.shape == want.shape
            assert (got - want).abs().max() <= 1e-5
    return exported


@pytest.mark.parametrize('depth', [18, 50])
def test_every_width_loads_into_stock_resnets(depth):
    slim = randomize(build_backbone(dict(
        type='slimmm.SlimmableResNet', depth=depth, widths=WIDTHS,
        out_indices=(0, 1, 2, 3))))
    for width in WIDTHS:
        exported = assert_exports_match(slim, width)
        assert exported['meta']['plain_config'] == dict(
            type='ResNet', depth=depth, stem_channels=int(64 * width),
            base_channels=int(64 * width), out_indices=(0, 1, 2, 3))


@pytest.mark.skipif(
    not hasattr(slimmm_backbones, 'SlimmableMobileNetV2'),
    reason='SlimmableMobileNetV2 is not part of this checkout')
def test_every_width_of_mobilenet_v2_loads_into_mmpretrain():
    slim = randomize(build_backbone(dict(
        type='slimmm.SlimmableMobileNetV2', widths=WIDTHS,
        out_indices=(1, 4, 7))))
    for width in WIDTHS:
        exported = assert_exports_match(slim, width, ('mmpretrain', ))
        assert exported['meta']['plain_config']['widen_factor'] == width


def write_images(folder, count=4, size=48):
    import mmcv
    rng = np.random.RandomState(0)
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        mmcv.imwrite(rng.randint(0, 255, (size, size + 8, 3), np.uint8),
                     osp.join(folder, f'{i}.png'))
    return folder


def test_universal_width_is_recalibrated_then_exported(tmp_path):
    slim = randomize(build_backbone(dict(
        type='slimmm.SlimmableResNet', depth=18, width_range=(0.25, 1.0),
        out_indices=(0, 1, 2, 3))))
    folder = write_images(str(tmp_path / 'images'))
    used = calibrate_backbone(slim, 0.6, folder, num_batches=2,
                              batch_size=2, size=32)
    assert used == 2
    exported = assert_exports_match(slim, 0.6)
    assert exported['meta']['plain_config']['base_channels'] == 40
    assert exported['meta']['universal']


def test_save_refuses_to_overwrite(tmp_path):
    out = tmp_path / 'w.pth'
    out.write_bytes(b'old')
    with pytest.raises(FileExistsError, match='--force'):
        save_exported({'state_dict': {}}, str(out))
    assert out.read_bytes() == b'old'
    save_exported({'state_dict': {}}, str(out), force=True)
    assert torch.load(str(out))['state_dict'] == {}


def run_export_tool(*args):
    return run_tool(
        [osp.join(REPO, 'tools', 'model_converters', 'export_width.py'),
         *map(str, args)], timeout=300)


def test_cli_reads_the_config_from_the_checkpoint(tmp_path):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'backbones', 'slimmable-r18_4widths.py'))
    slim = randomize(build_backbone(cfg.model.backbone)).eval()
    ckpt = tmp_path / 'slimmable.pth'
    # What mmengine's Runner writes: weights under the model's attribute
    # names and the config text in meta['cfg'].
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in slim.state_dict().items()},
                'meta': {'cfg': cfg.pretty_text}}, str(ckpt))
    out = tmp_path / 'r18_w0.5.pth'
    result = run_export_tool(ckpt, '--width', 0.5, '--out', out)
    assert result.returncode == 0, result.stderr[-2000:]
    exported = torch.load(str(out))  # safe loader: plain types only
    from mmpretrain.models import ResNet
    net = ResNet(depth=18, stem_channels=32, base_channels=32)
    net.load_state_dict(exported['state_dict'], strict=True)
    net.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad(), using_width(slim, 0.5):
        assert (net(x)[-1] - slim(x)[-1]).abs().max() <= 1e-5
    # The slimmm fixed-width config loads the exported file as well.
    static = build_backbone(exported['meta']['static_config'])
    assert static.is_static and static.fixed_width == 0.5
    static.load_slimmable_state_dict(exported['state_dict'])
    static.eval()
    with torch.no_grad():
        assert torch.equal(static(x)[-1], net(x)[-1])


def run_tool_here(monkeypatch, *args):
    """The CLI's main() in this process (no interpreter start-up)."""
    tool = osp.join(REPO, 'tools', 'model_converters', 'export_width.py')
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, args)])
    runpy.run_path(tool, run_name='__main__')


def test_cli_refuses_overwrite_and_bad_widths(tmp_path, monkeypatch):
    slim = build_backbone(dict(type='slimmm.SlimmableResNet', depth=18,
                               widths=WIDTHS, stage_blocks=(1, 1, 1, 1)))
    ckpt = tmp_path / 'bare.pth'
    torch.save(slim.state_dict(), str(ckpt))
    config = osp.join(REPO, 'configs', 'backbones',
                      'slimmable-r18_4widths.py')
    out = tmp_path / 'w.pth'
    out.write_bytes(b'old')
    with pytest.raises(SystemExit, match='--force'):
        run_tool_here(monkeypatch, ckpt, '--width', 0.25, '--out', out)
    assert out.read_bytes() == b'old'
    new = tmp_path / 'x.pth'
    with pytest.raises(ValueError, match=r'\[1.0, 0.75, 0.5, 0.25\]'):
        run_tool_here(monkeypatch, ckpt, '--width', 0.6, '--out', new,
                      '--prefix', '', '--config', config,
                      '--cfg-options', 'model.backbone.stage_blocks=[1,1,1,1]')
    assert not new.exists()

    universal = build_backbone(dict(type='slimmm.SlimmableResNet', depth=18,
                                    width_range=(0.25, 1.0),
                                    stage_blocks=(1, 1, 1, 1)))
    torch.save(universal.state_dict(), str(ckpt))
    with pytest.raises(SystemExit, match='--calib-data'):
        run_tool_here(monkeypatch, ckpt, '--width', 0.5, '--out', new,
                      '--prefix', '', '--config',
                      osp.join(REPO, 'configs', 'backbones', 'us-r50.py'),
                      '--cfg-options', 'model.backbone.depth=18',
                      'model.backbone.stage_blocks=[1,1,1,1]')
    assert not new.exists()


def test_width_without_a_stock_network_exports_slimmms_static_one(
        tmp_path, monkeypatch, capsys):
    """US3L's per-layer rule at 0.6 breaks the stock ResNet's ratios (layer4
    of R-18: make_divisible(512 * 0.6) = 304, not 40 * 8): the tool says so
    in one line and writes slimmm's static network, which computes the
    recalibrated width."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'backbones', 'us-r50.py'))
    cfg.model.backbone.depth = 18
    slim = randomize(build_backbone(cfg.model.backbone))
    ckpt, out = tmp_path / 'us.pth', tmp_path / 'us_w0.6.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in slim.state_dict().items()},
                'meta': {'cfg': cfg.pretty_text}}, str(ckpt))
    folder = write_images(str(tmp_path / 'images'))
    calib = ('--calib-data', folder, '--calib-batches', 2,
             '--calib-batch-size', 2, '--calib-size', 32)
    run_tool_here(monkeypatch, ckpt, '--width', 0.6, '--out', out, *calib)
    printed = capsys.readouterr().out
    assert printed.count('no stock mmpretrain / mmdet network') == 1
    exported = torch.load(str(out))
    assert exported['meta']['plain_config'] is None
    static = build_backbone(exported['meta']['static_config'])
    static.load_slimmable_state_dict(exported['state_dict'])
    assert static.feature_channels() == [304]
    calibrate_backbone(slim, 0.6, folder, num_batches=2, batch_size=2,
                       size=32)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad(), using_width(slim.eval(), 0.6):
        torch.testing.assert_close(static.eval()(x)[-1], slim(x)[-1])
