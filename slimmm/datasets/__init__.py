from .synthetic import make_tiny_coco, make_tiny_imagenet, make_tiny_voc

__all__ = ['make_tiny_imagenet', 'make_tiny_coco', 'make_tiny_voc']
