"""Converters of released SlimCLR / US3L checkpoints (no download: the
sources are written here in the official layouts of official_layouts.py).
"""
import os.path as osp
import sys

import pytest
import torch

from slimmm.models.converters import (ConversionError, convert_slimclr,
                                      convert_us3l, save_converted)
from slimmm.models.export import load_slimmable_backbone

sys.path.insert(0, osp.dirname(__file__))
import official_layouts as official  # noqa: E402
from us3l_reference import USReferenceResNet50, us_channels  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DESC = (1.0, 0.75, 0.5, 0.25)


_POOL = torch.randn(1 << 20, generator=torch.Generator().manual_seed(0))


def filled(shapes, seed=0):
    """Distinct tensors of the given shapes (BN variances > 0), cut from one
    random pool at shifting offsets (filling an R-50 MoCo state dict with
    fresh random numbers takes seconds on a loaded CPU)."""
    out, offset = {}, seed * 7919
    for key, shape in shapes.items():
        numel = 1
        for n in shape:
            numel *= n
        if key.endswith('num_batches_tracked'):
            out[key] = torch.tensor(7)
            continue
        if key.endswith('queue_ptr'):
            out[key] = torch.zeros(shape, dtype=torch.long)
            continue
        start = offset % _POOL.numel()
        offset += 104729
        reps = (start + numel) // _POOL.numel() + 1
        values = (_POOL.repeat(reps) if reps > 1 else _POOL)[
            start:start + numel].reshape(shape) * 0.05
        out[key] = values.abs() + 0.5 if key.endswith('running_var') \
            else values.clone()
    return out


def write(tmp_path, name, state, **extra):
    path = str(tmp_path / name)
    torch.save(dict(state_dict=state, **extra), path)
    return path


@pytest.fixture(scope='module')
def mocov2_file(tmp_path_factory):
    state = with_placeholder_momentum(official.slimclr_mocov2(queue=8))
    return write(tmp_path_factory.mktemp('slimclr'), 'mocov2.pth.tar',
                 state, epoch=800), state


@pytest.fixture(scope='module')
def mocov2_converted(mocov2_file, tmp_path_factory):
    """The MoCov2 file converted and written (shared by several tests)."""
    path, src = mocov2_file
    conv, meta = convert_slimclr(path)
    dst = save_converted(conv, meta,
                         str(tmp_path_factory.mktemp('out') / 'm2.pth'))
    return src, conv, meta, dst


@pytest.fixture(scope='module')
def mask_converted(tmp_path_factory):
    src = filled(official.slimclr_mask_rcnn(), seed=5)
    folder = tmp_path_factory.mktemp('mask')
    conv, meta = convert_slimclr(write(folder, 'mask.pth', src))
    return src, conv, meta, save_converted(conv, meta,
                                           str(folder / 'out.pth'))


def with_placeholder_momentum(shapes, seed=0):
    """Filled tensors, the momentum encoder's (dropped unread by default)
    as placeholders, which keeps the files small."""
    momentum = ('module.encoder_k.', 'module.momentum_encoder.')
    state = filled({k: v for k, v in shapes.items()
                    if not k.startswith(momentum)}, seed)
    state.update(names_only(
        {k: v for k, v in shapes.items() if k.startswith(momentum)}))
    return state


def names_only(shapes):
    """A state dict with the keys of ``shapes`` and placeholder values: the
    layout and depth checks read names only."""
    return {k: torch.zeros(1) for k in shapes}


# ---- the fixture is what the official modules hold ---------------------
def test_fixture_counts_official_resnet50():
    shapes = official.resnet_shapes(
        'flat', lambda out, m, c: official._switchable_bn(out, m, c, DESC))
    convs = [k for k in shapes if k.endswith('.weight') and
             len(shapes[k]) == 4]
    assert len(convs) == 53  # 1 stem + 16 x 3 + 4 shortcuts
    assert shapes['features.3.shortcut.1.bn.2.weight'] == (256, )
    assert shapes['features.15.conv3.weight'] == (2048, 512, 1, 1)


