"""The project's own artifact types (TYPE_NAME `worldmodels.Name`, as Kubeflow V2 requires).

Both hold a TFDS dataset in RLDS form with `train` and `eval` splits; V, M, C and the agent
use TFX's standard Model, ModelRun, ModelEvaluation and ModelBlessing."""
from tfx.types import artifact

_DATASET_PROPERTIES = {
    "split_names": artifact.Property(type=artifact.PropertyType.STRING),
    "episodes": artifact.Property(type=artifact.PropertyType.INT),
    "steps": artifact.Property(type=artifact.PropertyType.INT),
}


class Rollouts(artifact.Artifact):
    """CarRacing-v3 episodes: 64x64 observations, actions, rewards, RLDS step flags."""

    TYPE_NAME = "worldmodels.Rollouts"
    PROPERTIES = _DATASET_PROPERTIES


class LatentSeries(artifact.Artifact):
    """The same episodes encoded by V: per step mu and logvar instead of the frame."""

    TYPE_NAME = "worldmodels.LatentSeries"
    PROPERTIES = _DATASET_PROPERTIES
