# Universally slimmable ViT-Small (384 dims, 12 layers, 6 heads).
_base_ = '../_base_/backbones/us-vit.py'
