"""The command's one-line errors for what TensorFlow and the OS raise."""
from __future__ import annotations

import errno

import tensorflow as tf

from pipeline.cli import one_line


def test_a_tensorflow_error_loses_its_graph_node_and_op_and_says_disk_full():
    err = tf.errors.OutOfRangeError(None, None, (
        "{{function_node __wrapped__SaveV2_dtypes_20_device_/job:localhost/replica:0/task:0/"
        "device:CPU:0}} /r/ck/ckpt-1_temp/part-00000-of-00001.data-00000-of-00001.tempstate1; "
        "File too large [Op:SaveV2]"))
    assert one_line(err) == ("/r/ck/ckpt-1_temp/part-00000-of-00001.data-00000-of-00001."
                             "tempstate1; File too large (disk full: finished work is kept; "
                             "free space and run again to resume)")


def test_an_os_error_keeps_its_file_and_is_one_line():
    err = OSError(errno.ENOSPC, "No space left on device", "/r/shard-00001")
    assert one_line(err) == ("[Errno 28] No space left on device: '/r/shard-00001' (disk full: "
                             "finished work is kept; free space and run again to resume)")
    assert one_line(ValueError("a\n  b")) == "a b"


def test_auto_precision_is_resolved_and_said_before_a_run(capsys):
    from pipeline.cli import _resolved_precision
    from worldmodels import config, precision

    cfg = config.with_overrides(config.TINY, ["vae.precision=auto"])
    resolved = _resolved_precision(cfg)
    choice = precision.resolve("auto")
    units = precision.cpu_bfloat16_units()
    assert (resolved.vae.precision, resolved.rnn.precision) == (choice, "float32")
    assert capsys.readouterr().err == (
        f"worldmodels: V computes in {choice}, M in float32 (auto: this CPU has "
        f"{' and '.join(units) if units else 'no AMX or AVX512_BF16'})\n")
    _resolved_precision(config.TINY)
    assert capsys.readouterr().err == ""  # nothing to choose, nothing said
