# SlimCLR Table 3a ablation: ONE slimmable linear layer shared by all widths
# (width w reads the first channels of the shared weight) instead of a
# switchable linear layer per width; everything else as the main recipe.
_base_ = ('./slimclr-mocov2_switchable-linear_slimmable-r50_'
          '8xb128-steplr-100e_in1k.py')
model = dict(head='slimmable')
