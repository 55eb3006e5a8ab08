"""The batched engine, local worker processes and the exported agent give the returns of the
simple one-environment loop for the same seeds."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import agent, env as envlib, rollout, rollout_engine, serving, workers
from worldmodels.models.mdnrnn import MDNRNN
from worldmodels.models.vae import ConvVAE

MAX_STEPS = 30


@pytest.fixture(scope="module")
def world_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("wm")
    serving.save_vision(ConvVAE(), str(root / "v"))
    serving.save_memory(MDNRNN(), str(root / "m"))
    return str(root / "v"), str(root / "m")


def one_env_loop(policy, params, seed) -> float:
    """The reference: one environment, one model call per step, written out plainly."""
    env = envlib.make_env(max_steps=MAX_STEPS)
    frame, _ = env.reset(seed=seed)
    h, c = policy.initial_state(1)
    total, done = 0.0, False
    while not done:
        action, h, c = policy(frame[None], params[None], h, c)
        frame, reward, terminated, truncated, _ = env.step(action[0])
        total += reward
        done = terminated or truncated
    return total


def test_batched_engine_and_workers_equal_the_one_env_loop(world_model):
    vision_dir, memory_dir = world_model
    policy = agent.PopulationPolicy(serving.load(vision_dir), serving.load(memory_dir))
    params = np.random.default_rng(0).normal(0, 0.5, (3, 867)).astype(np.float32)
    jobs = rollout_engine.population_jobs(3, [11, 12])
    expected = np.array([one_env_loop(policy, params[j.params_index], j.seed) for j in jobs])
    envs = [envlib.make_env(max_steps=MAX_STEPS) for _ in range(4)]
    np.testing.assert_array_equal(rollout_engine.run_jobs(policy, params, jobs, envs), expected)
    with workers.PolicyRunner(workers.ProcessPool(2), envlib.ENV_ID, MAX_STEPS, vision_dir,
                              memory_dir, envs_per_worker=2) as pool:
        np.testing.assert_array_equal(pool.run(params, jobs), expected)
    assert rollout_engine.mean_returns(expected, 3).shape == (3,)
    np.testing.assert_array_equal(rollout_engine.mean_returns(expected, 3),
                                  expected.reshape(3, 2).mean(1))


def test_exported_agent_equals_the_population_policy(world_model, tmp_path):
    vision_dir, memory_dir = world_model
    vision, memory = serving.load(vision_dir), serving.load(memory_dir)
    params = np.random.default_rng(1).normal(0, 0.5, 867).astype(np.float32)
    agent.export_agent(vision, memory, params, str(tmp_path / "agent"))
    exported = serving.load(str(tmp_path / "agent"))
    frames = np.random.default_rng(2).integers(0, 256, (3, 96, 96, 3), dtype=np.uint8)
    state = exported.initial_state(3)
    action, state = exported.act(frames, state)
    policy = agent.PopulationPolicy(vision, memory)
    h, c = policy.initial_state(3)
    want, h, c = policy(frames, np.stack([params] * 3), h, c)
    np.testing.assert_array_equal(action.numpy(), want)
    np.testing.assert_array_equal(state["h"].numpy(), h)


def test_tf_preprocessing_equals_numpy():
    frames = np.random.default_rng(3).integers(0, 256, (5, 96, 96, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.rint(agent.preprocess(frames).numpy() * 255),
                                  envlib.preprocess(frames))


def test_brownian_explorer_is_seeded_and_in_bounds():
    p1, p2, p3 = rollout.BrownianPolicy(4), rollout.BrownianPolicy(4), rollout.BrownianPolicy(5)
    s1 = np.array([p1() for _ in range(200)])
    s2 = np.array([p2() for _ in range(200)])
    s3 = np.array([p3() for _ in range(200)])
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(s1, s3)
    assert (s1 >= envlib.ACTION_LOW).all() and (s1 <= envlib.ACTION_HIGH).all()


def test_collect_episode_shapes_and_repeatability():
    env = envlib.make_env(max_steps=20)
    first, second = rollout.collect_episode(env, 9), rollout.collect_episode(env, 9)
    assert first.observations.shape == (21, 64, 64, 3) and first.actions.shape == (20, 3)
    assert first.truncated and not first.terminated
    np.testing.assert_array_equal(first.observations, second.observations)
    np.testing.assert_array_equal(first.rewards, second.rewards)
    assert set(rollout.episode_seeds(0, "train", 5)).isdisjoint(rollout.episode_seeds(0, "eval", 5))


class StandStill:
    """A policy that never touches the pedals: after the start tile, no new tile ever."""

    def initial_state(self, k):
        return np.zeros((k, 2), np.float32), np.zeros((k, 2), np.float32)

    def __call__(self, frames, params, h, c):
        return np.zeros((len(frames), 3), np.float32), h, c


def test_stuck_episodes_end_early_charged_the_steps_they_skip():
    envs = [envlib.make_env(max_steps=200) for _ in range(2)]
    params = np.zeros((1, 1), np.float32)
    full_len, cut_len = np.zeros(1, np.int64), np.zeros(2, np.int64)
    full = rollout_engine.run_jobs(StandStill(), params, [rollout_engine.Job(0, 5)], envs[:1],
                                   lengths=full_len)
    cut = rollout_engine.run_jobs(StandStill(), params, rollout_engine.population_jobs(1, [5, 5], 40),
                                  envs, lengths=cut_len)
    assert full_len.tolist() == [200]
    assert cut_len.tolist() == [41, 41]  # the start tile's reward at step 1, then 40 stalled
    np.testing.assert_allclose(cut, [full[0], full[0]], rtol=0, atol=1e-9)


def test_policy_runner_counts_environment_steps(world_model):
    vision_dir, memory_dir = world_model
    params = np.zeros((2, 867), np.float32)
    with workers.PolicyRunner(workers.InProcess(), envlib.ENV_ID, MAX_STEPS, vision_dir,
                              memory_dir, envs_per_worker=2) as pool:
        pool.run(params, rollout_engine.population_jobs(2, [1, 2]))
        assert pool.steps == 4 * MAX_STEPS


def test_worker_processes_keep_the_stuck_cutoff(world_model):
    """Jobs cross to worker processes with their patience: the cut episodes' steps and
    returns equal the in-process engine's."""
    vision_dir, memory_dir = world_model
    envs = [envlib.make_env(max_steps=200) for _ in range(2)]
    jobs = rollout_engine.population_jobs(2, [5, 6], 10)
    params = np.zeros((2, 867), np.float32)
    params[:, -2] = -5.0  # bias of the gas output: tanh(-5) -> no gas, the car never moves
    lengths = np.zeros(len(jobs), np.int64)
    policy = agent.PopulationPolicy(serving.load(vision_dir), serving.load(memory_dir))
    expected = rollout_engine.run_jobs(policy, params, jobs, envs, lengths=lengths)
    assert (lengths < 200).all()
    with workers.PolicyRunner(workers.ProcessPool(2), envlib.ENV_ID, 200, vision_dir,
                              memory_dir, envs_per_worker=2) as pool:
        np.testing.assert_array_equal(pool.run(params, jobs), expected)
        assert pool.steps == lengths.sum()
