"""The `worldmodels` command: the top of the import graph (it runs the pipeline and the
inspection tools). TFX is imported only by the subcommands that need it (it costs seconds),
and every failure ends in one line naming the file, field or flag."""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # gRPC logs each fork of a process using it

from worldmodels import config, layout, seeds  # noqa: E402  (pure Python, no TensorFlow)
from worldmodels.lab import settings as lab_settings  # noqa: E402  (pure Python)

# Beam on this machine: the DirectRunner with one worker process per core.
DEFAULT_BEAM_ARGS = ["--direct_running_mode=multi_processing",
                     f"--direct_num_workers={os.cpu_count() or 1}"]


class UsageError(ValueError):
    """Bad command-line input; the message names the flag."""


def _writable_root(root: str) -> str:
    root = os.path.abspath(root)
    try:
        os.makedirs(root, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as err:
        raise UsageError(f"--root {root}: not a writable directory ({err.strerror})") from None
    return root


def _quiet_libraries(verbose: bool) -> None:
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if not verbose:  # also for the Beam worker processes, which inherit the environment
        os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.FATAL)  # our own one-line error says it
        logging.getLogger("absl").setLevel(logging.CRITICAL)
        logging.getLogger("apache_beam").setLevel(logging.ERROR)
        logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _beam_args(given: list[str], root: str) -> list[str]:
    """The user's Beam arguments (the DirectRunner on every core by default); a Dask
    cluster's scheduler must answer, with single-threaded workers, before the first stage."""
    from worldmodels.runtime import dask_cluster

    beam_args = dask_cluster.resolve(given or DEFAULT_BEAM_ARGS)
    if dask_cluster.is_dask(beam_args):
        try:
            dask_cluster.worker_count(beam_args)
        except ValueError as err:
            raise UsageError(str(err)) from None
    return dask_cluster.with_shared_temp(beam_args, root)


def cmd_run(args) -> int:
    from worldmodels import root_lock
    from worldmodels.inspect import metadata

    cfg = config.with_overrides(config.preset(args.preset), args.set)
    if args.vae_kind:
        cfg = cfg.replace(vae={"kind": args.vae_kind})
    if args.seed is not None:
        cfg = cfg.replace(seed=args.seed)
    if args.rounds is not None:
        cfg = cfg.replace(rounds={"count": args.rounds})
    if args.until != "Evaluator":  # round 1 only: a preset's later rounds are left out
        if cfg.rounds.count > 1 and args.rounds is not None:
            raise UsageError(f"--until {args.until}: stops round 1, so it cannot run "
                             f"{cfg.rounds.count} rounds; leave out --until or --rounds")
        cfg = cfg.replace(rounds={"count": 1})
    cfg = _resolved_precision(cfg)
    root = _writable_root(args.root)
    _quiet_libraries(args.verbose)
    if args.beam_arg and args.runner != "beam":
        raise UsageError("--beam-arg: only with --runner beam")
    beam_args = _beam_args(args.beam_arg, root) if args.runner == "beam" else []
    with root_lock.hold(root, wait=args.wait):
        print(f"worldmodels: running the {cfg.preset} pipeline under {root} ({args.runner} "
              "runner)", file=sys.stderr)
        start = time.time()
        if args.runner == "beam":
            from pipeline import beam_runner

            ran = beam_runner.run(cfg, root, beam_args, enable_cache=not args.no_cache,
                                  until=args.until)
        else:
            from pipeline import local_runner

            ran = local_runner.run(cfg, root, enable_cache=not args.no_cache, until=args.until)
    print(f"done in {time.time() - start:.0f}s")
    print("stages: " + ", ".join(f"{name} {seconds:.1f}s" + (" (cached)" if cached else "")
                                 for name, seconds, cached in metadata.stage_times(root)
                                 if name in ran))
    if args.until != "Evaluator":
        print(f"stopped after {args.until}: {metadata.newest_output(root, args.until)}")
        return 0
    if cfg.rounds.count > 1:
        for row in metadata.round_rows(root)[:cfg.rounds.count]:
            print(f"round {row['round']}: {row['mean']:.1f} +- {row['std']:.1f}, IQM "
                  f"{row['iqm']:.1f}; {_fidelity_text(row['dream_fidelity'])}")
    summary = metadata.latest_agent(root)
    verdict = "BLESSED" if summary.blessed else "NOT_BLESSED"
    print(f"agent: {summary.agent_dir}")
    print(f"score: {summary.mean_return:.1f} +- {summary.std_return:.1f} over {summary.episodes} "
          f"{cfg.env.env_id} episodes ({verdict}, threshold {summary.threshold:g}); "
          f"IQM {summary.iqm_return:.1f}, 95% CI [{summary.iqm_ci[0]:.1f}, {summary.iqm_ci[1]:.1f}]")
    return 0


