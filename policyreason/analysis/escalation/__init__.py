"""Privilege escalation: the published paths a principal's policies let it take, each as one
joint question over the path's requests (`paths.py`, over the search of `joint.py`)."""
