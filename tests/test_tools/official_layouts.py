"""Key names and shapes of the papers' released ResNet-50 checkpoints, as
data read from the official model definitions (SlimCLR
``models/backbones/s_resnet.py``, ``slimmable_ops.py``, ``s_moco.py``,
``s_mocov3.py``, ``benchmark/mmdet/models/backbones/resnet.py``; US3L
``models/OFA/us_resnet.py``, ``utils/ssl_algorithms/byol.py``)."""
from collections import OrderedDict

#: ResNet-50 stages: (blocks, bottleneck channels, output channels)
R50_STAGES = ((3, 64, 256), (4, 128, 512), (6, 256, 1024), (3, 512, 2048))
R101_STAGES = ((3, 64, 256), (4, 128, 512), (23, 256, 1024),
               (3, 512, 2048))
BN_TENSORS = ('weight', 'bias', 'running_mean', 'running_var')


def _switchable_bn(out, module, channels, widths):
    """``SwitchableBatchNorm2d``: ``bn.{k}`` of ``int(C * widths[k])``."""
    for k, w in enumerate(widths):
        for name in BN_TENSORS:
            out[f'{module}.bn.{k}.{name}'] = (int(channels * w), )
        out[f'{module}.bn.{k}.num_batches_tracked'] = ()


def _shared_bn(out, module, channels, with_stats):
    """US3L's ``USBatchNorm2d``: one BN; no buffers when not tracking."""
    out[f'{module}.weight'] = (channels, )
    out[f'{module}.bias'] = (channels, )
    if with_stats:
        out[f'{module}.running_mean'] = (channels, )
        out[f'{module}.running_var'] = (channels, )
        out[f'{module}.num_batches_tracked'] = ()


def resnet_shapes(naming, bn, stages=R50_STAGES):
    """``{key: shape}`` of a backbone.

    Args:
        naming: ``'flat'`` (s_resnet: ``features.N``, ``shortcut``) or
            ``'nested'`` (mmdet / torchvision: ``layerS.B``,
            ``downsample``).
        bn: ``callable(out, module, channels)`` adding one BN's keys.
    """
    out = OrderedDict()
    out['conv1.weight'] = (64, 3, 7, 7)
    bn(out, 'bn1', 64)
    flat, in_ch = 0, 64
    for stage, (blocks, mid, width) in enumerate(stages):
        for index in range(blocks):
            name = (f'features.{flat}' if naming == 'flat' else
                    f'layer{stage + 1}.{index}')
            out[f'{name}.conv1.weight'] = (mid, in_ch, 1, 1)
            bn(out, f'{name}.bn1', mid)
            out[f'{name}.conv2.weight'] = (mid, mid, 3, 3)
            bn(out, f'{name}.bn2', mid)
            out[f'{name}.conv3.weight'] = (width, mid, 1, 1)
            bn(out, f'{name}.bn3', width)
            if index == 0:
                short = 'shortcut' if naming == 'flat' else 'downsample'
                out[f'{name}.{short}.0.weight'] = (width, in_ch, 1, 1)
                bn(out, f'{name}.{short}.1', width)
            in_ch = width
            flat += 1
    return out


def _prefixed(prefix, shapes):
    return OrderedDict((prefix + k, v) for k, v in shapes.items())


def slimclr_mocov2(widths_desc=(1.0, 0.75, 0.5, 0.25), stages=R50_STAGES,
                   queue=65536):
    """``s_MoCo`` (DDP): encoder_q / encoder_k (``slim_fc='mocov2_slim'``)
    and the queue."""
    def bn(out, module, c):
        _switchable_bn(out, module, c, widths_desc)
    out = OrderedDict()
    for enc in ('encoder_q', 'encoder_k'):
        out.update(_prefixed(f'module.{enc}.',
                             resnet_shapes('flat', bn, stages)))
        out[f'module.{enc}.fc.0.weight'] = (2048, 2048)
        out[f'module.{enc}.fc.0.bias'] = (2048, )
        out[f'module.{enc}.fc.2.weight'] = (128, 2048)
        out[f'module.{enc}.fc.2.bias'] = (128, )
    out['module.queue'] = (128, queue)
    out['module.queue_ptr'] = (1, )
    return out


