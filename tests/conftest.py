"""Shared fixtures: the tiny synthetic data (ImageNet, COCO and VOC layouts)
and a slimmable ResNet-18 checkpoint are made once per session, and each
shipped tiny config is run once by the stock train.py."""
import os
import os.path as osp
import socket
import sys

import pytest
import torch

import slimmm  # noqa: F401

# The tools' own modules (tools/benchmarks/transfer_runs.py, main_job.py),
# importable as the scripts beside them import them.
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(
    __file__))), 'tools', 'benchmarks'))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Short temporary paths (``/tmp/ptXXXXXXXX/<test>0/``) unless
    ``--basetemp`` is given. mmengine formats the whole config with yapf
    when a Runner starts and at every checkpoint, and data roots of 60 or
    more characters in nested dicts make that formatting take 0.4-1 s
    instead of 0.1 s, several times per run: minutes over the suite."""
    if config.option.basetemp is None:
        import tempfile
        config.option.basetemp = tempfile.mkdtemp(prefix='pt')
        config._slimmm_basetemp = config.option.basetemp


def pytest_unconfigure(config):
    made = getattr(config, '_slimmm_basetemp', None)
    if made is not None:
        import shutil
        shutil.rmtree(made, ignore_errors=True)


# One intra-op thread: the suite starts several processes at once (gloo
# ranks, tool subprocesses) and oversubscribed OpenMP threads spin-wait,
# turning millisecond forwards into seconds on a 2-core machine.
os.environ.setdefault('OMP_NUM_THREADS', '1')
torch.set_num_threads(1)


@pytest.fixture(scope='session', autouse=True)
def forked_tool_launches():
    """``tools/benchmarks/transfer_runs.py`` (the transfer runner and the
    main job) starts ``python tools/train.py`` / ``tools/test.py`` as processes
    forked from the tool server of tests/tool_processes.py: the same
    processes, commands, logs and exit statuses, without 5 s of imports
    each."""
    import subprocess
    import types

    import tool_processes
    import transfer_runs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transfer_runs, 'subprocess', types.SimpleNamespace(
            call=tool_processes.call, STDOUT=subprocess.STDOUT))
        yield


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
def tiny_ade20k(tmp_path_factory):
    """Tiny ADE20K (the generator's defaults: what the tiny segmentation
    config generates, 32 train / 16 val images of 64 px)."""
    from slimmm.datasets import make_tiny_ade20k
    return make_tiny_ade20k(str(tmp_path_factory.mktemp('tiny_ade20k')))


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


@pytest.fixture(scope='session')
def readme_layout(tmp_path_factory, tiny_imagenet, small_coco, small_voc,
                  tiny_ade20k, r18_checkpoint):
    """A working folder laid out as the README's tiny runs expect
    (``data/tiny_{imagenet,coco,voc,ade20k}``, the label subsets,
    ``work_dirs/main_job/pretrain/{slimmable,us}-r18.pth``)."""
    from slimmm.datasets.label_subset import write_label_subset
    from slimmm.models import SlimmableResNet
    root = tmp_path_factory.mktemp('readme_layout')
    meta = osp.join(tiny_imagenet['root'], 'meta')
    for pct in (1, 10):
        subset = osp.join(meta, f'train_{pct}pct_seed0.txt')
        if not osp.exists(subset):
            write_label_subset(osp.join(meta, 'train.txt'), subset,
                               pct / 100, seed=0)
    (root / 'data' / 'tiny_voc').mkdir(parents=True)
    os.symlink(tiny_imagenet['root'], root / 'data' / 'tiny_imagenet')
    os.symlink(small_coco['root'], root / 'data' / 'tiny_coco')
    os.symlink(small_voc['devkit'], root / 'data' / 'tiny_voc' / 'VOCdevkit')
    os.symlink(tiny_ade20k['root'], root / 'data' / 'tiny_ade20k')
    pretrain = root / 'work_dirs' / 'main_job' / 'pretrain'
    pretrain.mkdir(parents=True)
    os.symlink(r18_checkpoint, pretrain / 'slimmable-r18.pth')
    # The main job's configs read a half-channel R-18 checkpoint.
    half = SlimmableResNet(18, stem_channels=32, base_channels=32,
                           widths=[1.0, 0.75, 0.5, 0.25])
    half.init_weights()
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               half.state_dict().items()}},
               str(pretrain / 'slimmable-r18-half.pth'))
    # The US3L probe reads a universally slimmable checkpoint.
    universal = SlimmableResNet(18, width_range=(0.25, 1.0))
    universal.init_weights()
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               universal.state_dict().items()}},
               str(pretrain / 'us-r18.pth'))
    # The tiny CIFAR probe reads the tiny CIFAR pretraining's last
    # checkpoint from that config's default work_dir.
    from slimmm.models import SlimmableResNetCIFAR
    cifar = SlimmableResNetCIFAR(18, stem_channels=16, base_channels=16,
                                 width_range=(0.25, 1.0), channel_rule='layer')
    cifar.init_weights()
    cifar_dir = root / 'work_dirs' / 'us3l_us-r18-cifar_1xb32-tiny_cifar100'
    cifar_dir.mkdir(parents=True)
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               cifar.state_dict().items()}},
               str(cifar_dir / 'epoch_8.pth'))
    # The tiny recognition transfer configs read the tiny US3L pretraining's.
    us3l = SlimmableResNet(18, stem_channels=32, base_channels=32,
                           width_range=(0.25, 1.0), channel_rule='layer')
    us3l.init_weights()
    us3l_dir = root / 'work_dirs' / 'us3l_us-r18_1xb32-tiny'
    us3l_dir.mkdir(parents=True)
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               us3l.state_dict().items()}},
               str(us3l_dir / 'epoch_8.pth'))
    return root


@pytest.fixture(scope='session')
def stock_train_run(readme_layout, tmp_path_factory):
    """``stock_train_run(config)``: the config trained for two iterations
    by the stock ``train.py`` of its ``default_scope`` (mmdet or
    mmpretrain), once per session; returns ``dict(work_dir, records)``."""
    from mmengine.config import Config
    from stock_tools import (logged_records, run_stock_tool, stock_tool,
                             two_iteration_options)
    runs = {}

    def run(config):
        if config not in runs:
            cfg = Config.fromfile(config)
            options = two_iteration_options(cfg)
            work_dir = str(tmp_path_factory.mktemp('stock_train'))
            with pytest.MonkeyPatch.context() as patch:
                patch.chdir(readme_layout)
                run_stock_tool(
                    stock_tool(cfg.default_scope, 'train.py'),
                    [config, '--work-dir', work_dir, '--cfg-options'] +
                    [f'{key}={value}' for key, value in options.items()])
            runs[config] = dict(work_dir=work_dir,
                                records=logged_records(work_dir))
        return runs[config]

    return run


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


@pytest.fixture
def short_tmp_path():
    """A temporary folder with a shorter path than ``tmp_path``
    (``/tmp/sXXXXXXXX``, no test name), removed afterwards: for the tests
    that start many Runners with data roots in nested configs (see
    :func:`pytest_configure`)."""
    import pathlib
    import shutil
    import tempfile
    path = tempfile.mkdtemp(prefix='s')
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)
