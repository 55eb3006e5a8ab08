"""Precision: `auto` is bfloat16 exactly where the CPU lists a bfloat16 unit; the config
checks the choice; a run resolves `auto` before its first stage."""
from __future__ import annotations

import pytest

from worldmodels import config, precision

INTEL = "flags\t\t: fpu vme sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
ZEN4 = "flags\t\t: fpu vme sse2 avx2 avx512f avx512_bf16\n"
OLDER = "flags\t\t: fpu vme sse2 avx2\n"


@pytest.mark.parametrize("cpuinfo, units, auto", [
    (INTEL, ["amx_bf16", "avx512_bf16"], "bfloat16"),
    (ZEN4, ["avx512_bf16"], "bfloat16"),
    (OLDER, [], "float32"),
])
def test_auto_is_bfloat16_where_the_cpu_has_a_bfloat16_unit(tmp_path, cpuinfo, units, auto):
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nmodel name\t: a CPU\n" + cpuinfo)
    assert precision.cpu_bfloat16_units(str(path)) == units
    assert precision.resolve("auto", units) == auto
    assert precision.resolve("float32", units) == "float32"
    assert precision.resolve("bfloat16", units) == "bfloat16"


def test_an_unreadable_cpuinfo_means_no_bfloat16_units(tmp_path):
    assert precision.cpu_bfloat16_units(str(tmp_path / "missing")) == []


def test_the_keras_policy_keeps_float32_weights():
    assert precision.keras_policy("bfloat16") == "mixed_bfloat16"
    assert precision.keras_policy("float32") == "float32"


def test_the_config_names_a_bad_precision():
    with pytest.raises(config.ConfigError, match="rnn.precision: must be one of float32, "
                       "bfloat16, auto, got 'fp16'"):
        config.with_overrides(config.TINY, ["rnn.precision=fp16"])
    with pytest.raises(config.ConfigError, match="vae.precision: the VAE/GAN trains in float32"):
        config.with_overrides(config.TINY, ["vae.kind=vae_gan", "vae.precision=bfloat16"])


def test_auto_is_resolved_for_this_cpu_before_a_run():
    cfg = config.with_overrides(config.TINY, ["vae.precision=auto", "rnn.precision=bfloat16"])
    resolved = config.resolve_precision(cfg)
    assert resolved.vae.precision == precision.resolve("auto")
    assert resolved.rnn.precision == "bfloat16"
    assert resolved.controller == cfg.controller
