"""M: the MDN-RNN. An LSTM over [z_t, a_t] predicting a Gaussian mixture over z_{t+1},
`mixtures` components per latent dimension (H's and Z's form), plus optional reward and done
heads. The done head is trained with episode ends weighing `done_weight` (mdn_loss), which
shifts its logit by log(done_weight); `done_probability` takes the shift back out."""
from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from worldmodels.precision import keras_policy

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class MDNRNN(keras.Model):
    """`precision` (worldmodels.precision): the LSTM computes in it; its outputs and states,
    and the heads, are float32, so the loss and the state carried between steps are float32.
    The variables are float32 either way."""

    def __init__(self, z_size: int = 32, action_size: int = 3, hidden_units: int = 256,
                 mixtures: int = 5, reward_head: bool = False, done_head: bool = False,
                 done_weight: float = 1.0, precision: str = "float32", **kwargs):
        super().__init__(**kwargs)
        self.done_weight = done_weight
        self.z_size, self.action_size = z_size, action_size
        self.hidden_units, self.mixtures = hidden_units, mixtures
        self.lstm = layers.LSTM(hidden_units, return_sequences=True, return_state=True, name="lstm",
                                dtype=keras_policy(precision))
        self.mdn = layers.Dense(z_size * mixtures * 3, name="mdn")
        self.reward = layers.Dense(1, name="reward") if reward_head else None
        self.done = layers.Dense(1, name="done") if done_head else None
        self.lstm.build((None, None, z_size + action_size))
        for head in (self.mdn, self.reward, self.done):
            if head is not None:
                head.build((None, hidden_units))
        self.built = True

    def heads(self, h):
        """Output heads on LSTM outputs h[..., H]: mixture (log_pi, mu, log_sigma) each
        [..., z, K] with log_pi normalised over K, the optional reward, and the optional done
        logit with the probability of the end it implies."""
        h = tf.cast(h, tf.float32)
        raw = self.mdn(h)
        shape = tf.concat([tf.shape(raw)[:-1], [self.z_size, self.mixtures * 3]], 0)
        log_pi, mu, log_sigma = tf.split(tf.reshape(raw, shape), 3, axis=-1)
        out = {"log_pi": tf.nn.log_softmax(log_pi, axis=-1), "mu": mu, "log_sigma": log_sigma}
        if self.reward is not None:
            out["reward"] = tf.squeeze(self.reward(h), -1)
        if self.done is not None:
            out["done_logit"] = tf.squeeze(self.done(h), -1)
            out["done_probability"] = tf.sigmoid(out["done_logit"] - math.log(self.done_weight))
        return out

    def call(self, z, actions, initial_state=None):
        """Whole sequences z[B, T, z], actions[B, T, 3] -> heads per step and the final state."""
        h, state_h, state_c = self.lstm(tf.concat([z, actions], -1), initial_state=initial_state)
        return self.heads(h), (tf.cast(state_h, tf.float32), tf.cast(state_c, tf.float32))

    def dropped(self, z, actions, rate: float, seed):
        """`call` as Dropout's Dream Land trains M: each sequence keeps one mask on its z inputs
        and one on the recurrent state it feeds back, drawn statelessly from `seed` (a resumed
        training draws the same masks)."""
        batch = tf.shape(z)[0]
        keep_z = dropout_mask(tf.random.stateless_uniform([batch, self.z_size], seed), rate)
        keep_h = dropout_mask(tf.random.stateless_uniform([batch, self.hidden_units], seed + 1),
                              rate)
        x = tf.transpose(tf.concat([z * keep_z[:, None], actions], -1), [1, 0, 2])

        def advance(carry, x_t):
            _, (h, c) = self.lstm.cell(x_t, [carry[0] * keep_h, carry[1]])
            return tf.cast(h, tf.float32), tf.cast(c, tf.float32)

        zeros = tf.zeros([batch, self.hidden_units])
        hs, cs = tf.scan(advance, x, initializer=(zeros, zeros))
        return self.heads(tf.transpose(hs, [1, 0, 2])), (hs[-1], cs[-1])

    def step(self, z, action, state):
        """One step for a batch: the agent's and the dream's inner loop."""
        h, (state_h, state_c) = self.lstm.cell(tf.concat([z, action], -1), list(state))
        return self.heads(h), (tf.cast(state_h, tf.float32), tf.cast(state_c, tf.float32))


def dropout_mask(uniform, rate):
    """Inverted dropout's mask from uniforms in [0, 1): 0 where uniform < rate, else
    1 / (1 - rate); all ones at rate 0."""
    return tf.cast(uniform >= rate, tf.float32) / (1.0 - rate)


def mixture_log_prob(target, log_pi, mu, log_sigma):
    """log p(target) per dimension under the mixture: target[..., z], params [..., z, K]."""
    x = target[..., None]
    log_normal = -0.5 * tf.square((x - mu) / tf.exp(log_sigma)) - log_sigma - LOG_SQRT_2PI
    return tf.reduce_logsumexp(log_pi + log_normal, axis=-1)


def mdn_loss(target, heads, mask, reward=None, done=None, done_weight: float = 1.0):
    """Mean NLL over dimensions and unmasked steps; plus reward MSE and done cross-entropy
    where those heads exist, an episode's end weighing `done_weight` times a step survived (H's
    restart factor: ends are ~1 step in 300, and a dream that seldom ends teaches C nothing).
    mask[B, T] is 1 before episode end, 0 after.

    Returns (total, {name: component})."""
    mask = tf.cast(mask, tf.float32)
    denom = tf.maximum(tf.reduce_sum(mask), 1.0)
    nll = -tf.reduce_mean(mixture_log_prob(target, heads["log_pi"], heads["mu"],
                                           heads["log_sigma"]), axis=-1)
    parts = {"nll": tf.reduce_sum(nll * mask) / denom}
    if "reward" in heads and reward is not None:
        parts["reward_mse"] = tf.reduce_sum(tf.square(heads["reward"] - reward) * mask) / denom
    if "done_logit" in heads and done is not None:
        xent = tf.nn.weighted_cross_entropy_with_logits(tf.cast(done, tf.float32),
                                                        heads["done_logit"], done_weight)
        parts["done_xent"] = tf.reduce_sum(xent * mask) / denom
    return tf.add_n(list(parts.values())), parts


def sample_mixture(log_pi, mu, log_sigma, uniform, normal, temperature):
    """Draws z per dimension at temperature tau from given random numbers: component k with
    P(k) = softmax(log_pi / tau) picked by `uniform`, then mu_k + sigma_k sqrt(tau) * `normal`.
    Params [B, Z, K], uniform and normal [B, Z]: the caller owns the random stream (a dream's
    comes from its seed alone)."""
    probs = tf.nn.softmax(log_pi / temperature, axis=-1)
    below = tf.cast(tf.cumsum(probs, axis=-1) < uniform[..., None], tf.int32)
    k = tf.minimum(tf.reduce_sum(below, -1), tf.shape(probs)[-1] - 1)
    pick = lambda t: tf.gather(t, k, axis=-1, batch_dims=2)
    return pick(mu) + tf.exp(pick(log_sigma)) * tf.sqrt(temperature) * normal
