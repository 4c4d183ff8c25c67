"""The one thing pyproject.toml cannot declare without an experimental table: the planner's
compiled search (bureau/freight/_pareto.c, plain C and the Python headers, no other build
requirement), built by `pip install -e .`. bureau/freight/search.py explains the search."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bureau.freight._pareto",
            sources=["bureau/freight/_pareto.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall"],
            # Without a compiler the install still succeeds and the planner searches in Python
            # (slower); tests/benchmarks say so (search.COMPILED, "compiled" in the bench).
            optional=True,
        )
    ]
)
