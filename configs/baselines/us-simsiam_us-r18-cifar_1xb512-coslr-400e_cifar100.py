# US3L Table 2 baseline "US [31] + SimSiam": SimSiam at every sampled width
# of the universally slimmable CIFAR ResNet-18 (sandwich rule, 4
# sub-networks), Table 11's SimSiam settings (lr 0.1, wd 5e-4, dim 2048);
# mmpretrain's predictor head and negative-cosine loss.
_base_ = './us-simclr_us-r18-cifar_1xb512-coslr-400e_cifar100.py'
model = dict(
    type='slimmm.SlimmableSimSiam',
    head=dict(
        _delete_=True,
        type='mmpretrain.LatentPredictHead',
        loss=dict(type='mmpretrain.CosineSimilarityLoss'),
        predictor=dict(type='mmpretrain.NonLinearNeck', in_channels=2048,
                       hid_channels=512, out_channels=2048,
                       with_avg_pool=False, with_last_bn=False,
                       with_last_bias=True)))
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4))
