# What the tiny CPU smoke configs of every detection recipe share: images of
# 96 px holding at most 3 objects, FPN and heads 4x narrower (256 -> 64
# channels; the same architecture at a cost a CPU runs in seconds per
# iteration), and a 40-iteration schedule with a short warm-up. Used next to
# a recipe base (two bases may not share a key, hence the tiny_ names);
# configs pick the values with {{_base_.tiny_...}}.
tiny_image_size = 96
tiny_max_iters = 40
tiny_fpn_channels = 64
tiny_model = dict(
    # Fewer sampled anchors / RoIs for images with at most 3 objects.
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=300),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100),
        # Keep every scored box so that the metric always has detections to
        # evaluate, even after a handful of iterations.
        rcnn=dict(score_thr=0.0, max_per_img=20)),
    neck=dict(out_channels=tiny_fpn_channels),
    rpn_head=dict(in_channels=tiny_fpn_channels,
                  feat_channels=tiny_fpn_channels),
    bbox_roi_extractor=dict(out_channels=tiny_fpn_channels))
tiny_train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=tiny_max_iters,
    val_interval=tiny_max_iters)
# Linear warm-up over the first 10 iterations, then the base lr.
tiny_param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=10)
]
tiny_optim_wrapper = dict(
    optimizer=dict(lr=0.02), clip_grad=dict(max_norm=10.0, norm_type=2))
tiny_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=tiny_max_iters,
                    max_keep_ckpts=1))
