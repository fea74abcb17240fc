# DSPNet's runtime: the default one, except that under DDP each sampled
# sub-network is back-propagated as soon as its loss is computed and the
# gradients are all-reduced once per iteration (DSPNet's memory claim,
# section 4.1). find_unused_parameters: the synchronised (last) sub-network
# does not use the deeper blocks or other widths' BN members.
_base_ = './default_runtime.py'
model_wrapper_cfg = dict(_delete_=True, type='SubnetDistributedDataParallel',
                         broadcast_buffers=False, find_unused_parameters=True)
