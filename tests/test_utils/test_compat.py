"""slimmm's numpy-2-safe hue shift and the slimmm.ColorJitter that uses it;
importing slimmm patches nothing."""
import cv2
import mmcv
import numpy as np
import pytest
from mmengine.registry import TRANSFORMS

import slimmm  # noqa: F401
from slimmm.utils.compat import adjust_hue


def _image():
    return (np.random.RandomState(0).rand(16, 16, 3) * 255).astype(np.uint8)


def _rotate_hue(img, shift):
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = (hsv[..., 0].astype(int) + shift) % 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL)


@pytest.mark.parametrize('factor', [-0.1, 0.2])
def test_same_as_mmcv_on_the_supported_numpy(factor):
    """slimmm requires numpy<2, on which mmcv's adjust_hue works, and
    slimmm's gives the same image; slimmm.ColorJitter remains for
    environments where another package forces numpy 2."""
    assert np.__version__ < '2'
    assert mmcv.adjust_hue.__module__.startswith('mmcv')  # not patched
    img = _image()
    np.testing.assert_array_equal(adjust_hue(img, factor),
                                  mmcv.adjust_hue(img, factor))


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
def test_positive_hue_matches_mmcv(backend):
    img = _image()
    np.testing.assert_array_equal(
        adjust_hue(img, 0.2, backend=backend),
        mmcv.adjust_hue(img, 0.2, backend=backend))


def test_negative_hue_wraps_like_numpy1():
    img = _image()
    # numpy 1 cast int(-0.1 * 255) = -25 to uint8 231
    np.testing.assert_array_equal(adjust_hue(img, -0.1),
                                  _rotate_hue(img, 231))


def test_slimmm_color_jitter_with_hue_runs_under_numpy2():
    jitter = TRANSFORMS.build(
        dict(type='slimmm.ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.4))
    np.random.seed(0)
    for _ in range(20):
        out = jitter(dict(img=_image()))
        assert out['img'].shape == (16, 16, 3)
