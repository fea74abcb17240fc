# US3L Table 6: how every width of an ImageNet-pretrained universally
# slimmable ResNet-50 transfers to Flowers-102 under linear evaluation. The
# backbone is frozen, BN recalibrated per width on training batches, one
# linear classifier per width, all trained in one run (as the ImageNet
# probe). US3L appendix A: 100 epochs, lr 30 divided by 10 at epochs 60 and
# 80 (SGD, momentum 0.9, no weight decay); US3L's code: batch 64 per GPU,
# random resized crop 224 (0.08, 1) + flip, test resize 256 / center 224.
# mmpretrain's stock Flowers102 under data/flowers102/ (jpg/,
# imagelabels.mat, setid.mat); trainval to train, test to evaluate.
#   bash tools/dist_train.sh THIS 8 --cfg-options \
#       model.backbone.init_cfg.checkpoint=US3L_R50.pth
# Every dataset and width in one table:
#   python tools/benchmarks/recognition_transfer.py US3L_R50.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-steplr-100e.py',
    '../../_base_/probe_runtime.py',
]
eval_widths = [1.0, 0.75, 0.5, 0.25]
num_classes = 102
model = dict(
    backbone=dict(widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=eval_widths,
    num_classes=num_classes)
# The ImageNet probe's pipelines (random resized crop 224 + flip; resize
# 256, center crop 224) on Flowers-102.
dataset_type = 'Flowers102'
data_root = 'data/flowers102/'
dataset = dict(type=dataset_type, data_root=data_root)
batch_size = 64  # per GPU, 8 GPUs
train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(dataset, split='trainval'))
val_dataloader = dict(batch_size=batch_size,
                      dataset=dict(dataset, split='test'))
test_dataloader = val_dataloader
# US3L: lr 30 for 512 images (the step-lr schedule's 60 is for 1024).
optim_wrapper = dict(optimizer=dict(lr=30.0))
auto_scale_lr = dict(base_batch_size=512)
