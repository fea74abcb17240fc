# The CIFAR-100 kNN on the built-in tiny CIFAR-100 and the network of
# configs/us3l/us3l_us-r18-cifar_1xb32-tiny_cifar100.py; CPU, seconds.
#   python tools/benchmarks/knn_eval.py THIS --checkpoint PRETRAIN.pth
_base_ = './knn-k20_us-r18-cifar_cifar100.py'
data_root = 'data/tiny_cifar100/'
tiny = dict(type='slimmm.TinyCIFAR100', data_root=data_root)
model = dict(backbone=dict(stem_channels=16, base_channels=16))
bank = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(tiny, split='train', pipeline={{_base_.test_pipeline}}))
knn = dict(calibration_batches=4, bank_dataloader=dict(_delete_=True, **bank))
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=4, dataloader=bank),
    dict(type='slimmm.WidthReportHook'),
]
test_dataloader = dict(batch_size=32, num_workers=0,
                       persistent_workers=False, dataset=tiny)
