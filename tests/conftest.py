"""Shared fixtures: the tiny synthetic data (ImageNet, COCO and VOC layouts)
and a slimmable ResNet-18 checkpoint are made once per session."""
import os
import socket

import pytest
import torch

import slimmm  # noqa: F401

# One intra-op thread: the suite starts several processes at once (gloo
# ranks, tool subprocesses) and oversubscribed OpenMP threads spin-wait,
# turning millisecond forwards into seconds on a 2-core machine.
os.environ.setdefault('OMP_NUM_THREADS', '1')
torch.set_num_threads(1)


@pytest.fixture(scope='session')
def tiny_imagenet(tmp_path_factory):
    """Tiny ImageNet-layout dataset (10 classes of drawn shapes, 64 px)."""
    from slimmm.datasets import make_tiny_imagenet
    root = tmp_path_factory.mktemp('tiny_imagenet')
    return make_tiny_imagenet(str(root))


@pytest.fixture(scope='session')
def small_coco(tmp_path_factory):
    """Tiny COCO (8 train / 4 val images of 64 px)."""
    from slimmm.datasets import make_tiny_coco
    return make_tiny_coco(str(tmp_path_factory.mktemp('small_coco')),
                          num_train=8, num_val=4, image_size=64)


@pytest.fixture(scope='session')
def small_voc(tmp_path_factory):
    """Tiny VOC 07+12 (6 images per year, 64 px)."""
    from slimmm.datasets import make_tiny_voc
    return make_tiny_voc(str(tmp_path_factory.mktemp('small_voc')),
                         images_per_year=6, image_size=64)


@pytest.fixture(scope='session')
def r18_checkpoint(tmp_path_factory):
    """A slimmable R-18 [1, .75, .5, .25] checkpoint saved as a whole model
    (``backbone.``), with non-trivial BN statistics (so that a wrong BN per
    width would show)."""
    from slimmm.models import SlimmableResNet
    from slimmm.models.ops import set_width
    widths = [1.0, 0.75, 0.5, 0.25]
    torch.manual_seed(0)
    net = SlimmableResNet(18, widths=widths, out_indices=(0, 1, 2, 3))
    net.init_weights()
    net.train()
    with torch.no_grad():
        for width in widths:
            set_width(net, width)
            net(torch.randn(2, 3, 64, 64) * 2 + 0.5)
    state = {f'backbone.{k}': v for k, v in net.state_dict().items()}
    path = str(tmp_path_factory.mktemp('ckpt') / 'slimmable_r18.pth')
    torch.save(dict(state_dict=state, meta=dict(widths=widths)), path)
    return path


@pytest.fixture
def free_port():
    """A free TCP port on loopback for gloo process groups."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def _session_default_scopes():
    from mmengine.registry import DefaultScope
    return DefaultScope._instance_dict.copy()


@pytest.fixture(autouse=True)
def isolated_default_scope(_session_default_scopes):
    """After each test, mmengine's default scopes are what the session
    started with: a Runner built by a test (or by a module-scoped fixture)
    sets the default scope (e.g. 'mmpretrain'), which would redirect later
    unscoped builds to that registry and make results depend on test order."""
    from mmengine.registry import DefaultScope
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(_session_default_scopes)