# ---- SlimCLR MoCov2 ----------------------------------------------------
def test_mocov2_pinned_keys_and_meta(mocov2_converted):
    src, conv, meta, _ = mocov2_converted
    out = conv.state_dict
    # bn.2 of s_resnet's descending widths is width 0.5
    assert torch.equal(
        out['backbone.layer2.0.downsample.1.norms.0_5.weight'],
        src['module.encoder_q.features.3.shortcut.1.bn.2.weight'])
    assert torch.equal(out['backbone.layer4.2.bn3.norms.1.running_var'],
                       src['module.encoder_q.features.15.bn3.bn.0.'
                           'running_var'])
    assert torch.equal(out['neck.mlp.2.weight'],
                       src['module.encoder_q.fc.2.weight'])
    assert not any(k.startswith(('momentum_encoder', 'queue')) for k in out)
    assert meta['source_format'] == 'slimclr-mocov2'
    assert meta['widths'] == list(DESC) and meta['epoch'] == 800
    dropped = {r.split(' ')[0] for r in conv.dropped}
    assert dropped == {'momentum', 'MoCo'}
    # every source tensor is accounted for
    accounted = sum(conv.mapped.values()) + sum(
        len(v) for v in conv.dropped.values())
    assert accounted == len(src)


def test_round_trip_slimmm_to_official_and_back(mocov2_file, tmp_path):
    """slimmm weights written into the official layout by hand, converted
    back: every tensor equal."""
    from slimmm.models.export import build_backbone
    backbone = build_backbone(dict(type='slimmm.SlimmableResNet', depth=50,
                                   widths=list(DESC)), width=None)
    ours = filled({k: tuple(v.shape)
                   for k, v in backbone.state_dict().items()}, seed=3)
    names = [f'layer{s + 1}.{b}' for s, (n, _, _) in
             enumerate(official.R50_STAGES) for b in range(n)]
    official_state = {}
    for key, value in ours.items():
        k = key
        for flat, name in enumerate(names):
            if k.startswith(name + '.'):
                k = f'features.{flat}.' + k[len(name) + 1:]
                break
        k = k.replace('downsample', 'shortcut')
        for i, w in enumerate(DESC):
            k = k.replace(f'.norms.{w:g}'.replace('0.', '0_') + '.',
                          f'.bn.{i}.')
        official_state['module.encoder_q.' + k] = value
    _, src = mocov2_file
    for key in ('fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias'):
        official_state['module.encoder_q.' + key] = src[
            'module.encoder_q.' + key]
    shapes = {k: tuple(v.shape) for k, v in official_state.items()}
    expected = {k: v for k, v in official.slimclr_mocov2().items()
                if k.startswith('module.encoder_q.')}
    assert shapes == expected
    path = write(tmp_path, 'rt.pth', official_state)
    conv, _ = convert_slimclr(path)
    for key, value in ours.items():
        assert torch.equal(conv.state_dict['backbone.' + key], value), key


def _reference_resnet(official_state, prefix, width, member, naming):
    """mmpretrain's stock ResNet-50 at ``width`` filled by hand from the
    official tensors: conv weights sliced, BN member ``member``."""
    from mmpretrain.models import ResNet
    c = int(64 * width)
    ref = ResNet(depth=50, stem_channels=c, base_channels=c)
    ref.eval()
    names = [f'layer{s + 1}.{b}' for s, (n, _, _) in
             enumerate(official.R50_STAGES) for b in range(n)]
    state = {}
    for key, target in ref.state_dict().items():
        src = key
        if naming == 'flat':
            for flat, name in enumerate(names):
                if src.startswith(name + '.'):
                    src = f'features.{flat}.' + src[len(name) + 1:]
                    break
            src = src.replace('downsample', 'shortcut')
        module, tensor = src.rsplit('.', 1)
        if target.dim() <= 1:  # a BN tensor: the width's member
            src = f'{module}.bn.{member}.{tensor}'
        value = official_state[prefix + src]
        state[key] = value[tuple(slice(0, n) for n in target.shape)] \
            if value.dim() else value
    ref.load_state_dict(state)
    return ref


def _compare_features(dst, src, prefix, naming, order, members):
    backbone, _ = load_slimmable_backbone(dst)  # config from meta['cfg']
    backbone.eval()
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    for member in members:
        width = order[member]
        backbone.set_width(width)
        ref = _reference_resnet(src, prefix, width, member, naming)
        with torch.no_grad():
            ours, theirs = backbone(x)[-1], ref(x)[-1]
        assert ours.shape[1] == int(2048 * width)
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_mocov2_features_equal_hand_mapped_reference(mocov2_converted):
    src, _, meta, dst = mocov2_converted
    assert meta['source_member_order'] == list(DESC)
    _compare_features(dst, src, 'module.encoder_q.', 'flat', DESC,
                      members=range(4))


