"""Shared leading blocks (ops.slicing): the same values and gradients as
fresh slices, one full-size expansion per step, and a cache that follows
in-place updates, new storage, grad mode, copies and pickles."""
import copy
import io
import pickle

import torch
import torch.nn.functional as F

from slimmm.models.ops import ChannelSpec, SlimmableConv2d, SlimmableLinear
from slimmm.models.ops.slicing import CACHE_ATTR, leading_block

WIDTHS = (1.0, 0.75, 0.5, 0.25)


def conv_layer():
    torch.manual_seed(0)
    return SlimmableConv2d(ChannelSpec(8), ChannelSpec(16), 3, padding=1,
                           bias=True)


def sandwich_loss(layer, views):
    """Every width on every view, as a slimmable two-view step does."""
    total = 0
    for width in WIDTHS:
        layer.width = width
        for x in views:
            total = total + layer(x[:, :layer.in_spec.at(width)]).square(
            ).mean()
    layer.width = 1.0
    return total


def reference_grads(layer, views):
    """The same loss with a fresh slice at every use (plain autograd)."""
    weight = layer.weight.detach().clone().requires_grad_()
    bias = layer.bias.detach().clone().requires_grad_()
    total = 0
    for width in WIDTHS:
        i, o = layer.in_spec.at(width), layer.out_spec.at(width)
        for x in views:
            total = total + F.conv2d(x[:, :i], weight[:o, :i], bias[:o],
                                     padding=1).square().mean()
    total.backward()
    return weight.grad, bias.grad


def test_blocks_are_views_with_the_gradients_of_fresh_slices():
    layer = conv_layer()
    views = [torch.randn(2, 8, 5, 5) for _ in range(2)]
    block = leading_block(layer, 'weight', (12, 6))
    assert block.data_ptr() == layer.weight.data_ptr()
    assert torch.equal(block, layer.weight[:12, :6])
    assert leading_block(layer, 'weight', (12, 6)) is block
    assert leading_block(layer, 'weight', (16, 8)) is layer.weight

    sandwich_loss(layer, views).backward()
    weight_grad, bias_grad = reference_grads(layer, views)
    assert torch.allclose(layer.weight.grad, weight_grad, rtol=1e-5,
                          atol=1e-7)
    assert torch.allclose(layer.bias.grad, bias_grad, rtol=1e-5, atol=1e-7)


def _full_size_expansions(loss, param):
    """Graph nodes that hand a gradient straight to ``param``."""
    seen, stack, feeding = set(), [loss.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for parent, _ in node.next_functions:
            if parent is not None and getattr(parent, 'variable',
                                              None) is param:
                feeding += 1
            stack.append(parent)
    return feeding


def test_narrow_widths_reach_the_parameter_through_one_block():
    layer = conv_layer()
    views = [torch.randn(2, 8, 5, 5) for _ in range(2)]
    loss = sandwich_loss(layer, views)
    # The full width's two convs and the 0.75 block's slice: the 0.5 and
    # 0.25 blocks are cut from the 0.75 block, and the two views share
    # each. Fresh slices would feed the parameter once per use (2 + 6).
    assert _full_size_expansions(loss, layer.weight) == 3


def test_an_in_place_update_starts_new_blocks():
    layer = conv_layer()
    views = [torch.randn(2, 8, 5, 5)]
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.5)
    for _ in range(2):  # the second step sees the updated weights
        old = leading_block(layer, 'weight', (12, 6))
        optimizer.zero_grad()
        sandwich_loss(layer, views).backward()
        weight_grad, _ = reference_grads(layer, views)
        assert torch.allclose(layer.weight.grad, weight_grad, rtol=1e-5,
                              atol=1e-7)
        optimizer.step()
        new = leading_block(layer, 'weight', (12, 6))
        assert new is not old
        assert torch.equal(new, layer.weight[:12, :6])


def test_new_storage_and_grad_mode_start_new_blocks():
    layer = SlimmableLinear(ChannelSpec(8), ChannelSpec(4))
    layer.width = 0.5
    x = torch.randn(3, 4)
    layer(x)
    with torch.no_grad():
        cached = leading_block(layer, 'weight', (2, 4))
        assert cached.grad_fn is None
    assert leading_block(layer, 'weight', (2, 4)).grad_fn is not None
    layer.weight.data = torch.ones_like(layer.weight)  # e.g. .to(device)
    assert torch.equal(leading_block(layer, 'weight', (2, 4)),
                       torch.ones(2, 4))


def test_layers_with_cached_blocks_copy_and_pickle():
    layer = conv_layer()
    layer.width = 0.5
    layer(torch.randn(1, 4, 5, 5))
    assert getattr(layer, CACHE_ATTR)  # populated, with autograd history
    twin = copy.deepcopy(layer)
    assert CACHE_ATTR not in twin.__dict__
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    loaded = pickle.loads(pickle.dumps(layer))
    x = torch.randn(1, 4, 5, 5)
    assert torch.equal(twin(x), layer(x))
    assert torch.equal(loaded(x), layer(x))


def test_sliced_norms_share_their_affine_blocks():
    """SlicedBatchNorm2d / SlicedLayerNorm: gradients equal fresh slices,
    and the narrow widths reach the weight through the widest block."""
    from slimmm.models.ops import SlicedBatchNorm2d, SlicedLayerNorm
    torch.manual_seed(0)
    bn = SlicedBatchNorm2d(ChannelSpec(16), dict(type='BN'))
    ln = SlicedLayerNorm(ChannelSpec(16))
    for norm in (bn, ln):
        with torch.no_grad():
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    views = [torch.randn(4, 16, 3, 3) for _ in range(2)]
    weight = {n: m.weight.detach().clone().requires_grad_()
              for n, m in (('bn', bn), ('ln', ln))}
    total, reference = 0, 0
    for width in WIDTHS:
        c = bn.spec.at(width)
        bn.width = ln.width = width
        for x in views:
            total = total + bn(x[:, :c]).pow(3).mean()
            total = total + ln(x[:, :c].permute(0, 2, 3, 1)).pow(3).mean()
            reference = reference + F.batch_norm(
                x[:, :c], None, None, weight['bn'][:c], bn.bias[:c].detach(),
                True).pow(3).mean()
            reference = reference + F.layer_norm(
                x[:, :c].permute(0, 2, 3, 1), (c, ), weight['ln'][:c],
                ln.bias[:c].detach(), ln.eps).pow(3).mean()
    assert _full_size_expansions(total, bn.weight) == 3
    assert _full_size_expansions(total, ln.weight) == 3
    total.backward()
    reference.backward()
    for name, norm in (('bn', bn), ('ln', ln)):
        assert torch.allclose(norm.weight.grad, weight[name].grad,
                              rtol=1e-5, atol=1e-6), name
