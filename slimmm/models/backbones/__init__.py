from .base import BaseSlimmableBackbone
from .resnet import SlimmableResNet

__all__ = ['BaseSlimmableBackbone', 'SlimmableResNet']
