from .base import BaseSlimmableBackbone
from .feature_channels import backbone_feature_channels, match_in_channels
from .resnet import SlimmableResNet, SlimmableResNetCIFAR

__all__ = [
    'BaseSlimmableBackbone', 'SlimmableResNet', 'SlimmableResNetCIFAR',
    'backbone_feature_channels', 'match_in_channels'
]
from .mobilenet_v2 import SlimmableMobileNetV2  # noqa: E402
from .mobilenet_v2 import SlimmableMobileNetV2CIFAR
from .mobilenet_v3 import SlimmableMobileNetV3  # noqa: E402
from .vit import SlimmableViT  # noqa: E402

__all__ += [
    'SlimmableMobileNetV2', 'SlimmableMobileNetV2CIFAR',
    'SlimmableMobileNetV3', 'SlimmableViT'
]
