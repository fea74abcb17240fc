"""SlimCLR-MoCov2's queue and shuffling BN with the model on CUDA (one
process: the shuffle permutes the local batch, the queue takes its
keys)."""
import pytest
import torch
from cuda_helpers import BACKBONE, image_batch

from slimmm.registry import MODELS

pytestmark = pytest.mark.cuda


def build_mocov2(device, shuffle_bn: bool):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SlimCLRMoCoV2', backbone=BACKBONE,
        neck=dict(type='SlimmableMoCoV2Neck', in_channels=None,
                  hid_channels=256, out_channels=64),
        queue_len=64, feat_dim=64, shuffle_bn=shuffle_bn)).to(device)
    model.set_progress(9, 10)  # every width
    return model


def test_shuffle_bn_and_queue_on_cuda(cuda):
    """The shuffle's permutation (a CPU generator seeded by the iteration)
    reaches the CUDA batch; train-mode BN statistics do not depend on the
    order, so the keys equal those of an unshuffled momentum network; the
    queue, on CUDA, holds the last keys where its pointer was."""
    shuffled, plain = build_mocov2(cuda, True), build_mocov2(cuda, False)
    assert shuffled.queue.device.type == cuda.type
    view = shuffled.data_preprocessor(image_batch(16, 64), True)['inputs'][1]
    assert view.device.type == cuda.type
    local, inverse = shuffled.shuffle_across_ranks(view)
    assert inverse.device.type == cuda.type
    assert not torch.equal(local, view)
    torch.testing.assert_close(local[inverse], view, rtol=0, atol=0)
    keys = shuffled.momentum_keys(view)
    torch.testing.assert_close(keys, plain.momentum_keys(view), rtol=1e-5,
                               atol=1e-5)

    for step in range(3):
        pointer = int(shuffled.queue_ptr)
        shuffled.train()
        losses = shuffled.loss(
            shuffled.data_preprocessor(image_batch(16, 64, seed=step),
                                       True)['inputs'])
        assert torch.isfinite(losses['loss'])
        assert losses['loss'].device.type == cuda.type
        assert int(shuffled.queue_ptr) == (pointer + 16) % 64
    # The last step's keys are in the queue, unit-normalised.
    last = shuffled.queue[:, 32:48]
    torch.testing.assert_close(last.norm(dim=0),
                               torch.ones(16, device=cuda))
