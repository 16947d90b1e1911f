"""The batch machinery of `check`: the per-file task (`tasks.py`), where it runs
(`schedule.py`: this process, `local.py`: a process pool, `cluster.py`: Dask) and the result
cache (`cache.py`). It imports the checks, the readers and the configuration, never the gate or
the commands: the gate calls it.
"""
