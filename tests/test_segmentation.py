import pytest
import torch
from monai.losses import DiceLoss

import lossbook as lb


def random_masks(shape, dtype, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    probs = torch.rand(shape, generator=g, dtype=torch.float64).to(dtype).to(device)
    target = (torch.rand(shape, generator=g) > 0.7).to(dtype).to(device)
    return probs, target


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("smooth", [0.0, 1e-5, 1.0])
@pytest.mark.parametrize("shape", [(2, 3, 8), (2, 3, 6, 5), (1, 2, 3, 4, 5)])
def test_matches_monai(squared, smooth, shape, dtype, device):
    probs, target = random_masks(shape, dtype, device)
    ref = DiceLoss(smooth_nr=smooth, smooth_dr=smooth, squared_pred=squared, reduction="none")(probs, target)
    ours = lb.dice_loss(probs, target, smooth=smooth, squared=squared, reduction="none")
    assert ours.shape == shape[:2] and ours.dtype == dtype
    torch.testing.assert_close(ours, ref.reshape(shape[:2]))
    for reduction in ("mean", "sum"):
        ref = DiceLoss(smooth_nr=smooth, smooth_dr=smooth, squared_pred=squared, reduction=reduction)(probs, target)
        torch.testing.assert_close(lb.dice_loss(probs, target, smooth=smooth, squared=squared, reduction=reduction),
                                   ref)


def test_set_overlap_in_closed_form():
    target = torch.zeros(1, 1, 10, 10, dtype=torch.float64)
    target[..., :5, :] = 1  # 50 pixels
    pred = torch.zeros_like(target)
    pred[..., 2:7, :] = 1  # 50 pixels, 30 of them inside the target
    assert lb.dice_loss(pred, target, smooth=0.0).item() == pytest.approx(1 - 2 * 30 / (50 + 50))
    assert lb.dice_loss(target, target, smooth=0.0).item() == 0.0


def test_empty_masks_and_smoothing():
    empty = torch.zeros(1, 1, 4, 4)
    assert lb.dice_loss(empty, empty).item() == 0.0  # both empty: perfect, thanks to the smoothing
    assert lb.dice_loss(empty + 0.01, empty).item() == pytest.approx(1 - 1e-5 / (0.16 + 1e-5), rel=1e-4)
    assert torch.isnan(lb.dice_loss(empty, empty, smooth=0.0))  # 0/0: what the smoothing is for


def test_gradcheck_float64():
    probs, target = random_masks((2, 2, 3, 3), torch.float64, "cpu")
    probs = probs.clamp(0.05, 0.95).requires_grad_()
    for squared in (False, True):
        assert torch.autograd.gradcheck(lambda p, s=squared: lb.dice_loss(p, target, squared=s), (probs,))


def test_probabilities_of_exactly_zero_and_one_give_finite_gradients():
    probs = torch.tensor([[[0.0, 1.0, 1.0, 0.0]]], requires_grad=True)
    target = torch.tensor([[[0.0, 1.0, 0.0, 0.0]]])
    lb.dice_loss(probs, target, squared=True).backward()
    assert torch.isfinite(probs.grad).all()


def test_bad_input():
    probs, target = random_masks((2, 3, 4), torch.float32, "cpu")
    with pytest.raises(ValueError, match=r"probs must contain probabilities in \[0, 1\]"):
        lb.dice_loss(probs * 5 - 2, target)  # logits passed by mistake
    with pytest.raises(ValueError, match="target must contain values in"):
        lb.dice_loss(probs, target * 2)
    with pytest.raises(ValueError, match="probs and target must have the same shape"):
        lb.dice_loss(probs, target[:, :1])
    with pytest.raises(ValueError, match="at least one spatial dimension"):
        lb.dice_loss(probs[..., 0], target[..., 0])
    with pytest.raises(TypeError, match="target must be a floating-point tensor"):
        lb.dice_loss(probs, target.long())
    with pytest.raises(ValueError, match="smooth must be"):
        lb.dice_loss(probs, target, smooth=-1.0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        lb.dice_loss(probs, target, reduction="batch")
