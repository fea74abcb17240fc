from .base import BaseSlimmableBackbone
from .resnet import SlimmableResNet

__all__ = ['BaseSlimmableBackbone', 'SlimmableResNet']
from .mobilenet_v2 import SlimmableMobileNetV2  # noqa: E402
from .mobilenet_v3 import SlimmableMobileNetV3  # noqa: E402
from .vit import SlimmableViT  # noqa: E402

__all__ += ['SlimmableMobileNetV2', 'SlimmableMobileNetV3', 'SlimmableViT']
