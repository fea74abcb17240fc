"""Shared fixtures: the tiny synthetic data is generated once per session."""
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
