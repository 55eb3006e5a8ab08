"""V's training speed against the hardware: images/s of V's real training step (batch 64,
frames in memory), the FLOP rate that implies, and the FLOP rate of a plain tf.matmul of
similar size measured in the same process; the ratio says how close V runs to what this CPU
does on its best-tuned kernel. With --decoders it also times the decoding paths the report and
dreams use (V's decode signature), and --stock runs the same training step with TensorFlow's
stock Conv2D/Conv2DTranspose kernels in place of V's matrix-product layers, for the speed-up.

Where the CPU has bfloat16 units (AMX, AVX512_BF16) it also times the step in bfloat16 (mixed
precision, vae.precision=bfloat16) beside float32, its last line the ratio against its floor
(1.8 with AMX, 1.3 with AVX512_BF16 alone); `--precision both` forces that comparison
elsewhere (no floor there: the CPU emulates bfloat16).

    .venv/bin/python benchmarks/bench_vae_train.py [--steps 30] [--batch 64] [--decoders] [--stock]
        [--precision float32|both]
"""
from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the project on sys.path, quiets TensorFlow)

FLOOR = 0.4


def forward_flops(model) -> int:
    """Multiply-adds x 2 of one image through V (encoder, heads, decoder), from layer shapes."""
    from keras import layers

    total, shape = 0, (64, 64, 3)
    for layer in model.encoder.layers:
        if isinstance(layer, layers.Conv2D):
            k, s = layer.kernel_size[0], layer.strides[0]
            out = (shape[0] - k) // s + 1
            total += 2 * out * out * layer.filters * k * k * shape[2]
            shape = (out, out, layer.filters)
    flat = shape[0] * shape[1] * shape[2]
    total += 2 * 2 * flat * model.z_size  # mu and logvar heads
    shape = None
    for layer in model.decoder.layers:
        if isinstance(layer, layers.Dense):
            total += 2 * model.z_size * layer.units
            shape = (1, 1, layer.units)
        elif isinstance(layer, layers.Conv2DTranspose):
            k, s = layer.kernel_size[0], layer.strides[0]
            total += 2 * shape[0] * shape[1] * k * k * shape[2] * layer.filters
            out = (shape[0] - 1) * s + k
            shape = (out, out, layer.filters)
    return total


def use_stock_kernels(model) -> None:
    """Gives V's matrix-product layers back their Keras parent's `call` (same variables)."""
    import types

    from worldmodels.models.vae import DeconvFromVector, PatchConv2D

    for layer in model.encoder.layers + model.decoder.layers:
        if isinstance(layer, (DeconvFromVector, PatchConv2D)):
            layer.call = types.MethodType(type(layer).__mro__[1].call, layer)


def vae_images_per_s(steps: int, batch: int, stock: bool = False,
                     precision: str = "float32") -> tuple[float, object]:
    import numpy as np

    from worldmodels.config import VAEConfig
    from worldmodels.training.vae_train import VAESteps

    trainer = VAESteps(VAEConfig(batch_size=batch, precision=precision))
    if stock:
        use_stock_kernels(trainer.model)
    rng = np.random.default_rng(0)
    images = rng.random((batch, 64, 64, 3), np.float32)
    noise = rng.standard_normal((batch, 32)).astype(np.float32)
    for _ in range(3):  # trace and warm up
        trainer.step(images, noise)[0]["total"].numpy()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step(images, noise)[0]["total"].numpy()
    return steps * batch / (time.perf_counter() - start), trainer.model


def matmul_flops_per_s(n: int = 1024, repeats: int = 50) -> float:
    import tensorflow as tf

    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])
    product = tf.function(lambda a, b: tf.matmul(a, b))
    product(a, b).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        product(a, b).numpy()
    return repeats * 2 * n**3 / (time.perf_counter() - start)


def decoder_ms(batch: int = 1000) -> list[tuple[str, float]]:
    """V's decode signature, as the report's reconstructions and dream GIFs call it."""
    import tempfile

    import tensorflow as tf

    from worldmodels.export import serving
    from worldmodels.export.vae import save_vae
    from worldmodels.models.vae import ConvVAE

    with tempfile.TemporaryDirectory() as tmp:
        save_vae(ConvVAE(), tmp)
        vae = serving.load(tmp)
        rows = []
        for n in (1, 64, batch):
            z = tf.random.normal([n, 32])
            vae.decode(z)
            start = time.perf_counter()
            vae.decode(z)["images"].numpy()
            rows.append((f"decode {n} latents (ms)", (time.perf_counter() - start) * 1000))
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--decoders", action="store_true")
    parser.add_argument("--stock", action="store_true")
    parser.add_argument("--precision", choices=("float32", "both"), default=None,
                        help="both: bfloat16 beside float32 (default where the CPU has "
                        "bfloat16 units)")
    args = parser.parse_args()
    from worldmodels import precision

    units = precision.cpu_bfloat16_units()
    images_per_s, model = vae_images_per_s(args.steps, args.batch)
    train_flops = 3 * forward_flops(model)  # forward + backward (two products per layer)
    v_rate = images_per_s * train_flops
    mm_rate = matmul_flops_per_s()
    ratio = v_rate / mm_rate
    rows = [("V training (images/s)", images_per_s),
            ("V training FLOP per image (M)", train_flops / 1e6),
            ("V training (GFLOP/s)", v_rate / 1e9),
            ("tf.matmul 1024x1024 (GFLOP/s)", mm_rate / 1e9)]
    if args.stock:
        stock, _ = vae_images_per_s(max(3, args.steps // 5), args.batch, stock=True)
        rows += [("V training, stock TF kernels (images/s)", stock),
                 ("speed-up over the stock kernels", images_per_s / stock)]
    if args.decoders:
        rows += decoder_ms()
    ok = common.table("V training vs a plain matrix product, this process", rows, "", "ratio",
                      ratio, FLOOR)
    if (args.precision or ("both" if units else "float32")) == "both":
        bf16, _ = vae_images_per_s(args.steps, args.batch, precision="bfloat16")
        floor = bfloat16_floor(units)
        ok = common.table(f"V's training step, float32 and bfloat16 (bfloat16 units: "
                          f"{', '.join(units) or 'none'})",
                          [("float32 (images/s)", images_per_s), ("bfloat16 (images/s)", bf16)],
                          "", "bfloat16 / float32", bf16 / images_per_s, floor) and ok
    return 0 if ok else 1


def bfloat16_floor(units: list[str]) -> float:
    """What bfloat16 must give over float32 here: 1.8x with AMX, 1.3x with AVX512_BF16 alone,
    nothing where the CPU emulates it."""
    return 1.8 if "amx_bf16" in units else 1.3 if units else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
