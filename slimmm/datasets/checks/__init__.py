"""Checks of the data a config is about to use, next to the datasets they
check: one-line errors that name the file and the fix before any compute."""
from ..errors import DataInputError, one_line, sample_path
from .classes import check_classes, check_num_classes, config_classes
from .configs import (check_data, check_datasets, dataloader_datasets,
                      iter_dataset_cfgs, redirect_data_root)
from .files import (EXPECTED_LAYOUT, check_coco_annotation, check_image_folder,
                    check_segmentation_folders, check_voc_split)
from .recognition import check_recognition_files, recognition_type

__all__ = [
    'DataInputError', 'one_line', 'sample_path', 'check_data',
    'check_datasets', 'dataloader_datasets', 'iter_dataset_cfgs',
    'redirect_data_root', 'check_classes', 'check_num_classes',
    'config_classes', 'EXPECTED_LAYOUT', 'check_coco_annotation',
    'check_image_folder', 'check_segmentation_folders', 'check_voc_split',
    'check_recognition_files', 'recognition_type'
]
