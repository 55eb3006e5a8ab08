"""Dreams: controllers driving inside M instead of CarRacing.

A dream starts from a real latent (V's mu of an episode's first frame, or of any step with M's
state after the real steps before it), C acts on
[z, h] as it does in the real environment, M advances h, samples the next z from its mixture at
a temperature, and predicts the step's reward and whether the episode ends. A dream's return is
the sum of the predicted rewards until the predicted end or the step limit.

Every dream of a population (candidates x episodes) runs as one batch: one LSTM step and one
mixture sample per time step for all of them. The random numbers of a dream come from its own
seed only (the start, then uniforms and normals drawn per time-chunk from a generator of that
seed), so a dream's return does not depend on which other dreams share its batch or worker.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from worldmodels.data import rlds
from worldmodels.models import controller
from worldmodels.models.mdnrnn import sample_mixture

CHUNK_STEPS = 100  # time steps whose random numbers are drawn, and run, at once


@dataclass
class Starts:
    """Where dreams begin: V's mu of a real frame and M's state before it, [S, ...] each."""
    z: np.ndarray
    h: np.ndarray
    c: np.ndarray


def dream_starts(latents_dir: str, memory, every: int = 0, split: str = "train") -> Starts:
    """every=0: each episode's first frame, M's state zero (where a real episode begins).
    every=k: every k-th step of every episode, with M's state after the real prefix (M fed
    V's mu and the real actions, as when C plays the real environment): dreams that branch
    off real states, short ones staying near what M was trained on."""
    builder = rlds.open_dataset(latents_dir)
    episodes = builder.as_dataset(split=split).map(rlds.episode_steps)
    episodes = list(rlds.checked(episodes.as_numpy_iterator(), rlds.split_files(builder, split)))
    hidden = int(memory.hidden_units)
    if not every:
        z = np.stack([ep["observation"]["mu"][0] for ep in episodes]).astype(np.float32)
        zeros = np.zeros((len(z), hidden), np.float32)
        return Starts(z, zeros, zeros.copy())
    length = np.array([len(ep["observation"]["mu"]) - 1 for ep in episodes])  # transitions
    steps = int(length.max())
    mu = np.zeros((len(episodes), steps, int(memory.z_size)), np.float32)
    action = np.zeros((len(episodes), steps, 3), np.float32)
    for i, ep in enumerate(episodes):
        mu[i, :length[i]] = ep["observation"]["mu"][:-1]
        action[i, :length[i]] = ep["action"][:length[i]]
    h = c = np.zeros((len(episodes), hidden), np.float32)
    out = {"z": [], "h": [], "c": []}
    for t in range(steps):
        if t % every == 0:
            live = length > t
            for key, value in (("z", mu[:, t]), ("h", h), ("c", c)):
                out[key].append(np.asarray(value)[live])
        nxt = memory.step(mu[:, t], action[:, t], h, c)
        h, c = nxt["h"].numpy(), nxt["c"].numpy()
    return Starts(*(np.concatenate(out[k]) for k in ("z", "h", "c")))


class DreamPolicy:
    """C in M's dream for a batch of dreams, each with its own controller."""

    def __init__(self, memory):
        self.memory = memory
        self.hidden_units = int(memory.hidden_units)
        self.z_size = int(memory.z_size)
        z, hid, inputs = self.z_size, self.hidden_units, self.z_size + self.hidden_units
        spec = tf.TensorSpec
        self._chunk = tf.function(self._run_chunk, input_signature=[
            spec([None, z]), spec([None, hid]), spec([None, hid]), spec([None, inputs, 3]),
            spec([None, 3]), spec([None], tf.bool), spec([None, None, z]), spec([None, None, z]),
            spec([])])

    def _step(self, z, h, c, w, b, temperature, uniform, normal):
        # One row repeated, as in agent.step: a batch of one rounds like any other batch.
        n = tf.shape(z)[0]
        z, h, c, w, b, uniform, normal = (tf.concat([x, x[:1]], 0)
                                          for x in (z, h, c, w, b, uniform, normal))
        action = controller.act(z, h, w, b)
        out = self.memory.step(z, action, h, c)
        z = sample_mixture(out["log_pi"], out["mu"], out["log_sigma"], uniform, normal,
                           temperature)
        done = (out["done_logit"] > 0.0 if "done_logit" in out
                else tf.zeros_like(out["reward"], tf.bool))
        return z[:n], out["h"][:n], out["c"][:n], out["reward"][:n], done[:n]

    def _run_chunk(self, z, h, c, w, b, alive, uniforms, normals, temperature):
        """len(uniforms) steps for every dream; rewards count while the dream is alive."""
        total = tf.zeros(tf.shape(z)[:1])
        for t in tf.range(tf.shape(uniforms)[0]):
            z, h, c, reward, done = self._step(z, h, c, w, b, temperature, uniforms[t],
                                               normals[t])
            total += tf.where(alive, reward, 0.0)
            alive = tf.logical_and(alive, tf.logical_not(done))
        return z, h, c, alive, total

    def returns(self, params: np.ndarray, seeds: list[int], starts: Starts, steps: int,
                temperature: float) -> np.ndarray:
        """One dream per (params[i], seeds[i]) row, `steps` long at most, from the start the
        seed picks: their returns."""
        w, b = controller.unflatten(params, self.z_size + self.hidden_units)
        rngs = [np.random.default_rng([seed, 11]) for seed in seeds]
        picks = np.array([rng.integers(len(starts.z)) for rng in rngs])
        z, h, c = starts.z[picks], starts.h[picks], starts.c[picks]
        alive = np.ones(len(seeds), bool)
        total = np.zeros(len(seeds), np.float64)
        for start in range(0, steps, CHUNK_STEPS):
            n = min(CHUNK_STEPS, steps - start)
            uniforms = np.stack([rng.random((n, self.z_size), np.float32) for rng in rngs], 1)
            normals = np.stack([rng.standard_normal((n, self.z_size), np.float32) for rng in rngs], 1)
            z, h, c, alive, chunk = self._chunk(z, h, c, w, b, alive, uniforms, normals,
                                                 np.float32(temperature))
            total += chunk.numpy()
            if not alive.numpy().any():
                break
        return total

