"""slimmm: slimmable self-supervised pretraining on the OpenMMLab stack.

Install the MM way: torch first, then mmcv (``requirements/mminstall.txt``,
built with ops), then ``pip install -e .``; ``tools/setup_env.sh`` does all of
it on a fresh machine.
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    path = osp.join(HERE, 'requirements', name)
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line and not line.startswith('-')]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'slimmm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


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
