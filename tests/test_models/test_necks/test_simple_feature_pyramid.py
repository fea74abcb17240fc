"""ViTDet's simple feature pyramid: five levels of strides 4-64 from one
stride-16 map, channels halved per upsampling, one input only."""
import pytest
import torch

from slimmm.models.necks import SimpleFeaturePyramid


def test_levels_from_one_stride16_map():
    neck = SimpleFeaturePyramid([48], out_channels=16)
    x = torch.rand(2, 48, 6, 8)  # a 96 x 128 image at stride 16
    outs = neck((x, ))
    assert [tuple(o.shape) for o in outs] == [
        (2, 16, 24, 32), (2, 16, 12, 16), (2, 16, 6, 8), (2, 16, 3, 4),
        (2, 16, 2, 2)]
    # Scale 4 deconvolves 48 -> 24 -> 12 channels, scale 2 48 -> 24.
    assert neck.resamplers[0][3].out_channels == 12
    assert neck.resamplers[1].out_channels == 24
    assert [c.conv.in_channels for c in neck.lateral_convs] == [12, 24, 48, 48]
    assert neck.in_channels == 48


def test_one_input_only():
    with pytest.raises(ValueError, match=r'ONE backbone output.*\[8, 16\]'):
        SimpleFeaturePyramid([8, 16])
    neck = SimpleFeaturePyramid(8, out_channels=4, num_outs=4)
    with pytest.raises(ValueError, match='got 2'):
        neck((torch.rand(1, 8, 4, 4), torch.rand(1, 8, 2, 2)))
    with pytest.raises(ValueError, match=r'scale_factors \[3.0\]'):
        SimpleFeaturePyramid(8, scale_factors=(3., ))
