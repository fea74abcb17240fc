"""SlimmableResNet: shapes per width, bad input, static builds, depth
sampling, freezing, checkpoint errors and building from mm registries."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn as nn

from slimmm.models import SlimmableResNet
from slimmm.models.ops import (SlicedBatchNorm2d, SlimmableMixin,
                               SwitchableBatchNorm2d, using_width)

WIDTHS = [1.0, 0.75, 0.5, 0.25]
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def randomize(model, seed=0):
    """Non-trivial weights and BN statistics, so equalities mean something."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif name.endswith(('running_mean', 'bias')):
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
            elif tensor.dim() == 1:  # BN weight
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            else:
                fan_in = tensor[0].numel()
                tensor.copy_(torch.randn(tensor.shape, generator=gen) *
                             (2 / fan_in)**0.5)
    return model


@pytest.mark.parametrize('depth, expansion', [(18, 1), (34, 1), (50, 4),
                                              (101, 4)])
def test_stage_shapes_per_width(depth, expansion):
    net = SlimmableResNet(depth, widths=WIDTHS, out_indices=(0, 1, 2, 3))
    net.eval()
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        for w in WIDTHS:
            with using_width(net, w):
                shapes = [tuple(f.shape) for f in net(x)]
            base = int(64 * w)
            assert shapes == [(1, base * expansion * 2**i, 8 >> i, 8 >> i)
                              for i in range(4)]
            assert net.feature_channels(w) == [s[1] for s in shapes]


def test_universal_channels_are_multiples_of_eight():
    """Universal widths round like US-Nets' make_divisible(c * w, 8); a width
    list keeps int(c * w) (stock ResNets at 0.75 / 0.5 / 0.25 either way)."""
    universal = SlimmableResNet(18, width_range=(0.25, 1.0),
                                out_indices=(0, 1, 2, 3))
    universal.eval()
    x = torch.rand(1, 3, 32, 32)
    for width, base in [(1.0, 64), (0.836, 56), (0.6, 40), (0.3, 24),
                        (0.25, 16)]:
        with torch.no_grad(), using_width(universal, width):
            channels = [f.shape[1] for f in universal(x)]
        assert channels == [base * 2**i for i in range(4)], width
        assert universal.plain_config(width)['base_channels'] == base
    exact = SlimmableResNet(18, width_range=(0.25, 1.0), channel_divisor=1)
    assert exact.feature_channels(0.836) == [424]  # int(64 * 0.836) * 8
    assert SlimmableResNet(18, widths=[1.0, 0.6]).feature_channels(0.6) == [
        304]
    with pytest.raises(ValueError, match='multiples of channel_divisor 8'):
        SlimmableResNet(18, width_range=(0.25, 1.0), base_channels=20)


@pytest.mark.parametrize('kwargs, match', [
    (dict(widths=[1.0, 0.25, 0.5]), 'descending'),
    (dict(widths=[1.25, 1.0]), r'\(0, 1\]'),
    (dict(widths=[1.0, 0.0]), r'\(0, 1\]'),
    (dict(widths=WIDTHS, width=0.6), r'\[1.0, 0.75, 0.5, 0.25\]'),
    (dict(width_range=(0.25, 1.0), width=0.2), r'\[0.25, 1.0\]'),
    (dict(width_range=(0.25, 1.5)), r'\(0, 1\]'),
    (dict(widths=WIDTHS, width_range=(0.25, 1.0)), 'exactly one'),
])
def test_bad_widths_raise_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SlimmableResNet(18, stage_blocks=(1, 1, 1, 1), **kwargs)


