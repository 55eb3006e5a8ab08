"""Dreams: M as the environment. `transition` is the dream's one step (M advances its state
from z and an action, samples the next z from its mixture at a temperature, and predicts the
step's reward and whether the episode ends); the search's batched dreams (DreamPolicy) and the
report's continuation of a real episode (`imagine`) both step through it.

A search's dream starts from a real latent (V's mu of an episode's first frame, or of any
step with M's state after the real steps before it) and C acts on [z, h] as it does in the
real environment. A dream's return is the sum of the predicted rewards until the predicted end
or the step limit.

Every dream of a population (candidates x episodes) runs as one batch: one LSTM step and one
mixture sample per time step for all of them; dreams that have ended leave the batch between
chunks of CHUNK_STEPS, so a generation costs its dreams' total length, not its longest dream's
times their number. The random numbers of a dream come from its own
seed only (the start, then uniforms and normals drawn per time-chunk from a generator of that
seed), so a dream's return does not depend on which other dreams share its batch or worker.
With `dream_dropout` (Dropout's Dream Land) each dream also draws, from its seed, one dropout
mask on M's z input and one on the recurrent state M is fed: every dream a slightly different
M, so C cannot exploit one M's particular errors.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from worldmodels import layout
from worldmodels.config import Config
from worldmodels.data import rlds
from worldmodels.engine.scorers import Scorer
from worldmodels.games import Game, game
from worldmodels.export import serving
from worldmodels.models import controller
from worldmodels.models.mdnrnn import dropout_mask, sample_mixture
from worldmodels.runtime import pools

CHUNK_STEPS = 100  # time steps whose random numbers are drawn, and run, at once


@dataclass
class Starts:
    """Where dreams begin: V's mu of a real frame and M's state before it, [S, ...] each."""
    z: np.ndarray
    h: np.ndarray
    c: np.ndarray


def dream_starts(latents_dir: str, rnn, every: int = 0, split: str = "train") -> Starts:
    """every=0: each episode's first frame, M's state zero (where a real episode begins).
    every=k: every k-th step of every episode, with M's state after the real prefix (M fed
    V's mu and the real actions, as when C plays the real environment): dreams that branch
    off real states, short ones staying near what M was trained on."""
    builder = rlds.open_dataset(latents_dir)
    episodes = builder.as_dataset(split=split).map(rlds.episode_steps)
    episodes = list(rlds.checked(episodes.as_numpy_iterator(), rlds.split_files(builder, split)))
    hidden = int(rnn.hidden_units)
    if not every:
        z = np.stack([ep["observation"]["mu"][0] for ep in episodes]).astype(np.float32)
        zeros = np.zeros((len(z), hidden), np.float32)
        return Starts(z, zeros, zeros.copy())
    length = np.array([len(ep["observation"]["mu"]) - 1 for ep in episodes])  # transitions
    steps = int(length.max())
    mu = np.zeros((len(episodes), steps, int(rnn.z_size)), np.float32)
    action = np.zeros((len(episodes), steps, episodes[0]["action"].shape[-1]), np.float32)
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
        nxt = rnn.step(mu[:, t], action[:, t], h, c)
        h, c = nxt["h"].numpy(), nxt["c"].numpy()
    return Starts(*(np.concatenate(out[k]) for k in ("z", "h", "c")))


def transition(rnn, z, action, h, c, uniform, normal, temperature, survival_reward=0.0,
               end_uniform=None):
    """One dream step for a batch: (next z, h, c, reward, predicted end). The uniforms and
    normals [B, Z] are the mixture sample's random numbers. The reward is `survival_reward`
    for a game that pays for surviving (DoomTakeCover), else M's predicted reward (0 without a
    reward head). The step ends the dream where M's done logit is above 0 (the paper's
    done > 0.5), or, given `end_uniform` [B], with M's probability of the end; without a done
    head the dream never ends."""
    out = rnn.step(z, action, h, c)
    z = sample_mixture(out["log_pi"], out["mu"], out["log_sigma"], uniform, normal, temperature)
    reward = (tf.fill(tf.shape(z)[:1], tf.cast(survival_reward, tf.float32))
              if survival_reward or "reward" not in out else out["reward"])
    if "done_logit" not in out:
        done = tf.zeros_like(reward, tf.bool)
    elif end_uniform is None:
        done = out["done_logit"] > 0.0
    else:
        done = end_uniform < out["done_probability"]
    return z, out["h"], out["c"], reward, done


def imagine(rnn, z: np.ndarray, actions: np.ndarray, steps: int, temperature: float,
            seed: int) -> np.ndarray:
    """`steps` latents [steps, Z]: the given real ones z [C, Z] (V's mu of a real episode's
    first C frames), then M's continuation, fed its own samples and the episode's real
    actions (M sees the real frames only through the first C)."""
    z = [np.asarray(x, np.float32) for x in z]
    context = len(z)
    rng = np.random.default_rng(seed)
    h = c = np.zeros((1, int(rnn.hidden_units)), np.float32)
    shape = (1, len(z[0]))
    for t in range(steps - 1):
        uniform, normal = ((rng.random(shape, np.float32), rng.standard_normal(shape, np.float32))
                           if t + 1 >= context else (np.zeros(shape, np.float32),) * 2)
        nxt, h, c, _, _ = transition(rnn, z[t][None], actions[t][None].astype(np.float32), h, c,
                                     uniform, normal, np.float32(temperature))
        if t + 1 >= context:
            z.append(nxt.numpy()[0])
    return np.stack(z)


class DreamPolicy:
    """C in M's dream of `game` for a batch of dreams, each with its own controller; dreams
    end where M's done > 0.5 (ends="threshold") or with M's probability ("sampled")."""

    def __init__(self, rnn, game: Game, ends: str = "threshold"):
        self.rnn, self.game = rnn, game
        self.threshold_ends = ends == "threshold"
        self.hidden_units = int(rnn.hidden_units)
        self.z_size = int(rnn.z_size)
        z, hid, inputs = self.z_size, self.hidden_units, self.z_size + self.hidden_units
        a = game.action_size
        spec = tf.TensorSpec
        self._chunk = tf.function(self._run_chunk, input_signature=[
            spec([None, z]), spec([None, hid]), spec([None, hid]), spec([None, inputs, a]),
            spec([None, a]), spec([None, z]), spec([None, hid]), spec([None, None, z]),
            spec([None, None, z]), spec([None, None]), spec([])])

    def _step(self, z, h, c, w, b, keep_z, keep_h, temperature, uniform, normal, end_uniform):
        # One row repeated, as in world_model.step: a batch of one rounds like any other batch.
        # C sees z and h whole; M sees them through the dream's dropout masks (ones if none).
        n = tf.shape(z)[0]
        z, h, c, w, b, keep_z, keep_h, uniform, normal, end_uniform = (
            tf.concat([x, x[:1]], 0)
            for x in (z, h, c, w, b, keep_z, keep_h, uniform, normal, end_uniform))
        action = controller.act(z, h, w, b, self.game.action_mapping)
        z, h, c, reward, done = transition(
            self.rnn, z * keep_z, action, h * keep_h, c, uniform, normal, temperature,
            self.game.survival_reward, None if self.threshold_ends else end_uniform)
        return z[:n], h[:n], c[:n], reward[:n], done[:n]

    def _run_chunk(self, z, h, c, w, b, keep_z, keep_h, uniforms, normals, end_uniforms,
                   temperature):
        """len(uniforms) steps for every dream; rewards count while the dream is alive."""
        total = tf.zeros(tf.shape(z)[:1])
        alive = tf.ones(tf.shape(z)[:1], tf.bool)
        lived = tf.zeros(tf.shape(z)[:1], tf.int64)
        for t in tf.range(tf.shape(uniforms)[0]):
            z, h, c, reward, done = self._step(z, h, c, w, b, keep_z, keep_h, temperature,
                                               uniforms[t], normals[t], end_uniforms[t])
            total += tf.where(alive, reward, 0.0)
            lived += tf.cast(alive, tf.int64)
            alive = tf.logical_and(alive, tf.logical_not(done))
        return z, h, c, alive, total, lived

    def returns(self, params: np.ndarray, seeds: list[int], starts: Starts, steps: int,
                temperature: float, dropout: float = 0.0) -> np.ndarray:
        return self.play(params, seeds, starts, steps, temperature, dropout)[0]

    def play(self, params: np.ndarray, seeds: list[int], starts: Starts, steps: int,
             temperature: float, dropout: float = 0.0,
             rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One dream per (params[i], seeds[i]) row, `steps` long at most, from the start the
        seed picks (or starts' row rows[i]), with its own dropout masks on M's inputs at rate
        `dropout`: their returns and lengths."""
        w, b = controller.unflatten(params, self.z_size + self.hidden_units,
                                    self.game.action_size)
        rngs = [np.random.default_rng([seed, 11]) for seed in seeds]
        picks = np.array([rng.integers(len(starts.z)) for rng in rngs])
        if rows is not None:
            picks = np.asarray(rows)
        z, h, c = starts.z[picks], starts.h[picks], starts.c[picks]
        masks = [np.random.default_rng([seed, 12]) for seed in seeds]  # apart from the noise
        ends = [np.random.default_rng([seed, 13]) for seed in seeds]
        keep_z, keep_h = (dropout_mask(np.stack([m.random(size, np.float32) for m in masks]),
                                       dropout).numpy() for size in (self.z_size, self.hidden_units))
        live = np.arange(len(seeds))  # dreams still running; ended ones leave the batch
        total = np.zeros(len(seeds), np.float64)
        length = np.zeros(len(seeds), np.int64)
        for start in range(0, steps, CHUNK_STEPS):
            n = min(CHUNK_STEPS, steps - start)
            uniforms = np.stack([rngs[i].random((n, self.z_size), np.float32) for i in live], 1)
            normals = np.stack([rngs[i].standard_normal((n, self.z_size), np.float32)
                                for i in live], 1)
            end_uniforms = (np.zeros((n, len(live)), np.float32) if self.threshold_ends else
                            np.stack([ends[i].random(n, np.float32) for i in live], 1))
            z, h, c, alive, chunk, lived = self._chunk(z, h, c, w[live], b[live], keep_z[live],
                                                       keep_h[live], uniforms, normals,
                                                       end_uniforms, np.float32(temperature))
            total[live] += chunk.numpy()
            length[live] += lived.numpy()
            alive = alive.numpy()
            live, z, h, c = live[alive], z.numpy()[alive], h.numpy()[alive], c.numpy()[alive]
            if not len(live):
                break
        return total, length



