# The baseline of the main job's probe: the same switchable linear probe,
# schedule and data as
# slimclr-mocov2_switchable-linear_slimmable-r18-half_tiny.py, on a frozen
# half-channel slimmable ResNet-18 that keeps its random initialisation (no
# checkpoint). What pretraining adds is the difference between the two.
#   python tools/train.py THIS
_base_ = './slimclr-mocov2_switchable-linear_slimmable-r18-half_tiny.py'
model = dict(backbone=dict(init_cfg=None))
