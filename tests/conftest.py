"""Shared fixtures: the tiny synthetic data is generated once per session."""
import os
import socket

import pytest
import torch

import slimmm  # noqa: F401

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


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
