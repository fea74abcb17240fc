"""Models and batches shared by the CUDA tests."""
import torch

WIDTHS = [1.0, 0.75, 0.5, 0.25]
# A whole ResNet-18 at every width: small enough for seconds per test on
# one GPU, deep enough that AMP overflows or a mixed-dtype BN would show.
BACKBONE = dict(type='slimmm.SlimmableResNet', depth=18, widths=WIDTHS)
MLP = dict(type='SlimmableMLPNeck', slim_hidden=True, with_bn=True,
           with_last_bn=True, with_last_bn_affine=False, with_bias=False,
           with_last_bias=False)


def build_mocov3(device, max_iters: int = 10, **kwargs):
    """SlimCLR-MoCov3 on ``device`` at its last iteration (every width
    sampled, SlimCLR's slow start over)."""
    from mmengine.logging import MessageHub

    from slimmm.registry import MODELS
    MessageHub.get_current_instance().update_info('max_iters', max_iters)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SlimCLRMoCoV3',
        backbone=BACKBONE,
        neck=dict(MLP, in_channels=None, hid_channels=256, out_channels=64),
        predictor=dict(MLP, in_channels=64, hid_channels=256,
                       out_channels=64, with_avg_pool=False),
        **kwargs)).to(device)
    model.set_progress(max_iters - 1, max_iters)
    return model


def image_batch(batch: int, size: int, views: int = 2, seed: int = 1):
    """Two uint8 views, as the data loader gives them (the model's
    preprocessor moves them to its device and normalises them)."""
    generator = torch.Generator().manual_seed(seed)
    return dict(inputs=[
        torch.randint(0, 256, (batch, 3, size, size), generator=generator,
                      dtype=torch.uint8) for _ in range(views)
    ], data_samples=None)