def _fidelity_text(fidelity: dict) -> str:
    if "unmeasured" in fidelity:
        return f"dream fidelity unmeasured ({fidelity['unmeasured']})"
    correlation = fidelity["rank_correlation"]
    return (f"dream-real rank correlation "
            f"{'- (a constant side)' if correlation is None else format(correlation, '.2f')}, "
            f"dream minus real {fidelity['gap']:.1f}")


def _resolved_precision(cfg):
    """cfg with `auto` precisions resolved for this CPU (so the choice is in every cache key
    and in ML Metadata), said in one line where a choice was made."""
    from worldmodels import precision

    resolved = config.resolve_precision(cfg)
    if "auto" in (cfg.vae.precision, cfg.rnn.precision):
        units = precision.cpu_bfloat16_units()
        print(f"worldmodels: V computes in {resolved.vae.precision}, M in "
              f"{resolved.rnn.precision} (auto: this CPU has "
              f"{' and '.join(units) if units else 'no AMX or AVX512_BF16'})", file=sys.stderr)
    return resolved


def cmd_compile(args) -> int:
    cfg = config.with_overrides(config.preset(args.preset), args.set)
    if cfg.rounds.count > 2:  # round 3's M learns from two earlier rounds' latents: a union
        raise UsageError(f"rounds.count {cfg.rounds.count} (--preset {args.preset}, --set): "
                         "Kubeflow's compiler takes one channel per input, so at most 2 rounds "
                         "compile (--set rounds.count=2); run more with `worldmodels run`")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir) or not os.access(out_dir, os.W_OK):
        raise UsageError(f"--output {args.output}: {out_dir} is not a writable directory")
    _quiet_libraries(args.verbose)
    from pipeline import kubeflow_runner
    from worldmodels.runtime import dask_cluster

    path = kubeflow_runner.compile_pipeline(cfg, args.output, args.pipeline_root, args.image,
                                            dask_cluster.resolve(args.beam_arg) or None)
    print(f"pipeline spec: {path} (image {args.image}, pipeline root {args.pipeline_root})")
    return 0


def cmd_lineage(args) -> int:
    import json

    from worldmodels.inspect import lineage

    rows = lineage.lineage(os.path.abspath(args.root), args.artifact_id)
    print(json.dumps(rows, indent=1) if args.json else lineage.format_rows(rows))
    return 0


def cmd_report(args) -> int:
    _quiet_libraries(args.verbose)
    from worldmodels.inspect import report

    return report.main_report(args)


def cmd_lab(args) -> int:
    _quiet_libraries(args.verbose)
    from worldmodels.lab import search_cli, temperatures, vae_cli

    return {"search": search_cli, "temperatures": temperatures, "vae": vae_cli}[args.lab].main(args)


def cmd_play(args) -> int:
    _quiet_libraries(args.verbose)
    from worldmodels.inspect import play

    return play.main_play(args)


