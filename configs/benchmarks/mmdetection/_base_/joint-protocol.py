# SlimCLR's joint detection protocol (Table 2; Slimmable Networks section
# 4.3): ONE detector fine-tuned at all widths together, then evaluated at
# each width. Used next to a detection recipe (two bases may not share a
# key, hence the joint_ names); a joint config writes
#   model = dict(type='slimmm.JointMaskRCNN', backbone=dict(width=None))
#   model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
#   val_cfg = {{_base_.joint_val_cfg}}
#   test_cfg = {{_base_.joint_test_cfg}}
#   custom_hooks = {{_base_.joint_custom_hooks}}
# (custom_imports=dict(imports=['slimmm']) comes with the recipe's base.)

# Under DDP every width but the last backpropagates under no_sync: one
# gradient all-reduce per iteration. find_unused_parameters: the last width
# does not use the other widths' BN members.
joint_model_wrapper_cfg = dict(
    type='slimmm.SubnetDistributedDataParallel', broadcast_buffers=False,
    find_unused_parameters=True)
# Every width of model.eval_widths, with the stock metric; keys such as
# width_0.5/coco/bbox_mAP.
joint_val_cfg = dict(type='slimmm.PerWidthValLoop')
joint_test_cfg = dict(type='slimmm.PerWidthTestLoop')
# The recipe's exact resume (seeded per iteration, RNG states in the
# checkpoint), then the per-width table / CSV / plot (AP against params and
# FLOPs) of the per-width runner, marked with the protocol, in the run's log
# dir.
joint_custom_hooks = [
    dict(type='slimmm.ExactResumeHook'),
    dict(type='slimmm.WidthReportHook', name='joint_results',
         metric_columns='detection', extra=dict(protocol='joint'))
]
