from .synthetic import make_tiny_imagenet

__all__ = ['make_tiny_imagenet']
