"""A hue shift that works on numpy 2 (mmcv 2.1's ``adjust_hue`` does not).

mmcv 2.1's ``adjust_hue`` shifts the hue channel with
``np.uint8(hue_factor * 255)``, which numpy >= 2 refuses for a negative
factor (``OverflowError``), so ``ColorJitter(hue=...)`` (MoCo, BYOL, every
ImageNet recipe here) crashes about half of the time. :func:`adjust_hue`
does the same uint8 rotation with the shift taken modulo 256, which is what
numpy 1's wrapping cast did. slimmm patches nothing: its configs use
``slimmm.ColorJitter`` (:mod:`slimmm.datasets.transforms`), which calls
this function. ``tests/test_utils/test_compat.py`` fails once mmcv's own
function works on numpy 2, the signal to drop both.
"""
import numpy as np


def _rotate(hue: np.ndarray, hue_factor: float) -> np.ndarray:
    shift = int(hue_factor * 255) % 256
    return ((hue.astype(np.int32) + shift) % 256).astype(np.uint8)


def adjust_hue(img: np.ndarray, hue_factor: float,
               backend: str = 'cv2') -> np.ndarray:
    """Rotate the hue of a BGR image by ``hue_factor`` of a turn.

    Args:
        img (ndarray): ``(H, W, 3)`` BGR image.
        hue_factor (float): In ``[-0.5, 0.5]``.
        backend (str): ``'cv2'`` or ``'pillow'`` (whose HSV conversion
            differs slightly, as in mmcv).

    Returns:
        ndarray: The image, of ``img``'s dtype.
    """
    import cv2
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor must be in [-0.5, 0.5], got '
                         f'{hue_factor}.')
    if not (isinstance(img, np.ndarray) and img.ndim == 3
            and img.shape[2] == 3):
        raise TypeError('adjust_hue takes an (H, W, 3) BGR image, got '
                        f'{getattr(img, "shape", type(img))}.')
    if backend == 'pillow':
        from PIL import Image
        image = Image.fromarray(img[..., ::-1].astype(np.uint8))
        h, s, v = image.convert('HSV').split()
        h = Image.fromarray(_rotate(np.asarray(h), hue_factor), 'L')
        out = Image.merge('HSV', (h, s, v)).convert('RGB')
        return np.asarray(out, dtype=img.dtype)[..., ::-1]
    if backend != 'cv2':
        raise ValueError(f"backend must be 'cv2' or 'pillow', got "
                         f'{backend!r}.')
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = _rotate(hsv[..., 0], hue_factor)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(img.dtype)
