"""Bad data is caught before compute with one line naming the path and the
fix; tiny data is generated on first use; every sample's augmentation is a
function of (seed, epoch, index)."""
import json
import os
import os.path as osp
import random
import shutil

import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from tool_processes import run_tool

from slimmm.apis import load_config
from slimmm.datasets import DataInputError, ReproducibleSampler, check_data
from slimmm.datasets.samplers import SampleIndex, sample_seed
from slimmm.engine.hooks.exact_resume_hook import reproducible_training_sampler

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(REPO,
                'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py')
PROBE = osp.join(REPO, 'configs/benchmarks/linear_probe/'
                 'slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py')


def probe_cfg(root, plain=False):
    """The tiny probe config on ``root`` (its train and val datasets);
    ``plain``: mmpretrain's CustomDataset, which does not generate data."""
    cfg = load_config(PROBE, {f'{key}.dataset.data_root': root for key in (
        'train_dataloader', 'val_dataloader', 'test_dataloader')})
    if plain:
        for key in ('train_dataloader', 'val_dataloader',
                    'test_dataloader'):
            cfg[key].dataset.type = 'CustomDataset'
    return cfg


@pytest.fixture
def copy_of_tiny(tiny_imagenet, tmp_path):
    root = str(tmp_path / 'tiny_imagenet')
    shutil.copytree(tiny_imagenet['root'], root)
    return root


def test_missing_and_empty_roots(tmp_path):
    real = str(tmp_path / 'imagenet')
    with pytest.raises(DataInputError, match=r"'.*imagenet' does not "
                       r'exist; point data_root at the ImageNet dataset, '
                       r'laid out as <root>/\{train,val\}/<class>/<image>'):
        check_data(probe_cfg(real, plain=True))
    os.makedirs(real)
    with pytest.raises(DataInputError, match='imagenet.* is empty'):
        check_data(probe_cfg(real, plain=True))


def test_tiny_data_is_made_on_first_use(tiny_imagenet, tmp_path):
    root = str(tmp_path / 'fresh' / 'tiny_imagenet')
    # Built as the stock mmpretrain tools/train.py builds it (the Runner,
    # the config's registry scope), no slimmm tool involved.
    cfg = probe_cfg(root)
    DefaultScope.get_instance('first-use', scope_name='mmpretrain')
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    assert len(loader.dataset) == tiny_imagenet['num_train']
    with open(osp.join(root, 'meta', 'train.txt')) as f:
        made = f.read()
    with open(osp.join(tiny_imagenet['root'], 'meta', 'train.txt')) as f:
        assert made == f.read()  # deterministic: the same as the fixture's
    assert check_data(cfg)[0]['num_images'] == tiny_imagenet['num_train']
    # The generator's refusal of a folder made with other settings stays.
    with open(osp.join(root, 'meta', 'generator.json')) as f:
        stamp = json.load(f)
    with open(osp.join(root, 'meta', 'generator.json'), 'w') as f:
        json.dump(dict(stamp, seed=stamp['seed'] + 1), f)
    with pytest.raises(DataInputError, match='left untouched'):
        check_data(cfg)


def test_malformed_list_and_missing_images(copy_of_tiny):
    cfg = probe_cfg(copy_of_tiny)
    ann = osp.join(copy_of_tiny, 'meta', 'train.txt')
    cfg.train_dataloader.dataset.ann_file = 'meta/train.txt'
    cfg.train_dataloader.dataset.data_prefix = 'train'
    with open(ann) as f:
        lines = f.read().splitlines()
    assert check_data(cfg, ['train_dataloader'])[0]['num_images'] == len(
        lines)
    with open(ann, 'w') as f:
        f.write('\n'.join(lines[:3] + ['n0_circle/x.JPEG circle']))
    with pytest.raises(DataInputError,
                       match='train.txt.* line 4 is malformed'):
        check_data(cfg, ['train_dataloader'])
    with open(ann, 'w') as f:
        f.write('\n'.join(lines))
    gone = osp.join(copy_of_tiny, 'train', lines[5].split()[0])
    os.remove(gone)
    with pytest.raises(DataInputError, match=f"names '{gone}', which "
                       'does not exist'):
        check_data(cfg, ['train_dataloader'])


