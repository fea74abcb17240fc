# Runtime of the algorithms that backpropagate each sampled sub-network as
# soon as its loss is computed (DSPNet, SlimCLR-MoCov3; their train_step):
# the default one, with the DDP wrapper that runs that train_step and
# all-reduces the gradients once per iteration (DSPNet's memory claim,
# section 4.1). find_unused_parameters: the synchronised (last)
# sub-network does not use the deeper blocks or other widths' BN members.
_base_ = './default_runtime.py'
model_wrapper_cfg = dict(
    _delete_=True, type='slimmm.SubnetDistributedDataParallel',
    broadcast_buffers=False, find_unused_parameters=True)
