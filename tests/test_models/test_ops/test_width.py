"""Width spaces and the width state (set_width / using_width)."""
import pytest
import torch.nn as nn

from slimmm.models.ops import (ChannelSpec, SlimmableConv2d, get_width,
                               set_width, using_width, width_key)
from slimmm.models.ops.width import (SwitchableWidths, UniversalWidths,
                                     build_width_space)


def make_model():
    return nn.Sequential(
        SlimmableConv2d(ChannelSpec(4), ChannelSpec(8), 1),
        nn.ReLU(), SlimmableConv2d(ChannelSpec(8), ChannelSpec(8), 1))


def test_set_width_reaches_every_slimmable_layer():
    model = make_model()
    set_width(model, 0.5)
    assert [m.width for m in model if isinstance(m, SlimmableConv2d)] == \
        [0.5, 0.5]
    assert get_width(model) == 0.5


def test_using_width_restores_even_after_an_error():
    model = make_model()
    set_width(model, 0.75)
    with using_width(model, 0.25):
        assert get_width(model) == 0.25
    assert get_width(model) == 0.75
    with pytest.raises(RuntimeError):
        with using_width(model, 0.5):
            raise RuntimeError('boom')
    assert get_width(model) == 0.75


def test_width_key():
    assert [width_key(w) for w in (1.0, 0.75, 0.5, 0.25)] == \
        ['1', '0_75', '0_5', '0_25']


@pytest.mark.parametrize('widths, match', [
    ([1.0, 0.25, 0.5], 'descending'),
    ([1.5, 1.0], r'\(0, 1\]'),
    ([1.0, 0.0], r'\(0, 1\]'),
    ([1.0, -0.5], r'\(0, 1\]'),
    ([0.75, 0.5], 'first width must be 1.0'),
    ([], 'empty'),
])
def test_bad_width_lists(widths, match):
    with pytest.raises(ValueError, match=match):
        SwitchableWidths(widths)


def test_width_checks_name_the_allowed_widths():
    space = SwitchableWidths([1.0, 0.75, 0.5, 0.25])
    assert space.check(0.5) == 0.5
    with pytest.raises(ValueError, match=r'\[1.0, 0.75, 0.5, 0.25\]'):
        space.check(0.6)
    universal = UniversalWidths((0.25, 1.0))
    assert universal.check(0.6) == 0.6
    with pytest.raises(ValueError, match=r'\[0.25, 1.0\]'):
        universal.check(0.2)
    with pytest.raises(ValueError, match='exactly one'):
        build_width_space([1.0], (0.25, 1.0))
    with pytest.raises(ValueError, match=r'\(min, 1.0\)'):
        UniversalWidths((0.5, 0.25))


def test_metric_prefix_and_its_inverse():
    from slimmm.models.ops import metric_prefix, split_metric_key
    for width in (1.0, 0.75, 0.5, 0.25, 0.6, 0.35):
        key = f'{metric_prefix(width)}/coco/bbox_mAP'
        assert split_metric_key(key) == (width, 'coco/bbox_mAP')
    assert metric_prefix(1) == 'width_1.0'
    for key in ('coco/bbox_mAP', 'accuracy/top1', 'width_x/top1',
                'width_0.5'):
        assert split_metric_key(key) is None, key
