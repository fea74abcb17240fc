# Tiny variant of the DSPNet probe: BN before each width's linear layer.
_base_ = '../../_base_/linear-probe_tiny.py'
model = dict(with_bn=True, distill=None)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=0.0))