def _rounds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def _preset_help(default: str) -> str:
    return f"{' | '.join(config.PRESETS)} (default: {default})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="worldmodels", description="World Models (VAE, MDN-RNN, CMA-ES controller) as a "
        "TFX pipeline on CarRacing-v3 and DoomTakeCover: run it, trace it, look at it, "
        "compare settings, ship the agent.")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--verbose", action="store_true", help="TFX and TensorFlow logs too")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline (local or Beam runner)")
    run.add_argument("--preset", default="tiny", help=_preset_help("tiny"))
    run.add_argument("--root", default="worldmodels_runs",
                     help="artifacts and ML Metadata go here (default: ./worldmodels_runs)")
    run.add_argument("--runner", choices=("local", "beam"), default="local",
                     help="local: TFX LocalDagRunner; beam: TFX BeamDagRunner, and Beam inside "
                          "the components (default: local)")
    run.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                     help="a Beam pipeline argument, repeatable, e.g. "
                          "--beam-arg=--direct_num_workers=2, or --beam-arg=--runner=DaskRunner "
                          "--beam-arg=--dask_client_address=HOST:PORT for a Dask cluster "
                          "(default with --runner beam: the DirectRunner, multi_processing, one "
                          "worker per core)")
    run.add_argument("--vae-kind", choices=("vae", "vae_gan"), default=None,
                     help="train V as the paper's VAE or as a VAE/GAN (default: the preset's, vae)")
    run.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    run.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                     help="override one config value, e.g. --set vae.epochs=2 (repeatable)")
    run.add_argument("--rounds", type=_rounds, default=None, metavar="N",
                     help="the paper's iterative training: after round 1 each round plays the "
                     "previous agent, refines M, searches C again from it and scores it "
                     "(default: the preset's rounds.count; a finished run given more rounds "
                     "runs only the new ones)")
    run.add_argument("--until", choices=layout.COMPONENTS, default="Evaluator",
                     help="run round 1's components up to this one only (e.g. RNNTrainer: "
                     "rollouts, V and M for a laboratory; default: all, every round)")
    run.add_argument("--no-cache", action="store_true", help="re-run every component")
    run.add_argument("--wait", action="store_true",
                     help="if another run holds the root, wait for it instead of ending")
    run.set_defaults(func=cmd_run)

    lin = sub.add_parser("lineage", help="trace an artifact back to its rollouts")
    lin.add_argument("--root", default="worldmodels_runs", help="the run's root")
    lin.add_argument("artifact_id", nargs="?", type=int, default=None,
                     help="an ML Metadata artifact id (default: the newest agent)")
    lin.add_argument("--json", action="store_true", help="machine-readable rows")
    lin.set_defaults(func=cmd_lineage)

    rep = sub.add_parser("report", help="an HTML page about the newest agent: reconstructions, "
                                        "a dream, the CMA-ES curve, returns, lineage")
    rep.add_argument("--root", default="worldmodels_runs", help="the run's root")
    rep.add_argument("--out", default="report", help="directory for index.html and its images "
                                                     "(default: ./report)")
    rep.add_argument("--temperature", type=float, default=1.0,
                     help="M's sampling temperature in the dream (default: 1.0)")
    rep.set_defaults(func=cmd_report)

    ply = sub.add_parser("play", help="play the agent's game (CarRacing-v3, DoomTakeCover) "
                                      "with an agent SavedModel")
    ply.add_argument("agent_dir", help="the agent artifact's directory or its Format-Serving")
    ply.add_argument("--episodes", type=int, default=1, help="episodes to play (default: 1)")
    ply.add_argument("--seed", type=int, default=seeds.EVALUATOR_DEFAULT,
                     help=f"episode i uses seed S+i (default: {seeds.EVALUATOR_DEFAULT}, the "
                          "Evaluator's default seeds, which no run trains on)")
    ply.add_argument("--record", default=None, metavar="OUT.gif|OUT.mp4",
                     help="write every rendered frame (600x400 + caption) to a .gif or .mp4")
    ply.add_argument("--max-steps", type=int, default=None,
                     help="truncate episodes here, as the run's env.max_steps (default: the "
                          "game's cap: 1,000 for CarRacing-v3, 2,100 for DoomTakeCover)")
    ply.set_defaults(func=cmd_play)

    comp = sub.add_parser("compile", help="compile the pipeline for another orchestrator")
    comp.add_argument("--preset", default="tiny", help=_preset_help("tiny"))
    comp.add_argument("--target", choices=("kubeflow",), default="kubeflow")
    comp.add_argument("--output", default="pipeline.json", help="the pipeline spec JSON to write")
    comp.add_argument("--image", default="worldmodels:0.1.0",
                      help="the project's Docker image (built from the Dockerfile)")
    comp.add_argument("--pipeline-root", default="gs://YOUR_BUCKET/worldmodels",
                      help="where Kubeflow's workers write artifacts")
    comp.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    comp.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                      help="Beam arguments for the Beam components inside Kubeflow")
    comp.set_defaults(func=cmd_compile)
    _add_lab(sub)
    return parser


def _setting_arguments(parser, levers: dict, example: str) -> None:
    """A laboratory's preset, changes to every setting, and the settings it compares."""
    parser.add_argument("--preset", default="medium", help=_preset_help("medium"))
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                        help="a change to every setting")
    parser.add_argument("--setting", action="append", default=[],
                        help=f"a lever ({', '.join(levers)}), levers joined by + ({example}), "
                        "or NAME=SECTION.FIELD=VALUE,... (default: base)")


