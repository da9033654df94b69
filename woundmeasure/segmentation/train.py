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
from woundmeasure.segmentation.model_spec import (
    CLICKS_FILENAME,
    ENCODER,
    INPUT_SIZE,
    MODEL_FILENAME,
    SPLIT_FILENAME,
)

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


def export_onnx(model, path: Path, *, prompt: bool = False) -> None:
    """Write the network as ONNX with dynamic batch, height and width (multiples of STRIDE)."""
    import torch

    model.eval()
    inputs = (torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),) + ((torch.zeros(1, 4, INPUT_SIZE, INPUT_SIZE),) if prompt else ())
    names = ["rgb", "hints"][: len(inputs)]
    torch.onnx.export(model, inputs, str(path), input_names=names, output_names=["logit"], opset_version=13,
                      dynamic_axes={name: {0: "batch", 2: "height", 3: "width"} for name in names + ["logit"]},
                      dynamo=False)


def average_weights(states: list[dict]) -> dict:
    """The element-wise mean of state dicts of one architecture (a "model soup", Wortsman et al. 2022).

    Models fine-tuned from one start lie in one basin of the loss, and their mean is often
    more robust than either. Counters (batch norm's ``num_batches_tracked``) are taken from the last.
    """
    shapes = {k: v.shape for k, v in states[0].items()}
    if any({k: v.shape for k, v in s.items()} != shapes for s in states):
        raise ValueError("the weights to average are of different architectures (their keys or shapes differ)")
    return {k: (sum(s[k].double() for s in states) / len(states)).to(states[0][k].dtype)
            if states[0][k].is_floating_point() else states[-1][k] for k in states[0]}


CLICK_COUNTS = (1, 2, 3)  # clicks simulated per training view ...
CLICK_WEIGHTS = (0.4, 0.35, 0.25)  # ... and how often
BOX_SHARE = 0.3  # views with a box; half of them have no click


def _box_of(truth: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float, float] | None:
    """The wound's extent, grown by 5-20% and shifted a little, as a person draws a box (x, y, w, h)."""
    rows, cols = np.nonzero(truth)
    if not len(rows):
        return None
    x0, x1, y0, y1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
    w, h = x1 - x0, y1 - y0
    grow = rng.uniform(0.05, 0.2)
    return (x0 - grow * w / 2 + rng.normal(0, 0.03) * w, y0 - grow * h / 2 + rng.normal(0, 0.03) * h,
            w * (1 + grow), h * (1 + grow))


def simulate_hints(model, x, truth: np.ndarray, *, clicks: list[int], boxes: list):
    """Hint maps after each view's clicks, placed one at a time by the standard protocol (no gradients).

    The first click goes on the largest error of the automatic outline (the model with no
    hints); each later one on the largest error of the outline after the clicks so far,
    which is also the "previous mask" channel, as RITM trains.
    """
    import torch

    from woundmeasure.segmentation.clicks import next_click

    n, _, h, w = x.shape
    counts = np.array(clicks)
    points, background = [[] for _ in range(n)], [[] for _ in range(n)]
    with torch.no_grad():
        pred = (model(x, torch.zeros(n, 4, h, w))[:, 0] > 0).numpy()
        previous = pred.copy()  # each view's outline before its last click
        for k in range(int(counts.max())):
            for i in np.flatnonzero(counts > k):
                previous[i] = pred[i]
                if (c := next_click(truth[i], pred[i])) is not None:
                    (points if c[2] else background)[i].append(c[:2])
            if (counts > k + 1).any():
                new = (model(x, _maps(previous, points, background, boxes))[:, 0] > 0).numpy()
                pred = np.where((counts > k + 1)[:, None, None], new, pred)
    return _maps(previous, points, background, boxes)


def _maps(pred, points, background, boxes):
    import torch

    from woundmeasure.segmentation.clicks import hint_maps

    return torch.from_numpy(np.stack([hint_maps(p.shape, points=pt, background_points=bg, box=b, previous=p)
                                      for p, pt, bg, b in zip(pred, points, background, boxes)]))


def click_dice(model, imgs: np.ndarray, masks: np.ndarray, clicks: int, *, box: bool = False) -> float:
    """Mean per-photo Dice on ``imgs`` after ``clicks`` simulated clicks (and the true box, grown 10%)."""
    import torch

    dices = []
    model.eval()
    for i in range(0, len(imgs), 8):
        x = torch.from_numpy(imgs[i:i + 8].astype(np.float32)).permute(0, 3, 1, 2)
        truth = masks[i:i + 8] > 0
        boxes = [_box_of(t, np.random.default_rng(0)) if box else None for t in truth]
        hints = simulate_hints(model, x, truth, clicks=[clicks] * len(truth), boxes=boxes)
        with torch.no_grad():
            pred = (model(x, hints)[:, 0] > 0).numpy()
        for p, t in zip(pred, truth):
            total = p.sum() + t.sum()
            dices.append(2 * (p & t).sum() / total if total else 1.0)
    model.train()
    return float(np.mean(dices))


