"""Fixtures of the detection transfer tests: small tiny-COCO / tiny-VOC and
a slimmable ResNet-18 checkpoint saved as a whole model (``backbone.``)."""
import pytest
import torch

from det_helpers import WIDTHS


@pytest.fixture(scope='session')
def small_coco(tmp_path_factory):
    from slimmm.datasets import make_tiny_coco
    return make_tiny_coco(str(tmp_path_factory.mktemp('small_coco')),
                          num_train=8, num_val=4, image_size=64)


@pytest.fixture(scope='session')
def small_voc(tmp_path_factory):
    from slimmm.datasets import make_tiny_voc
    return make_tiny_voc(str(tmp_path_factory.mktemp('small_voc')),
                         images_per_year=6, image_size=64)


@pytest.fixture(scope='session')
def r18_checkpoint(tmp_path_factory):
    """A slimmable R-18 [1, .75, .5, .25] checkpoint with non-trivial BN
    statistics (so that a wrong BN per width would show)."""
    from slimmm.models import SlimmableResNet
    from slimmm.models.ops import set_width
    torch.manual_seed(0)
    net = SlimmableResNet(18, widths=WIDTHS, out_indices=(0, 1, 2, 3))
    net.init_weights()
    net.train()
    with torch.no_grad():
        for width in WIDTHS:
            set_width(net, width)
            net(torch.randn(2, 3, 64, 64) * 2 + 0.5)
    state = {f'backbone.{k}': v for k, v in net.state_dict().items()}
    path = str(tmp_path_factory.mktemp('ckpt') / 'slimmable_r18.pth')
    torch.save(dict(state_dict=state, meta=dict(widths=WIDTHS)), path)
    return path