def slimclr_mocov3(widths_desc=(1.0, 0.75, 0.5, 0.25)):
    """``s_MoCoV3``: ``slim_fc='mocov3_slim'`` projector in each encoder,
    ``_build_slimmable_mlp(2, 256, 4096, 256, last_bn=False)`` predictor."""
    def bn(out, module, c):
        _switchable_bn(out, module, c, widths_desc)
    out = OrderedDict()
    for enc in ('base_encoder', 'momentum_encoder'):
        out.update(_prefixed(f'module.{enc}.', resnet_shapes('flat', bn)))
        p = f'module.{enc}.fc'
        out[f'{p}.0.weight'] = (4096, 2048)
        _switchable_bn(out, f'{p}.1', 4096, widths_desc)
        out[f'{p}.3.weight'] = (256, 4096)
        for k in range(len(widths_desc)):  # affine=False: statistics only
            out[f'{p}.4.bn.{k}.running_mean'] = (256, )
            out[f'{p}.4.bn.{k}.running_var'] = (256, )
            out[f'{p}.4.bn.{k}.num_batches_tracked'] = ()
    out['module.predictor.0.weight'] = (4096, 256)
    _switchable_bn(out, 'module.predictor.1', 4096, widths_desc)
    out['module.predictor.3.weight'] = (256, 4096)
    return out


def slimclr_linear(widths_desc=(1.0, 0.75, 0.5, 0.25)):
    """``main_ssl_lincls.py``: s_resnet with ``slim_fc='supervised_switch'``
    (``SwitchableLinear``: ``fc.linears.{k}`` of ``int(2048 * w)``)."""
    def bn(out, module, c):
        _switchable_bn(out, module, c, widths_desc)
    out = _prefixed('module.', resnet_shapes('flat', bn))
    for k, w in enumerate(widths_desc):
        out[f'module.fc.linears.{k}.weight'] = (1000, int(2048 * w))
        out[f'module.fc.linears.{k}.bias'] = (1000, )
    return out


def slimclr_mask_rcnn(widths_asc=(0.25, 0.5, 0.75, 1.0)):
    """The mmdetection fork: ``FLAGS.width_mult_list`` ascending; FPN and
    heads at full width (a few of their keys)."""
    def bn(out, module, c):
        _switchable_bn(out, module, c, widths_asc)
    out = _prefixed('backbone.', resnet_shapes('nested', bn))
    for i, c in enumerate((256, 512, 1024, 2048)):
        out[f'neck.lateral_convs.{i}.conv.weight'] = (256, c, 1, 1)
        out[f'neck.lateral_convs.{i}.conv.bias'] = (256, )
    out['rpn_head.rpn_conv.weight'] = (256, 256, 3, 3)
    out['bbox_head.fc_cls.weight'] = (81, 1024)
    out['mask_head.conv_logits.weight'] = (81, 256, 1, 1)
    return out


def us3l_byol(with_stats=False, stages=R50_STAGES):
    """US3L BYOL (``us_resnet50``, ``bn_track_stats=False`` when sampling
    several widths): encoder_q with its 3-layer projector, encoder_k,
    predictor and predictor_new."""
    def bn(out, module, c):
        _shared_bn(out, module, c, with_stats)
    out = OrderedDict()
    for enc in ('encoder_q', 'encoder_k'):
        out.update(_prefixed(f'module.{enc}.',
                             resnet_shapes('nested', bn, stages)))
        p = f'module.{enc}.fc'
        out[f'{p}.0.weight'] = (2048, 2048)
        out[f'{p}.0.bias'] = (2048, )
        for i in (1, 4):
            for name in BN_TENSORS:
                out[f'{p}.{i}.{name}'] = (2048, )
            out[f'{p}.{i}.num_batches_tracked'] = ()
        out[f'{p}.3.weight'] = (2048, 2048)
        out[f'{p}.6.weight'] = (2048, 2048)
        out[f'{p}.6.bias'] = (2048, )
    for head in ('predictor', 'predictor_new'):
        out[f'module.{head}.0.weight'] = (2048, 2048)
        for name in BN_TENSORS:
            out[f'module.{head}.1.{name}'] = (2048, )
        out[f'module.{head}.1.num_batches_tracked'] = ()
        out[f'module.{head}.3.weight'] = (2048, 2048)
        out[f'module.{head}.3.bias'] = (2048, )
    return out
