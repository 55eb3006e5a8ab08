"""float32 against bfloat16 (vae.precision, rnn.precision = bfloat16: mixed precision), side
by side in one process, the same weights in both: V's training step (batch 64), M's training
step (medium's batch 32 x 200 steps), V's encoding at a search worker's batches (16 and 64
frames, V's SavedModel) and the whole agent step (V + M + C for 64 CarRacing frames). Each row
prints both rates and bfloat16 / float32; the last line is V's training step's ratio against
its floor (1.8x with AMX, 1.3x with AVX512_BF16 alone, none where the CPU emulates bfloat16).

    .venv/bin/python benchmarks/bench_precision.py [--repeats 20] [--threads 0]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common
import numpy as np
from bench_vae_train import bfloat16_floor, vae_images_per_s

PRECISIONS = ("float32", "bfloat16")


def rate(call, repeats: int) -> float:
    """Calls per second of `call` after two warm-up calls (tracing)."""
    for _ in range(2):
        call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return repeats / (time.perf_counter() - start)


def rnn_steps_per_s(precision: str, repeats: int, batch: int = 32, seq_len: int = 200) -> float:
    import keras
    import tensorflow as tf

    from worldmodels.config import RNNConfig
    from worldmodels.training import rnn_train

    keras.utils.set_random_seed(0)
    cfg = RNNConfig(batch_size=batch, seq_len=seq_len, precision=precision)
    model = rnn_train.build_model(cfg, 32)
    step = rnn_train.make_train_step(model, keras.optimizers.Adam(cfg.learning_rate), cfg, 0)
    rng = np.random.default_rng(0)
    shape = (batch, seq_len)
    normal = lambda *s: tf.constant(rng.standard_normal(shape + s), tf.float32)
    windows = {"mu": normal(32), "logvar": normal(32) - 3, "next_mu": normal(32),
               "next_logvar": normal(32) - 3, "action": normal(3), "mask": tf.ones(shape),
               "reward": tf.zeros(shape), "done": tf.zeros(shape, tf.bool)}
    n = tf.constant(0, tf.int64)
    return rate(lambda: step(windows, n)[0].numpy(), repeats)


def saved_world_models(directory: str) -> dict[str, tuple[str, str]]:
    """V and M SavedModels in each precision, the same untrained weights."""
    import keras

    from worldmodels.export.rnn import save_rnn
    from worldmodels.export.vae import save_vae
    from worldmodels.models.mdnrnn import MDNRNN
    from worldmodels.models.vae import ConvVAE

    keras.utils.set_random_seed(0)
    vae32, rnn32 = ConvVAE(), MDNRNN()
    out = {}
    for precision in PRECISIONS:
        vae, rnn = ConvVAE(precision=precision), MDNRNN(precision=precision)
        vae.set_weights(vae32.get_weights())
        rnn.set_weights(rnn32.get_weights())
        out[precision] = (f"{directory}/{precision}/vae", f"{directory}/{precision}/rnn")
        save_vae(vae, out[precision][0])
        save_rnn(rnn, out[precision][1])
    return out


def inference_rows(models: dict, repeats: int) -> list[tuple[str, dict]]:
    """(what, {precision: calls/s}) for V's encoding at 16 and 64 frames and the agent step."""
    from worldmodels.engine.policies import WorldModel
    from worldmodels.engine.episodes import Job
    from worldmodels.export import serving
    from worldmodels.games import CAR_RACING_GAME

    rng = np.random.default_rng(0)
    images = rng.random((64, 64, 64, 3), np.float32)
    screens = rng.integers(0, 256, (64, *CAR_RACING_GAME.frames.shape), np.uint8)
    params = rng.normal(0, 0.1, (64, 867)).astype(np.float32)
    rows = {"V encode, 16 frames (calls/s)": {}, "V encode, 64 frames (calls/s)": {},
            "agent step, 64 frames (calls/s)": {}}
    for precision, (vae_dir, rnn_dir) in models.items():
        vae, rnn = serving.load(vae_dir), serving.load(rnn_dir)
        for n in (16, 64):
            rows[f"V encode, {n} frames (calls/s)"][precision] = rate(
                lambda: vae.encode(images[:n])["mu"].numpy(), repeats)
        policy = WorldModel(vae, rnn, CAR_RACING_GAME).policy(params)
        policy.reset(64)
        for slot in range(64):
            policy.begin(slot, Job(slot, slot))
        rows["agent step, 64 frames (calls/s)"][precision] = rate(
            lambda: policy.act(screens, slice(None)), repeats)
    return list(rows.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0,
                        help="TensorFlow threads (0: TensorFlow's default; 1: as a worker)")
    args = parser.parse_args()
    if args.threads == 1:
        common.one_tf_thread()
    from worldmodels import precision

    units = precision.cpu_bfloat16_units()
    rows = [("V training step, batch 64 (images/s)",
             {p: vae_images_per_s(args.repeats, 64, precision=p)[0] for p in PRECISIONS}),
            ("M training step, 32 x 200 (steps/s)",
             {p: rnn_steps_per_s(p, max(3, args.repeats // 4)) for p in PRECISIONS})]
    with tempfile.TemporaryDirectory() as tmp:
        rows += inference_rows(saved_world_models(tmp), args.repeats)
    print(f"\nfloat32 and bfloat16 side by side (bfloat16 units: {', '.join(units) or 'none'})")
    width = max(len(name) for name, _ in rows)
    for name, by in rows:
        print(f"  {name:<{width}}  {by['float32']:10.1f} {by['bfloat16']:10.1f}  "
              f"bfloat16 / float32 {by['bfloat16'] / by['float32']:.2f}")
    v = rows[0][1]
    floor = bfloat16_floor(units)
    ok = common.table("V's training step", [("float32 (images/s)", v["float32"]),
                                            ("bfloat16 (images/s)", v["bfloat16"])],
                      "", "bfloat16 / float32", v["bfloat16"] / v["float32"], floor)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