def soft_dice_loss(prob, y, over: str = "batch"):
    """1 - soft Dice of ``prob`` against ``y`` (N x 1 x H x W): over the batch, per photo (mean), or both (mean).

    Per photo, a view with no wound scores by how little is drawn in it (the +1 keeps it finite)."""
    if over == "both":
        return (soft_dice_loss(prob, y, "batch") + soft_dice_loss(prob, y, "photo")) / 2
    flat_p, flat_y = (prob.reshape(1, -1), y.reshape(1, -1)) if over == "batch" else (prob.flatten(1), y.flatten(1))
    return (1 - (2 * (flat_p * flat_y).sum(1) + 1) / (flat_p.sum(1) + flat_y.sum(1) + 1)).mean()


def main(argv: list[str] | None = None) -> int:
    import torch

    from woundmeasure.segmentation.network import PromptableUNet, build_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/fuseg-train"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "models")
    ap.add_argument("--encoder", choices=("lite0", "lite1", "lite2"), default=ENCODER)
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hours", type=float, default=24.0, help="stop after this wall time, keeping the best model")
    ap.add_argument("--stop-after", type=int, metavar="N",
                    help="stop after N epochs of the --epochs schedule (to fit a session; --init continues)")
    ap.add_argument("--resume", action="store_true", help="continue an interrupted run from models/checkpoint.pt")
    ap.add_argument("--init", type=Path, help="start from these weights (a state dict, e.g. models/wound_unet.pt) "
                                              "with a fresh schedule: continue training the shipped model")
    ap.add_argument("--select", choices=("last", "best"), default="last",
                    help="ship the last epoch's weights (default: the held-out split is never used to choose), "
                         "or the epoch with the best held-out Dice (optimistic: the choice sees the split)")
    ap.add_argument("--focus", type=float, default=0.0, metavar="SHARE",
                    help="share of training views that are focus views: centred on the wound and enlarged, as "
                         "the closer looks around small wounds and clicks see it (augment.crop_and_turn)")
    ap.add_argument("--heal", type=float, default=0.0, metavar="SHARE",
                    help="share of training views whose wound first heals from its edge by a random share "
                         "(augment.heal_partly: small wounds near closure, new epithelium that is not wound)")
    ap.add_argument("--paste", type=float, default=0.0, metavar="SHARE",
                    help="share of training views given a second wound copied from another training photo "
                         "(augment.paste_wound: two wounds in one photo)")
    ap.add_argument("--dice", choices=("batch", "photo", "both"), default="batch",
                    help="soft Dice term of the loss over the whole batch (large wounds weigh most), per photo "
                         "(each photo weighs the same, so a small wound over-drawn costs as much as a large one), "
                         "or the mean of the two")
    ap.add_argument("--seed", type=int, default=SEED,
                    help="seed of the weights' start, the views and their order (the split's seed stays 0): "
                         "runs of one recipe with other seeds are the ingredients of a model soup (--average)")
    ap.add_argument("--average", type=Path, nargs="+", metavar="PT",
                    help="only write the mean of these weights (state dicts of one architecture, e.g. a model and "
                         "its continued run: a model soup) into --out as .pt and ONNX, and stop")
    ap.add_argument("--export", type=Path, metavar="PT",
                    help="only write the ONNX file for these weights (a state dict) into --out, and stop")
    ap.add_argument("--prompt", action="store_true",
                    help="train the promptable model (clicks, box and previous outline as extra inputs), starting "
                         "from --init, the automatic model's weights; writes wound_clicks.pt / .onnx")
    args = ap.parse_args(argv)
    if args.prompt and not (args.init or args.resume or args.export or args.average):
        ap.error("--prompt starts from the automatic model: give --init models/wound_unet.pt")
    weights, onnx_name = ("wound_clicks.pt", CLICKS_FILENAME) if args.prompt else ("wound_unet.pt", MODEL_FILENAME)

    def new_model(init=None):
        if not args.prompt:
            model = build_model(args.encoder, pretrained=init is None)
            if init is not None:
                model.load_state_dict(torch.load(init, weights_only=True))
            return model
        start = torch.load(args.init or init, weights_only=True)
        model = PromptableUNet(build_model(args.encoder, pretrained=False))
        if any(k.startswith("hints.") for k in start):  # already a promptable model: continue training it
            model.load_state_dict(start)
        else:
            model.base.load_state_dict(start)
        if init is not None and init != args.init:
            model.load_state_dict(torch.load(init, weights_only=True))
        return model

    if args.average:
        args.out.mkdir(parents=True, exist_ok=True)
        torch.save(average_weights([torch.load(p, weights_only=True) for p in args.average]), args.out / weights)
        args.export = args.out / weights
    if args.export:
        export_onnx(new_model(args.export), args.out / onnx_name, prompt=args.prompt)
        return 0
    if not (args.data / "images").is_dir():
        print(f"error: no FUSeg data at {args.data} (expected images/ and masks/); pass --data", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    train_names, val_names = make_split(args.data)
    (args.out / SPLIT_FILENAME).write_text(json.dumps(
        {"source": "FUSeg 2021 train (810)", "seed": SEED, "val": val_names, "train_count": len(train_names)}, indent=1))
    print(f"train {len(train_names)} val {len(val_names)}", flush=True)
    tr_img, tr_mask = load_pairs(args.data, train_names, INPUT_SIZE)
    va_img, va_mask = load_pairs(args.data, val_names, INPUT_SIZE)

    model = new_model(args.init)
    if args.prompt:  # the hint branch starts at zero: it learns at ten times the rate of the pretrained rest
        groups = [{"params": model.base.parameters(), "lr": args.lr},
                  {"params": model.hints.parameters(), "lr": 10 * args.lr}]
    else:
        groups = [{"params": model.parameters(), "lr": args.lr}]
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train_names) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in groups],
                                                total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.1)
    ckpt = args.out / "checkpoint.pt"
    start_epoch, best = 0, -1.0
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"]); opt.load_state_dict(state["opt"]); sched.load_state_dict(state["sched"])
        start_epoch, best = state["epoch"] + 1, state["best"]
        rng = np.random.default_rng([args.seed, start_epoch])
    t0 = time.time()
    for epoch in range(start_epoch, args.epochs):
        order = rng.permutation(len(train_names))
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            donors = rng.integers(len(train_names), size=len(idx)) if args.paste else [None] * len(idx)
            pairs = [augment(tr_img[i], tr_mask[i], rng, crop=CROP, focus=args.focus, heal=args.heal, paste=args.paste,
                             donor=None if j is None else (tr_img[j], tr_mask[j])) for i, j in zip(idx, donors)]
            x = torch.from_numpy(np.stack([p[0] for p in pairs])).permute(0, 3, 1, 2).float()
            y = torch.from_numpy(np.stack([p[1] for p in pairs]).astype(np.float32))[:, None]
            if args.prompt:
                truth = np.stack([p[1] for p in pairs]) > 0
                boxes = [_box_of(t, rng) if rng.random() < BOX_SHARE else None for t in truth]
                clicks = [0 if b is not None and rng.random() < 0.5 else int(rng.choice(CLICK_COUNTS, p=CLICK_WEIGHTS))
                          for b in boxes]
                logit = model(x, simulate_hints(model, x, truth, clicks=clicks, boxes=boxes))
            else:
                logit = model(x)
            prob = torch.sigmoid(logit)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, y) + soft_dice_loss(prob, y, args.dice)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            losses.append(float(loss.detach()))
        if args.prompt:
            val = click_dice(model, va_img, va_mask, 1)
            extra = (f" mean Dice 3 clicks {click_dice(model, va_img, va_mask, 3):.4f}"
                     f" box {click_dice(model, va_img, va_mask, 0, box=True):.4f}")
        else:
            val, extra = pooled_dice(model, va_img, va_mask), ""
        if args.select == "last" or val > best:
            best = max(best, val)
            torch.save(model.state_dict(), args.out / weights)
            export_onnx(model, args.out / onnx_name, prompt=args.prompt)
            model.train()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch, "best": best}, ckpt)
        measure = "mean Dice 1 click" if args.prompt else "pooled Dice"
        print(f"epoch {epoch + 1}/{args.epochs} loss {np.mean(losses):.4f} val {measure}@{INPUT_SIZE} {val:.4f}{extra} "
              f"best {best:.4f} shipped {args.select} elapsed {(time.time() - t0) / 60:.1f} min", flush=True)
        if args.stop_after and epoch + 1 >= args.stop_after:
            print(f"stopped after epoch {epoch + 1} as asked", flush=True)
            break
        if time.time() - t0 > args.hours * 3600:
            print("time budget reached; stopping", flush=True)
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
