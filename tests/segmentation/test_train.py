"""The training module's helpers (needs the ``train`` extra: skipped without torch)."""

import pytest

torch = pytest.importorskip("torch")

from woundmeasure.segmentation.train import average_weights, soft_dice_loss  # noqa: E402


def test_a_model_soup_is_the_element_wise_mean_and_keeps_the_counters():
    a = {"w": torch.tensor([1.0, 2.0]), "bn.num_batches_tracked": torch.tensor(5)}
    b = {"w": torch.tensor([3.0, 6.0]), "bn.num_batches_tracked": torch.tensor(9)}
    soup = average_weights([a, b])
    assert torch.equal(soup["w"], torch.tensor([2.0, 4.0])) and soup["w"].dtype == torch.float32
    assert int(soup["bn.num_batches_tracked"]) == 9


def test_weights_of_different_architectures_are_not_averaged():
    with pytest.raises(ValueError, match="different architectures"):
        average_weights([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])


def _views():
    """A large wound drawn exactly and a small one drawn four times too large (64 px of 16 true)."""
    y = torch.zeros(2, 1, 32, 32)
    y[0, 0, :, :16] = 1
    y[1, 0, :4, :4] = 1
    prob = y.clone()
    prob[1, 0, :8, :8] = 1
    return prob, y


def test_per_photo_dice_weighs_an_over_drawn_small_wound_as_much_as_a_large_one():
    prob, y = _views()
    # over the batch: 2 * (512 + 16) / (576 + 528) = 1056 / 1104; per photo: mean of 0 and 1 - 32 / 80 (each +1)
    assert float(soft_dice_loss(prob, y, "batch")) == pytest.approx(1 - 1057 / 1105)
    assert float(soft_dice_loss(prob, y, "photo")) == pytest.approx((0 + 1 - 33 / 81) / 2)
    assert float(soft_dice_loss(prob, y, "both")) == pytest.approx(((1 - 1057 / 1105) + (1 - 33 / 81) / 2) / 2)


def test_per_photo_dice_of_a_view_with_no_wound_grows_with_what_is_drawn():
    y = torch.zeros(1, 1, 8, 8)
    nothing, some = torch.zeros_like(y), torch.zeros_like(y)
    some[0, 0, :2, :2] = 1
    assert float(soft_dice_loss(nothing, y, "photo")) == 0
    assert float(soft_dice_loss(some, y, "photo")) == pytest.approx(1 - 1 / 5)
