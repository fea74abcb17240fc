"""Compatibility fixes for the pinned OpenMMLab stack on numpy 2.

mmcv 2.1's ``adjust_hue`` shifts the hue channel with
``np.uint8(hue_factor * 255)``, which numpy >= 2 refuses for a negative
factor (``OverflowError``), so any ``ColorJitter(hue=...)`` pipeline (MoCo,
BYOL, every ImageNet recipe here) crashes about half of the time. The fix
below does the same uint8 rotation with the shift taken modulo 256, which
is what numpy 1's wrapping cast did.
"""
import numpy as np


def _adjust_hue(img: np.ndarray, hue_factor: float,
                backend=None) -> np.ndarray:
    import cv2
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor:{hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and img.ndim == 3
            and img.shape[2] == 3):
        raise TypeError('adjust_hue takes a 3-channel BGR image.')
    if backend not in (None, 'cv2'):
        return _ORIGINAL['adjust_hue'](img, hue_factor, backend=backend) \
            if hue_factor >= 0 else _pillow_hue(img, hue_factor)
    dtype = img.dtype
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
    shift = int(hue_factor * 255) % 256
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + shift) % 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(dtype)


def _pillow_hue(img: np.ndarray, hue_factor: float) -> np.ndarray:
    from PIL import Image
    image = Image.fromarray(img[..., ::-1].astype(np.uint8))
    h, s, v = image.convert('HSV').split()
    shift = int(hue_factor * 255) % 256
    h = Image.fromarray(
        ((np.asarray(h, dtype=np.int32) + shift) % 256).astype(np.uint8), 'L')
    out = Image.merge('HSV', (h, s, v)).convert('RGB')
    return np.asarray(out, dtype=img.dtype)[..., ::-1]


_ORIGINAL = {}


def patch_mmcv_adjust_hue() -> None:
    """Replace mmcv's ``adjust_hue`` where mmpretrain / mmdet look it up."""
    import mmcv
    import mmcv.image
    import mmcv.image.photometric as photometric
    if getattr(mmcv.adjust_hue, '__module__', '') == __name__:
        return
    _ORIGINAL['adjust_hue'] = photometric.adjust_hue
    for module in (mmcv, mmcv.image, photometric):
        module.adjust_hue = _adjust_hue
