"""M's windows fit the episodes: on real latents artifacts with the presets' episode lengths
and seq_len, every window is real data except the padding of an episode shorter than seq_len."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import config as configlib
from worldmodels.data import readers, rlds


def write_latents(path: str, transitions: list[int], terminated: bool = False) -> None:
    """One train episode per entry, mu[t] = (t, episode, 0...) so windows can be located."""
    examples = []
    for i, n in enumerate(transitions):
        mu = np.zeros((n + 1, 32), np.float32)
        mu[:, 0], mu[:, 1] = np.arange(n + 1), i
        last = np.eye(1, n + 1, n, bool)[0]
        steps = {"observation": {"mu": mu, "logvar": np.zeros_like(mu)},
                 "action": np.zeros((n + 1, 3), np.float32), "reward": np.zeros(n + 1, np.float32),
                 "discount": np.ones(n + 1, np.float32), "is_first": np.eye(1, n + 1, 0, bool)[0],
                 "is_last": last, "is_terminal": last & terminated}
        examples.append({"steps": steps, "episode_id": i, "seed": i, "env_id": "CarRacing-v3",
                         "episode_return": 0.0, "length": n})
    with rlds.DatasetWriter(path, rlds.latents_config(32), ["train", "eval"], 2) as writer:
        writer.add("train", examples)
        writer.add("eval", examples[:1])


def _windows(path: str, seq_len: int) -> list[dict]:
    data, _ = readers.rnn_sequences(path, "train", seq_len, 1, seed=None, repeat=False)
    return [{k: v.numpy()[0] for k, v in batch.items()} for batch in data]


PAPER, SMALL, TINY = configlib.PAPER, configlib.SMALL, configlib.TINY


@pytest.mark.parametrize("cfg, transitions, starts", [
    (PAPER, 1000, [0, 1]),  # end-padded: [0, 999], the second window 1 real + 998 masked
    (SMALL, 1000, [0, 200, 400, 600, 800]),
    (TINY, TINY.env.max_steps, [0, 24, 48]),  # end-padded: [0, 32, 64], the last 16 real of 32
], ids=["paper", "small", "tiny"])
def test_full_length_episodes_give_windows_with_no_padding(tmp_path, cfg, transitions, starts):
    path = str(tmp_path / "latents")
    write_latents(path, [transitions] * 3, terminated=True)
    seq_len, batch_size = cfg.rnn.seq_len, cfg.rnn.batch_size
    windows = _windows(path, seq_len)
    assert len(windows) == 3 * len(starts)
    for episode in range(3):
        mine = [w for w in windows if w["mu"][0, 1] == episode]
        assert [int(w["mu"][0, 0]) for w in mine] == starts
        for w, start in zip(mine, starts):
            np.testing.assert_array_equal(w["mu"][:, 0], np.arange(start, start + seq_len))
            np.testing.assert_array_equal(w["next_mu"][:, 0], np.arange(start + 1, start + seq_len + 1))
        assert mine[-1]["next_mu"][-1, 0] == transitions  # the last window ends at the episode's end
        assert mine[-1]["done"][-1] == 1.0 and sum(w["done"].sum() for w in mine) == 1.0
    # every training batch, as M's trainer draws them (shuffled, repeated): all steps real
    data, _ = readers.rnn_sequences(path, "train", seq_len, batch_size, seed=0)
    for batch in data.take(3):
        assert batch["mask"].shape == (batch_size, seq_len)
        assert float(batch["mask"].numpy().mean()) == 1.0


def test_short_episodes_give_one_padded_window(tmp_path):
    path = str(tmp_path / "latents")
    write_latents(path, [1000, 300], terminated=True)  # one full, one that left the track at 300
    windows = _windows(path, PAPER.rnn.seq_len)
    short = [w for w in windows if w["mu"][0, 1] == 1]
    assert len(windows) == 3 and len(short) == 1
    np.testing.assert_array_equal(short[0]["mask"], np.r_[np.ones(300), np.zeros(699)])
    assert short[0]["done"][299] == 1.0 and short[0]["done"].sum() == 1.0
    assert (short[0]["mu"][300:] == 0).all()
    mask = np.stack([w["mask"] for w in windows])
    assert mask.sum() == 2 * 999 + 300  # fraction real (1998 + 300) / 2997, not (1000 + 300) / 2997


@pytest.mark.parametrize("cfg, transitions", [(PAPER, 1000), (SMALL, 1000), (TINY, 80), (PAPER, 300)],
                         ids=["paper", "small", "tiny", "short"])
def test_evaluation_windows_count_each_transition_once(tmp_path, cfg, transitions):
    path = str(tmp_path / "latents")
    write_latents(path, [transitions] * 2, terminated=True)
    data, _ = readers.rnn_sequences(path, "train", cfg.rnn.seq_len, 1, seed=None, repeat=False,
                                    once=True)
    counted = [w["mu"][0, :, 0][w["mask"][0] > 0] for w in ({k: v.numpy() for k, v in b.items()}
                                                         for b in data)]
    steps = np.sort(np.concatenate(counted))
    np.testing.assert_array_equal(steps, np.repeat(np.arange(transitions), 2))
