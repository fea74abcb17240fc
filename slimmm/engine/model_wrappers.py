"""DDP for algorithms that backpropagate their sub-networks one at a time.

mmengine's :class:`MMDistributedDataParallel` runs ``forward(mode='loss')``
once and backpropagates the summed loss, so every sampled sub-network's
activations are alive at the same time. DSPNet (Wang et al., section 4.1,
after Eq. 7) backpropagates each sub-network as soon as its loss is
computed: "no more GPU memory cost than pretraining individual networks".
:class:`SubnetDistributedDataParallel` runs the model's own ``train_step``
(the algorithm's one training path) under DDP.
"""
from typing import Dict, Union

import torch
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper

from ..registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class SubnetDistributedDataParallel(MMDistributedDataParallel):
    """DDP that runs the wrapped model's per-sub-network ``train_step``.

    ``train_step`` calls ``module.train_step(data, optim_wrapper,
    ddp=self)`` (:class:`slimmm.models.subnets.SubnetBackwardMixin`: every
    slimmm algorithm; the joint slimmable detector), which runs each
    sub-network through this wrapper's forward, so DDP prepares its
    gradient reduction, and
    backpropagates right away; every backward but the last runs under
    :meth:`no_sync`, so the accumulated gradients are all-reduced (averaged
    over ranks) once per iteration.

    On a CPU model ``device_ids`` is dropped (torch's DDP rejects it there
    and mmengine's Runner always passes it), so the same config runs with
    gloo on CPU and with NCCL on GPUs. Configs name it
    ``model_wrapper_cfg=dict(type='slimmm.SubnetDistributedDataParallel')``.

    Args:
        module (nn.Module): A model whose ``train_step`` takes ``ddp``.
        find_unused_parameters (bool): Needed whenever the last
            (synchronised) sub-network does not use every parameter that
            received a gradient in the iteration (deeper blocks, the
            switchable BN members of other widths); without it DDP never
            all-reduces their bucket. Defaults to True.
        **kwargs: :class:`MMDistributedDataParallel` arguments
            (``device_ids``, ``broadcast_buffers``, ...).
    """

    def __init__(self, module, find_unused_parameters: bool = True,
                 **kwargs):
        if not callable(getattr(module, 'subnet_loss', None)):
            raise TypeError(
                'SubnetDistributedDataParallel wraps models that train one '
                'sub-network at a time (slimmm\'s algorithms)'
                f', got {type(module).__name__}; use mmengine\'s '
                'MMDistributedDataParallel for it.')
        params = list(module.parameters())
        if params and params[0].device.type == 'cpu':
            kwargs['device_ids'] = None
        super().__init__(module=module,
                         find_unused_parameters=find_unused_parameters,
                         **kwargs)
        print_log(f'{type(self).__name__}: {type(module).__name__} '
                  'backpropagates one sub-network at a time; gradients are '
                  'all-reduced once per iteration.', logger='current')

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """The wrapped model's ``train_step``, its forwards through this
        wrapper."""
        return self.module.train_step(data, optim_wrapper, ddp=self)