def test_missing_coco_and_voc_images(tmp_path):
    from slimmm.datasets import make_tiny_coco, make_tiny_voc
    from slimmm.datasets.checks import check_coco_annotation, check_voc_split
    coco = make_tiny_coco(str(tmp_path / 'coco'), num_train=4, num_val=2,
                          image_size=32)
    images = str(tmp_path / 'coco' / 'val2017')
    gone = osp.join(images, sorted(os.listdir(images))[0])
    os.remove(gone)
    with pytest.raises(DataInputError, match=f"instances_val2017.json' "
                       f"names '{gone}', which does not exist"):
        check_coco_annotation(coco['ann_files']['val'], images)
    make_tiny_voc(str(tmp_path / 'voc'), images_per_year=4, image_size=32)
    devkit = str(tmp_path / 'voc' / 'VOCdevkit' / 'VOC2007')
    listed = osp.join(devkit, 'ImageSets', 'Main', 'trainval.txt')
    with open(listed) as f:
        first = f.readline().strip()
    gone = osp.join(devkit, 'JPEGImages', f'{first}.jpg')
    os.remove(gone)
    with pytest.raises(DataInputError, match=f"trainval.txt' names "
                       f"'{gone}', which does not exist"):
        check_voc_split(devkit, listed, devkit)


def test_train_py_missing_root_is_one_line(tmp_path):
    root = str(tmp_path / 'tiny_imagenet')
    proc = run_tool(
        [osp.join(REPO, 'tools/train.py'), TINY,
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         'train_dataloader.dataset.type=CustomDataset',
         f'train_dataloader.dataset.data_root={root}'], timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: Dataset root '{root}' does not exist; create it with: "
        'python tools/dataset_converters/make_tiny_data.py imagenet --out '
        f'{root}.')
    assert not osp.exists(tmp_path / 'work')  # nothing was started


def reproducible_loader(loader_cfg):
    """The training loader as slimmm.ExactResumeHook leaves it (the config
    names mmengine's DefaultSampler) and the sampler it draws from."""
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    return loader, reproducible_training_sampler(loader)


def fetch(loader_cfg, epoch, index):
    DefaultScope.get_instance(f'fetch-{epoch}-{index}',
                              scope_name='mmpretrain')
    loader, _ = reproducible_loader(loader_cfg)
    dataset = loader.dataset
    return dataset.__getitems__([SampleIndex(index, sample_seed(0, epoch,
                                                                index))])[0]


def test_augmentation_is_a_function_of_seed_epoch_index(tiny_imagenet):
    cfg = load_config(TINY, {
        'train_dataloader.dataset.data_root': tiny_imagenet['root']})
    first = fetch(cfg.train_dataloader, 1, 7)
    random.seed(5)
    np.random.seed(5)
    torch.manual_seed(5)
    before = (random.random(), np.random.rand(), torch.rand(1))
    random.seed(5)
    np.random.seed(5)
    torch.manual_seed(5)
    again = fetch(cfg.train_dataloader, 1, 7)  # another history
    # Loading data does not move the process's generators.
    assert (random.random(), np.random.rand(), torch.rand(1)) == before
    views = first['inputs']
    assert all(torch.equal(a, b) for a, b in zip(views, again['inputs']))
    other_epoch = fetch(cfg.train_dataloader, 2, 7)
    assert not torch.equal(views[0], other_epoch['inputs'][0])


def test_sampler_skips_the_used_part_of_an_epoch(tiny_imagenet):
    cfg = load_config(TINY, {
        'train_dataloader.dataset.data_root': tiny_imagenet['root']})
    DefaultScope.get_instance('sampler', scope_name='mmpretrain')
    loader, sampler = reproducible_loader(cfg.train_dataloader)
    assert isinstance(sampler, ReproducibleSampler)
    assert loader.batch_sampler.sampler is sampler
    sampler.set_epoch(3)
    whole = list(sampler)
    sampler.skip(10)
    assert list(sampler) == whole[10:]
    assert list(sampler) == whole  # once
    assert whole[4].seed == sample_seed(0, 3, int(whole[4]))


def test_corrupt_image_is_named(copy_of_tiny):
    cfg = probe_cfg(copy_of_tiny)
    DefaultScope.get_instance('corrupt', scope_name='mmpretrain')
    loader, _ = reproducible_loader(cfg.train_dataloader)
    dataset = loader.dataset
    path = dataset.get_data_info(0)['img_path']
    with open(path, 'wb') as f:
        f.write(b'not a JPEG')
    with pytest.raises(DataInputError, match=f'Cannot load sample 0 '
                       f'\\({path}\\).*Replace or delete the file'):
        dataset.__getitems__([SampleIndex(0, 1)])


TINY_COCO_DET = osp.join(REPO, 'configs/benchmarks/mmdetection/'
                         'mask-rcnn_slimmable-r18_fpn_tiny-coco.py')
TINY_VOC_DET = osp.join(REPO, 'configs/benchmarks/mmdetection/'
                        'faster-rcnn_slimmable-r18_fpn_tiny-voc.py')


