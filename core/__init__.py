"""SynthLab's library: load, inspect, repair, synthesise and evaluate tables.

Nothing in ``core`` imports Streamlit; every function here can be used from a notebook,
the command line or a test.
"""

__version__ = "0.1.0"  # the one place of SynthLab's version (pyproject.toml reads it); fitted models record it
