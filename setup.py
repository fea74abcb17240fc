"""slimmm: slimmable self-supervised pretraining on the OpenMMLab stack.

Install the MM way: torch first, then mmcv (``requirements/mminstall.txt``,
built with ops), then ``pip install -e .``; ``tools/setup_env.sh`` does all of
it on a fresh machine (docs/get_started.md).

Like mmdet and mmpretrain, the package carries ``configs/``, ``tools/`` and
``model-index.yml`` in ``slimmm/.mim/``, which is where openmim looks for
them (``mim train slimmm CONFIG``, ``mim test slimmm``, ``mim search
slimmm``).
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    path = osp.join(HERE, 'requirements', name)
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line and not line.startswith('-')]


#: What openmim needs next to the package: the configs (``mim train`` finds
#: a config by its file name), the tools it launches and the model index
#: ``mim search`` reads.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def mim_install_mode(argv):
    """How :func:`add_mim_extension` places the mim files, from the setup
    command: ``'symlink'`` for editable installs (the links follow the
    working tree), ``'copy'`` for wheels and source distributions, None
    for other commands (e.g. ``egg_info``), which need no files."""
    if 'develop' in argv or 'editable_wheel' in argv:
        return 'copy' if os.name == 'nt' else 'symlink'
    if 'sdist' in argv or 'bdist_wheel' in argv or 'build' in argv:
        return 'copy'
    return None


def add_mim_extension(mode):
    """Put configs/, tools/ and model-index.yml into ``slimmm/.mim/``."""
    if mode is None:
        return
    mim_path = osp.join(HERE, 'slimmm', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src_path = osp.join(HERE, name)
        tar_path = osp.join(mim_path, name)
        if osp.islink(tar_path) or osp.isfile(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        if mode == 'symlink':
            os.symlink(osp.relpath(src_path, mim_path), tar_path)
        elif osp.isdir(src_path):
            shutil.copytree(
                src_path, tar_path,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src_path, tar_path)


def read_version():
    scope = {}
    with open(osp.join(HERE, 'slimmm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


add_mim_extension(mim_install_mode(sys.argv))
setup(
    name='slimmm',
    version=read_version(),
    description='Slimmable self-supervised pretraining and per-width '
    'transfer on mmengine / mmpretrain / mmdet',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    include_package_data=True,
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'build': read_requirements('build.txt'),
        'mim': read_requirements('mminstall.txt'),
        'optional': read_requirements('optional.txt'),
        'all': read_requirements('runtime.txt') +
        read_requirements('tests.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False,
)
