from slimmm.apis import load_config

TINY_COCO = ('configs/benchmarks/mmdetection/'
             'mask-rcnn_slimmable-r18_fpn_tiny-coco.py')
TINY_PRETRAIN = 'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py'


def test_data_root_override_reaches_datasets_and_metrics():
    cfg = load_config(TINY_COCO, {'data_root': '/elsewhere/coco/'})
    assert cfg.train_dataloader.dataset.data_root == '/elsewhere/coco/'
    assert cfg.val_dataloader.dataset.data_root == '/elsewhere/coco/'
    assert cfg.val_evaluator.ann_file.startswith('/elsewhere/coco/')
    cfg = load_config(TINY_PRETRAIN, {'data_root': '/elsewhere/in1k/'})
    assert cfg.train_dataloader.dataset.data_root == '/elsewhere/in1k/'


def test_no_override_keeps_config():
    cfg = load_config(TINY_PRETRAIN)
    assert cfg.train_dataloader.dataset.data_root == cfg.data_root
