# Runtime of the algorithms that backpropagate each sampled sub-network as
# soon as its loss is computed (DSPNet, SlimCLR-MoCov3): the default one,
# except that under DDP the gradients are all-reduced once per iteration
# (DSPNet's memory claim, section 4.1). find_unused_parameters: the
# synchronised (last) sub-network does not use the deeper blocks or other
# widths' BN members.
_base_ = './default_runtime.py'
model_wrapper_cfg = dict(_delete_=True, type='SubnetDistributedDataParallel',
                         broadcast_buffers=False, find_unused_parameters=True)
