"""The project's own artifact types (TYPE_NAME `worldmodels.Name`, as Kubeflow V2 requires).

Both hold a TFDS dataset in RLDS form with `train` and `eval` splits; V, M, C and the agent
use TFX's standard Model, ModelRun, ModelEvaluation and ModelBlessing.

Their properties (split_names, episodes, steps) are custom properties, set by `describe`:
TFX's Kubeflow V2 compiler accepts no declared PROPERTIES on custom artifact types."""
import json

from tfx.types import artifact


class Rollouts(artifact.Artifact):
    """CarRacing-v3 episodes: 64x64 observations, actions, rewards, RLDS step flags."""

    TYPE_NAME = "worldmodels.Rollouts"


class LatentSeries(artifact.Artifact):
    """The same episodes encoded by V: per step mu and logvar instead of the frame."""

    TYPE_NAME = "worldmodels.LatentSeries"


def describe(dataset: artifact.Artifact, splits, episodes: int, steps: int) -> None:
    dataset.set_string_custom_property("split_names", json.dumps(list(splits)))
    dataset.set_int_custom_property("episodes", episodes)
    dataset.set_int_custom_property("steps", steps)
