"""A universally slimmable ResNet written from US3L's published layer rules
(``models/OFA/us_resnet.py`` and ``slimmable_ops.py`` of
github.com/megvii-research/US3L-CVPR2023, read for the rules only):

- torchvision's ResNet names (``conv1``, ``bn1``, ``layerS.B.convZ`` /
  ``bnZ``, ``downsample.0/1``), stride on the bottleneck's 3x3;
- at width ``w`` EVERY convolution and BN keeps the first
  ``make_divisible(C * w, 8)`` of its ``C`` full-width channels (divisor 8,
  minimum 1, never more than 10 % below ``C * w``), inputs and outputs
  alike; the stem's input stays 3;
- one BN per layer without running statistics (``track_running_stats=False``
  when several widths are sampled): batch statistics in training and test.

Written independently of slimmm (no slimmm import) so that a test can check
slimmm's ``channel_rule='layer'`` and the US3L converter against it.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


def us_channels(channels: int, width: float) -> int:
    """US-Nets' rounding of one layer's channels at ``width``."""
    value = channels * width
    rounded = max(1, int(value + 4) // 8 * 8)
    if rounded < 0.9 * value:
        rounded += 8
    return rounded


class USConvBN(nn.Module):
    """A convolution and its BN, both sliced to the width's channels."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1,
                 slim_input: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2,
                              bias=False)
        self.bn = nn.BatchNorm2d(cout, track_running_stats=False)
        self.slim_input = slim_input

    def forward(self, x: torch.Tensor, width: float) -> torch.Tensor:
        cout = us_channels(self.conv.out_channels, width)
        cin = (us_channels(self.conv.in_channels, width)
               if self.slim_input else self.conv.in_channels)
        assert x.shape[1] == cin, (x.shape, cin)
        y = F.conv2d(x, self.conv.weight[:cout, :cin], None,
                     self.conv.stride, self.conv.padding)
        return F.batch_norm(y, None, None, self.bn.weight[:cout],
                            self.bn.bias[:cout], True, 0.0, self.bn.eps)


class Bottleneck(nn.Module):

    def __init__(self, inplanes: int, planes: int, stride: int):
        super().__init__()
        self.body = nn.ModuleList([
            USConvBN(inplanes, planes, 1),
            USConvBN(planes, planes, 3, stride),
            USConvBN(planes, planes * 4, 1)
        ])
        self.downsample = (USConvBN(inplanes, planes * 4, 1, stride)
                           if stride != 1 or inplanes != planes * 4 else None)

    def forward(self, x: torch.Tensor, width: float) -> torch.Tensor:
        out = x
        for i, layer in enumerate(self.body):
            out = layer(out, width)
            if i < 2:
                out = F.relu(out)
        identity = x if self.downsample is None else self.downsample(x, width)
        return F.relu(out + identity)


class USReferenceResNet50(nn.Module):

    def __init__(self):
        super().__init__()
        self.stem = USConvBN(3, 64, 7, 2, slim_input=False)
        self.stages = nn.ModuleList()
        inplanes = 64
        for i, blocks in enumerate((3, 4, 6, 3)):
            planes = 64 * 2**i
            stage = nn.ModuleList()
            for b in range(blocks):
                stage.append(Bottleneck(inplanes, planes,
                                        2 if i and b == 0 else 1))
                inplanes = planes * 4
            self.stages.append(stage)

    def forward(self, x: torch.Tensor, width: float) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.stem(x, width)), 3, 2, 1)
        for stage in self.stages:
            for block in stage:
                x = block(x, width)
        return x

    def us3l_state_dict(self) -> 'OrderedDict[str, torch.Tensor]':
        """The backbone's tensors under US3L's (torchvision's) names; BNs
        have weight and bias only."""
        out = OrderedDict()

        def put(name, unit):
            out[f'{name[0]}.weight'] = unit.conv.weight
            out[f'{name[1]}.weight'] = unit.bn.weight
            out[f'{name[1]}.bias'] = unit.bn.bias

        put(('conv1', 'bn1'), self.stem)
        for s, stage in enumerate(self.stages):
            for b, block in enumerate(stage):
                p = f'layer{s + 1}.{b}'
                for z, unit in enumerate(block.body):
                    put((f'{p}.conv{z + 1}', f'{p}.bn{z + 1}'), unit)
                if block.downsample is not None:
                    put((f'{p}.downsample.0', f'{p}.downsample.1'),
                        block.downsample)
        return OrderedDict((k, v.detach().clone()) for k, v in out.items())

    def randomize_norms(self, generator: torch.Generator) -> None:
        """BN affine parameters away from 1 / 0, so a wrong slice shows."""
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                with torch.no_grad():
                    m.weight.copy_(1 + 0.2 * torch.randn(
                        m.weight.shape, generator=generator))
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape,
                                                   generator=generator))
