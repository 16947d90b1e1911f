"""The verbs' pipelines below the commands: read the inputs, run the analysis, apply the one
gate (`gating.py`), and return what the reporters format. Commands only turn arguments into
settings and the result into reports; benchmarks and library callers use these directly."""
