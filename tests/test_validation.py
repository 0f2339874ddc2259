import pytest
import torch

from lossbook import _validation as v


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_reduce_loss_matches_torch_semantics(reduction):
    loss = torch.tensor([1.0, 2.0, 6.0])
    expected = {"mean": torch.tensor(3.0), "sum": torch.tensor(9.0), "none": loss}[reduction]
    torch.testing.assert_close(v.reduce_loss(loss, reduction), expected)


@pytest.mark.parametrize("reduction", ["avg", "MEAN", None, "batchmean"])
def test_unknown_reduction_is_refused_with_the_allowed_values(reduction):
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        v.reduce_loss(torch.ones(2), reduction)


def test_mean_over_zero_elements_is_refused():
    with pytest.raises(ValueError, match="zero elements"):
        v.reduce_loss(torch.ones(0), "mean")
    assert v.reduce_loss(torch.ones(0), "sum").item() == 0.0


def test_floating_check_names_the_argument():
    with pytest.raises(TypeError, match="logits must be a floating-point tensor"):
        v.check_floating(torch.tensor([1, 2]), "logits")
    with pytest.raises(TypeError, match="logits must be a torch.Tensor, got list"):
        v.check_floating([1.0, 2.0], "logits")


def test_same_shape_refuses_the_broadcasting_pitfall():
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(4, 1\) and \(4,\)"):
        v.check_same_shape(torch.ones(4, 1), torch.ones(4), "input", "target")


def test_distribution_tolerance_depends_on_dtype():
    nearly = torch.tensor([0.5, 0.5 + 1e-4])
    v.check_distribution(nearly, "p", -1)  # float32: within 1e-3
    with pytest.raises(ValueError, match="must sum to 1"):
        v.check_distribution(nearly.double(), "p", -1)  # float64: beyond 1e-5


@pytest.mark.parametrize("base", [0, -2, 1, "2", True])
def test_log_base_must_be_positive_and_not_one(base):
    with pytest.raises(ValueError, match="base must be None"):
        v.log_of_base(base)


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), torch.tensor([1.0, 0.0])])
def test_positive_check(value):
    with pytest.raises(ValueError, match="temperature must be"):
        v.check_positive(value, "temperature")
