"""Train the shipped wound segmentation model on FUSeg and export it to ONNX.

Run (needs the optional ``train`` extra, i.e. the PyTorch CPU wheel)::

    pip install -e ".[train]"
    python -m woundmeasure.segmentation.train --data ../shared/data/fuseg-train \
        --out woundmeasure/segmentation/models

``--init models/wound_unet.pt`` continues from the shipped weights (committed beside the ONNX
file). The split is deterministic (seed 0): ``VAL_COUNT`` photos are held out, each
duplicate group of ``duplicate-groups.txt`` kept on one side. The validation
file list is written next to the weights (``fuseg_split.json``) and read by
``benchmarks/bench_segmentation.py``.

This module is the only one that imports torch; the shipped tool runs the
exported ONNX file with OpenCV and never needs torch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from woundmeasure.segmentation.augment import augment
from woundmeasure.segmentation.model_spec import ENCODER, INPUT_SIZE, MODEL_FILENAME, SPLIT_FILENAME

VAL_COUNT = 120
CROP = 320
SEED = 0


def make_split(data_dir: Path, *, val_count: int = VAL_COUNT, seed: int = SEED) -> tuple[list[str], list[str]]:
    """Return (train, val) lists of image file names, duplicate groups kept together."""
    names = sorted(p.name for p in (data_dir / "images").glob("*.jpg"))
    group_of = {n: n for n in names}
    dup_file = data_dir / "duplicate-groups.txt"
    if dup_file.exists():
        for line in dup_file.read_text().splitlines():
            members = [m.strip() for m in line.split("|") if m.strip()]
            for m in members:
                group_of[m] = members[0]
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(group_of[n], []).append(n)
    keys = sorted(groups)
    rng = np.random.default_rng(seed)
    rng.shuffle(keys)
    val: list[str] = []
    for k in keys:
        if len(val) >= val_count:
            break
        val.extend(groups[k])
    val_set = set(val)
    train = [n for n in names if n not in val_set]
    return train, sorted(val)


def load_pairs(data_dir: Path, names: list[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    imgs = np.empty((len(names), size, size, 3), np.uint8)
    masks = np.empty((len(names), size, size), np.uint8)
    for i, n in enumerate(names):
        img = cv2.imread(str(data_dir / "images" / n), cv2.IMREAD_COLOR)[:, :, ::-1]
        m = cv2.imread(str(data_dir / "masks" / (Path(n).stem + ".png")), cv2.IMREAD_GRAYSCALE)
        imgs[i] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        masks[i] = cv2.resize((m > 127).astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)
    return imgs, masks


def pooled_dice(model, imgs: np.ndarray, masks: np.ndarray) -> float:
    import torch

    inter = total = 0
    model.eval()
    with torch.no_grad():
        for i in range(0, len(imgs), 8):
            x = torch.from_numpy(imgs[i:i + 8].astype(np.float32)).permute(0, 3, 1, 2)
            pred = (model(x)[:, 0] > 0).numpy()
            gt = masks[i:i + 8] > 0
            inter += int((pred & gt).sum())
            total += int(pred.sum() + gt.sum())
    model.train()
    return 2 * inter / max(total, 1)


def export_onnx(model, path: Path) -> None:
    import torch

    model.eval()
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    torch.onnx.export(model, dummy, str(path), input_names=["rgb"], output_names=["logit"], opset_version=13,
                      dynamic_axes={name: {0: "batch", 2: "height", 3: "width"} for name in ("rgb", "logit")},
                      dynamo=False)  # any size that is a multiple of STRIDE (photos are not square); batches


def main(argv: list[str] | None = None) -> int:
    import torch

    from woundmeasure.segmentation.network import build_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/fuseg-train"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "models")
    ap.add_argument("--encoder", choices=("lite0", "lite1", "lite2"), default=ENCODER)
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hours", type=float, default=24.0, help="stop after this wall time, keeping the best model")
    ap.add_argument("--resume", action="store_true", help="continue an interrupted run from models/checkpoint.pt")
    ap.add_argument("--init", type=Path, help="start from these weights (a state dict, e.g. models/wound_unet.pt) "
                                              "with a fresh schedule: continue training the shipped model")
    ap.add_argument("--select", choices=("last", "best"), default="last",
                    help="ship the last epoch's weights (default: the held-out split is never used to choose), "
                         "or the epoch with the best held-out Dice (optimistic: the choice sees the split)")
    ap.add_argument("--export", type=Path, metavar="PT",
                    help="only write the ONNX file for these weights (a state dict) into --out, and stop")
    args = ap.parse_args(argv)
    if args.export:
        model = build_model(args.encoder, pretrained=False)
        model.load_state_dict(torch.load(args.export, weights_only=True))
        export_onnx(model, args.out / MODEL_FILENAME)
        return 0
    if not (args.data / "images").is_dir():
        print(f"error: no FUSeg data at {args.data} (expected images/ and masks/); pass --data", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    train_names, val_names = make_split(args.data)
    (args.out / SPLIT_FILENAME).write_text(json.dumps(
        {"source": "FUSeg 2021 train (810)", "seed": SEED, "val": val_names, "train_count": len(train_names)}, indent=1))
    print(f"train {len(train_names)} val {len(val_names)}", flush=True)
    tr_img, tr_mask = load_pairs(args.data, train_names, INPUT_SIZE)
    va_img, va_mask = load_pairs(args.data, val_names, INPUT_SIZE)

    model = build_model(args.encoder, pretrained=not args.init)
    if args.init:
        model.load_state_dict(torch.load(args.init, weights_only=True))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train_names) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.1)
    ckpt = args.out / "checkpoint.pt"
    start_epoch, best = 0, -1.0
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"]); opt.load_state_dict(state["opt"]); sched.load_state_dict(state["sched"])
        start_epoch, best = state["epoch"] + 1, state["best"]
        rng = np.random.default_rng(SEED + start_epoch)
    t0 = time.time()
    for epoch in range(start_epoch, args.epochs):
        order = rng.permutation(len(train_names))
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            pairs = [augment(tr_img[i], tr_mask[i], rng, crop=CROP) for i in idx]
            x = torch.from_numpy(np.stack([p[0] for p in pairs])).permute(0, 3, 1, 2).float()
            y = torch.from_numpy(np.stack([p[1] for p in pairs]).astype(np.float32))[:, None]
            logit = model(x)
            prob = torch.sigmoid(logit)
            dice = 1 - (2 * (prob * y).sum() + 1) / (prob.sum() + y.sum() + 1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, y) + dice
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            losses.append(float(loss))
        val = pooled_dice(model, va_img, va_mask)
        if args.select == "last" or val > best:
            best = max(best, val)
            torch.save(model.state_dict(), args.out / "wound_unet.pt")
            export_onnx(model, args.out / MODEL_FILENAME)
            model.train()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch, "best": best}, ckpt)
        print(f"epoch {epoch + 1}/{args.epochs} loss {np.mean(losses):.4f} val pooled Dice@{INPUT_SIZE} {val:.4f} "
              f"best {best:.4f} shipped {args.select} elapsed {(time.time() - t0) / 60:.1f} min", flush=True)
        if time.time() - t0 > args.hours * 3600:
            print("time budget reached; stopping", flush=True)
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