def test_switching_to_a_width_not_in_the_list_names_the_widths():
    net = SlimmableResNet(18, widths=WIDTHS, stage_blocks=(1, 1, 1, 1))
    with pytest.raises(ValueError, match=r'\[1.0, 0.75, 0.5, 0.25\]'):
        net.set_width(0.6)
    static = SlimmableResNet(18, widths=WIDTHS, width=0.5,
                             stage_blocks=(1, 1, 1, 1))
    with pytest.raises(ValueError, match='static at width 0.5'):
        static.set_width(0.25)
    with pytest.raises(ValueError, match='out_indices'):
        SlimmableResNet(18, out_indices=(4, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        SlimmableResNet(18, frozen_stages=5)


def test_static_build_equals_slimmable_at_each_width():
    thin = dict(stem_channels=32, base_channels=32, widths=WIDTHS)
    slim = randomize(SlimmableResNet(18, **thin)).eval()
    x = torch.randn(2, 3, 32, 32)
    for w in WIDTHS:
        static = SlimmableResNet(18, width=w, **thin).eval()
        assert static.is_static
        assert not any(isinstance(m, SlimmableMixin)
                       for m in static.modules())
        static.load_slimmable_state_dict(slim.state_dict())
        with torch.no_grad(), using_width(slim, w):
            torch.testing.assert_close(static(x), slim(x), rtol=0, atol=0)


def test_depth_sampling_equals_the_static_subnetwork():
    thin = dict(stem_channels=16, base_channels=16, widths=[1.0, 0.5])
    slim = randomize(SlimmableResNet(50, **thin)).eval()
    blocks = (1, 2, 1, 3)
    static = SlimmableResNet(50, width=0.5, blocks_per_stage=blocks,
                             **thin).eval()
    assert [len(s) for s in static.stages] == list(blocks)
    static.load_slimmable_state_dict(slim.state_dict())
    x = torch.randn(2, 3, 32, 32)
    slim.set_depth(blocks)
    with torch.no_grad(), using_width(slim, 0.5):
        torch.testing.assert_close(static(x), slim(x), rtol=0, atol=0)
        full_depth = slim.set_depth(None) or slim(x)
    assert not torch.allclose(full_depth[0], static(x)[0])
    with pytest.raises(ValueError, match=r'\(3, 4, 6, 3\)'):
        slim.set_depth((4, 1, 1, 1))
    with pytest.raises(ValueError, match='give `width`'):
        SlimmableResNet(50, blocks_per_stage=blocks, **thin)


def test_frozen_stages_and_norm_eval():
    net = SlimmableResNet(18, widths=WIDTHS, frozen_stages=1, norm_eval=True)
    net.train()
    frozen = [net.conv1, net.bn1, net.layer1]
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert not any(m.training for m in module.modules())
    assert all(p.requires_grad for p in net.layer2.parameters())
    assert net.layer2.training
    norms = [m for m in net.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == 4 * 20  # one member per width per BN
    assert not any(m.training for m in norms)
    universal = SlimmableResNet(18, width_range=(0.25, 1.0), norm_eval=True)
    universal.train()
    assert not any(m.training for m in universal.modules()
                   if isinstance(m, SlicedBatchNorm2d))


def test_checkpoint_of_other_widths_or_architecture_lists_keys():
    net = SlimmableResNet(18, widths=WIDTHS)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    other_widths = randomize(SlimmableResNet(18, widths=[1.0, 0.5])
                             ).state_dict()
    with pytest.raises(ValueError) as error:
        net.load_slimmable_state_dict(other_widths, source='r18_2widths.pth')
    message = str(error.value)
    assert 'r18_2widths.pth' in message
    assert 'bn1.norms.0_75.weight' in message  # a missing key is named
    deeper = SlimmableResNet(34, widths=WIDTHS).state_dict()
    with pytest.raises(ValueError, match='layer1.2.conv1.weight'):
        net.load_slimmable_state_dict(deeper)
    wider = SlimmableResNet(18, widths=WIDTHS, base_channels=96).state_dict()
    with pytest.raises(ValueError, match=r'(?s)shape mismatches.*checkpoint '
                       r'\(96, 64, 3, 3\) vs model \(64, 64, 3, 3\)'):
        net.load_slimmable_state_dict(wider)
    # Nothing was loaded partially (the keys both have are untouched).
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
    static = SlimmableResNet(18, widths=WIDTHS, width=0.5)
    with pytest.raises(ValueError, match='widths'):
        static.load_slimmable_state_dict(other_widths)


def test_pretrained_init_cfg_loads_a_slimmable_checkpoint(tmp_path):
    slim = randomize(SlimmableResNet(18, widths=WIDTHS)).eval()
    path = str(tmp_path / 'slimmable.pth')
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in slim.state_dict().items()},
                'meta': {}}, path)
    static = SlimmableResNet(
        18, widths=WIDTHS, width=0.25,
        init_cfg=dict(type='Pretrained', checkpoint=path,
                      prefix='backbone.'))
    static.init_weights()
    static.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad(), using_width(slim, 0.25):
        torch.testing.assert_close(static(x), slim(x), rtol=0, atol=0)
    bad_prefix = SlimmableResNet(
        18, widths=WIDTHS, width=0.25,
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='model.'))
    with pytest.raises(KeyError, match='backbone.conv1.weight'):
        bad_prefix.init_weights()


