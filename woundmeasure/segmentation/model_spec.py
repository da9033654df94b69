"""Constants shared by the model's training code and its runtime."""

ENCODER = "lite1"  # the EfficientNet-Lite variant under the U-Net
INPUT_SIZE = 384  # the model sees the photo with its long side resized to this many pixels
STRIDE = 32  # the network's input height and width must be multiples of this
MODEL_FILENAME = "wound_unet.onnx"  # the automatic model
CLICKS_FILENAME = "wound_clicks.onnx"  # the same steered by clicks and a box
SPLIT_FILENAME = "fuseg_split.json"
