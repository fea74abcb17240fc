"""Leading blocks (ops.slicing): views of the full-width parameter, with
the values and gradients of plain slices, and layers that hold no state
between calls (they copy and pickle as plain modules)."""
import copy
import pickle

import torch
import torch.nn.functional as F

from slimmm.models.ops import ChannelSpec, SlimmableConv2d
from slimmm.models.ops.slicing import leading_block

WIDTHS = (1.0, 0.75, 0.5, 0.25)


def test_leading_block_is_a_view_or_the_parameter_itself():
    param = torch.nn.Parameter(torch.arange(32.).view(8, 4))
    block = leading_block(param, (6, 2))
    assert block.shape == (6, 2) and block._base is param
    assert torch.equal(block, param.detach()[:6, :2])
    assert leading_block(param, (8, 4)) is param
    assert leading_block(param, (8, )) is param


def test_every_width_and_view_gets_the_gradient_of_a_plain_slice():
    torch.manual_seed(0)
    layer = SlimmableConv2d(ChannelSpec(8), ChannelSpec(16), 3, padding=1,
                            bias=True)
    weight = layer.weight.detach().clone().requires_grad_()
    bias = layer.bias.detach().clone().requires_grad_()
    views = [torch.randn(2, 8, 5, 5) for _ in range(2)]
    total, reference = 0, 0
    for width in WIDTHS:
        layer.width = width
        i, o = layer.in_spec.at(width), layer.out_spec.at(width)
        for x in views:
            total = total + layer(x[:, :i]).square().mean()
            reference = reference + F.conv2d(
                x[:, :i], weight[:o, :i], bias[:o], padding=1).square().mean()
    total.backward()
    reference.backward()
    assert torch.allclose(layer.weight.grad, weight.grad, atol=1e-6)
    assert torch.allclose(layer.bias.grad, bias.grad, atol=1e-6)
    # stateless: a copy and a pickle need nothing special
    layer.width = 0.5
    x = torch.randn(1, 4, 5, 5)
    for twin in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert torch.equal(twin(x), layer(x))
