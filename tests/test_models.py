import numpy as np
import pytest
import torch

from eegxai.models import (
    MODEL_NAMES,
    build_model,
    deep_pooling_that_fits,
    load_model,
    read_checkpoint,
    receptive_field,
    save_model,
)


def _forward(model, X):
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(X)).numpy()


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="'shallow', 'deep', 'eegnet'.*'shalow'"):
        build_model("shalow", 3, 2, 500)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_chans": 0}, ValueError),
        ({"n_chans": -3}, ValueError),
        ({"n_chans": 2.5}, TypeError),
        ({"n_chans": True}, TypeError),
        ({"n_outputs": 1}, ValueError),
        ({"n_times": "500"}, TypeError),
        ({"n_times": 20}, ValueError),  # shorter than the receptive field
    ],
)
def test_bad_arguments(kwargs, error):
    args = {"n_chans": 3, "n_outputs": 2, "n_times": 500} | kwargs
    with pytest.raises(error):
        build_model("shallow", **args)


def test_unserializable_kwarg_is_refused():
    with pytest.raises(TypeError, match="conv_nonlin"):
        build_model("shallow", 3, 2, 500, conv_nonlin=torch.nn.ReLU)


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("n_outputs", [2, 4])
def test_output_shape(name, n_outputs, rng):
    model = build_model(name, 3, n_outputs, 500)
    X = rng.standard_normal((5, 3, 500)).astype(np.float32)
    assert _forward(model, X).shape == (5, n_outputs)
    assert model.eegxai_build_args["name"] == name


@pytest.mark.parametrize("name", ["shallow", "deep"])
def test_cropped_model_is_dense_and_matches_trialwise(name, rng):
    n_times = 700
    dense = build_model(name, 3, 2, n_times, cropped=True)
    rf = receptive_field(dense)
    n_preds = n_times - rf + 1
    X = rng.standard_normal((2, 3, n_times)).astype(np.float32)
    out = _forward(dense, X)
    assert out.shape == (2, 2, n_preds) and n_preds > 1
    # A trialwise net on one crop with the same weights gives the same logits as
    # the dense net at that crop (Schirrmeister et al. 2017, cropped decoding).
    kwargs = dense.eegxai_build_args["kwargs"]
    single = build_model(name, 3, 2, rf, **kwargs)
    single.load_state_dict(dense.state_dict())
    for pos in (0, n_preds - 1):
        crop = np.ascontiguousarray(X[:, :, pos : pos + rf])
        np.testing.assert_allclose(_forward(single, crop), out[:, :, pos], atol=1e-4)


def test_cropped_eegnet_is_refused():
    with pytest.raises(ValueError, match="Cropped decoding.*'shallow', 'deep'"):
        build_model("eegnet", 3, 2, 500, cropped=True)


@pytest.mark.parametrize(
    "name, cropped, kwargs",
    [
        ("shallow", False, {"n_filters_time": 20, "drop_prob": 0.3}),
        ("deep", False, {}),
        ("eegnet", False, {"F1": 4}),
        ("shallow", True, {}),
    ],
)
def test_save_load_roundtrip(tmp_path, rng, name, cropped, kwargs):
    model = build_model(name, 3, 2, 700, cropped=cropped, **kwargs)
    # Non-trivial BatchNorm statistics, so they must travel too.
    model.train()
    with torch.no_grad():
        model(torch.as_tensor(rng.standard_normal((8, 3, 700)).astype(np.float32)))
    path = tmp_path / "sub" / "model.pt"
    save_model(path, model, model.eegxai_build_args)
    raw = torch.load(path, weights_only=True)
    assert raw["build_args"]["kwargs"] == model.eegxai_build_args["kwargs"]
    assert kwargs.items() <= raw["build_args"]["kwargs"].items()
    loaded = load_model(path)
    X = rng.standard_normal((4, 3, 700)).astype(np.float32)
    np.testing.assert_array_equal(_forward(loaded, X), _forward(model, X))
    assert not loaded.training


def test_save_folds_and_load_one(tmp_path, rng):
    models = [build_model("shallow", 3, 2, 500) for _ in range(2)]
    with torch.no_grad():
        models[1].final_layer.conv_classifier.bias.fill_(3.0)
    folds = [
        {"train_idx": np.arange(5), "valid_idx": [5], "test_idx": [6, 7]},
        {"train_idx": [0, 1], "test_idx": [2]},
    ]
    path = tmp_path / "m.pt"
    save_model(path, models, models[0].eegxai_build_args, folds=folds)
    ckpt = read_checkpoint(path)
    assert ckpt["folds"][0]["train_idx"] == [0, 1, 2, 3, 4]
    assert ckpt["folds"][1]["valid_idx"] is None
    X = rng.standard_normal((3, 3, 500)).astype(np.float32)
    np.testing.assert_array_equal(
        _forward(load_model(path, fold=1), X), _forward(models[1], X)
    )
    with pytest.raises(ValueError, match="fold"):
        load_model(path, fold=2)
    with pytest.raises(ValueError, match="fold descriptions"):
        save_model(path, models, models[0].eegxai_build_args, folds=folds[:1])


def test_load_rejects_foreign_file(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"a": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="not an eegxai model"):
        load_model(path)


def test_deep4net_on_short_trials_warns_and_the_fitting_pool_keeps_its_filters(tmp_path):
    import warnings

    # braindecode shrinks every Deep4Net kernel by n_times / 441 on short trials: at
    # 240 samples (3 s at 80 Hz) its pools become 1 x 1, i.e. no pooling at all;
    # build_model passes braindecode's warning on instead of swallowing it
    with pytest.warns(UserWarning, match="'deep' for n_times=240: .*smaller than the minimum"):
        shrunk = build_model("deep", n_chans=3, n_outputs=2, n_times=240)
    assert shrunk.pool.kernel_size[0] == 1 and shrunk.conv_2.kernel_size[0] == 5
    pooling = deep_pooling_that_fits(3, 2, 240)
    assert pooling == {"pool_time_length": 2, "pool_time_stride": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no shrinking: no warning
        net = build_model("deep", n_chans=3, n_outputs=2, n_times=240, **pooling)
    pools = [net.pool, net.pool_2, net.pool_3, net.pool_4]
    assert [(p.kernel_size[0], p.stride[0]) for p in pools] == [(2, 2)] * 4
    assert [net.conv_2.kernel_size[0], net.conv_3.kernel_size[0],
            net.conv_4.kernel_size[0]] == [10, 10, 10]  # the published filter lengths
    # trials long enough for the published net need nothing
    assert deep_pooling_that_fits(3, 2, 1000) == {}
    with pytest.raises(ValueError, match="n_times"):
        deep_pooling_that_fits(3, 2, 0)
    path = tmp_path / "deep.pt"  # the pooling travels with the checkpoint
    save_model(path, net, net.eegxai_build_args)
    X = np.random.default_rng(0).standard_normal((2, 3, 240)).astype(np.float32)
    np.testing.assert_array_equal(_forward(load_model(path), X), _forward(net, X))
