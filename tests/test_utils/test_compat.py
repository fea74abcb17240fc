import cv2
import numpy as np
from mmpretrain.datasets.transforms import ColorJitter

import slimmm  # noqa: F401  (applies the patch)
from slimmm.utils.compat import _ORIGINAL, _adjust_hue


def _image():
    return (np.random.RandomState(0).rand(16, 16, 3) * 255).astype(np.uint8)


def _rotate_hue(img, shift):
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = (hsv[..., 0].astype(int) + shift) % 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL)


def test_positive_hue_matches_mmcv():
    img = _image()
    np.testing.assert_array_equal(
        _adjust_hue(img, 0.2), _ORIGINAL['adjust_hue'](img, 0.2))


def test_negative_hue_wraps_like_numpy1():
    img = _image()
    # numpy 1 cast int(-0.1 * 255) = -25 to uint8 231
    np.testing.assert_array_equal(_adjust_hue(img, -0.1),
                                  _rotate_hue(img, 231))


def test_color_jitter_with_hue_runs_under_numpy2():
    jitter = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4,
                         hue=0.4)
    np.random.seed(0)
    for _ in range(20):
        out = jitter(dict(img=_image()))
        assert out['img'].shape == (16, 16, 3)
