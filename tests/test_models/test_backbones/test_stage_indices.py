"""Every backbone refuses output / frozen stage indices it does not have,
with the valid range in the message, before building anything."""
import pytest

from slimmm.models.backbones import (SlimmableMobileNetV2,
                                     SlimmableMobileNetV3, SlimmableResNet)

CASES = [
    # (builder, outputs, largest frozen index)
    (lambda **kw: SlimmableResNet(18, widths=[1.0, 0.5], **kw), 4, 4),
    (lambda **kw: SlimmableMobileNetV2(widths=[1.0, 0.5], **kw), 8, 7),
    (lambda **kw: SlimmableMobileNetV3(widths=[1.0, 0.5], **kw), 17, 16),
]


@pytest.mark.parametrize('build,outputs,max_frozen', CASES)
def test_stage_indices_checked(build, outputs, max_frozen):
    build(out_indices=(outputs - 1, ), frozen_stages=max_frozen)  # edges ok
    with pytest.raises(ValueError,
                       match=rf'out_indices must be in range\(0, {outputs}\)'):
        build(out_indices=(outputs, ))
    with pytest.raises(ValueError, match=rf'frozen_stages must be in range'
                       rf'\(-1, {max_frozen + 1}\)'):
        build(frozen_stages=max_frozen + 1)
