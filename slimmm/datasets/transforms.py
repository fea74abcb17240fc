"""Data transforms of slimmm's pipelines."""
from typing import Dict

import mmcv
from mmpretrain.datasets.transforms import ColorJitter as MMPretrainJitter

from ..registry import TRANSFORMS
from ..utils.compat import adjust_hue


@TRANSFORMS.register_module()
class ColorJitter(MMPretrainJitter):
    """mmpretrain's ``ColorJitter`` with a hue shift that works on numpy 2
    (:func:`slimmm.utils.compat.adjust_hue`; mmcv 2.1's raises
    ``OverflowError`` for a negative shift). Same arguments, same random
    draws; use it as ``dict(type='slimmm.ColorJitter', ...)``.
    """

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = mmcv.adjust_brightness(img, brightness,
                                             backend=self.backend)
            elif index == 1 and contrast is not None:
                img = mmcv.adjust_contrast(img, contrast,
                                           backend=self.backend)
            elif index == 2 and saturation is not None:
                img = mmcv.adjust_color(img, alpha=saturation,
                                        backend=self.backend)
            elif index == 3 and hue is not None:
                img = adjust_hue(img, hue, backend=self.backend)
        results['img'] = img
        return results
