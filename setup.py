"""worldmodels: World Models (Ha & Schmidhuber 2018) as a TFX pipeline.

Versions are ranges here; the exact tested set lives in constraints.txt, which setup,
CI and the Dockerfile all install with.
"""
from setuptools import find_packages, setup

setup(
    name="worldmodels",
    version="0.1.0",
    description="World Models (VAE, MDN-RNN, CMA-ES controller) as a TFX pipeline",
    python_requires=">=3.10,<3.11",
    packages=find_packages(include=["worldmodels*", "components*", "pipeline*"]),
    install_requires=[
        "tfx[kfp]==1.16.0",
        "tensorflow>=2.16,<2.17",
        "ml-metadata>=1.16,<1.17",
        "apache-beam[gcp]",
        "dask[distributed]",
        "dill",
        "tensorflow-datasets>=4.9,<5",
        "gymnasium[box2d]>=1.0,<2",
        "vizdoom>=1.3.2,<1.4",
        "cma>=4,<5",
        "numpy<2",
        "tqdm",
        "matplotlib",
        "imageio",
        "pillow",
    ],
    extras_require={"test": ["pytest", "nbclient", "nbformat", "ipykernel"]},
    entry_points={"console_scripts": ["worldmodels=pipeline.cli:main"]},
)
