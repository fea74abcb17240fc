# Universally slimmable ViT-Tiny (192 dims, 12 layers, 3 heads).
_base_ = '../_base_/backbones/us-vit.py'
model = dict(backbone=dict(arch='tiny'))
