"""Slimmable building blocks. Layers know nothing of backbones."""
from .attention import MultiheadSelfAttention, SlimmableMultiheadSelfAttention
from .calibration import calibrate_bn
from .channels import (ChannelSpec, fixed_channels, make_divisible,
                       scale_channels)
from .conv import SlimmableConv2d, SlimmableConvTranspose2d
from .conv_module import SlimmableConvModule
from .linear import SlimmableLinear
from .norm import (BATCH_NORM_TYPES, SlicedBatchNorm2d, SlicedGroupNorm,
                   SlicedLayerNorm, SwitchableBatchNorm2d, build_slimmable_bn)
from .se_layer import SlimmableSELayer, SqueezeChannelSpec
from .sync_norm import CPUSyncBatchNorm, sync_batch_norm
from .width import (SlimmableMixin, SwitchableWidths, UniversalWidths,
                    WidthSpace, build_width_space, convert_to_static,
                    get_width, metric_prefix, set_width, split_metric_key,
                    using_width, width_key)

__all__ = [
    'ChannelSpec', 'fixed_channels', 'make_divisible', 'scale_channels',
    'SlimmableConv2d', 'SlimmableConvTranspose2d', 'SlimmableConvModule',
    'SlimmableLinear', 'SlicedGroupNorm',
    'SwitchableBatchNorm2d', 'SlicedBatchNorm2d', 'SlicedLayerNorm',
    'BATCH_NORM_TYPES', 'build_slimmable_bn', 'calibrate_bn', 'SlimmableMixin',
    'WidthSpace', 'SwitchableWidths', 'UniversalWidths', 'build_width_space',
    'set_width', 'get_width', 'using_width', 'convert_to_static', 'width_key',
    'metric_prefix', 'split_metric_key',
    'MultiheadSelfAttention', 'SlimmableMultiheadSelfAttention',
    'SlimmableSELayer', 'SqueezeChannelSpec', 'CPUSyncBatchNorm',
    'sync_batch_norm'
]