def test_mask_rcnn_bn0_is_narrowest(mask_converted):
    src, conv, meta, dst = mask_converted
    assert meta['source_member_order'] == list(DESC[::-1])
    assert torch.equal(conv.state_dict['backbone.bn1.norms.0_25.weight'],
                       src['backbone.bn1.bn.0.weight'])
    assert meta['source_format'] == 'slimclr-mask-rcnn'
    assert any('detector' in r for r in conv.dropped)
    # bn.0 (width 0.25) runs the narrowest network
    _compare_features(dst, src, 'backbone.', 'nested', DESC[::-1],
                      members=[0])


def test_mocov3_and_linear_layouts(tmp_path):
    src = with_placeholder_momentum(official.slimclr_mocov3(), seed=4)
    conv, meta = convert_slimclr(write(tmp_path, 'v3.pth', src))
    out = conv.state_dict
    assert torch.equal(out['neck.mlp.4.norms.0_75.running_mean'],
                       src['module.base_encoder.fc.4.bn.1.running_mean'])
    assert torch.equal(out['predictor.mlp.1.norms.0_25.weight'],
                       src['module.predictor.1.bn.3.weight'])
    assert meta['config_overrides'] == {
        'model.predictor.with_last_bn': False}
    src = filled(official.slimclr_linear(), seed=6)
    conv, meta = convert_slimclr(write(tmp_path, 'lin.pth', src))
    assert torch.equal(conv.state_dict['heads.0_5.weight'],
                       src['module.fc.linears.2.weight'])
    assert conv.generated == ['probe_widths']


def test_keep_momentum(tmp_path):
    src = filled(official.slimclr_mocov2(), seed=7)
    conv, _ = convert_slimclr(write(tmp_path, 'k.pth', src),
                              keep_momentum=True)
    out = conv.state_dict
    assert torch.equal(out['momentum_encoder.module.0.layer1.0.conv1.weight'],
                       src['module.encoder_k.features.0.conv1.weight'])
    assert torch.equal(out['momentum_encoder.module.1.mlp.0.bias'],
                       src['module.encoder_k.fc.0.bias'])
    assert torch.equal(out['queue'], src['module.queue'])


# ---- US3L --------------------------------------------------------------
def test_us3l_without_running_stats(tmp_path, monkeypatch):
    src = with_placeholder_momentum(official.us3l_byol(), seed=8)
    conv, meta = convert_us3l(write(tmp_path, 'us3l.pth.tar', src))
    out = conv.state_dict
    assert meta['bn_running_stats'] is False
    assert meta['bn_recalibration_required'] is True
    assert torch.equal(out['backbone.layer3.5.bn2.weight'],
                       src['module.encoder_q.layer3.5.bn2.weight'])
    assert torch.equal(out['backbone.bn1.running_var'], torch.ones(64))
    assert 'backbone.bn1.running_mean' in conv.generated
    dst = save_converted(conv, meta, str(tmp_path / 'us3l_slimmm.pth'))
    backbone, _ = load_slimmable_backbone(dst)
    assert backbone.width_space.universal
    # export refuses without calibration data and names the command
    with pytest.raises(SystemExit, match='--calib-data'):
        _run_tool('export_width.py', [dst, '--width', '0.5', '--out',
                                      str(tmp_path / 'w.pth')], monkeypatch)
    assert not osp.exists(tmp_path / 'w.pth')


def test_us3l_with_running_stats(tmp_path):
    src = filled({k: v for k, v in official.us3l_byol(True).items()
                  if k.startswith('module.encoder_q.')}, seed=9)
    conv, meta = convert_us3l(write(tmp_path, 'us3l.pth.tar', src))
    assert meta['bn_running_stats'] is True and not conv.generated