def play_dream_chunk(setup: tuple, task: tuple) -> tuple[np.ndarray, np.ndarray]:
    """A worker's share of dreams: (params [P, 867], jobs) -> (returns, dream lengths), with
    M and the dreams' starts loaded once."""
    env_id, rnn_dir, latents_dir, steps, temperature, ends, dropout, starts_every, threads = setup
    if threads:
        pools.set_threads(threads)
    policy = pools.cached(("dream", env_id, rnn_dir, ends),
                          lambda: DreamPolicy(serving.load(rnn_dir), game(env_id), ends))
    starts = pools.cached(("starts", rnn_dir, latents_dir, starts_every),
                          lambda: dream_starts(latents_dir, policy.rnn, starts_every))
    params, jobs = task
    return policy.play(params[[j.params_index for j in jobs]], [j.seed for j in jobs], starts,
                       steps, temperature, dropout)


class DreamScorer(Scorer):
    """Dreams in M (one controller per job, the job's seed picks its start and its noise),
    each worker running its share as one batch of `steps` model steps."""

    def __init__(self, pool, env_id: str, rnn_dir: str, latents_dir: str, steps: int,
                 temperature: float, ends: str = "threshold", dropout: float = 0.0,
                 starts_every: int = 0):
        threads = 1 if pool.workers > 1 else 0  # worker processes share the cores
        super().__init__(pool, functools.partial(play_dream_chunk, (
            env_id, rnn_dir, latents_dir, steps, temperature, ends, dropout, starts_every,
            threads)))


def dream_scorer(cfg: Config, rnn_dir: str, latents_dir: str, dream_count: int,
                 beam_args: list[str] | None) -> DreamScorer:
    """A DreamScorer for the M and LatentSeries artifacts, its pool sized for `dream_count`."""
    cc = cfg.controller
    steps = cc.dream_steps or cfg.env.max_steps
    pool = pools.make_pool(beam_args, cc.workers, dream_count * steps)
    return DreamScorer(pool, cfg.env.env_id, os.path.join(rnn_dir, layout.SERVING_DIR),
                       latents_dir, steps, cc.dream_temperature, cc.dream_ends,
                       cc.dream_dropout, cc.dream_starts_every)