def renamed_coco(source, root, rename):
    """A copy of a tiny COCO folder whose category names are ``rename``d
    (one's own COCO data, with other names than the config's)."""
    shutil.copytree(source, root)
    for split in ('train', 'val'):
        path = osp.join(root, 'annotations', f'instances_{split}2017.json')
        with open(path) as f:
            content = json.load(f)
        for category in content['categories']:
            category['name'] = rename.get(category['name'],
                                          category['name'])
        with open(path, 'w') as f:
            json.dump(content, f)
    return root


def test_coco_categories_matching_no_class_stop_before_training(
        small_coco, tmp_path):
    root = renamed_coco(small_coco['root'], str(tmp_path / 'mine'), {
        'circle': 'disc', 'square': 'box', 'triangle': 'wedge',
        'star': 'spark'})
    cfg = load_config(TINY_COCO_DET, {'data_root': root + '/'})
    cfg.train_dataloader.dataset.type = 'CocoDataset'  # one's own data
    with pytest.raises(DataInputError) as error:
        check_data(cfg, ['train_dataloader'])
    message = str(error.value)
    assert '\n' not in message
    assert ("has the categories ['disc', 'box', 'wedge', 'spark'"
            in message), message
    assert ("the config's classes are ['circle', 'square', 'triangle', "
            "'star'] and none of them is among them" in message), message
    assert 'metainfo=dict(classes=' in message and 'num_classes' in message


def test_coco_missing_class_and_wrong_num_classes(small_coco, tmp_path):
    root = renamed_coco(small_coco['root'], str(tmp_path / 'mine'),
                        {'star': 'spark'})
    cfg = load_config(TINY_COCO_DET, {'data_root': root + '/'})
    cfg.train_dataloader.dataset.type = 'CocoDataset'
    with pytest.raises(DataInputError, match=r"\['star'\] are not among "
                       'them'):
        check_data(cfg, ['train_dataloader'])
    # With the dataset's names, a head that still has 4 classes is named.
    classes = ('circle', 'square', 'triangle')
    cfg = load_config(TINY_COCO_DET, {
        'data_root': small_coco['root'] + '/',
        'train_dataloader.dataset.metainfo.classes': classes})
    with pytest.raises(DataInputError) as error:
        check_data(cfg, ['train_dataloader'])
    assert str(error.value).startswith(
        "The datasets have 3 classes ['circle', 'square', 'triangle'] but "
        'model.roi_head.bbox_head.num_classes=4, '
        'model.roi_head.mask_head.num_classes=4; set num_classes=3'), str(
            error.value)
    cfg.model.roi_head.bbox_head.num_classes = 3
    cfg.model.roi_head.mask_head.num_classes = 3
    report = check_data(cfg, ['train_dataloader'])[0]
    assert report['num_classes'] == 3


def test_images_left_without_annotation_are_counted(small_coco, capsys):
    from slimmm.datasets.checks.classes import coco_labels
    with open(small_coco['ann_files']['train']) as f:
        names, per_image = coco_labels(json.load(f))
    expected = sum(1 for labels in per_image if 'circle' not in labels)
    assert 0 < expected < len(per_image)
    cfg = load_config(TINY_COCO_DET, {
        'data_root': small_coco['root'] + '/',
        'train_dataloader.dataset.metainfo.classes': ('circle', ),
        'model.roi_head.bbox_head.num_classes': 1,
        'model.roi_head.mask_head.num_classes': 1})
    report = check_data(cfg, ['train_dataloader'])[0]
    assert report['empty_images'] == expected
    assert (f'[check_data] {expected} of {len(per_image)} images of '
            in capsys.readouterr().out)
    # mmdet's filter agrees: those images are what filter_empty_gt drops.
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmdet.registry import DATASETS
        dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                      type='CocoDataset', pipeline=[]))
    assert len(dataset) == len(per_image) - expected


def test_voc_class_mismatch(small_voc):
    cfg = load_config(TINY_VOC_DET, {
        'data_root': small_voc['root'] + '/VOCdevkit/'})
    dataset = cfg.train_dataloader.dataset.datasets[0]
    dataset.metainfo = dict(classes=('aeroplane', 'unicorn'))
    with pytest.raises(DataInputError, match=r"the config's classes are "
                       r"\['aeroplane', 'unicorn'\]"):
        check_data(cfg, ['train_dataloader'])


def test_train_py_class_mismatch_is_one_line(small_coco, tmp_path):
    root = renamed_coco(small_coco['root'], str(tmp_path / 'mine'),
                        {'circle': 'disc'})
    proc = run_tool(
        [osp.join(REPO, 'tools/train.py'), TINY_COCO_DET,
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'data_root={root}/', 'train_dataloader.dataset.type=CocoDataset'],
        timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), lines
    assert "'disc'" in lines[0] and "['circle'] are not" in lines[0]
    assert not osp.exists(tmp_path / 'work')