def test_us3l_features_at_any_width_equal_us3ls_network(tmp_path):
    """A ResNet-50 built from US3L's layer rules (us3l_reference.py), saved
    as US3L's training saves it (DDP state_dict, backbone under encoder_q.,
    no BN statistics), converts into a network with its features at 1.0,
    0.6, 0.35 and 0.25, on batch statistics as US3L trains."""
    torch.manual_seed(0)
    ref = USReferenceResNet50()
    ref.randomize_norms(torch.Generator().manual_seed(1))
    backbone_state = ref.us3l_state_dict()
    state = {}
    for encoder in ('encoder_q', 'encoder_k'):
        state.update({f'module.{encoder}.{k}': v
                      for k, v in backbone_state.items()})
        state[f'module.{encoder}.fc.0.weight'] = torch.zeros(8, 2048)
    state['module.predictor.0.weight'] = torch.zeros(8, 8)
    src = write(tmp_path, 'us3l_r50.pth.tar', state, epoch=100)
    conv, meta = convert_us3l(src)
    assert meta['channel_rule'] == 'layer' and not meta['bn_running_stats']
    dst = save_converted(conv, meta, str(tmp_path / 'us3l_slimmm.pth'))
    backbone, _ = load_slimmable_backbone(dst)
    backbone.train()
    x = torch.randn(4, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        for width in (1.0, 0.6, 0.35, 0.25):
            backbone.set_width(width)
            ours, theirs = backbone(x)[-1], ref(x, width)
            assert ours.shape[1] == us_channels(2048, width)
            torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)
    # slimmm's default rule is another network at 0.6 (1280 channels, not
    # 1232), and a backbone with it refuses the converted checkpoint
    from slimmm.models import SlimmableResNet
    stage_rule = SlimmableResNet(50, width_range=(0.25, 1.0))
    assert stage_rule.feature_channels(0.6) == [1280]
    assert us_channels(2048, 0.6) == 1232
    stage_rule.init_cfg = dict(type='Pretrained', checkpoint=dst,
                               prefix='backbone.')
    with pytest.raises(ValueError, match="channel_rule='layer'"):
        stage_rule.init_weights()


def test_us3l_conversion_refuses_a_stage_rule_config(tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs/backbones/us-r50.py'))
    cfg.model.backbone.channel_rule = 'stage'
    config = str(tmp_path / 'stage_rule.py')
    cfg.dump(config)
    src = write(tmp_path, 'u.pth', names_only(official.us3l_byol()))
    with pytest.raises(ConversionError, match="channel_rule='layer'"):
        convert_us3l(src, config)


# ---- bad input: clear error, nothing written ---------------------------
def _run_tool(tool, argv, monkeypatch):
    import runpy
    monkeypatch.setattr(sys, 'argv', [tool] + argv)
    runpy.run_path(osp.join(REPO, 'tools/model_converters', tool),
                   run_name='__main__')


def test_other_depth_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path, 'r101.pth', names_only(official.slimclr_mocov2(
        stages=official.R101_STAGES)))
    dst = str(tmp_path / 'out.pth')
    with pytest.raises(SystemExit, match=r'\(3, 4, 23, 3\).*depth'):
        _run_tool('slimclr_to_slimmm.py', [path, dst], monkeypatch)
    assert not osp.exists(dst)
    src = names_only(official.us3l_byol(stages=official.R101_STAGES))
    with pytest.raises(ConversionError, match=r'\(3, 4, 23, 3\)'):
        convert_us3l(write(tmp_path, 'us101.pth', src))


def test_truncated_state_dict_lists_missing_keys(
        mocov2_file, tmp_path, monkeypatch):
    _, src = mocov2_file
    cut = {k: v for k, v in src.items()
           if 'features.9.bn2.bn.1.' not in k and 'fc.2' not in k}
    path = write(tmp_path, 'cut.pth', cut)
    dst = str(tmp_path / 'out.pth')
    with pytest.raises(SystemExit) as info:
        _run_tool('slimclr_to_slimmm.py', [path, dst], monkeypatch)
    message = str(info.value)
    assert 'backbone.layer3.2.bn2.norms.0_75.weight' in message
    assert 'neck.mlp.2.weight' in message
    assert 'nothing was written' in message
    assert not osp.exists(dst)


def test_unknown_layout_and_wrong_widths(tmp_path):
    path = write(tmp_path, 'x.pth', {'module.head.weight': torch.zeros(2)})
    with pytest.raises(ConversionError, match='Unknown checkpoint layout'):
        convert_slimclr(path)
    with pytest.raises(ConversionError, match='Unknown checkpoint layout'):
        convert_us3l(path)
    us3l = write(tmp_path, 'u.pth', names_only(official.us3l_byol()))
    with pytest.raises(ConversionError, match='us3l_to_slimmm'):
        convert_slimclr(us3l)


def test_wrong_widths_and_existing_dst(mocov2_file, tmp_path, monkeypatch):
    path, _ = mocov2_file
    with pytest.raises(ConversionError, match=r'model lacks \(265\)'):
        convert_slimclr(path, widths=(1.0, 0.8, 0.5, 0.25))
    dst = tmp_path / 'exists.pth'
    dst.write_bytes(b'keep me')
    with pytest.raises(SystemExit, match='never overwrite'):
        _run_tool('slimclr_to_slimmm.py', [path, str(dst)], monkeypatch)
    assert dst.read_bytes() == b'keep me'
