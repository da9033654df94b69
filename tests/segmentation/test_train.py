"""The training module's helpers (needs the ``train`` extra: skipped without torch)."""

import pytest

torch = pytest.importorskip("torch")

from woundmeasure.segmentation.train import average_weights  # noqa: E402


def test_a_model_soup_is_the_element_wise_mean_and_keeps_the_counters():
    a = {"w": torch.tensor([1.0, 2.0]), "bn.num_batches_tracked": torch.tensor(5)}
    b = {"w": torch.tensor([3.0, 6.0]), "bn.num_batches_tracked": torch.tensor(9)}
    soup = average_weights([a, b])
    assert torch.equal(soup["w"], torch.tensor([2.0, 4.0])) and soup["w"].dtype == torch.float32
    assert int(soup["bn.num_batches_tracked"]) == 9


def test_weights_of_different_architectures_are_not_averaged():
    with pytest.raises(ValueError, match="different architectures"):
        average_weights([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])
