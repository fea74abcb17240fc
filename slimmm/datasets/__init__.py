from .checks import (DataInputError, check_data, check_datasets,
                     dataloader_datasets, one_line, redirect_data_root)
from .label_subset import (LabelSubsetDataset, select_label_subset,
                           write_label_subset)
from .samplers import ReproducibleSampler
from .synthetic import (make_tiny_ade20k, make_tiny_cifar, make_tiny_coco,
                        make_tiny_dtd, make_tiny_flowers102,
                        make_tiny_imagenet, make_tiny_pets, make_tiny_voc)
from .tiny import (TinyADE20KDataset, TinyCIFAR10, TinyCIFAR100,
                   TinyCocoDataset, TinyDTD, TinyFlowers102,
                   TinyImageNetDataset, TinyOxfordIIITPet, TinyVOCDataset)
from .transforms import ColorJitter

__all__ = [
    'LabelSubsetDataset', 'select_label_subset', 'write_label_subset',
    'make_tiny_imagenet', 'make_tiny_cifar', 'make_tiny_coco', 'make_tiny_voc',
    'ColorJitter',
    'DataInputError', 'check_data', 'check_datasets', 'dataloader_datasets',
    'one_line', 'redirect_data_root', 'ReproducibleSampler',
    'TinyImageNetDataset',
    'TinyVOCDataset', 'TinyCocoDataset', 'TinyCIFAR10', 'TinyCIFAR100',
    'TinyFlowers102', 'TinyOxfordIIITPet', 'TinyDTD', 'make_tiny_flowers102',
    'make_tiny_pets', 'make_tiny_dtd', 'make_tiny_ade20k',
    'TinyADE20KDataset'
]