def _add_lab(sub) -> None:
    """`worldmodels lab search|vae|temperatures`: settings compared at equal cost from a
    finished run's artifacts."""
    lab = sub.add_parser("lab", help="laboratories: settings compared at equal cost over seeds")
    labs = lab.add_subparsers(dest="lab", required=True)
    search = labs.add_parser("search", help="ControllerSearch's CMA-ES under several settings, "
                             "each CMA-ES seed to the same budget of environment steps")
    search.add_argument("--root", required=True, help="a finished CarRacing run's root")
    _setting_arguments(search, lab_settings.SEARCH_LEVERS, "pop32x1+diagonal")
    search.add_argument("--cma-seeds", type=int, nargs="+", default=[0, 1])
    search.add_argument("--budget", type=int, default=2_000_000, help="search steps per run")
    search.add_argument("--watch-every", type=int, default=250_000,
                        help="search steps between watches of each run's mean")
    search.add_argument("--watch-tracks", type=int, default=24,
                        help="the fixed tracks each mean is watched on")
    search.add_argument("--held-out", type=int, default=0,
                        help="at the end, score each run's best-watched and last means on this "
                        "many held-out tracks (0: not)")
    search.add_argument("--from", dest="branch_from", default=None, metavar="SETTING@STEPS",
                        help="start new settings' runs from SETTING's run at its first watch at "
                        "or past STEPS search steps (same CMA-ES seed)")
    search.add_argument("--rnn", default=None, help="M's artifact (default: the root's newest)")
    search.add_argument("--work", default=None, help="default: ROOT/search_lab")

    temps = labs.add_parser("temperatures", help="the paper's temperature table: C searched "
                            "in M's dream at each temperature, scored in the dream and the game")
    temps.add_argument("--root", required=True, help="a finished DoomTakeCover run's root")
    temps.add_argument("--preset", default="doom", help=_preset_help("doom"))
    temps.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    temps.add_argument("--seed", type=int, default=None,
                       help="CMA-ES's and the dreams' seed (default: the preset's); the real "
                       "episodes stay the Evaluator's")
    temps.add_argument("--round", type=int, default=None, metavar="K",
                       help="start from the V, M and dream starts round K's search was given "
                       "(default: the root's newest)")
    temps.add_argument("--temperatures", type=float, nargs="+", default=None,
                       help="default: the paper's, 0.1 0.5 1.0 1.15 1.3")
    temps.add_argument("--episodes", type=int, default=100,
                       help="real episodes per controller")
    temps.add_argument("--dream-episodes", type=int, default=100,
                       help="dreams per controller")
    temps.add_argument("--work", default=None, help="default: ROOT/temperature_table")

    vae = labs.add_parser("vae", help="V trained from a run's rollouts under several settings, "
                          "each seed to the same marks of batches")
    source = vae.add_mutually_exclusive_group(required=True)
    source.add_argument("--root", help="a finished run's root (its newest rollouts)")
    source.add_argument("--rollouts", help="a Rollouts artifact's directory")
    _setting_arguments(vae, lab_settings.VAE_LEVERS, "lr3e-4+batch32")
    vae.add_argument("--seeds", type=int, nargs="+", default=[0, 1],
                     help="V's seeds (its initial weights, data order and noise)")
    vae.add_argument("--batches", type=int, default=1600, help="batches per run")
    vae.add_argument("--mark-every", type=int, default=400,
                     help="batches between measurements of each run")
    vae.add_argument("--work", default=None, help="default: ROOT/vae_lab")
    lab.set_defaults(func=cmd_lab)


_DISK_FULL = re.compile(r"No space left on device|File too large|Disk quota exceeded")


def one_line(err: BaseException) -> str:
    """An exception as one line: TensorFlow's op errors without their graph-node prefix and
    op suffix, and a full disk said to be one (what was finished is kept)."""
    tf = sys.modules.get("tensorflow")  # never imported just for this
    text = err.message if tf and isinstance(err, tf.errors.OpError) else str(err)
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\]", "", text)
    text = " ".join(text.split()) or type(err).__name__
    if _DISK_FULL.search(text):
        text += " (disk full: finished work is kept; free space and run again to resume)"
    return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quiet:
        os.environ["WORLDMODELS_QUIET"] = "1"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("worldmodels: interrupted; finished stages are kept and a rerun resumes", file=sys.stderr)
        return 130
    except Exception as err:  # one line, not a traceback; --verbose keeps the traceback
        if args.verbose:
            raise
        print(f"worldmodels: error: {one_line(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
