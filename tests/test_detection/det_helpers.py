"""Paths shared by the detection transfer tests."""
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_CONFIGS = osp.join(REPO, 'configs', 'benchmarks', 'mmdetection')
TINY_COCO = osp.join(DET_CONFIGS, 'mask-rcnn_slimmable-r18_fpn_tiny-coco.py')
TINY_VOC = osp.join(DET_CONFIGS, 'faster-rcnn_slimmable-r18_fpn_tiny-voc.py')
WIDTHS = [1.0, 0.75, 0.5, 0.25]
JOINT_TINY_COCO = osp.join(DET_CONFIGS,
                           'mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py')
JOINT_TINY_VOC = osp.join(DET_CONFIGS,
                          'faster-rcnn_slimmable-r18_fpn_joint_tiny-voc.py')
