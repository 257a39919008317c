import numpy as np
import pandas as pd
import pytest

from eegxai.splits import (
    PROTOCOLS,
    make_splits,
    splits_from_config,
    train_valid_split,
)


def _metadata_2b(n_per_session=20):
    sessions = ["01T", "02T", "03T", "04E", "05E"]
    session = np.repeat(sessions, n_per_session)
    y = np.tile([0, 1], len(session) // 2).astype(np.int64)
    md = pd.DataFrame({"subject": "1", "session": session, "run": "0", "label": y})
    return md, y


def _metadata_mmidb(n_per_run=15):
    run = np.repeat(["4", "8", "12"], n_per_run)
    y = np.tile([0, 1, 1], len(run) // 3).astype(np.int64)
    md = pd.DataFrame({"subject": "7", "session": "1", "run": run, "label": y})
    return md, y


def test_session_split_puts_only_evaluation_sessions_in_test():
    md, y = _metadata_2b()
    (train, test), = splits_from_config(md, y, "bci_iv_2b")
    assert set(md.session[test]) == {"04E", "05E"}
    assert set(md.session[train]) == {"01T", "02T", "03T"}
    assert not set(train) & set(test)
    assert len(train) + len(test) == len(y)
    assert train.dtype == np.int64


def test_session_split_errors():
    md, y = _metadata_2b()
    with pytest.raises(ValueError, match="present are"):
        make_splits(md, y, kind="session", train=["01T"], test=["06E"])
    with pytest.raises(ValueError, match="train and test"):
        make_splits(md, y, kind="session", train=["01T"], test=["01T"])
    with pytest.raises(ValueError, match="needs the 'train' and 'test'"):
        make_splits(md, y, kind="session")
    with pytest.raises(ValueError, match="rows"):
        make_splits(md.iloc[:10], y, kind="session", train=["01T"], test=["04E"])
    with pytest.raises(ValueError, match="Allowed values are 'session', 'kfold'"):
        make_splits(md, y, kind="random")


def test_kfold_is_stratified_deterministic_and_partitions():
    md, y = _metadata_mmidb()
    folds = make_splits(md, y, kind="kfold", n_splits=5, seed=3)
    again = make_splits(md, y, kind="kfold", n_splits=5, seed=3)
    other = make_splits(md, y, kind="kfold", n_splits=5, seed=4)
    assert len(folds) == 5
    for (tr, te), (tr2, te2) in zip(folds, again, strict=True):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(te, te2)
        assert not set(tr) & set(te)
        assert len(tr) + len(te) == len(y)
        # Stratified: class proportions of each test fold match the whole set.
        assert abs(y[te].mean() - y.mean()) < 0.1
    all_test = np.concatenate([te for _, te in folds])
    np.testing.assert_array_equal(np.sort(all_test), np.arange(len(y)))
    assert any(
        not np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True)
    )
    with pytest.raises(ValueError, match="smallest class"):
        make_splits(md, y, kind="kfold", n_splits=20)


def test_leave_one_run_out():
    md, y = _metadata_mmidb()
    folds = make_splits(md, y, kind="leave_one_run_out")
    assert [set(md.run[te]) for _, te in folds] == [{"4"}, {"8"}, {"12"}]
    for tr, te in folds:
        assert not set(md.run[tr]) & set(md.run[te])
    with pytest.raises(ValueError, match="at least 2 runs"):
        make_splits(md.iloc[:15], y[:15], kind="leave_one_run_out")


def test_protocols_are_valid_configs():
    md, y = _metadata_mmidb()
    assert len(splits_from_config(md, y, PROTOCOLS["eegmmidb"])) == 5
    with pytest.raises(ValueError, match="'bci_iv_2b', 'eegmmidb'"):
        splits_from_config(md, y, "bci")


def test_train_valid_split_is_stratified_subset_and_seeded():
    y = np.array([0] * 30 + [1] * 20)
    fit, valid = train_valid_split(y, 0.2, seed=1)
    assert len(valid) == 10 and np.bincount(y[valid]).tolist() == [6, 4]
    assert not set(fit) & set(valid) and len(fit) + len(valid) == len(y)
    fit2, valid2 = train_valid_split(y, 0.2, seed=1)
    np.testing.assert_array_equal(valid, valid2)
    fit0, valid0 = train_valid_split(y, 0.0, seed=1)
    assert len(valid0) == 0 and len(fit0) == len(y)
    with pytest.raises(ValueError, match="valid_fraction"):
        train_valid_split(y, 0.95, seed=0)
    with pytest.raises(ValueError, match="too few"):
        train_valid_split(np.array([0, 1, 0, 1]), 0.25, seed=0)


def test_train_valid_split_by_group_holds_out_whole_groups():
    y = np.tile([0, 1], 50)
    groups = np.repeat(np.arange(10), 10)
    fit, valid = train_valid_split(y, 0.2, seed=3, groups=groups)
    held = set(groups[valid])
    assert len(held) == 2 and not held & set(groups[fit])  # ceil(0.2 * 10) subjects
    assert len(fit) + len(valid) == len(y)
    np.testing.assert_array_equal(valid, train_valid_split(y, 0.2, 3, groups=groups)[1])
    # a large fraction still keeps one group to fit on
    fit, valid = train_valid_split(y[:20], 0.9, seed=0, groups=groups[:20])
    assert len(set(groups[:20][fit])) == 1 and len(set(groups[:20][valid])) == 1
    with pytest.raises(ValueError, match="at least 2 groups"):
        train_valid_split(y[:10], 0.2, seed=0, groups=groups[:10])
    with pytest.raises(ValueError, match="one entry per trial"):
        train_valid_split(y, 0.2, seed=0, groups=groups[:5])


def test_config_seed_reaches_kfold_unless_given():
    md, y = _metadata_mmidb()
    a = splits_from_config(md, y, {"kind": "kfold", "n_splits": 3}, seed=5)
    b = make_splits(md, y, kind="kfold", n_splits=3, seed=5)
    c = splits_from_config(md, y, {"kind": "kfold", "n_splits": 3, "seed": 1}, seed=5)
    d = make_splits(md, y, kind="kfold", n_splits=3, seed=1)
    for (x, _), (z, _) in zip(a + c, b + d, strict=True):
        np.testing.assert_array_equal(x, z)


def _metadata_exec_imag(n_per_run=15):
    run = np.repeat(["3", "4", "7", "8", "11", "12"], n_per_run)
    y = np.tile([0, 1, 1], len(run) // 3).astype(np.int64)
    md = pd.DataFrame({"subject": "7", "session": "1", "run": run, "label": y})
    return md, y


def test_test_runs_train_on_every_run_and_test_on_test_runs_only():
    md, y = _metadata_exec_imag()
    split = {"kind": "kfold", "n_splits": 5, "test_runs": [4, 8, 12]}
    folds = splits_from_config(md, y, split, seed=3)
    executed = set(np.flatnonzero(md.run.isin(["3", "7", "11"])))
    imagined = np.flatnonzero(md.run.isin(["4", "8", "12"]))
    tests = np.concatenate([te for _, te in folds])
    np.testing.assert_array_equal(np.sort(tests), imagined)  # each imagined trial once
    for train, test in folds:
        assert executed <= set(train)  # executed trials train in every fold
        assert not set(train) & set(test)
        assert set(md.run[test]) <= {"4", "8", "12"}
        assert len(train) + len(test) == len(y)
    # The imagined folds are those of a study of the imagined runs alone.
    alone = splits_from_config(md.iloc[imagined].reset_index(drop=True), y[imagined],
                               {"kind": "kfold", "n_splits": 5}, seed=3)
    for (_, te), (_, te_alone) in zip(folds, alone, strict=True):
        np.testing.assert_array_equal(te, imagined[te_alone])


def test_test_runs_errors():
    md, y = _metadata_exec_imag()
    with pytest.raises(ValueError, match="present are"):
        make_splits(md, y, kind="kfold", test_runs=[5])
    with pytest.raises(TypeError):
        make_splits(md, y, kind="kfold", test_runs="4")
