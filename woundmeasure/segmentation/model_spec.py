"""Constants shared by the model's training code and its runtime."""

CHANNELS = (12, 24, 48, 96, 192)
INPUT_SIZE = 384  # the model sees the photo with its long side resized to this many pixels
MODEL_FILENAME = "wound_unet.onnx"
SPLIT_FILENAME = "fuseg_split.json"
