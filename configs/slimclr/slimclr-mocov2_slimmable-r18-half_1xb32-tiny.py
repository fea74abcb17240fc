# The main job's pretraining: slimclr-mocov2_slimmable-r18_1xb32-tiny.py on
# a ResNet-18 with half the channels (stem and stage 1: 32 instead of 64),
# widths [1.0, 0.75, 0.5, 0.25] of it. A quarter of the compute, so that
# pretraining, both probes and six detection fine-tunings fit in about ten
# CPU minutes; the architecture and the algorithm are unchanged.
#   python tools/train.py THIS
_base_ = './slimclr-mocov2_slimmable-r18_1xb32-tiny.py'
model = dict(backbone=dict(stem_channels=32, base_channels=32),
             neck=dict(hid_channels=256))