def test_plain_config_is_the_stock_resnet():
    net = SlimmableResNet(50, widths=WIDTHS, out_indices=(1, 3))
    assert net.plain_config(0.5) == dict(type='ResNet', depth=50,
                                         stem_channels=32, base_channels=32,
                                         out_indices=(1, 3))
    assert net.plain_config(0.75)['base_channels'] == 48
    assert SlimmableResNet(50, stage_blocks=(1, 1, 1, 1)).plain_config(
        1.0) is None


def test_built_through_mmpretrain_and_mmdet_registries():
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    cfg = dict(type='slimmm.SlimmableResNet', depth=18, widths=[1.0, 0.5],
               stage_blocks=(1, 1, 1, 1))
    for registry in (MMPRETRAIN_MODELS, MMDET_MODELS):
        net = registry.build(dict(cfg))
        assert isinstance(net, SlimmableResNet)
        assert isinstance(net.bn1, SwitchableBatchNorm2d)


def test_custom_imports_in_a_fresh_process(tmp_path):
    config = tmp_path / 'det_backbone.py'
    config.write_text(
        "custom_imports = dict(imports=['slimmm'], "
        'allow_failed_imports=False)\n'
        "default_scope = 'mmdet'\n"
        "model = dict(backbone=dict(type='slimmm.SlimmableResNet', "
        'depth=18, widths=[1.0, 0.5], width=0.5, out_indices=(0, 1, 2, 3)))'
        '\n')
    code = (
        'import sys\n'
        'from mmengine.config import Config\n'
        f'cfg = Config.fromfile({str(config)!r})\n'
        "assert 'slimmm' in sys.modules, 'custom_imports did not import'\n"
        'from mmdet.registry import MODELS\n'
        'net = MODELS.build(cfg.model.backbone)\n'
        'print(type(net).__name__, net.feature_channels())\n')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    result = subprocess.run([sys.executable, '-c', code], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == \
        'SlimmableResNet [32, 64, 128, 256]'


@pytest.mark.parametrize('depth', [18, 50])
def test_cifar_form_equals_mmpretrains_resnet_cifar_per_width(depth):
    """The CIFAR stem (3x3 stride-1 conv, no max-pool): every width cut out
    loads strictly into mmpretrain's ResNet_CIFAR and computes the same."""
    from mmpretrain.models import ResNet_CIFAR

    from slimmm.models import SlimmableResNetCIFAR
    from slimmm.models.export import export_width
    net = SlimmableResNetCIFAR(depth, widths=[1.0, 0.5, 0.25],
                               base_channels=16, stem_channels=16).eval()
    x = torch.randn(2, 3, 32, 32)
    for width in (1.0, 0.5, 0.25):
        exported = export_width(net, width)
        cfg = dict(exported['meta']['plain_config'])
        assert cfg.pop('type') == 'ResNet_CIFAR'
        stock = ResNet_CIFAR(**cfg)
        stock.load_state_dict(exported['state_dict'], strict=True)
        stock.eval()  # mmpretrain's ResNet.train() returns None
        net.set_width(width)
        with torch.no_grad():
            ours, theirs = net(x)[-1], stock(x)[-1]
        assert ours.shape[-1] == 4  # 32 px -> 4 x 4 (no stem downsampling)
        torch.testing.assert_close(ours, theirs)


def test_cifar_mobilenet_v2_keeps_32px_features():
    from slimmm.models import SlimmableMobileNetV2CIFAR
    net = SlimmableMobileNetV2CIFAR(width_range=(0.25, 1.0),
                                    residual_rule='full-width')
    net.set_width(0.6)
    out = net(torch.randn(2, 3, 32, 32))[-1]
    assert tuple(out.shape) == (2, 1280, 4, 4)
    assert net.plain_config(0.6) is None  # mmpretrain has no CIFAR MBv2
