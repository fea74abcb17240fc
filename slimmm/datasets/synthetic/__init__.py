from .ade20k import make_tiny_ade20k
from .cifar import make_tiny_cifar
from .coco import make_tiny_coco
from .imagenet import make_tiny_imagenet
from .recognition import make_tiny_dtd, make_tiny_flowers102, make_tiny_pets
from .voc import make_tiny_voc

__all__ = [
    'make_tiny_imagenet', 'make_tiny_cifar', 'make_tiny_coco', 'make_tiny_voc',
    'make_tiny_flowers102', 'make_tiny_pets', 'make_tiny_dtd',
    'make_tiny_ade20k'
]
